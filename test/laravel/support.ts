import assert from 'node:assert/strict';
import { TEST_ADMIN, type TestService } from '../support/service';

export interface LaravelSession {
  userId: string;
  username: string;
  password: string;
  token: string;
  /** `{ authorization: 'Bearer …' }` */
  headers: Record<string, string>;
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** Signs in through `POST /api/login` and fails the test on anything but 200. */
export async function laravelLogin(svc: TestService, username: string, password: string): Promise<{ token: string; headers: Record<string, string> }> {
  const res = await svc.request('POST', '/api/login', { body: { username, password } });
  assert.equal(res.status, 200, `login ${username}: ${res.text}`);
  return { token: res.body.data.token as string, headers: bearer(res.body.data.token as string) };
}

/** The bootstrap administrator (role suadmin: every permission). */
export async function signInAsAdmin(svc: TestService): Promise<LaravelSession> {
  const { token, headers } = await laravelLogin(svc, TEST_ADMIN.account, TEST_ADMIN.password);
  const owner = await svc.deps.store.claimOwner({ scope: 'account', value: TEST_ADMIN.account });
  return { userId: owner!.slice('user-'.length), username: TEST_ADMIN.account, password: TEST_ADMIN.password, token, headers };
}

/**
 * A new user holding `roles` (default: the plain role `user`, which grants `/qrlogin/*` only),
 * registered through /v1, given the roles by the admin through /api/rbac/roles/attch, signed in.
 */
export async function createLaravelUser(
  svc: TestService,
  username: string,
  options: { roles?: string[]; name?: string; mobile?: string; email?: string; password?: string } = {},
): Promise<LaravelSession> {
  const password = options.password ?? `${username}-password`;
  const v1 = { authorization: `Bearer ${await svc.adminToken()}` };
  const body: Record<string, string> = { account: username, password, name: options.name ?? username };
  if (options.mobile) body.mobile = options.mobile;
  if (options.email) body.email = options.email;
  const created = await svc.request('POST', '/v1/users', { body, headers: v1 });
  assert.equal(created.status, 201, created.text);
  const admin = await signInAsAdmin(svc);
  const attached = await svc.request('POST', '/api/rbac/roles/attch', { body: { username, rolenames: options.roles ?? ['user'] }, headers: admin.headers });
  assert.equal(attached.status, 200, attached.text);
  const { token, headers } = await laravelLogin(svc, username, password);
  return { userId: created.body.id as string, username, password, token, headers };
}

/** A token for the same user and session with its claims changed and signed with `secret` (or left unsigned). */
export function forgeToken(token: string, change: (claims: Record<string, unknown>) => void, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' }): string {
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  change(claims);
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${enc(header)}.${enc(claims)}.${token.split('.')[2]}`;
}
