import { verifyToken } from '../../commands/tokens/verification';
import type { Dependencies } from '../../runtime/dependencies';
import type { SecurityScheme } from '../surface';

/** Who an Insight request speaks for, once its AccessToken checked out. */
export interface InsightPrincipal {
  tokenId: string;
  userId: string;
  userName: string | null;
  appId: string;
  tenantId: string | null;
  deviceId: string | null;
}

/**
 * Verifies `Authorization: <AccessToken>` against the token state in Redis (no stream replay on a
 * hit). Throws a DomainError carrying the Insight code: 421 invalid, 422 expired, 413 disabled,
 * 400 signed in elsewhere.
 */
export async function authenticateAccessToken(deps: Pick<Dependencies, 'redis' | 'store' | 'snapshots'>, authorization: string | undefined): Promise<InsightPrincipal> {
  const token = await verifyToken(deps, authorization, 'access');
  return { tokenId: token.tokenId, userId: token.userId, userName: token.userName, appId: token.appId, tenantId: token.tenantId, deviceId: token.deviceId };
}

export function insightAccessTokenScheme(deps: Dependencies): SecurityScheme {
  return {
    openapi: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'The AccessToken from POST tokens (Base64 JSON), without a "Bearer" prefix' },
    async authenticate(ctx) {
      // The interface-config gate runs first and, when its config says verify, already checked this very header.
      if (ctx.state.insight) return;
      ctx.state.insight = await authenticateAccessToken(deps, ctx.get('authorization') || undefined);
    },
  };
}

/** The principal the scheme put on the context of an authenticated route. */
export function insightPrincipal(ctx: { state: Record<string, unknown> }): InsightPrincipal {
  return ctx.state.insight as InsightPrincipal;
}
