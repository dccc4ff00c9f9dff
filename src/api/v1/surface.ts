import type { Dependencies } from '../../runtime/dependencies';
import { problemDetailsEnvelope } from '../envelopes/problem-details';
import type { Surface } from '../surface';
import { adminBearerScheme } from './admin-session';
import { appRoutes } from './apps-routes';
import { auditRoutes } from './audit-routes';
import { loginRoute } from './login-route';
import { permissionRoutes } from './permission-routes';
import { userRoutes } from './users-routes';
import { licenseRoutes } from './licenses-routes';
import { licenseSessionRoutes } from './license-session-routes';
import { postgresIdempotencyStore } from '../../db/idempotency-keys';
import type { IdempotencyPolicy } from '../idempotency';
import type { AdminPrincipal } from './admin-session';

/** The /v1 writes that create something: each retry of one would otherwise create another. */
const CREATING = new Set(['/v1/apps', '/v1/users', '/v1/licenses', '/v1/bitkeys', '/v1/license-sessions/login', '/v1/license-sessions/checkout', '/v1/apps/:appId/navigators', '/v1/apps/:appId/functions', '/v1/apps/:appId/roles']);

function v1Idempotency(deps: Dependencies): IdempotencyPolicy {
  return {
    applies: (method, template) => method === 'POST' && CREATING.has(template),
    // An administrator's keys are theirs wherever they call from; an anonymous client's (a license client) are its address's.
    scopeOf: (ctx) => {
      const admin = ctx.state.admin as AdminPrincipal | undefined;
      return admin ? `admin:${admin.userId}` : `address:${String(ctx.state.clientIp)}`;
    },
    // A key in flight is held as long as its request can take at most (deadlines), twice over.
    store: postgresIdempotencyStore(deps.knex, { ttlSeconds: deps.config.idempotencyKeyTtlSeconds, leaseSeconds: Math.ceil((2 * (deps.config.deadlines.dbAcquireMs + 2 * deps.config.deadlines.dbQueryMs)) / 1000) }),
  };
}
import { queueBoardRoutes } from './queue-board-routes';
import { projectionRoutes } from './projection-routes';
import { wechatRoutes } from './wechat-routes';
import { licenseUsageRoutes } from './license-usage-routes';

/** Our own management API: plain JSON, RFC 9457 problems, administrator bearer tokens. Each context adds its routes here. */
export function v1Surface(deps: Dependencies): Surface {
  const { config, store, snapshots } = deps;
  return {
    name: 'v1',
    readModels: ['users', 'apps', 'permissions', 'licenses'],
    group: 'Management · our API (/v1)',
    prefix: '/v1',
    description: 'Management and audit API (ours). Errors are application/problem+json.',
    envelope: problemDetailsEnvelope,
    securitySchemes: { admin: adminBearerScheme(config.jwtSecret) },
    defaultSecurity: 'admin',
    idempotency: v1Idempotency(deps),
    routes: [loginRoute({ store, snapshots, dataKey: config.dataKey, jwtSecret: config.jwtSecret }), ...auditRoutes(store), ...userRoutes({ store, snapshots, dataKey: config.dataKey, knex: deps.knex, redis: deps.redis }), ...appRoutes({ store, dataKey: config.dataKey, knex: deps.knex }), ...permissionRoutes(deps), ...licenseRoutes(deps), ...licenseSessionRoutes(deps), ...queueBoardRoutes(), ...projectionRoutes(deps), ...wechatRoutes(deps), ...licenseUsageRoutes(deps)],
  };
}
