import type { Dependencies } from '../../runtime/dependencies';
import { wxcomponentEnvelope } from '../envelopes/wxcomponent';
import type { Surface } from '../surface';
import { authRoutes } from './auth-routes';
import { authorizerListRoute } from './authorizer-list-route';
import { authpageRoutes } from './authpage-routes';
import { callbackRoutes } from './callback-routes';
import { dropEmptyQueryParameters } from './lax-query';
import { proxyRoutes } from './proxy-routes';
import { recordRoutes } from './record-routes';
import { ruleRoutes } from './rule-routes';
import { wxBearerScheme } from './session';
import { weappRoutes } from './weapp-routes';

/**
 * WeChat third-party platform admin. The seed's paths (`/auth`, `/admin/*`) and the original's
 * (`/wxcomponent/auth`, `/wxcomponent/admin/*`, `/wxcomponent/authpage/*`) are the same routes
 * mounted twice (so `/authpage/*` answers at the root as documented, too); WeChat pushes to `/wxcallback/*`.
 */
export function wxcomponentSurface(deps: Dependencies): Surface {
  return {
    name: 'wxcomponent',
    readModels: ['wxcomponent'],
    group: '微信第三方平台 · WeChat platform (/admin, /auth, /wxcallback)',
    prefix: ['', '/wxcomponent'],
    owns: ['/auth', '/admin', '/authpage', '/wxcomponent', '/wxcallback'],
    description: 'WeChat third-party platform admin: {code, errorMsg, data}, always HTTP 200; Authorization: Bearer <jwt>.',
    envelope: wxcomponentEnvelope,
    securitySchemes: { wxJwt: wxBearerScheme(deps.config.jwtSecret) },
    defaultSecurity: 'wxJwt',
    before: (ctx, route) => dropEmptyQueryParameters(ctx, route.template),
    routes: [...authRoutes(deps), ...recordRoutes(deps), authorizerListRoute(deps), ...ruleRoutes(deps), ...proxyRoutes(deps), ...weappRoutes(deps), ...authpageRoutes(deps), ...callbackRoutes(deps)],
  };
}
