import type { FailureCode } from '../failure';
import type { Envelope } from '../surface';
import { insightEnvelope } from './insight';

/**
 * The gateway check's answers: the Insight body, but a refusal travels with an HTTP status nginx
 * `auth_request` understands (only a 2xx lets the original request through; 401 and 403 refuse it,
 * anything else fails it), and every answer carries `X-Auth-Code`, the Insight result code.
 */
const STATUSES: Partial<Record<FailureCode, number>> = {
  unauthenticated: 401,
  token_expired: 401,
  account_disabled: 401,
  forbidden: 403,
  not_found: 403,
  rate_limited: 429,
  route_not_found: 404,
  method_not_allowed: 405,
  unavailable: 503,
  internal: 503,
};

export const insightGatewayEnvelope: Envelope = {
  ok(ctx, data, extra) {
    insightEnvelope.ok(ctx, data, extra);
    ctx.set('X-Auth-Code', '200');
  },
  fail(ctx, failure) {
    insightEnvelope.fail(ctx, failure);
    ctx.status = STATUSES[failure.code] ?? 400;
    ctx.set('X-Auth-Code', String((ctx.body as { code: number }).code));
  },
  openapi: { ...insightEnvelope.openapi, errorsUseHttp200: false, errorStatuses: [400, 401, 403, 429, 503] },
};
