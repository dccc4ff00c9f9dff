import { randomUUID } from 'node:crypto';
import { DomainError } from '../../commands/domain-error';
import { JwtError, signJwt, verifyJwt } from '../../secrets/jwt';
import type { SecurityScheme } from '../surface';

export const WX_ISSUER = 'wxcomponent';
export const WX_TOKEN_SECONDS = 12 * 3600;
/** Identity roles that open the wxcomponent admin: its own administrators, and the service's. */
export const WX_ADMIN_ROLES = ['wxcomponent-admin', 'admin'];

export interface WxAdmin {
  userId: string;
  account: string;
}

export function issueWxToken(secret: string, admin: WxAdmin, nowMs = Date.now()): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return signJwt({ sub: admin.userId, account: admin.account, iss: WX_ISSUER, iat, nbf: iat, exp: iat + WX_TOKEN_SECONDS, jti: randomUUID() }, secret);
}

/**
 * `Authorization: Bearer <jwt>`: no token at all → 1000 (the client shows 访问未授权 and stays),
 * expired → 1003, a token that does not verify → 1004 (the client signs out on both).
 */
export function wxBearerScheme(secret: string): SecurityScheme {
  return {
    openapi: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'From PUT /wxcomponent/auth (or /auth)' },
    authenticate(ctx) {
      // As the original reads the header: exactly "Bearer" and one non-empty word, or no token at all.
      const parts = ctx.get('authorization').split(' ');
      if (parts.length !== 2 || parts[0] !== 'Bearer' || !parts[1]) throw new DomainError('unauthenticated', 'Authorization: Bearer <jwt> is required', { wxCode: 1000 });
      const match = /^[A-Za-z0-9._-]+$/.exec(parts[1]);
      if (!match) throw new DomainError('unauthenticated', 'the token is not valid');
      try {
        const claims = verifyJwt(match[0], secret, { issuer: WX_ISSUER });
        ctx.state.wxAdmin = { userId: claims.sub, account: String(claims.account ?? '') } satisfies WxAdmin;
      } catch (err) {
        if (err instanceof JwtError && err.reason === 'expired') throw new DomainError('token_expired', 'login timed out; sign in again');
        throw new DomainError('unauthenticated', 'the token is not valid');
      }
    },
  };
}

export const wxAdmin = (ctx: { state: Record<string, unknown> }): WxAdmin => ctx.state.wxAdmin as WxAdmin;
