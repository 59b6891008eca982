/**
 * Tokens and the secret that signs them: what a forged, tampered, expired or unsigned token gets,
 * how the secret file is made and guarded, and `npm run token` as a real process.
 */
import { execFile } from 'node:child_process';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import { clientToken } from '../../src/auth/client-token';
import { loadSecret, SecretError } from '../../src/auth/secret';
import { claimsOf } from '../../src/auth/token-options';
import { issueToken, MAX_TOKEN_LENGTH, TokenClaimsError, verifyToken, type TokenClaims } from '../../src/auth/token';
import { childEnv } from '../../src/config';
import { setup, type TestContext } from '../helpers/setup';

const run = promisify(execFile);
const ROOT = `${__dirname}/../..`;
const key = new TextEncoder().encode('k'.repeat(32));
const otherKey = new TextEncoder().encode('o'.repeat(32));
const vendor: TokenClaims = { role: 'vendor', store: 'acme-widgets', clientId: 'vendor:acme-widgets' };
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

let t: TestContext;
beforeEach(async () => (t = await setup()));
afterEach(() => t.cleanup());

describe('tokens', () => {
  it('carry their claims for every role', async () => {
    const claims: TokenClaims[] = [vendor, { role: 'driver', name: 'driver-1', clientId: 'driver-1' }, { role: 'dashboard', clientId: 'dashboard' }];
    for (const c of claims) expect(await verifyToken(key, await issueToken(key, c))).toEqual({ ok: true, claims: c });
  });

  it('are refused when signed with another secret, or tampered with', async () => {
    expect(await verifyToken(otherKey, await issueToken(key, vendor))).toEqual({ ok: false, code: 'invalid_token', message: expect.stringContaining('signature does not match') });
    const [header, , signature] = (await issueToken(key, vendor)).split('.');
    const forged = `${header}.${base64url({ iss: 'caps', sub: 'vendor:1-800-flowers', role: 'vendor', store: '1-800-flowers' })}.${signature}`;
    expect(await verifyToken(key, forged)).toMatchObject({ ok: false, code: 'invalid_token' });
  });

  it('are refused unsigned (alg none), malformed, oversized, or with claims that are no CAPS identity', async () => {
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ iss: 'caps', sub: 'x', role: 'driver', name: 'x' })}.`;
    const noRole = await new SignJWT({ store: 'acme-widgets' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('caps').setSubject('x').sign(key);
    const foreignIssuer = await new SignJWT({ role: 'driver', name: 'x' }).setProtectedHeader({ alg: 'HS256' }).setIssuer('someone-else').setSubject('x').sign(key);
    for (const token of [unsigned, 'not a token', '', 'a.b.c', noRole, foreignIssuer, 'x'.repeat(MAX_TOKEN_LENGTH + 1)]) {
      expect(await verifyToken(key, token)).toEqual({ ok: false, code: 'invalid_token', message: expect.any(String) });
    }
  });

  it('expire when asked to, by the clock the hub passes', async () => {
    const issued = new Date('2026-01-01T10:00:00Z');
    const token = await issueToken(key, vendor, { expiresInSeconds: 60, now: issued });
    expect(await verifyToken(key, token, new Date('2026-01-01T10:00:59Z'))).toMatchObject({ ok: true });
    expect(await verifyToken(key, token, new Date('2026-01-01T10:10:00Z'))).toEqual({ ok: false, code: 'token_expired', message: expect.stringContaining('expired') });
    // Without an expiry a token is good until the secret changes.
    expect(await verifyToken(key, await issueToken(key, vendor, { now: issued }), new Date('2036-01-01T00:00:00Z'))).toMatchObject({ ok: true });
  });

  it('are not issued for claims a hub would refuse', async () => {
    await expect(issueToken(key, { role: 'vendor', store: 'driver', clientId: 'v' })).rejects.toThrow(TokenClaimsError);
    await expect(issueToken(key, { role: 'driver', name: ' ', clientId: 'd' })).rejects.toThrow(/name/);
  });
});

describe('the secret', () => {
  it('is created on first use, readable by its owner only, and read back the same afterwards', () => {
    const secretFile = join(t.tempDir(), 'nested', 'secret');
    const first = loadSecret({ secret: undefined, secretFile });
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(secretFile, '..')).mode & 0o777).toBe(0o700);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(loadSecret({ secret: undefined, secretFile })).toEqual(first);
  });

  it('is the same for processes that start at once: one creates it, the others read it whole', async () => {
    const secretFile = join(t.tempDir(), 'secret');
    const script = `process.stdout.write(Buffer.from(require('./src/auth/secret').loadSecret({ secretFile: ${JSON.stringify(secretFile)} })).toString())`;
    const starts = Array.from({ length: 2 }, () => run(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { cwd: ROOT }));
    const secrets = new Set((await Promise.all(starts)).map((r) => r.stdout));
    expect([...secrets]).toEqual([readFileSync(secretFile, 'utf8').trim()]);
  });

  it('is refused from a file others may read, or when too short', () => {
    const secretFile = join(t.tempDir(), 'secret');
    writeFileSync(secretFile, 's'.repeat(40));
    chmodSync(secretFile, 0o644);
    expect(() => loadSecret({ secret: undefined, secretFile })).toThrow(new SecretError(`the secret file ${secretFile} may be read by other users (mode 644); run: chmod 600 ${secretFile}`));
    chmodSync(secretFile, 0o600);
    writeFileSync(secretFile, 'short');
    expect(() => loadSecret({ secret: undefined, secretFile })).toThrow(/needs at least 32/);
    expect(() => loadSecret({ secret: 'short', secretFile })).toThrow(/CAPS_SECRET is 5 characters long/);
  });

  it('given directly wins over the file, which is then never made', () => {
    const secretFile = join(t.tempDir(), 'secret');
    expect(loadSecret({ secret: 'd'.repeat(32), secretFile })).toEqual(new TextEncoder().encode('d'.repeat(32)));
    expect(() => statSync(secretFile)).toThrow(/ENOENT/);
  });

  it("signs our clients' own tokens, unless CAPS_TOKEN gives one", async () => {
    const secretFile = join(t.tempDir(), 'secret');
    const own = await clientToken({ secret: { secret: undefined, secretFile }, token: undefined }, vendor);
    expect(await verifyToken(loadSecret({ secret: undefined, secretFile }), own)).toEqual({ ok: true, claims: vendor });
    expect(await clientToken({ secret: { secret: undefined, secretFile }, token: 'given' }, vendor)).toBe('given');
  });
});

describe('npm run token', () => {
  it("prints a token for the hub's secret, creating the secret file if there is none", async () => {
    const secretFile = join(t.tempDir(), 'secret');
    const env = childEnv({ CAPS_SECRET_FILE: secretFile, CAPS_SECRET: '' });
    const { stdout } = await run('npm', ['run', '--silent', 'token', '--', '--role', 'driver', '--name', 'driver-7', '--expires', '3600'], { cwd: ROOT, env });
    const checked = await verifyToken(new TextEncoder().encode(readFileSync(secretFile, 'utf8').trim()), stdout.trim());
    expect(checked).toEqual({ ok: true, claims: { role: 'driver', name: 'driver-7', clientId: 'driver-7' } });
  });

  it("gives our own clients' ids by default, and says what a role is missing", () => {
    expect(claimsOf({ role: 'vendor', store: 'acme-widgets' })).toEqual({ role: 'vendor', store: 'acme-widgets', clientId: 'vendor:acme-widgets' });
    expect(claimsOf({ role: 'driver', name: 'driver-1', clientId: 'van-7' })).toEqual({ role: 'driver', name: 'driver-1', clientId: 'van-7' });
    expect(claimsOf({ role: 'dashboard' })).toEqual({ role: 'dashboard', clientId: 'dashboard' });
    expect(() => claimsOf({ role: 'vendor' })).toThrow('a vendor token needs --store <name>');
    expect(() => claimsOf({ role: 'driver' })).toThrow('a driver token needs --name <name>');
  });
});
