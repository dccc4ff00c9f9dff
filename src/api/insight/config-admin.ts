import { DomainError } from '../../commands/domain-error';
import { loadUser } from '../../commands/identity/handler';
import { userHoldsCode } from '../../gateway/permitted-codes';
import type { Dependencies } from '../../runtime/dependencies';
import type { SecurityScheme } from '../surface';
import { authenticateAccessToken, insightPrincipal } from './access-token';

/**
 * Who may manage interface configs (they switch rate limits and authCodes on and off): a user
 * whose roles in the token's application permit a function carrying the route's authorization
 * code, the codes Insight deployments already grant for these routes; or the platform
 * administrator (the identity role `admin`, the one `/v1/login` admits). Checked in code, not by a
 * config, so deleting configs cannot open the door.
 */
export const CONFIG_AUTH_CODES = ['getConfig', 'newConfig', 'editConfig', 'deleteConfig', 'loadConfig', 'getConfigLog'] as const;
export type ConfigAuthCode = (typeof CONFIG_AUTH_CODES)[number];

export const PLATFORM_ADMIN_ROLE = 'admin';

/** The security scheme key of the routes that need `code`. */
export const configAdminScheme = (code: ConfigAuthCode): string => `insightAuthCode.${code}`;

export function configAdminSchemes(deps: Dependencies): Record<string, SecurityScheme> {
  return Object.fromEntries(CONFIG_AUTH_CODES.map((code) => [configAdminScheme(code), configAdminSecurity(deps, code)]));
}

function configAdminSecurity(deps: Dependencies, code: ConfigAuthCode): SecurityScheme {
  return {
    openapi: {
      type: 'apiKey',
      in: 'header',
      name: 'Authorization',
      description: `The AccessToken of a user whose roles in the token's application permit a function with authorization code ${code}, or of the platform administrator; anyone else: 403 未授权`,
    },
    async authenticate(ctx) {
      // The interface-config gate may already have checked this very header.
      if (!ctx.state.insight) ctx.state.insight = await authenticateAccessToken(deps, ctx.get('authorization') || undefined);
      const { appId, userId } = insightPrincipal(ctx);
      if (await userHoldsCode(deps, appId, userId, code)) return;
      const { state } = await loadUser({ store: deps.store, snapshots: deps.snapshots, dataKey: deps.config.dataKey }, userId);
      if (state.roles.includes(PLATFORM_ADMIN_ROLE)) return;
      throw new DomainError('forbidden', '未授权', { insightCode: 403 });
    },
  };
}
