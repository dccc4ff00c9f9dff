import { createHash, randomBytes } from 'node:crypto';
import type { TestService } from '../../support/service';

/** Signing in the way an Insight client does, from a device of its own (so seeded rate limits never meet). */
const md5 = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');

export interface SignedIn {
  userId: string;
  appId: string;
  token: string;
  account: string;
}

export async function adminHeaders(svc: TestService): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await svc.adminToken()}` };
}

export async function newApp(svc: TestService): Promise<string> {
  const res = await svc.request('POST', '/v1/apps', { body: { name: `app-${randomBytes(3).toString('hex')}`, tokenMode: 'shared' }, headers: await adminHeaders(svc) });
  if (res.status !== 201) throw new Error(`app not created: ${res.status} ${res.text}`);
  return res.body.id as string;
}

/** A new user (name given or generated) signed in to the app with a fresh device id. */
export async function signedIn(svc: TestService, appId: string, name?: string): Promise<SignedIn> {
  const account = `u${randomBytes(5).toString('hex')}`;
  const password = 'pw-' + randomBytes(4).toString('hex');
  const created = await svc.request('POST', '/v1/users', { body: { account, password, name: name ?? account }, headers: await adminHeaders(svc) });
  if (created.status !== 201) throw new Error(`user not created: ${created.status} ${created.text}`);
  const deviceId = randomBytes(8).toString('hex');
  const code = await svc.request('GET', `/base/auth/v1.0/tokens/codes?account=${account}`, { headers: { 'x-device-id': deviceId } });
  if (code.body?.code !== 200) throw new Error(`no code: ${code.text}`);
  const signature = md5(md5(account + md5(password)) + code.body.data);
  const token = await svc.request('POST', '/base/auth/v1.0/tokens', { body: { appId, account, signature, deviceId } });
  if (token.body?.code !== 200) throw new Error(`not signed in: ${token.text}`);
  return { userId: created.body.id as string, appId, token: token.body.data.accessToken as string, account };
}

/** Every code the config routes ask for (see src/api/insight/config-admin.ts). */
export const CONFIG_ADMIN_CODES = 'getConfig,newConfig,editConfig,deleteConfig,loadConfig,getConfigLog';

/**
 * Makes users configuration administrators of the app the way a deployment does, through /v1:
 * a function carrying the config codes, a role permitting it, the users given that role.
 */
export async function grantConfigAdmin(svc: TestService, appId: string, ...userIds: string[]): Promise<void> {
  const v1 = async (method: string, path: string, body: unknown) => {
    const res = await svc.request(method, `/v1/apps/${appId}${path}`, { body, headers: await adminHeaders(svc) });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res.body?.id as string;
  };
  const group = await v1('POST', '/navigators', { type: 1, index: 90, name: '系统设置' });
  const module = await v1('POST', '/navigators', { parentId: group, type: 2, index: 1, name: '接口配置' });
  const fn = await v1('POST', '/functions', { navId: module, type: 0, index: 1, name: '管理接口配置', authCodes: CONFIG_ADMIN_CODES });
  const role = await v1('POST', '/roles', { name: `配置管理员-${randomBytes(3).toString('hex')}` });
  await v1('PUT', `/roles/${role}/permits`, { permits: [{ functionId: fn, permit: 1 }] });
  for (const userId of userIds) await v1('PUT', `/users/${userId}/roles`, { roleIds: [role] });
  await svc.projector.catchUp({ timeoutMs: 10_000 });
}
