/**
 * `npm run token -- --role vendor --store acme-widgets`: prints a token for the hub's secret
 * (CAPS_SECRET, or the file CAPS_SECRET_FILE, created if there is none yet), for a client that
 * connects from another machine (`CAPS_TOKEN=<token> npm run vendor -- --store acme-widgets`).
 */
import { Command, Option } from 'commander';
import { hubConfig, loadDotenvFile } from '../config';
import { positiveNumber } from '../cli/options';
import { loadSecret } from './secret';
import { claimsOf, type TokenOptions } from './token-options';
import { issueToken } from './token';

async function main(): Promise<void> {
  const opts = new Command('caps-token')
    .description("Print a token for this hub's secret (CAPS_SECRET, or CAPS_SECRET_FILE); docs/security.md")
    .addOption(new Option('--role <role>', 'who the token is for').choices(['vendor', 'driver', 'dashboard']).makeOptionMandatory())
    .option('--store <name>', "a vendor's store: the only one it may act for")
    .option('--name <name>', "a driver's name")
    .option('--client-id <id>', "the client id (default: vendor:<store>, the driver's name, or dashboard)")
    .option('--expires <seconds>', 'make it expire after this many seconds (default: never)', positiveNumber)
    .parse()
    .opts<TokenOptions>();
  loadDotenvFile();
  const claims = claimsOf(opts);
  const token = await issueToken(loadSecret(hubConfig().trust), claims, opts.expires === undefined ? {} : { expiresInSeconds: opts.expires });
  console.log(token);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
