import type { RefusalReason } from '../../commands/refusals';
import type { FailureCode } from '../failure';
import type { Envelope } from '../surface';
import { wordsFor } from './refusal-words';

/**
 * Insight Auth: `{success, code, message, data, option}`, always HTTP 200; `code` tells success
 * (2xx) from failure (4xx/5xx), `option` carries extras such as a list's total row count.
 */

const SUCCESS_MESSAGE = '请求成功';

/** Insight result code per failure; `message` replaces the failure's own where Insight clients expect fixed text. */
const RESULTS: Record<FailureCode, { code: number; message?: string }> = {
  validation_failed: { code: 430 },
  malformed_request: { code: 430, message: '无效参数: 请求数据不是有效的JSON' },
  unsupported_media_type: { code: 430, message: '无效参数: 请使用JSON格式的请求数据' },
  payload_too_large: { code: 400, message: '请求数据过大' },
  route_not_found: { code: 400, message: '请求的URL不存在' },
  method_not_allowed: { code: 400, message: '请求的URL不存在' },
  not_found: { code: 414 },
  unauthenticated: { code: 421 },
  token_expired: { code: 422 },
  forbidden: { code: 403 },
  account_disabled: { code: 413 },
  invalid_credentials: { code: 420 },
  account_locked: { code: 400 },
  rate_limited: { code: 490 },
  conflict: { code: 400 },
  already_exists: { code: 400 },
  upstream_failed: { code: 400 },
  // Not the 500 of a bug: the request may simply be sent again (Retry-After says when).
  unavailable: { code: 503, message: '服务器繁忙，请稍后重试' },
  internal: { code: 500, message: '服务器繁忙' },
};

/** Refusals Insight numbers otherwise than their general code would: as the original answered them. */
const REASON_CODES: Partial<Record<RefusalReason, number>> = {
  wechat_already_bound: 400,
  config_endpoint_taken: 400,
  config_not_found: 400,
  signed_in_elsewhere: 400,
  sms_sign_in_off: 400,
  sms_code_wrong: 423,
};

/** Sign-in refusals in the words Insight clients show (the other surfaces word them their own way). */
const SIGN_IN_WORDS: Partial<Record<RefusalReason, string>> = {
  wrong_credentials: '账号或签名错误',
  signature_spent: '账号或签名错误',
  login_locked: '错误次数过多,账号已被锁定!请于10分钟后再试',
  address_locked: '登录失败次数过多,请稍后再试',
  account_disabled: '账户被禁止使用',
};

const DEFAULT_MESSAGES: Partial<Record<number, string>> = {
  403: '未授权',
  413: '账户被禁止使用',
  414: '用户不存在',
  420: '密码错误',
  421: '无效凭证',
  422: '凭证过期，需刷新',
  430: '无效参数',
  490: '您请求过于频繁，请稍后重试！',
};

export const insightEnvelope: Envelope = {
  ok(ctx, data, extra) {
    ctx.status = 200;
    ctx.body = {
      success: true,
      code: typeof extra?.code === 'number' ? extra.code : 200,
      message: typeof extra?.message === 'string' ? extra.message : SUCCESS_MESSAGE,
      data: data ?? null,
      option: extra?.option ?? null,
    };
  },
  fail(ctx, failure) {
    const result = RESULTS[failure.code];
    // The gateway (src/gateway) names its result code itself.
    const override = failure.details?.insightCode;
    const byReason = failure.reason ? REASON_CODES[failure.reason] : undefined;
    const code = typeof override === 'number' && Number.isInteger(override) ? override : (byReason ?? result.code);
    ctx.status = 200;
    ctx.body = { success: false, code, message: messageFor(code, result.message, wordsFor(failure, SIGN_IN_WORDS), failure.code), data: null, option: null };
  },
  openapi: {
    success: (data) => reply(data ?? {}),
    error: reply({ type: 'null' }),
    errorMediaType: 'application/json',
    errorsUseHttp200: true,
    errorStatuses: [],
  },
};

function messageFor(code: number, fixed: string | undefined, own: string, failureCode: FailureCode): string {
  if (fixed) return fixed;
  const standard = DEFAULT_MESSAGES[code];
  if (failureCode === 'validation_failed') return own && !own.startsWith('无效参数') ? `无效参数: ${own}` : own || '无效参数';
  return own || standard || '请求失败';
}

function reply(data: object) {
  return {
    type: 'object',
    required: ['success', 'code', 'message', 'data', 'option'],
    properties: {
      success: { type: 'boolean' },
      code: { type: 'integer', description: '2xx success; 400 failure, 403 未授权, 413 账户被禁止使用, 414 用户不存在, 420 密码错误, 421 无效凭证, 422 凭证过期, 430 无效参数, 490 请求过于频繁, 500 服务器繁忙' },
      message: { type: 'string' },
      data,
      option: { description: 'Extra data, such as the total row count of a paged list' },
    },
  };
}
