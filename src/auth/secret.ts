/**
 * The secret that signs CAPS tokens (HS256), with no set-up on one machine: the first process that
 * needs it (the hub, `npm run token`, or one of our clients) creates it, and the others read it.
 *
 * - `CAPS_SECRET` gives it directly: hubs on several machines share it that way.
 * - Otherwise it lives in `CAPS_SECRET_FILE` (default `~/.config/caps/secret`), 32 random bytes in
 *   base64url, readable by its owner only. A file that others may read is refused, as ssh refuses
 *   a private key that others may read: whoever reads the secret can sign any identity.
 *
 * @example
 *   const key = loadSecret(config.trust);   // Uint8Array, for token.ts
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SecretSource } from '../config';

/** HS256 needs a key of at least 256 bits (RFC 7518, section 3.2). */
export const MIN_SECRET_LENGTH = 32;

/** The secret cannot be had: its file is unsafe, unreadable or too short. The message says what to do. */
export class SecretError extends Error {
  override readonly name = 'SecretError';
}

/** The key `source` names, creating its file if there is none yet. */
export function loadSecret(source: SecretSource): Uint8Array {
  const text = source.secret ?? readOrCreate(source.secretFile);
  if (text.length < MIN_SECRET_LENGTH) {
    const where = source.secret === undefined ? `the secret in ${source.secretFile}` : 'CAPS_SECRET';
    throw new SecretError(`${where} is ${text.length} characters long; it needs at least ${MIN_SECRET_LENGTH}`);
  }
  return new TextEncoder().encode(text);
}

function readOrCreate(file: string): string {
  return readIfPresent(file) ?? create(file);
}

function readIfPresent(file: string): string | undefined {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SecretError(`cannot read the secret file ${file}: ${(err as Error).message}`);
  }
  if ((mode & 0o077) !== 0) {
    throw new SecretError(`the secret file ${file} may be read by other users (mode ${(mode & 0o777).toString(8)}); run: chmod 600 ${file}`);
  }
  return readFileSync(file, 'utf8').trim();
}

/**
 * Writes a new secret to a private temporary file, then links it into place: `link` fails if the
 * file appeared meanwhile, so when several processes start at once, one secret wins and every
 * reader sees it whole.
 */
function create(file: string): string {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64url');
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temporary, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, file);
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new SecretError(`cannot create the secret file ${file}: ${(err as Error).message}`);
    return readIfPresent(file) ?? create(file);
  } finally {
    unlinkSync(temporary);
  }
}
