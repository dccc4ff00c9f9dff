import { issuesByField, type FailureCode } from '../failure';
import type { Envelope } from '../surface';
import { issuesInWords, wordsFor } from './refusal-words';

/**
 * Laravel template: `{status: "ok"|"error", message, data, errors, code: 0}` with real HTTP
 * statuses: 401 when not signed in, 403 无权访问资源, 422 with `errors` as field → messages.
 */

const STATUSES: Record<FailureCode, number> = {
  validation_failed: 422,
  malformed_request: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  route_not_found: 404,
  method_not_allowed: 405,
  not_found: 404,
  unauthenticated: 401,
  token_expired: 401,
  invalid_credentials: 400,
  forbidden: 403,
  account_disabled: 403,
  account_locked: 403,
  rate_limited: 429,
  conflict: 409,
  already_exists: 409,
  upstream_failed: 502,
  unavailable: 503,
  internal: 500,
};

/** Where the template answers with fixed text, or where the shell's own English would look out of place. */
const FIXED_MESSAGES: Partial<Record<FailureCode, string>> = {
  forbidden: '无权访问资源',
  malformed_request: '请求数据不是有效的JSON',
  unsupported_media_type: '请求数据的格式不受支持',
  payload_too_large: '请求数据过大',
  route_not_found: '接口不存在',
  method_not_allowed: '接口不支持该请求方法',
  internal: '服务器内部错误',
};

/** Exactly what Laravel's JsonResponse sends: the template's client compares the header as a whole. */
const LARAVEL_JSON = 'application/json';

/** The template's words for a success that names nothing more specific; its pages toast them. */
const defaultMessage = (ctx: object): string => ((ctx as { method?: string }).method === 'GET' ? '获取成功' : '操作成功');

export const laravelEnvelope: Envelope = {
  ok(ctx, data, extra) {
    ctx.status = typeof extra?.status === 'number' ? extra.status : 200;
    ctx.body = { status: 'ok', message: typeof extra?.message === 'string' ? extra.message : defaultMessage(ctx), data: data ?? null, errors: null, code: 0 };
    ctx.set('Content-Type', LARAVEL_JSON);
  },
  fail(ctx, failure) {
    ctx.status = STATUSES[failure.code];
    if (failure.allowedMethods) ctx.set('Allow', failure.allowedMethods.join(', '));
    const retryAfter = failure.details?.retryAfterSeconds;
    if ((failure.code === 'rate_limited' || failure.code === 'account_locked') && typeof retryAfter === 'number') ctx.set('Retry-After', String(Math.ceil(retryAfter)));
    const issues = issuesInWords(failure);
    const errors = failure.code === 'validation_failed' && issues?.length ? issuesByField(issues) : null;
    ctx.body = { status: 'error', message: FIXED_MESSAGES[failure.code] ?? wordsFor(failure), data: null, errors, code: 0 };
    ctx.set('Content-Type', LARAVEL_JSON);
  },
  openapi: {
    success: (data) => reply({ const: 'ok' }, data ?? {}, { type: 'null' }),
    error: reply(
      { const: 'error' },
      { type: 'null' },
      { type: ['object', 'null'], additionalProperties: { type: 'array', items: { type: 'string' } }, description: 'field → messages, on 422' },
    ),
    errorMediaType: 'application/json',
    errorsUseHttp200: false,
    errorStatuses: [400, 401, 403, 404, 422, 500],
  },
};

function reply(status: object, data: object, errors: object) {
  return {
    type: 'object',
    required: ['status', 'message', 'data', 'errors', 'code'],
    properties: { status, message: { type: 'string' }, data, errors, code: { const: 0 } },
  };
}
