import type { DomainError } from '../../commands/domain-error';
import type { RefusalReason } from '../../commands/refusals';
import type { Failure } from '../failure';

type Words = string | ((details: Record<string, unknown>) => string);

/**
 * The words the legacy surfaces (Insight, Laravel, wxcomponent, BitAnswer) show for the domain's
 * refusals: the originals' Chinese. A surface may say some of them its own way (its envelope's own
 * table comes first); a refusal not listed here is shown in the domain's neutral description.
 */
export const LEGACY_WORDS: Partial<Record<RefusalReason, Words>> = {
  user_not_found: '用户不存在',
  wechat_already_bound: '用户已绑定其他微信号',
  session_ended: '未登录',
  file_empty: '上传的文件为空',
  file_too_large: (d) => `文件不能超过 ${String(d.limitBytes)} 字节`,
  wecom_code_invalid: '企业微信授权码无效或已过期',
  wecom_outsider: '该微信用户不是企业成员',
  wecom_member_syncing: '用户信息正在从企业微信同步，请稍后重试',
  wecom_message_outsider: '该用户不是企业微信成员，无法发送消息',
  config_endpoint_taken: '接口配置已存在: 该请求方法和URL已配置',
  config_not_found: 'ID不存在,未更新数据',
  config_exists: '接口配置已存在',
  role_names_unknown: (d) => `角色名不存在: ${Array.isArray(d.names) ? d.names.join(', ') : ''}`,
  role_exists: '角色已存在',
  role_not_found: '角色不存在',
  builtin_role_undeletable: '内置角色不能删除',
  signed_in_elsewhere: '用户已在其他设备登录',
  token_holder_disabled: '账户被禁止使用',
  token_expired: '凭证过期，需刷新',
  credential_invalid: '无效凭证',
  credential_failed: '凭证已失效,请重新登录',
  refresh_exhausted: '刷新次数已用尽,请重新登录',
  wechat_unreachable: '微信服务暂时不可用,请稍后重试',
  wechat_answer_invalid: '微信服务返回了无效数据',
  wechat_grant_refused: (d) => (d.wechatErrcode === undefined ? '微信授权失败' : `微信授权失败(errcode ${String(d.wechatErrcode)})`),
  wechat_no_unionid: '微信用户没有UnionId,请将公众号绑定到微信开放平台',
  wechat_user_unknown: '无效参数: 未找到微信用户信息,请重新授权',
  sms_code_wrong: '验证码错误',
  sms_sign_in_off: '短信登录未开通',
  mobile_invalid: '无效参数: 请输入正确的手机号',
  app_not_found: '无效参数: 应用不存在',
  wechat_app_unconfigured: '无效参数: 未配置该微信appId',
  admin_account_missing: '用户不存在',
  admin_password_wrong: '原密码错误',
  admin_name_taken: '用户名已存在',
  rule_duplicate: '该事件已存在转发规则',
  rule_not_found: '转发规则不存在',
};

/** `failure` in words: the surface's own first, then the legacy words, else the domain's description. */
export function wordsFor(failure: Failure, own: Partial<Record<RefusalReason, Words>> = {}): string {
  const words = failure.reason ? (own[failure.reason] ?? LEGACY_WORDS[failure.reason]) : undefined;
  if (words === undefined) return failure.message;
  return typeof words === 'string' ? words : words(failure.details ?? {});
}

/** A refusal's field issues in the same words as the refusal, where the domain named the refusal. */
export function issuesInWords(failure: Failure, own: Partial<Record<RefusalReason, Words>> = {}): Failure['issues'] {
  if (!failure.issues || !failure.reason || (own[failure.reason] ?? LEGACY_WORDS[failure.reason]) === undefined) return failure.issues;
  const message = wordsFor(failure, own);
  return failure.issues.map((issue) => ({ ...issue, message }));
}

/** A DomainError a route answers itself (a refusal shown as a toast), in the legacy words. */
export function domainWords(err: DomainError): string {
  return wordsFor({ code: err.code, message: err.message, ...(err.reason ? { reason: err.reason } : {}), ...(err.details ? { details: err.details } : {}) });
}
