import { createHash, randomUUID } from 'node:crypto';
import type { TestService } from '../../support/service';

/** What an Insight client does: MD5 its password, fetch a code, sign, post. */
export const md5 = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');
export const sign = (account: string, secretMd5: string, code: string): string => md5(md5(account + secretMd5) + code);

export async function createUser(svc: TestService, user: { account: string; password: string; name?: string; mobile?: string; email?: string }): Promise<string> {
  const res = await svc.request('POST', '/v1/users', { body: { name: user.account, ...user }, headers: { authorization: `Bearer ${await svc.adminToken()}` } });
  if (res.status !== 201) throw new Error(`user not created: ${res.status} ${res.text}`);
  return res.body.id as string;
}

export async function createApp(svc: TestService, app: { name?: string; tokenMode: 'shared' | 'exclusive'; tokenLife?: number }): Promise<string> {
  const res = await svc.request('POST', '/v1/apps', { body: { name: 'app', ...app }, headers: { authorization: `Bearer ${await svc.adminToken()}` } });
  if (res.status !== 201) throw new Error(`app not created: ${res.status} ${res.text}`);
  return res.body.id as string;
}

/** Every call comes from its own device, so the seeded per-device rate limits stay out of these specifications. */
export const freshDevice = (): Record<string, string> => ({ 'x-device-id': randomUUID() });

export async function getCode(svc: TestService, account: string, type = 0): Promise<string> {
  const res = await svc.request('GET', `/base/auth/v1.0/tokens/codes?account=${encodeURIComponent(account)}&type=${type}`, { headers: freshDevice() });
  if (res.body?.code !== 200) throw new Error(`no code: ${res.text}`);
  return res.body.data as string;
}

export async function login(svc: TestService, appId: string, account: string, password: string, extra: Record<string, unknown> = {}) {
  const code = await getCode(svc, account);
  return postToken(svc, { appId, account, signature: sign(account, md5(password), code), ...extra });
}

export function postToken(svc: TestService, body: unknown, headers: Record<string, string> = {}) {
  return svc.request('POST', '/base/auth/v1.0/tokens', { body, headers: { ...freshDevice(), ...headers } });
}

export async function loginOk(svc: TestService, appId: string, account: string, password: string, extra: Record<string, unknown> = {}) {
  const res = await login(svc, appId, account, password, extra);
  if (res.body?.code !== 200) throw new Error(`login failed: ${res.text}`);
  return res.body.data as { accessToken: string; refreshToken: string; expire: number; failure: number; userInfo: Record<string, unknown> };
}

export const status = (svc: TestService, token: string) => svc.request('GET', '/base/auth/v1.0/tokens/status', { headers: { authorization: token, ...freshDevice() } });
export const refresh = (svc: TestService, token: string) => svc.request('PUT', '/base/auth/v1.0/tokens', { headers: { authorization: token, ...freshDevice() } });
export const revoke = (svc: TestService, token: string) => svc.request('DELETE', '/base/auth/v1.0/tokens', { headers: { authorization: token, ...freshDevice() } });

export const decodeToken = (token: string) => JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { id: string; userId: string; userName: string | null; secret: string };
export const encodeToken = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
