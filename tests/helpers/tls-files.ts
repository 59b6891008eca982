/**
 * A throwaway certificate authority and a server certificate it signed, for 127.0.0.1 and
 * localhost, made with the `openssl` command in a new temporary directory, as a test of TLS needs.
 * `cleanup` removes the directory.
 *
 * @example
 *   const tls = makeTlsFiles();
 *   afterAll(() => tls.cleanup());
 *   spawn('redis-server', ['--tls-cert-file', tls.cert, '--tls-key-file', tls.key, …]);
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TlsFiles {
  /** The authority's certificate (PEM): what a client must trust. */
  ca: string;
  /** The server's certificate (PEM), signed by `ca`. */
  cert: string;
  /** The server's private key (PEM). */
  key: string;
  cleanup(): void;
}

/** EC keys: made in milliseconds, where RSA ones take a noticeable while on a loaded machine. */
const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export function makeTlsFiles(): TlsFiles {
  const dir = mkdtempSync(join(tmpdir(), 'caps-tls-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  openssl('req', '-x509', ...KEY, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=CAPS test authority');
  openssl('req', ...KEY, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(file('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
  return { ca: file('ca.pem'), cert: file('server.pem'), key: file('server.key'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
