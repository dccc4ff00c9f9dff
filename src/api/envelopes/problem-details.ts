import type { FailureCode } from '../failure';
import type { Envelope } from '../surface';

/**
 * Ours (`/v1`, operations): plain JSON on success; refusals are RFC 9457 problem details with the
 * HTTP status that fits, the stable `code`, field `errors` for validation, and the request id.
 */

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

const PROBLEMS: Record<FailureCode, { status: number; title: string }> = {
  malformed_request: { status: 400, title: 'Malformed request' },
  validation_failed: { status: 422, title: 'Validation failed' },
  unauthenticated: { status: 401, title: 'Authentication required' },
  token_expired: { status: 401, title: 'Token expired' },
  invalid_credentials: { status: 401, title: 'Invalid credentials' },
  forbidden: { status: 403, title: 'Forbidden' },
  account_disabled: { status: 403, title: 'Account disabled' },
  // A lock ends by itself: 429 with Retry-After tells a client when, where 403 would say never.
  account_locked: { status: 429, title: 'Account locked' },
  not_found: { status: 404, title: 'Not found' },
  route_not_found: { status: 404, title: 'No such endpoint' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict' },
  already_exists: { status: 409, title: 'Already exists' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal error' },
  upstream_failed: { status: 502, title: 'Upstream service failed' },
  unavailable: { status: 503, title: 'Service unavailable' },
};

/** Detail keys that steer other envelopes or are already rendered, never copied as extension members. */
const NOT_EXTENSIONS = new Set(['errors', 'insightCode', 'wxCode', 'instance']);

export const problemTypeUri = (code: FailureCode): string => `urn:authledger:problem:${code}`;

export const problemDetailsEnvelope: Envelope = {
  ok(ctx, data, extra) {
    const status = typeof extra?.status === 'number' ? extra.status : data === undefined ? 204 : 200;
    ctx.status = status;
    if (status !== 204) ctx.body = data ?? null;
  },
  fail(ctx, failure) {
    const { status, title } = PROBLEMS[failure.code];
    const requestId: unknown = ctx.state.requestId;
    const body: Record<string, unknown> = {
      type: problemTypeUri(failure.code),
      title,
      status,
      detail: failure.code === 'internal' ? 'An unexpected error occurred; quote the request id when reporting it.' : failure.message,
      code: failure.code,
    };
    if (failure.issues?.length) body.errors = failure.issues;
    if (typeof requestId === 'string') body.requestId = requestId;
    // DomainError details are safe to show by contract: RFC 9457 extension members (`lockedUntil`, `retryAfterSeconds`).
    if (failure.code !== 'internal') {
      for (const [key, value] of Object.entries(failure.details ?? {})) {
        if (!(key in body) && !NOT_EXTENSIONS.has(key)) body[key] = value;
      }
    }
    if (failure.allowedMethods) ctx.set('Allow', failure.allowedMethods.join(', '));
    if (status === 401) ctx.set('WWW-Authenticate', 'Bearer');
    const retryAfter = failure.details?.retryAfterSeconds;
    if ((failure.code === 'rate_limited' || failure.code === 'account_locked') && typeof retryAfter === 'number') ctx.set('Retry-After', String(Math.ceil(retryAfter)));
    ctx.status = status;
    // JSON.stringify by hand: koa would label an object body plain application/json.
    ctx.body = JSON.stringify(body);
    ctx.type = PROBLEM_MEDIA_TYPE;
  },
  openapi: {
    success: (data) => data ?? {},
    error: {
      type: 'object',
      required: ['type', 'title', 'status', 'code'],
      properties: {
        type: { type: 'string', format: 'uri' },
        title: { type: 'string' },
        status: { type: 'integer' },
        detail: { type: 'string' },
        code: { type: 'string', enum: Object.keys(PROBLEMS) },
        errors: {
          type: 'array',
          items: {
            type: 'object',
            required: ['in', 'path', 'message'],
            properties: { in: { enum: ['body', 'query', 'params'] }, path: { type: 'string' }, message: { type: 'string' } },
          },
        },
        requestId: { type: 'string' },
      },
      additionalProperties: { description: 'Extension members: facts about this refusal (lockedUntil, retryAfterSeconds, …)' },
    },
    errorMediaType: PROBLEM_MEDIA_TYPE,
    errorsUseHttp200: false,
    errorStatuses: [400, 401, 403, 404, 422, 500],
  },
};
