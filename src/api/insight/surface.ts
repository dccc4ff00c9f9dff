import type { Dependencies } from '../../runtime/dependencies';
import { insightEnvelope } from '../envelopes/insight';
import type { Surface } from '../surface';
import { insightAccessTokenScheme } from './access-token';
import { configAdminSchemes } from './config-admin';
import { interfaceConfigGate } from './config-gate';
import { laterApiRoutes } from './later-api-routes';
import { configRoutes } from './config-routes';
import { navigatorRoutes } from './navigator-routes';
import { tokenRoutes } from './token-routes';

/** Insight Auth (`/base/auth/v1.0`): existing Insight clients work unchanged against it. */
export function insightSurface(deps: Dependencies): Surface {
  return {
    name: 'insight',
    readModels: ['interface_configs', 'permissions', 'users'],
    group: 'Insight 认证 · Insight Auth (/base/auth/v1.0)',
    prefix: '/base/auth/v1.0',
    description: 'Insight Auth token service: {success, code, message, data, option}, always HTTP 200; Authorization: <AccessToken>.',
    envelope: insightEnvelope,
    securitySchemes: { accessToken: insightAccessTokenScheme(deps), ...configAdminSchemes(deps) },
    defaultSecurity: 'accessToken',
    before: interfaceConfigGate(deps),
    routes: [...tokenRoutes(deps), ...laterApiRoutes(deps), ...navigatorRoutes(deps), ...configRoutes(deps)],
  };
}
