import type { Dependencies } from '../../runtime/dependencies';
import { problemDetailsEnvelope } from '../envelopes/problem-details';
import type { Surface } from '../surface';
import { adminBearerScheme } from './admin-session';
import { auditRoutes } from './audit-routes';
import { loginRoute } from './login-route';

/** Our own management API: plain JSON, RFC 9457 problems, administrator bearer tokens. Each context adds its routes here. */
export function v1Surface(deps: Dependencies): Surface {
  const { config, store, snapshots } = deps;
  return {
    name: 'v1',
    prefix: '/v1',
    description: 'Management and audit API (ours). Errors are application/problem+json.',
    envelope: problemDetailsEnvelope,
    securitySchemes: { admin: adminBearerScheme(config.jwtSecret) },
    defaultSecurity: 'admin',
    routes: [loginRoute({ store, snapshots, dataKey: config.dataKey, jwtSecret: config.jwtSecret }), ...auditRoutes(store)],
  };
}
