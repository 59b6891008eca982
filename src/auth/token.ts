/**
 * CAPS tokens: JWTs signed with HS256 and the hub's secret (secret.ts), whose claims fix who the
 * holder is. The hub believes the claims, never what a client says in its handshake.
 *
 * | claim   | meaning                                                   |
 * |---------|-----------------------------------------------------------|
 * | `iss`   | always `caps`                                             |
 * | `sub`   | the client id (our vendor's is `vendor:<store>`, a driver's its name) |
 * | `role`  | `vendor`, `driver` or `dashboard`                         |
 * | `store` | a vendor's store: the only store it may act for           |
 * | `name`  | a driver's name                                           |
 * | `iat`, `exp` | issued at; expiry, only if one was asked for         |
 *
 * @example
 *   const token = await issueToken(key, { role: 'vendor', store: 'acme-widgets', clientId: 'vendor:acme-widgets' });
 *   const checked = await verifyToken(key, token);   // { ok: true, claims } or { ok: false, code, message }
 */
import { errors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { LIMITS, storeNameSchema } from '../protocol/schemas';

/** Who a token says its holder is. */
export type TokenClaims =
  | { role: 'vendor'; store: string; clientId: string }
  | { role: 'driver'; name: string; clientId: string }
  | { role: 'dashboard'; clientId: string };

export type TokenRole = TokenClaims['role'];

export const TOKEN_ISSUER = 'caps';
const ALGORITHM = 'HS256';
/** Longer strings are refused before any work is done on them; real tokens are a few hundred characters. */
export const MAX_TOKEN_LENGTH = 4096;
/** Clocks of the machine that issued a token and of the hub may differ by this much. */
export const CLOCK_TOLERANCE_SECONDS = 30;

const clientId = z.string().trim().min(1).max(LIMITS.name);
const driverName = z.string().trim().min(1).max(LIMITS.name);

/** The payload as it travels (`sub` for the client id), checked after the signature. */
const payloadSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('vendor'), sub: clientId, store: storeNameSchema }),
  z.object({ role: z.literal('driver'), sub: clientId, name: driverName }),
  z.object({ role: z.literal('dashboard'), sub: clientId }),
]);

/** Why a token was refused: `token_expired`, or `invalid_token` for everything else. */
export type TokenFailure = { ok: false; code: 'invalid_token' | 'token_expired'; message: string };
export type TokenCheck = { ok: true; claims: TokenClaims } | TokenFailure;

export interface IssueOptions {
  /** Seconds until the token expires; none means it never does (revoke by changing the secret). */
  expiresInSeconds?: number;
  /** The issuing time (tests pass one); now by default. */
  now?: Date;
}

/** Claims that no hub would accept (a store name the protocol refuses, an empty client id). */
export class TokenClaimsError extends Error {
  override readonly name = 'TokenClaimsError';
}

/** Signs a token for `claims` with `key`. Throws {@link TokenClaimsError} for claims a hub would refuse. */
export async function issueToken(key: Uint8Array, claims: TokenClaims, options: IssueOptions = {}): Promise<string> {
  const { clientId, ...fields } = claims;
  const checked = payloadSchema.safeParse({ ...fields, sub: clientId });
  if (!checked.success) throw new TokenClaimsError(`cannot issue this token: ${issuesOf(checked.error)}`);
  const { sub, ...rest } = checked.data;
  const issuedAt = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const jwt = new SignJWT(rest).setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' }).setIssuer(TOKEN_ISSUER).setSubject(sub).setIssuedAt(issuedAt);
  if (options.expiresInSeconds !== undefined) jwt.setExpirationTime(issuedAt + options.expiresInSeconds);
  return jwt.sign(key);
}

/**
 * Checks `token`'s signature (HS256 only: `none` and other algorithms are refused), issuer, expiry
 * and claims. Never rejects; `now` is the hub's clock (tests pass one).
 */
export async function verifyToken(key: Uint8Array, token: string, now?: Date): Promise<TokenCheck> {
  if (token.length > MAX_TOKEN_LENGTH) return invalid(`the token is ${token.length} characters long; at most ${MAX_TOKEN_LENGTH} are read`);
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: [ALGORITHM],
      issuer: TOKEN_ISSUER,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      ...(now ? { currentDate: now } : {}),
    }));
  } catch (err) {
    if (err instanceof errors.JWTExpired) return { ok: false, code: 'token_expired', message: 'the token has expired; issue a new one with npm run token' };
    if (err instanceof errors.JWSSignatureVerificationFailed) return invalid("the token's signature does not match this hub's secret");
    return invalid(`the token is not one this hub issues: ${(err as Error).message}`);
  }
  const parsed = payloadSchema.safeParse(payload);
  if (!parsed.success) return invalid(`the token's claims are not a CAPS identity: ${issuesOf(parsed.error)}`);
  const { sub, ...rest } = parsed.data;
  return { ok: true, claims: { ...rest, clientId: sub } };
}

function issuesOf(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'role'}: ${i.message}`).join('; ');
}

function invalid(message: string): TokenFailure {
  return { ok: false, code: 'invalid_token', message };
}
