import type { Dependencies } from '../../runtime/dependencies';
import { insightGatewayEnvelope } from '../envelopes/insight-gateway';
import type { Surface } from '../surface';
import { interfaceConfigGate } from './config-gate';
import { gatewayRoute } from './gateway-route';

export const INSIGHT_PREFIX = '/base/auth/v1.0';

/**
 * The gateway check (`/base/auth/v1.0/gateway/auth`) as a surface of its own, inside the Insight
 * one: its refusals, including those of the interface configs that govern the check itself and a
 * failure of the check, must never travel with HTTP 200, which nginx would take as "allowed".
 */
export function insightGatewaySurface(deps: Dependencies): Surface {
  return {
    name: 'insight-gateway',
    group: 'Insight 认证 · Insight Auth (/base/auth/v1.0)',
    prefix: INSIGHT_PREFIX,
    owns: [`${INSIGHT_PREFIX}/gateway`],
    description: 'For nginx auth_request: the Insight body, with 401/403/429/503 for refusals and X-Auth-Code on every answer.',
    envelope: insightGatewayEnvelope,
    before: interfaceConfigGate(deps),
    routes: [gatewayRoute(deps)],
  };
}
