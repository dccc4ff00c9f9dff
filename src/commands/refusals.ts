import { DomainError, type DomainErrorCode } from './domain-error';

/**
 * Every specific refusal the domain gives, by a stable name, with its general code and a neutral
 * description. The domain says what happened; each surface's envelope says it in that surface's
 * codes and words (src/api/envelopes/refusal-words.ts and the surface folders).
 */
export const REFUSALS = {
  user_not_found: { code: 'not_found', message: 'no such user' },
  wrong_credentials: { code: 'invalid_credentials', message: 'invalid account or password' },
  signature_spent: { code: 'invalid_credentials', message: 'the signature was used already; get a new code' },
  login_locked: { code: 'account_locked', message: 'too many failed attempts for this login from this address' },
  address_locked: { code: 'rate_limited', message: 'too many failed sign-ins from this address; try again later' },
  account_disabled: { code: 'account_disabled', message: 'account is disabled' },
  wechat_already_bound: { code: 'already_exists', message: 'the user is bound to another WeChat account' },
  session_ended: { code: 'unauthenticated', message: 'not signed in' },
  file_empty: { code: 'validation_failed', message: 'the uploaded file is empty' },
  file_too_large: { code: 'payload_too_large', message: 'the uploaded file is too large' },
  wecom_code_invalid: { code: 'invalid_credentials', message: 'the WeCom authorisation code is invalid or expired' },
  wecom_outsider: { code: 'invalid_credentials', message: 'the WeChat user is not a member of the corp' },
  wecom_member_syncing: { code: 'unavailable', message: 'the member is being synced from WeCom; try again shortly' },
  wecom_message_outsider: { code: 'validation_failed', message: 'the user is not a WeCom member and cannot be sent a message' },
  config_endpoint_taken: { code: 'already_exists', message: 'an interface config for this method and URL exists' },
  config_not_found: { code: 'not_found', message: 'no such interface config' },
  config_exists: { code: 'already_exists', message: 'the interface config exists' },
  role_names_unknown: { code: 'not_found', message: 'unknown role names' },
  role_exists: { code: 'already_exists', message: 'the role exists' },
  role_not_found: { code: 'not_found', message: 'no such role' },
  builtin_role_undeletable: { code: 'forbidden', message: 'a built-in role cannot be deleted' },
  signed_in_elsewhere: { code: 'unauthenticated', message: 'signed in on another device' },
  token_holder_disabled: { code: 'account_disabled', message: 'the token\'s user is disabled' },
  token_expired: { code: 'token_expired', message: 'the access token has expired; refresh it' },
  credential_invalid: { code: 'unauthenticated', message: 'invalid credential' },
  credential_failed: { code: 'unauthenticated', message: 'the token has failed; sign in again' },
  refresh_exhausted: { code: 'unauthenticated', message: 'no refreshes left; sign in again' },
  wechat_unreachable: { code: 'upstream_failed', message: 'WeChat is unavailable; try again later' },
  wechat_answer_invalid: { code: 'upstream_failed', message: 'WeChat answered with data that cannot be read' },
  wechat_grant_refused: { code: 'upstream_failed', message: 'WeChat refused the authorisation' },
  wechat_no_unionid: { code: 'upstream_failed', message: 'the WeChat user has no unionid; bind the account to the WeChat open platform' },
  wechat_user_unknown: { code: 'validation_failed', message: 'no WeChat user information is held; authorise again' },
  sms_code_wrong: { code: 'invalid_credentials', message: 'wrong SMS code' },
  sms_sign_in_off: { code: 'unavailable', message: 'SMS sign-in is not enabled' },
  mobile_invalid: { code: 'validation_failed', message: 'not a valid mobile number' },
  app_not_found: { code: 'validation_failed', message: 'no such application' },
  wechat_app_unconfigured: { code: 'validation_failed', message: 'this WeChat appId is not configured' },
  admin_account_missing: { code: 'not_found', message: 'no such user' },
  admin_account_disabled: { code: 'account_disabled', message: 'account is disabled' },
  admin_password_wrong: { code: 'invalid_credentials', message: 'the current password is wrong' },
  admin_name_taken: { code: 'already_exists', message: 'the user name is taken' },
  ticket_not_received: { code: 'not_found', message: 'no component_verify_ticket has been received yet' },
  rule_duplicate: { code: 'already_exists', message: 'a forwarding rule for this event exists' },
  rule_not_found: { code: 'not_found', message: 'no such forwarding rule' },
} as const satisfies Record<string, { code: DomainErrorCode; message: string }>;

export type RefusalReason = keyof typeof REFUSALS;

/** The DomainError for `reason`; `details` are neutral facts (a field, a limit, an upstream code), never words. */
export function refusal(reason: RefusalReason, details?: Record<string, unknown>): DomainError {
  const { code, message } = REFUSALS[reason];
  return new DomainError(code, message, details, reason);
}
