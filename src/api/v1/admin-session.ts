import { randomUUID } from 'node:crypto';
import { DomainError } from '../../commands/domain-error';
import { JwtError, signJwt, verifyJwt } from '../../secrets/jwt';
import type { SecurityScheme } from '../surface';

export const ADMIN_ISSUER = 'authledger';
export const ADMIN_TOKEN_SECONDS = 3600;

export interface AdminPrincipal {
  userId: string;
  account: string;
}

export async function issueAdminToken(secret: string, admin: AdminPrincipal, nowMs = Date.now()): Promise<{ token: string; expiresIn: number }> {
  const iat = Math.floor(nowMs / 1000);
  const token = await signJwt(
    { sub: admin.userId, account: admin.account, roles: ['admin'], iss: ADMIN_ISSUER, iat, nbf: iat, exp: iat + ADMIN_TOKEN_SECONDS, jti: randomUUID() },
    secret,
  );
  return { token, expiresIn: ADMIN_TOKEN_SECONDS };
}

/**
 * `Authorization: Bearer <jwt>` for /v1: signature and expiry only, no I/O, so every management
 * call costs one HMAC. The token lives an hour; a disabled administrator's token dies with it.
 */
export function adminBearerScheme(secret: string): SecurityScheme {
  return {
    openapi: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'From POST /v1/login' },
    authenticate(ctx) {
      const header = ctx.get('authorization');
      const match = /^Bearer ([A-Za-z0-9._-]+)$/.exec(header);
      if (!match) throw new DomainError('unauthenticated', 'an administrator token is required (Authorization: Bearer <token>)');
      ctx.state.admin = verifyAdminToken(secret, match[1]!) satisfies AdminPrincipal;
    },
  };
}

/** Who an administrator token names, or a DomainError (unauthenticated, token_expired, forbidden). */
export function verifyAdminToken(secret: string, token: string): AdminPrincipal {
  let claims;
  try {
    claims = verifyJwt(token, secret, { issuer: ADMIN_ISSUER });
  } catch (err) {
    if (err instanceof JwtError && err.reason === 'expired') throw new DomainError('token_expired', 'the administrator token has expired; sign in again');
    throw new DomainError('unauthenticated', 'the administrator token is not valid');
  }
  if (!Array.isArray(claims.roles) || !claims.roles.includes('admin')) throw new DomainError('forbidden', 'administrators only');
  return { userId: claims.sub, account: String(claims.account ?? '') };
}
