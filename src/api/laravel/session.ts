import { randomBytes } from 'node:crypto';
import { DomainError } from '../../commands/domain-error';
import { loadUser } from '../../commands/identity/handler';
import { startSession, rebuildSession } from '../../commands/laravel-sessions/handler';
import type { SignInVia } from '../../commands/laravel-sessions/events';
import { parseSessionValue, sessionKey } from '../../commands/laravel-sessions/session-cache';
import { accessKey, generationKey, parseAccess, type UserAccess } from '../../commands/rbac/access-cache';
import { PERMISSIONS } from '../../commands/rbac/events';
import { rebuildAccess } from '../../commands/rbac/handler';
import { systemMetadata } from '../../commands/system-metadata';
import type { EventMetadata } from '../../eventstore/port';
import type { Dependencies } from '../../runtime/dependencies';
import { readUserDisabled } from '../../commands/tokens/token-cache';
import { rebuildUserStatus } from '../../commands/tokens/verification';
import { JwtError, signJwt, verifyJwt } from '../../secrets/jwt';
import type { RouteContext } from '../route';
import type { SecurityScheme } from '../surface';

export const LARAVEL_PREFIX = '/api';
export const LARAVEL_ISSUER = 'laravel';
/** The template's JWT ttl: 60 minutes. */
export const LARAVEL_TOKEN_SECONDS = 3600;

type SessionDependencies = Pick<Dependencies, 'config' | 'store' | 'redis' | 'snapshots'>;

export interface LaravelSignIn {
  token: string;
  user: { name: string; username: string };
}

/**
 * Issues the template's JWT for a user whose proof was already checked (password, QR scan,
 * WeCom code): the session is recorded first, so the token is verifiable once it is handed out.
 */
export async function issueLaravelToken(
  deps: SessionDependencies,
  userId: string,
  options: { via?: SignInVia; metadata?: EventMetadata } = {},
): Promise<LaravelSignIn> {
  const { state } = await loadUser({ store: deps.store, dataKey: deps.config.dataKey, snapshots: deps.snapshots }, userId);
  if (!state.exists || !state.profile) throw new DomainError('not_found', '用户不存在');
  if (state.disabled) throw new DomainError('account_disabled', '账号已被禁用');
  const metadata = options.metadata ?? systemMetadata('laravel-sign-in');
  const iat = Math.floor(Date.parse(metadata.time) / 1000);
  const exp = iat + LARAVEL_TOKEN_SECONDS;
  const sessionId = randomBytes(16).toString('hex');
  await startSession(deps, { sessionId, userId, via: options.via ?? 'password', expiresAt: new Date(exp * 1000) }, metadata);
  const token = await signJwt({ sub: userId, iss: LARAVEL_ISSUER, iat, nbf: iat, exp, jti: sessionId }, deps.config.jwtSecret);
  return { token, user: { name: state.profile.name, username: state.profile.account } };
}

interface LaravelPrincipal {
  userId: string;
  sessionId: string;
  access: UserAccess;
}

export const laravelPrincipal = (ctx: { state: Record<string, unknown> }): LaravelPrincipal => ctx.state.laravel as LaravelPrincipal;
/** The signed-in user's id (routes behind the `laravelJwt` scheme only). */
export const laravelUser = (ctx: { state: Record<string, unknown> }): string => laravelPrincipal(ctx).userId;
export const laravelActor = (ctx: { state: Record<string, unknown> }): EventMetadata['actor'] => ({ kind: 'user', id: laravelUser(ctx) });

/** `/confirmqrlogin` is the phone's half of the QR login; everything else is guarded by its own area. */
const PATH_PERMISSIONS: Record<string, string> = { '/confirmqrlogin': '/qrlogin/*' };

/**
 * The permission a path (below `/api`) needs, or null when signing in is enough: `/users/*`
 * covers `/users` and everything below it, as the template's `can.path` middleware does.
 */
export function permissionFor(path: string): string | null {
  if (PATH_PERMISSIONS[path]) return PATH_PERMISSIONS[path]!;
  for (const perm of PERMISSIONS) {
    const area = perm.slice(0, -2);
    if (path === area || path.startsWith(`${area}/`)) return perm;
  }
  return null;
}

function matchedPath(ctx: RouteContext): string {
  const path = ctx.state.routePath;
  // Schemes run only for matched routes; without a route path there is nothing to authorize against.
  if (typeof path !== 'string' || !path.startsWith(`${LARAVEL_PREFIX}/`)) throw new DomainError('forbidden', '无权访问资源');
  return path;
}

/**
 * `Authorization: Bearer <jwt>`: HS256 with JWT_SECRET only; then one Redis round trip for the
 * session (logout), the user's status (disabled), the RBAC generation and the caller's cached
 * access; then the path's permission. Any failure is refused before the body is read, so nothing is written.
 */
export function laravelBearerScheme(deps: SessionDependencies): SecurityScheme {
  return {
    openapi: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'From POST /api/login (or /api/qrlogin, /api/codelogin); 60 minutes' },
    async authenticate(ctx: RouteContext) {
      const match = /^Bearer ([A-Za-z0-9._-]+)$/.exec(ctx.get('authorization'));
      if (!match) throw new DomainError('unauthenticated', '未登录');
      let userId: string;
      let sessionId: string;
      try {
        const claims = verifyJwt(match[1]!, deps.config.jwtSecret, { issuer: LARAVEL_ISSUER });
        if (typeof claims.jti !== 'string' || !/^[0-9a-f]{32}$/.test(claims.jti)) throw new JwtError('malformed');
        userId = claims.sub;
        sessionId = claims.jti;
      } catch (err) {
        if (err instanceof JwtError && err.reason === 'expired') throw new DomainError('token_expired', '登录已过期，请重新登录');
        throw new DomainError('unauthenticated', '无效的凭证');
      }
      // Auto-pipelined: one round trip for both.
      const [[session, generation, cached], disabled] = await Promise.all([
        deps.redis.mget(sessionKey(sessionId), generationKey, accessKey(userId)),
        readUserDisabled(deps.redis, userId),
      ]);
      let status = parseSessionValue(session ?? null);
      if (status === null) {
        const state = await rebuildSession(deps, sessionId);
        status = state.status === 'live' && state.userId === userId ? 'live' : 'ended';
      }
      if (status !== 'live') throw new DomainError('unauthenticated', '登录已失效，请重新登录');
      // Disabling a user ends every session of theirs at once, not when the JWT runs out.
      if (disabled ?? (await rebuildUserStatus(deps, userId))) throw new DomainError('account_disabled', '账号已被禁用');
      const access = parseAccess(cached ?? null, generation ?? null) ?? (await rebuildAccess(deps, userId, generation ?? null));
      ctx.state.laravel = { userId, sessionId, access } satisfies LaravelPrincipal;
      // The matched route's canonical path, never ctx.path: `/api/RBAC/roles/` is `/api/rbac/roles` here.
      const needed = permissionFor(matchedPath(ctx).slice(LARAVEL_PREFIX.length));
      if (needed && !access.perms.includes(needed)) throw new DomainError('forbidden', '无权访问资源');
    },
  };
}
