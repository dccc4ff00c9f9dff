import type { IdentityDeps } from '../../commands/identity/handler';
import type { EventStore } from '../../eventstore/port';
import { problemDetailsEnvelope } from '../envelopes/problem-details';
import type { Surface } from '../surface';
import { adminBearerScheme } from './admin-session';
import { auditRoutes } from './audit-routes';
import { loginRoute } from './login-route';

/** Our own management API: plain JSON, RFC 9457 problems, administrator bearer tokens. */
export function v1Surface(deps: IdentityDeps & { store: EventStore; jwtSecret: string }): Surface {
  return {
    name: 'v1',
    prefix: '/v1',
    description: 'Management and audit API (ours). Errors are application/problem+json.',
    envelope: problemDetailsEnvelope,
    securitySchemes: { admin: adminBearerScheme(deps.jwtSecret) },
    defaultSecurity: 'admin',
    routes: [loginRoute(deps), ...auditRoutes(deps.store)],
  };
}
