import { createHash } from 'node:crypto';
import type { TestService } from '../support/service';

/**
 * The Insight desktop client (xuanbg/Utility: Utils/Common/HttpRequest.cs, BaseForm/Utils/HttpClient.cs,
 * BaseForm/Utils/TokenHelper.cs) as it talks to the auth service, and Json.NET's reading of the answers
 * into its C# classes: a value of the wrong type makes `Util.deserialize` return null, which the
 * screen shows as a server error.
 */

const md5 = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');

/** The C# property types the client declares; `int` is Int32, `string` also takes numbers and booleans. */
export type CsType = 'string' | 'int' | 'bool?' | 'object' | { object: Record<string, CsType> } | { list: CsType };

export const USER_INFO: CsType = {
  object: Object.fromEntries(['id', 'tenantId', 'deptId', 'code', 'name', 'account', 'mobile', 'email', 'headImg', 'builtin', 'createdTime'].map((k) => [k, 'string' as const])),
};
export const TOKEN_PACKAGE: CsType = { object: { accessToken: 'string', refreshToken: 'string', expire: 'int', failure: 'int', userInfo: USER_INFO } };
export const FUNCTION_DTO: CsType = {
  object: {
    id: 'string', navId: 'string', type: 'int', index: 'int', name: 'string', authCodes: 'string',
    funcInfo: { object: { method: 'string', iconUrl: 'string', beginGroup: 'bool?', hideText: 'bool?' } },
    permit: 'bool?',
  },
};
export const MODULE_DTO: CsType = {
  object: {
    id: 'string', parentId: 'string', type: 'int', index: 'int', name: 'string',
    moduleInfo: { object: { iconUrl: 'string', module: 'string', file: 'string', autoLoad: 'bool?' } },
    functions: { list: FUNCTION_DTO },
  },
};

/** LookUpMember (BaseForm/Entities): the tenant picker's rows. */
export const LOOK_UP_MEMBER: CsType = { object: { id: 'string', code: 'string', name: 'string', remark: 'string' } };

/** Json.NET's conversion of `value` to `type`; throws (as DeserializeObject does) where it would. */
export function csharpRead(type: CsType, value: unknown, at = '$'): unknown {
  const fail = (): never => {
    throw new Error(`Json.NET cannot read ${JSON.stringify(value)} at ${at} as ${JSON.stringify(type)}`);
  };
  if (type === 'int') {
    if (typeof value !== 'number' || !Number.isInteger(value) || value > 2 ** 31 - 1 || value < -(2 ** 31)) fail();
    return value;
  }
  if (value === null) return null;
  if (type === 'string') return typeof value === 'object' ? fail() : String(value);
  if (type === 'bool?') return typeof value === 'boolean' ? value : fail();
  if (type === 'object') return value;
  if (typeof value !== 'object') return fail();
  if ('list' in type) return Array.isArray(value) ? value.map((v, i) => csharpRead(type.list, v, `${at}[${i}]`)) : fail();
  if (Array.isArray(value)) return fail();
  const out: Record<string, unknown> = {};
  for (const [key, t] of Object.entries(type.object)) if (key in (value as object)) out[key] = csharpRead(t, (value as Record<string, unknown>)[key], `${at}.${key}`);
  return out;
}

/** `Result<T>`: success, code (int), message, option, data. */
export interface Result<T = unknown> {
  success: boolean;
  code: number;
  message: string;
  option: unknown;
  data: T;
}

export interface Exchange {
  status: number;
  text: string;
  /** What `Util.deserialize<Result<T>>` gave: null when Json.NET would have thrown. */
  result: Result | null;
  /** Why it would have thrown. */
  error?: string;
}

/** What the C# desktop sends: JSON headers, its user agent, Authorization bare, GET params unencoded, null fields in bodies. */
export async function send(svc: TestService, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, token: string | null, body: Record<string, unknown> | null, data: CsType = 'object'): Promise<Exchange> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    'content-type': 'application/json; charset=utf-8',
    'user-agent': 'Windows Disktop App',
    'accept-encoding': 'gzip, identity',
  };
  if (token !== null) headers.authorization = token;
  let url = path;
  let raw: string | undefined;
  if (method === 'GET') {
    if (body) url += ('?' + Object.entries(body).filter(([, v]) => v !== null && v !== undefined && String(v) !== '').map(([k, v]) => `&${k}=${String(v)}`).join('')).replace('?&', '?');
  } else raw = body === null ? '' : JSON.stringify(body);
  const res = await svc.request(method, url, { headers, rawBody: raw });
  try {
    const envelope = res.body as Record<string, unknown>;
    if (typeof envelope !== 'object' || envelope === null) throw new Error(`not JSON: ${res.text}`);
    const result = csharpRead({ object: { success: 'bool?', code: 'int', message: 'string', option: 'object', data } }, envelope) as Result;
    result.success = result.success ?? false;
    return { status: res.status, text: res.text, result };
  } catch (e) {
    return { status: res.status, text: res.text, result: null, error: (e as Error).message };
  }
}

/** LoginDto as Json.NET writes it: every property, nulls included. */
export function loginDto(fields: Record<string, unknown>): Record<string, unknown> {
  const keys = ['appId', 'tenantId', 'deptId', 'account', 'signature', 'code', 'weChatAppId', 'unionId', 'isReplace', 'deviceId', 'deviceModel'];
  return Object.fromEntries(keys.map((k) => [k, fields[k] ?? null]));
}

/** TokenHelper plus HttpClient's retry loop (422 → refresh and again, 421 → sign in and again). */
export class DesktopClient {
  accessToken: string | null = null;
  refreshToken: string | null = null;
  userInfo: Record<string, unknown> | null = null;
  expire = 0;
  failure = 0;
  /** Every exchange, in order: the screens show `message` of any failed one. */
  readonly log: { method: string; path: string; exchange: Exchange }[] = [];
  private readonly sign: string;

  constructor(private readonly svc: TestService, private readonly appId: string, readonly account: string, password: string, public tenantId: string | null = null) {
    this.sign = md5(account + md5(password));
  }

  private async call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, token: string | null, body: Record<string, unknown> | null, data: CsType = 'object') {
    const exchange = await send(this.svc, method, path, token, body, data);
    this.log.push({ method, path, exchange });
    return exchange;
  }

  async getTokens(): Promise<boolean> {
    this.accessToken = null;
    this.refreshToken = null;
    const code = await this.call('GET', '/base/auth/v1.0/tokens/codes', null, { account: this.account }, 'string');
    if (!code.result?.success || typeof code.result.data !== 'string') return false;
    const signature = md5(this.sign + code.result.data);
    const body = loginDto({ appId: this.appId, tenantId: this.tenantId, account: this.account, signature });
    return this.keep(await this.call('POST', '/base/auth/v1.0/tokens', this.accessToken, body, TOKEN_PACKAGE));
  }

  /**
   * MainForm with ShowTenant: on entering the password field, DataModel.getTenants(account) (no token);
   * LoginModel.initTenants preselects the only row, or says 该用户无法登录此系统 when there is none.
   */
  async pickTenant(): Promise<Record<string, unknown>[] | null> {
    const res = await this.call('GET', `/base/auth/v1.0/${this.appId}/tenants`, null, { account: this.account }, { list: LOOK_UP_MEMBER });
    if (!res.result?.success) return null;
    const rows = res.result.data as Record<string, unknown>[];
    if (rows.length === 1) this.tenantId = String(rows[0]!.id);
    return rows;
  }

  async refreshTokens(): Promise<boolean> {
    this.accessToken = null;
    return this.keep(await this.call('PUT', '/base/auth/v1.0/tokens', this.refreshToken, null, TOKEN_PACKAGE));
  }

  async deleteToken(): Promise<boolean> {
    const res = await this.request('DELETE', '/base/auth/v1.0/tokens', null);
    if (!res?.success) return false;
    this.accessToken = null;
    this.refreshToken = null;
    return true;
  }

  /** HttpClient<T>.request: the Result, or null when the transport or Json.NET failed. */
  async request(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body: Record<string, unknown> | null, data: CsType = 'object'): Promise<Result | null> {
    for (let round = 0; round < 4; round++) {
      const exchange = await this.call(method, path, this.accessToken, body, data);
      const result = exchange.result;
      if (exchange.status !== 200 || !result) return null;
      if (result.success) return result;
      if (result.code === 422 && (await this.refreshTokens())) continue;
      if (result.code === 421 && (await this.getTokens())) continue;
      return result;
    }
    throw new Error('the client would loop forever');
  }

  private keep(exchange: Exchange): boolean {
    const result = exchange.result;
    if (exchange.status !== 200 || !result?.success) return false;
    const data = result.data as { accessToken: string; refreshToken: string; expire: number; failure: number; userInfo: Record<string, unknown> };
    this.accessToken = data.accessToken;
    this.refreshToken = data.refreshToken;
    this.expire = data.expire;
    this.failure = data.failure;
    this.userInfo = data.userInfo;
    return true;
  }
}
