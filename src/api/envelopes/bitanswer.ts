import type { FailureCode } from '../failure';
import type { Envelope } from '../surface';
import { wordsFor } from './refusal-words';

/**
 * BitAnswer back office: success `{status: 0, data}`, refusal `{status: <non-zero>, msg}`.
 * Refusals travel with HTTP 200 like the vendor's; only server-side trouble (5xx) also says so in
 * the HTTP status, so proxies and monitoring see it.
 */

const STATUSES: Record<FailureCode, number> = {
  validation_failed: 400,
  malformed_request: 400,
  unauthenticated: 401,
  token_expired: 401,
  invalid_credentials: 401,
  forbidden: 403,
  account_disabled: 403,
  account_locked: 403,
  not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  already_exists: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  upstream_failed: 502,
  unavailable: 503,
};

export const bitanswerEnvelope: Envelope = {
  ok(ctx, data) {
    ctx.status = 200;
    ctx.body = { status: 0, data: data ?? null };
  },
  fail(ctx, failure) {
    const status = STATUSES[failure.code];
    ctx.status = status >= 500 ? status : 200;
    if (failure.allowedMethods) ctx.set('Allow', failure.allowedMethods.join(', '));
    ctx.body = { status, msg: failure.code === 'internal' ? 'internal error' : wordsFor(failure) };
  },
  openapi: {
    success: (data) => ({
      type: 'object',
      required: ['status', 'data'],
      properties: { status: { const: 0 }, data: data ?? {} },
    }),
    error: {
      type: 'object',
      required: ['status', 'msg'],
      properties: {
        status: { type: 'integer', description: '400 bad request, 401 bad bitkey, 403 forbidden, 404 not found, 405 method not allowed, 409 conflict, 413 too large, 415 not JSON, 429 too many requests, 500 internal, 502 upstream, 503 unavailable' },
        msg: { type: 'string' },
      },
    },
    errorMediaType: 'application/json',
    errorsUseHttp200: true,
    errorStatuses: [500, 503],
  },
};
