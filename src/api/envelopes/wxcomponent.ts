import type { FailureCode } from '../failure';
import type { Envelope } from '../surface';
import type { RefusalReason } from '../../commands/refusals';
import { wordsFor } from './refusal-words';

/**
 * WeChat third-party platform admin: `{code, errorMsg, data}`, always HTTP 200, `code` 0 for OK.
 * A route may name its exact code in `details.wxCode` (1008 bad status, 1010 target failed, …);
 * the domain's refusals that the original answered with their own codes are mapped below.
 */

const REFUSAL_CODES: Partial<Record<RefusalReason, number>> = {
  admin_account_missing: 1005,
  admin_account_disabled: 1005,
  admin_password_wrong: 1005,
  admin_name_taken: 1005,
  ticket_not_received: 1007,
};

const CODES: Record<FailureCode, number> = {
  forbidden: 1000,
  validation_failed: 1001,
  malformed_request: 1001,
  unsupported_media_type: 1001,
  payload_too_large: 1001,
  not_found: 1001,
  conflict: 1001,
  already_exists: 1001,
  internal: 1002,
  unavailable: 1002,
  upstream_failed: 1002,
  token_expired: 1003,
  unauthenticated: 1004,
  invalid_credentials: 1006,
  account_disabled: 1006,
  account_locked: 1011,
  rate_limited: 1011,
  route_not_found: 1010,
  method_not_allowed: 1010,
};

const FIXED_MESSAGES: Partial<Record<FailureCode, string>> = {
  internal: 'System error',
  route_not_found: 'Request error: no such endpoint',
  method_not_allowed: 'Request error: method not allowed',
};

export const wxcomponentEnvelope: Envelope = {
  ok(ctx, data) {
    ctx.status = 200;
    ctx.body = { code: 0, errorMsg: 'OK', data: data ?? null };
  },
  fail(ctx, failure) {
    const override = failure.details?.wxCode;
    const message = FIXED_MESSAGES[failure.code] ?? wordsFor(failure);
    ctx.status = 200;
    // The original puts the detail of a refusal in `data` as text; its client shows `data` for 1002
    // and on the rule-test drawer, so null would be shown as "null".
    ctx.body = {
      code: typeof override === 'number' && Number.isInteger(override) ? override : ((failure.reason && REFUSAL_CODES[failure.reason]) ?? CODES[failure.code]),
      errorMsg: message,
      data: typeof failure.details?.wxData === 'string' ? failure.details.wxData : message,
    };
  },
  openapi: {
    success: (data) => reply(data ?? {}),
    error: reply({ type: 'string', description: 'The refusal in words (what a rule test\'s target answered, for 1010)' }),
    errorMediaType: 'application/json',
    errorsUseHttp200: true,
    errorStatuses: [],
  },
};

function reply(data: object) {
  return {
    type: 'object',
    required: ['code', 'errorMsg', 'data'],
    properties: {
      code: {
        type: 'integer',
        description: '0 OK; 1000 not authorised, 1001 bad parameter, 1002 system error, 1003 login timed out, 1004 bad token, 1006 login failed, 1007 ticket empty, 1010 request error, 1011 too many failed logins',
      },
      errorMsg: { type: 'string' },
      data,
    },
  };
}
