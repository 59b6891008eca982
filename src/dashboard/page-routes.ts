/**
 * Serves the dashboard page from the hub's own HTTP server: `/` (the HTML), `/dashboard/style.css`
 * and `/dashboard/<name>.js`, one per TypeScript file in `page/`. GET and HEAD only (405 otherwise).
 * The page holds no data: anyone may load it, and the `/dashboard` namespace decides what it shows.
 *
 * The page is written in TypeScript, so that it shares the `/dashboard` event map with the hub
 * (protocol/dashboard.ts) and `tsc` checks both ends against it, and it is compiled here, on first
 * request, with the compiler's `transpileModule`: no bundler, no build step, and what runs in the
 * browser is the file you read. Its imports of the protocol are `import type`, so they vanish.
 * The Socket.IO client comes from Socket.IO itself, at `/socket.io/socket.io.min.js`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Logger } from '../logger';
import { allowing, BASE_HEADERS } from './http';
import type { DashboardPort } from './port';

const PAGE_DIR = join(__dirname, 'page');

/** The page may load only what this hub serves, and talk only to it. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  ...BASE_HEADERS,
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/** Adds the page's routes to the hub. Returns the functions that remove them. */
export function addPageRoutes(port: Pick<DashboardPort, 'route'>, logger: Logger): (() => void)[] {
  const added: (() => void)[] = [];
  const add = (path: string, type: string, body: () => Promise<string>) => {
    const remove = port.route(
      path,
      allowing(['GET'], (_req, res) => {
        body().then(
          (text) => send(res, 200, type, text),
          (err: unknown) => {
            logger.error({ err, path }, 'dashboard page failed');
            send(res, 500, 'text/plain; charset=utf-8', `the dashboard could not serve ${path}; the hub has logged why\n`);
          },
        );
      }),
    );
    added.push(remove);
  };
  add('/', 'text/html; charset=utf-8', cached(async () => readFileSync(join(PAGE_DIR, 'index.html'), 'utf8')));
  add('/dashboard/style.css', 'text/css; charset=utf-8', cached(async () => readFileSync(join(PAGE_DIR, 'style.css'), 'utf8')));
  for (const file of readdirSync(PAGE_DIR).filter((f) => f.endsWith('.ts'))) {
    add(`/dashboard/${file.replace(/\.ts$/, '.js')}`, 'text/javascript; charset=utf-8', cached(() => compile(join(PAGE_DIR, file))));
  }
  return added;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, ...SECURITY_HEADERS }).end(body);
}

/** Runs `make` once, on first use; a failure is not cached, so a fixed file serves on reload. */
function cached(make: () => Promise<string>): () => Promise<string> {
  let result: Promise<string> | undefined;
  return () => (result ??= make().catch((err: unknown) => {
    result = undefined;
    throw err;
  }));
}

/** TypeScript to a browser module. Types are stripped, nothing is bundled or checked here (tsc does that). */
async function compile(file: string): Promise<string> {
  // Loaded on first request only: the hub starts as fast without it, and ts-node has it loaded anyway.
  const ts = require('typescript') as typeof import('typescript');
  const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
    fileName: file,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, inlineSourceMap: true, inlineSources: true },
  });
  return outputText;
}
