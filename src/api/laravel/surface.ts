import type { Dependencies } from '../../runtime/dependencies';
import { laravelEnvelope } from '../envelopes/laravel';
import type { Surface } from '../surface';
import { authRoutes } from './auth-routes';
import { fileRoutes } from './file-routes';
import { qrLoginRoutes } from './qrlogin-routes';
import { rbacRoutes } from './rbac-routes';
import { readPageAsLaravel } from './page-reading';
import { LARAVEL_PREFIX, laravelBearerScheme } from './session';
import { usersRoutes } from './users-routes';
import { wecomOauthRoutes } from './wecom-oauth-routes';
import { wecomRoutes } from './wecom-routes';

/**
 * The Laravel template (`/api`): `{status, message, data, errors, code}` with real HTTP statuses;
 * `Authorization: Bearer <jwt>` from /api/login. Each area adds one spread line to `routes`.
 */
export function laravelSurface(deps: Dependencies): Surface {
  return {
    name: 'laravel',
    readModels: ['users', 'rbac', 'files', 'wecom_departments'],
    group: 'Laravel 模板 · Laravel template (/api)',
    prefix: LARAVEL_PREFIX,
    description:
      'Laravel template API: {status: "ok"|"error", message, data, errors, code}. Not signed in → 401; outside the caller\'s permissions (/users/*, /rbac/*, /departments/*, /qrlogin/*) → 403 无权访问资源.',
    envelope: laravelEnvelope,
    securitySchemes: { laravelJwt: laravelBearerScheme(deps) },
    defaultSecurity: 'laravelJwt',
    before: (ctx) => readPageAsLaravel(ctx),
    routes: [
      ...authRoutes(deps),
      ...rbacRoutes(deps),
      ...usersRoutes(deps),
      ...wecomRoutes(deps),
      ...wecomOauthRoutes(deps),
      ...qrLoginRoutes(deps), ...fileRoutes(deps),
    ],
  };
}
