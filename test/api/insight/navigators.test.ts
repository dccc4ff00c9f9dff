import assert from 'node:assert/strict';
import { permissionsProjection } from '../../../src/projections/permissions/permissions';
import { rebuildProjection } from '../../../src/projections/rebuild';
import { startTestService, type TestService } from '../../support/service';
import { adminHeaders, newApp, signedIn, type SignedIn } from './signed-in';

const BASE = '/base/auth/v1.0';

/**
 * Management of navigators, functions, roles, permits and members under /v1, and what a signed-in
 * user then sees through GET navigators and GET navigators/{id}/functions.
 */
describe('permissions: /v1 management and Insight navigators', function () {
  this.timeout(60_000);
  let svc: TestService;
  let appId: string;
  let otherAppId: string;
  let auth: Record<string, string>;
  const v1 = (method: string, path: string, body?: unknown) => svc.request(method, `/v1/apps/${appId}${path}`, { body, headers: auth });
  const created = async (path: string, body: unknown): Promise<string> => {
    const res = await v1('POST', path, body);
    assert.equal(res.status, 201, res.text);
    return res.body.id as string;
  };
  const insight = (user: SignedIn, path: string) => svc.request('GET', `${BASE}${path}`, { headers: { authorization: user.token } });
  const eventCount = async () => Number((await svc.deps.knex('events').count<{ n: string }[]>('* as n'))[0]!.n);

  const ids: Record<string, string> = {};
  let alice: SignedIn;
  let bob: SignedIn;
  let carol: SignedIn;

  before(async () => {
    svc = await startTestService('permissions');
    auth = await adminHeaders(svc);
    appId = await newApp(svc);
    otherAppId = await newApp(svc);
    // Two groups; settings has two modules, reports one.
    ids.settings = await created('/navigators', { type: 1, index: 2, name: '系统设置', moduleInfo: { iconUrl: 'icons/system.png' } });
    ids.reports = await created('/navigators', { type: 1, index: 1, name: '报表' });
    ids.roles = await created('/navigators', { parentId: ids.settings, type: 2, index: 2, name: '角色权限', moduleInfo: { iconUrl: 'icons/role.png', module: 'Roles', file: 'System.dll', autoLoad: false } });
    ids.tenants = await created('/navigators', { parentId: ids.settings, type: 2, index: 1, name: '租户管理' });
    ids.sales = await created('/navigators', { parentId: ids.reports, type: 2, index: 1, name: '销售报表' });
    ids.refresh = await created('/functions', { navId: ids.tenants, type: 0, index: 1, name: '刷新', authCodes: 'getTenant', funcInfo: { method: 'refresh', iconUrl: 'icons/refresh.png', beginGroup: true, hideText: true } });
    ids.newTenant = await created('/functions', { navId: ids.tenants, type: 0, index: 2, name: '新增租户', authCodes: 'newTenant' });
    ids.dropTenant = await created('/functions', { navId: ids.tenants, type: 0, index: 3, name: '删除租户', authCodes: 'deleteTenant' });
    ids.editRole = await created('/functions', { navId: ids.roles, type: 0, index: 1, name: '编辑角色', authCodes: 'editRole' });
    ids.viewSales = await created('/functions', { navId: ids.sales, type: 0, index: 1, name: '查看', authCodes: 'viewSales' });
    ids.operator = await created('/roles', { name: '操作员' });
    ids.auditor = await created('/roles', { name: '审计员', remark: '只读' });
    // Operators may refresh, add and delete tenants; auditors may refresh but are denied adding.
    assert.equal((await v1('PUT', `/roles/${ids.operator}/permits`, { permits: [{ functionId: ids.refresh, permit: 1 }, { functionId: ids.newTenant, permit: 1 }, { functionId: ids.dropTenant, permit: 1 }] })).status, 204);
    assert.equal((await v1('PUT', `/roles/${ids.auditor}/permits`, { permits: [{ functionId: ids.refresh, permit: 1 }, { functionId: ids.newTenant, permit: 0 }] })).status, 204);
    alice = await signedIn(svc, appId); // operator and auditor
    bob = await signedIn(svc, appId); // operator only
    carol = await signedIn(svc, appId); // no role
    assert.equal((await v1('PUT', `/users/${alice.userId}/roles`, { roleIds: [ids.operator, ids.auditor] })).status, 204);
    assert.equal((await v1('PUT', `/users/${bob.userId}/roles`, { roleIds: [ids.operator] })).status, 204);
    await svc.projector.catchUp({ timeoutMs: 10_000 });
  });
  after(async () => {
    await svc?.stop();
  });

  it('GET navigators: the modules with a permitted function plus their groups, ordered by parent and index, in the seed shape', async () => {
    const res = await insight(bob, '/navigators');
    assert.equal(res.body.code, 200, res.text);
    assert.deepEqual(res.body.data.map((n: { name: string }) => n.name), ['系统设置', '租户管理']);
    assert.deepEqual(res.body.data[0], {
      id: ids.settings,
      parentId: null,
      type: 1,
      index: 2,
      name: '系统设置',
      moduleInfo: { iconUrl: 'icons/system.png', module: null, file: null, autoLoad: null },
      functions: null,
    });
    assert.equal(res.body.data[1].parentId, ids.settings);
  });

  it('GET navigators: a user without roles sees nothing; granting a module in another group brings that group too', async () => {
    assert.deepEqual((await insight(carol, '/navigators')).body.data, []);
    const viewer = await created('/roles', { name: '报表查看' });
    await v1('PUT', `/roles/${viewer}/permits`, { permits: [{ functionId: ids.viewSales, permit: 1 }, { functionId: ids.editRole, permit: 1 }] });
    await v1('PUT', `/users/${carol.userId}/roles`, { roleIds: [viewer] });
    await svc.projector.catchUp({ timeoutMs: 10_000 });
    const res = await insight(carol, '/navigators');
    assert.deepEqual(res.body.data.map((n: { name: string }) => n.name), ['报表', '系统设置', '销售报表', '角色权限'], 'groups first by index, then modules by parent and index');
    await v1('PUT', `/users/${carol.userId}/roles`, { roleIds: [] });
    await svc.projector.catchUp({ timeoutMs: 10_000 });
    assert.deepEqual((await insight(carol, '/navigators')).body.data, []);
  });

  it('GET navigators/{id}/functions: permit true when granted, false when any role denies, null when never granted', async () => {
    const forAlice = await insight(alice, `/navigators/${ids.tenants}/functions`);
    assert.equal(forAlice.body.code, 200, forAlice.text);
    assert.deepEqual(
      forAlice.body.data.map((f: { name: string; permit: boolean | null }) => [f.name, f.permit]),
      [['刷新', true], ['新增租户', false], ['删除租户', true]],
    );
    assert.deepEqual(forAlice.body.data[0], {
      id: ids.refresh,
      navId: ids.tenants,
      type: 0,
      index: 1,
      name: '刷新',
      authCodes: 'getTenant',
      funcInfo: { method: 'refresh', iconUrl: 'icons/refresh.png', beginGroup: true, hideText: true },
      permit: true,
    });
    const forBob = await insight(bob, `/navigators/${ids.tenants}/functions`);
    assert.deepEqual(forBob.body.data.map((f: { permit: boolean | null }) => f.permit), [true, true, true]);
    const forCarol = await insight(carol, `/navigators/${ids.tenants}/functions`);
    assert.deepEqual(forCarol.body.data.map((f: { permit: boolean | null }) => f.permit), [null, null, null]);
  });

  it("GET navigators/{id}/functions: a module of another app, or no module, is refused; the token's app is the only one seen", async () => {
    assert.equal((await insight(alice, `/navigators/${'9'.repeat(32)}/functions`)).body.code, 400);
    const stranger = await signedIn(svc, otherAppId);
    assert.equal((await insight(stranger, `/navigators/${ids.tenants}/functions`)).body.code, 400);
    assert.deepEqual((await insight(stranger, '/navigators')).body.data, []);
    assert.equal((await insight(alice, '/navigators/abc/functions')).body.code, 430);
    assert.equal((await svc.request('GET', `${BASE}/navigators`)).body.code, 421);
  });

  it('lists navigators, functions, roles, permits and memberships under /v1', async () => {
    const navs = await v1('GET', '/navigators');
    assert.equal(navs.status, 200);
    assert.deepEqual(navs.body.map((n: { name: string }) => n.name), ['报表', '系统设置', '销售报表', '租户管理', '角色权限']);
    const fns = await v1('GET', `/navigators/${ids.tenants}/functions`);
    assert.deepEqual(fns.body.map((f: { name: string }) => f.name), ['刷新', '新增租户', '删除租户']);
    const roles = await v1('GET', '/roles');
    const operator = roles.body.find((r: { id: string }) => r.id === ids.operator);
    assert.equal(operator.members, 2);
    const permits = await v1('GET', `/roles/${ids.auditor}/permits`);
    assert.deepEqual(permits.body, [{ functionId: ids.refresh!, permit: 1 }, { functionId: ids.newTenant!, permit: 0 }].sort((a, b) => a.functionId.localeCompare(b.functionId)));
    const member = await v1('GET', `/users/${alice.userId}/roles`);
    assert.deepEqual(member.body.roleIds, [ids.operator, ids.auditor].sort());
  });

  it('updates and deletes: a deleted function takes its permits along; a deleted role its memberships', async () => {
    const temp = await created('/functions', { navId: ids.roles, type: 0, index: 9, name: '临时', authCodes: 'temp' });
    const role = await created('/roles', { name: '临时角色' });
    await v1('PUT', `/roles/${role}/permits`, { permits: [{ functionId: temp, permit: 1 }] });
    await v1('PUT', `/users/${carol.userId}/roles`, { roleIds: [role] });
    assert.equal((await v1('PUT', `/functions/${temp}`, { navId: ids.roles, type: 0, index: 9, name: '临时改名', authCodes: 'temp' })).status, 204);
    await svc.projector.catchUp({ timeoutMs: 10_000 });
    assert.deepEqual((await insight(carol, '/navigators')).body.data.map((n: { name: string }) => n.name), ['系统设置', '角色权限']);
    assert.equal((await v1('DELETE', `/functions/${temp}`)).status, 204);
    await svc.projector.catchUp({ timeoutMs: 10_000 });
    assert.deepEqual((await insight(carol, '/navigators')).body.data, []);
    assert.deepEqual((await v1('GET', `/roles/${role}/permits`)).body, []);
    assert.equal((await v1('DELETE', `/roles/${role}`)).status, 204);
    await svc.projector.catchUp({ timeoutMs: 10_000 });
    assert.deepEqual((await v1('GET', `/users/${carol.userId}/roles`)).body.roleIds, []);
    const renamed = await v1('PUT', `/navigators/${ids.reports}`, { type: 1, index: 1, name: '统计报表' });
    assert.equal(renamed.status, 204, renamed.text);
  });

  for (const [what, method, path, body, status] of [
    ['a module whose parent is not a group', 'POST', '/navigators', () => ({ parentId: ids.tenants, type: 2, index: 1, name: 'x' }), 422],
    ['a module without a parent', 'POST', '/navigators', () => ({ type: 2, index: 1, name: 'x' }), 422],
    ['a function in a group', 'POST', '/functions', () => ({ navId: ids.settings, type: 0, index: 1, name: 'x' }), 422],
    ['an index given as a string', 'POST', '/navigators', () => ({ type: 1, index: '1', name: 'x' }), 422],
    ['an unknown field', 'POST', '/roles', () => ({ name: 'x', colour: 'red' }), 422],
    ['a duplicate role name', 'POST', '/roles', () => ({ name: '操作员' }), 409],
    ['a permit of 2', 'PUT', '/roles/{operator}/permits', () => ({ permits: [{ functionId: ids.refresh, permit: 2 }] }), 422],
    ['a permit on a function of no module here', 'PUT', '/roles/{operator}/permits', () => ({ permits: [{ functionId: '9'.repeat(32), permit: 1 }] }), 422],
    ['a role of no role here', 'PUT', '/users/{alice}/roles', () => ({ roleIds: ['9'.repeat(32)] }), 422],
    ['deleting a group that has modules', 'DELETE', '/navigators/{settings}', () => undefined, 409],
    ['deleting an unknown role', 'DELETE', `/roles/${'9'.repeat(32)}`, () => undefined, 404],
    ['roles for a user who does not exist', 'PUT', `/users/${'9'.repeat(32)}/roles`, () => ({ roleIds: [] }), 404],
  ] as const) {
    it(`refuses ${what} (${status}) and writes nothing`, async () => {
      const before = await eventCount();
      const resolved = path.replace('{operator}', ids.operator!).replace('{alice}', alice.userId).replace('{settings}', ids.settings!);
      const res = await v1(method, resolved, body());
      assert.equal(res.status, status, res.text);
      assert.match(res.headers.get('content-type') ?? '', /problem\+json/);
      assert.equal(await eventCount(), before);
    });
  }

  it('refuses changes to an application that does not exist (404), and callers without the administrator token (401)', async () => {
    const res = await svc.request('POST', `/v1/apps/${'9'.repeat(32)}/roles`, { body: { name: 'x' }, headers: auth });
    assert.equal(res.status, 404);
    assert.equal((await svc.request('GET', `/v1/apps/${appId}/roles`)).status, 401);
    assert.equal((await svc.request('GET', `/v1/apps/${appId}/roles`, { headers: { authorization: alice.token } })).status, 401);
  });

  it('keeps permits consistent under concurrent edits of one application', async () => {
    const roleIds = await Promise.all(Array.from({ length: 8 }, (_, i) => created('/roles', { name: `并发角色${i}` })));
    assert.equal(new Set(roleIds).size, 8);
    const results = await Promise.all(roleIds.map((r, i) => v1('PUT', `/roles/${r}/permits`, { permits: [{ functionId: ids.viewSales, permit: i % 2 }] })));
    assert.deepEqual(results.map((r) => r.status), Array(8).fill(204));
    await svc.projector.catchUp({ timeoutMs: 10_000 });
    const rows = await svc.deps.knex('permission_role_permits').whereIn('role_id', roleIds).orderBy('role_id');
    assert.equal(rows.length, 8);
  });

  it('rebuilds the permissions read model from the log equal to the one built as changes arrived', async () => {
    await svc.projector.catchUp({ timeoutMs: 10_000 });
    const report = await rebuildProjection({ store: svc.deps.store, knex: svc.deps.knex, projection: permissionsProjection, swap: false });
    assert.equal(report.equal, true);
  });
});
