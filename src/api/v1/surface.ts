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
import { queueBoardRoutes } from './queue-board-routes';
import { projectionRoutes } from './projection-routes';
import { wechatRoutes } from './wechat-routes';
import { licenseUsageRoutes } from './license-usage-routes';

/** Our own management API: plain JSON, RFC 9457 problems, administrator bearer tokens. Each context adds its routes here. */
export function v1Surface(deps: Dependencies): Surface {
  const { config, store, snapshots } = deps;
  return {
    name: 'v1',
    group: 'Management · our API (/v1)',
    prefix: '/v1',
    description: 'Management and audit API (ours). Errors are application/problem+json.',
    envelope: problemDetailsEnvelope,
    securitySchemes: { admin: adminBearerScheme(config.jwtSecret) },
    defaultSecurity: 'admin',
    routes: [loginRoute({ store, snapshots, dataKey: config.dataKey, jwtSecret: config.jwtSecret }), ...auditRoutes(store), ...userRoutes({ store, snapshots, dataKey: config.dataKey, knex: deps.knex, redis: deps.redis }), ...appRoutes({ store, dataKey: config.dataKey, knex: deps.knex }), ...permissionRoutes(deps), ...licenseRoutes(deps), ...licenseSessionRoutes(deps), ...queueBoardRoutes(), ...projectionRoutes(deps), ...wechatRoutes(deps), ...licenseUsageRoutes(deps)],
  };
}
