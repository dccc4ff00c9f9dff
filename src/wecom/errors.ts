import { DomainError } from '../commands/domain-error';

/** What kind of refusal a WeCom errcode is: decides whether a job retries and what a caller is told. */
export type WecomRefusal = 'credentials' | 'rate_limited' | 'busy' | 'stale_token' | 'bad_code' | 'refused';

const KINDS: Record<number, WecomRefusal> = {
  40001: 'credentials', // 不合法的secret参数
  40013: 'credentials', // 不合法的CorpID
  40056: 'credentials', // 不合法的agentid
  60020: 'credentials', // 不安全的访问IP
  45009: 'rate_limited', // 接口调用超过限制
  45033: 'rate_limited', // 接口并发调用超过限制
  [-1]: 'busy', // 系统繁忙
  42001: 'stale_token',
  40014: 'stale_token',
  41001: 'stale_token',
  40029: 'bad_code', // 不合法的oauth_code
  50001: 'bad_code', // redirect_url 未登记可信域名
};

/** WeCom answered with errcode ≠ 0. The message names the API and the errcode, never a credential. */
export class WecomApiError extends Error {
  readonly kind: WecomRefusal;
  constructor(
    readonly api: string,
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    const kind = KINDS[errcode] ?? 'refused';
    super(`WeCom ${api} refused (errcode ${errcode}${kind === 'credentials' ? ': check WECOM_CORP_ID / WECOM_CORP_SECRET / WECOM_AGENT_ID' : ''}): ${errmsg}`);
    this.name = 'WecomApiError';
    this.kind = kind;
  }
}

/** WeCom could not be reached, did not answer in time, or answered something that is not its JSON. */
export class WecomUnreachableError extends Error {
  constructor(
    readonly api: string,
    readonly reason: 'timeout' | 'network' | 'bad_answer',
    detail: string,
  ) {
    super(`WeCom ${api} unreachable (${reason}): ${detail}`);
    this.name = 'WecomUnreachableError';
  }
}

/** Worth another attempt later: the network, a timeout, a 5xx, rate limits, "system busy". */
export function isRetryableWecomError(err: unknown): boolean {
  if (err instanceof WecomUnreachableError) return true;
  if (err instanceof WecomApiError) return err.kind === 'rate_limited' || err.kind === 'busy' || err.kind === 'stale_token';
  return !(err instanceof DomainError);
}

/** The errcode recorded for a failure: WeCom's own, or -2 when it could not be reached. */
export const wecomErrcode = (err: unknown): number => (err instanceof WecomApiError ? err.errcode : -2);

/** A failure as a refusal an API caller understands (HTTP 502/503 in the Laravel envelope). */
export function wecomDomainError(err: unknown): DomainError {
  if (err instanceof DomainError) return err;
  if (err instanceof WecomApiError) {
    if (err.kind === 'rate_limited' || err.kind === 'busy') {
      return new DomainError('unavailable', '企业微信接口繁忙，请稍后重试', { errcode: err.errcode });
    }
    return new DomainError('upstream_failed', `企业微信拒绝了请求 (errcode ${err.errcode})`, { errcode: err.errcode });
  }
  if (err instanceof WecomUnreachableError) return new DomainError('unavailable', `企业微信暂时无法访问 (${err.reason})，请稍后重试`);
  throw err;
}
