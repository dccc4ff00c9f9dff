/**
 * WeChat's HTTP APIs (api.weixin.qq.com, or WECHAT_API_BASE): JSON in, JSON out, `errcode` ≠ 0
 * is a refusal. Every call has a deadline so a slow WeChat cannot hold a request or a job forever.
 */
export class WechatApiError extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
    readonly path: string,
  ) {
    super(`WeChat ${path} answered errcode ${errcode}: ${errmsg}`);
    this.name = 'WechatApiError';
  }
}

/** Quota exhausted (45009) and system busy (-1) are worth retrying later; others mostly are not. */
export const isRetryable = (err: unknown): boolean =>
  !(err instanceof WechatApiError) || err.errcode === 45009 || err.errcode === -1 || err.errcode === 45011;

export interface WechatCall {
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  method?: 'GET' | 'POST';
  timeoutMs?: number;
}

/** GET with a query, or POST of a JSON body; a call that WeChat does not answer in time is aborted. */
function send(base: string, call: WechatCall): Promise<Response> {
  const url = new URL(call.path, base.endsWith('/') ? base : `${base}/`);
  for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.set(k, v);
  return fetch(url, {
    method: call.method ?? (call.body === undefined ? 'GET' : 'POST'),
    headers: call.body === undefined ? {} : { 'content-type': 'application/json' },
    body: call.body === undefined ? undefined : JSON.stringify(call.body),
    signal: AbortSignal.timeout(call.timeoutMs ?? 5_000),
  });
}

export async function callWechat<T = Record<string, unknown>>(base: string, call: WechatCall): Promise<T> {
  const res = await send(base, call);
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new WechatApiError(-2, `HTTP ${res.status}, not JSON`, call.path);
  }
  const errcode = typeof json.errcode === 'number' ? json.errcode : 0;
  if (errcode !== 0) throw new WechatApiError(errcode, String(json.errmsg ?? ''), call.path);
  return json as T;
}

/** A call whose answer may be an image (QR codes): the bytes when WeChat sends one, else its JSON refusal. */
export async function callWechatBinary(base: string, call: WechatCall): Promise<{ contentType: string; bytes: Buffer }> {
  const res = await send(base, call);
  const bytes = Buffer.from(await res.arrayBuffer());
  const contentType = res.headers.get('content-type') ?? '';
  if (contentType.startsWith('image/')) return { contentType, bytes };
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new WechatApiError(-2, `HTTP ${res.status}, neither an image nor JSON`, call.path);
  }
  throw new WechatApiError(typeof json.errcode === 'number' ? json.errcode : -2, String(json.errmsg ?? 'no image'), call.path);
}

/** Uploads one file as multipart/form-data (field `media`), as /cgi-bin/media/upload expects. */
export async function uploadWechatMedia<T>(base: string, call: WechatCall & { fileName: string; contentType: string; bytes: Buffer }): Promise<T> {
  const url = new URL(call.path, base.endsWith('/') ? base : `${base}/`);
  for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.set(k, v);
  const form = new FormData();
  form.append('media', new Blob([call.bytes], { type: call.contentType }), call.fileName);
  const res = await fetch(url, { method: 'POST', body: form, signal: AbortSignal.timeout(call.timeoutMs ?? 15_000) });
  const json = (await res.json().catch(() => ({ errcode: -2, errmsg: `HTTP ${res.status}, not JSON` }))) as Record<string, unknown>;
  const errcode = typeof json.errcode === 'number' ? json.errcode : 0;
  if (errcode !== 0) throw new WechatApiError(errcode, String(json.errmsg ?? ''), call.path);
  return json as T;
}

/** WeChat speaks snake_case; the admin front end camelCase. */
export function camelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), camelKeys(v)]));
}

export function snakeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeKeys(v)]));
}
