import { createHmac, webcrypto } from 'node:crypto';
import { sameSecret } from './digest';

/**
 * HS256 JSON Web Tokens, deliberately narrow: the header must say exactly {alg: HS256}, so
 * `alg: none` and algorithm-confusion tokens are refused before any signature is computed.
 *
 * Signing goes through `jose` (same header and claims serialisation, so the same token as before).
 * Verifying stays here: it runs on every authenticated request, and jose's WebCrypto HMAC measured
 * 2-20 times slower than node:crypto's synchronous one (docs/performance.md, "Libraries").
 */
export interface JwtClaims {
  sub: string;
  iss: string;
  iat: number;
  exp: number;
  nbf?: number;
  jti?: string;
  [claim: string]: unknown;
}

export type JwtFailure = 'malformed' | 'bad_signature' | 'expired' | 'not_yet_valid' | 'wrong_issuer';

export class JwtError extends Error {
  constructor(readonly reason: JwtFailure) {
    super(`token rejected: ${reason}`);
    this.name = 'JwtError';
  }
}

// Importing the key is a WebCrypto call of its own; a process has one JWT_SECRET (tests a few).
const signingKeys = new Map<string, Promise<webcrypto.CryptoKey>>();
function signingKey(secret: string): Promise<webcrypto.CryptoKey> {
  let key = signingKeys.get(secret);
  if (!key) {
    if (signingKeys.size >= 16) signingKeys.clear();
    key = webcrypto.subtle.importKey('raw', Buffer.from(secret, 'utf8'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    signingKeys.set(secret, key);
  }
  return key;
}

export async function signJwt(claims: JwtClaims, secret: string): Promise<string> {
  // jose is an ES module; a dynamic import loads it from this CommonJS build without require(esm).
  const { SignJWT } = await import('jose');
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(await signingKey(secret));
}

export function verifyJwt(token: string, secret: string, options: { issuer: string; nowSeconds?: number; leewaySeconds?: number }): JwtClaims {
  if (typeof token !== 'string' || token.length > 8192) throw new JwtError('malformed');
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('malformed');
  const [h, p, s] = parts as [string, string, string];
  const header = parseSegment(h);
  if (!header || header.alg !== 'HS256' || (header.typ !== undefined && header.typ !== 'JWT') || header.crit !== undefined) {
    throw new JwtError('malformed');
  }
  const expected = createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url');
  if (!sameSecret(expected, s)) throw new JwtError('bad_signature');
  const claims = parseSegment(p) as JwtClaims | null;
  if (!claims || typeof claims.sub !== 'string' || typeof claims.exp !== 'number' || typeof claims.iat !== 'number') {
    throw new JwtError('malformed');
  }
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const leeway = options.leewaySeconds ?? 5;
  if (claims.iss !== options.issuer) throw new JwtError('wrong_issuer');
  if (now >= claims.exp + leeway) throw new JwtError('expired');
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || now + leeway < claims.nbf)) throw new JwtError('not_yet_valid');
  return claims;
}

function parseSegment(segment: string): Record<string, unknown> | null {
  if (!/^[A-Za-z0-9_-]+$/.test(segment)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
