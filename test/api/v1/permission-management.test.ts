import assert from 'node:assert/strict';
import { startTestService, type TestService } from '../../support/service';
import { adminHeaders, newApp } from '../insight/signed-in';

/** The /v1 permission routes no other spec calls: renaming a role and deleting an empty navigator. */
describe('/v1 roles renamed and navigators deleted', function () {
  this.timeout(60_000);
  let svc: TestService;
  let appId: string;
  let auth: Record<string, string>;
  const v1 = (method: string, path: string, body?: unknown) => svc.request(method, `/v1/apps/${appId}${path}`, { body, headers: auth });
  const created = async (path: string, body: unknown): Promise<string> => {
    const res = await v1('POST', path, body);
    assert.equal(res.status, 201, res.text);
    return res.body.id as string;
  };
  const eventCount = async () => Number((await svc.db.knex('events').count<{ n: string }[]>('* as n'))[0]!.n);

  before(async () => {
    svc = await startTestService('v1_permission_management');
    auth = await adminHeaders(svc);
    appId = await newApp(svc);
  });
  after(async () => {
    await svc?.stop();
  });

  it('PUT /v1/apps/{appId}/roles/{id}: renames a role and changes its remark (204), and the list shows it', async () => {
    const role = await created('/roles', { name: '编辑', remark: '旧说明' });
    const res = await v1('PUT', `/roles/${role}`, { name: '作者', remark: '新说明' });
    assert.equal(res.status, 204, res.text);
    await svc.projector.catchUp();
    const listed = (await v1('GET', '/roles')).body.find((r: { id: string }) => r.id === role);
    assert.equal(listed.name, '作者');
    assert.equal(listed.remark, '新说明');
  });

  it('PUT /v1/apps/{appId}/roles/{id}: refuses a name another role has (409), an unknown role (404) and no admin token (401), writing nothing', async () => {
    const first = await created('/roles', { name: '审核' });
    const second = await created('/roles', { name: '发布' });
    const before = await eventCount();
    assert.equal((await v1('PUT', `/roles/${second}`, { name: '审核' })).status, 409);
    assert.equal((await v1('PUT', `/roles/${'9'.repeat(32)}`, { name: '无此角色' })).status, 404);
    assert.equal((await svc.request('PUT', `/v1/apps/${appId}/roles/${first}`, { body: { name: '未授权' } })).status, 401);
    assert.equal(await eventCount(), before);
  });

  it('DELETE /v1/apps/{appId}/navigators/{id}: deletes a navigator with no modules or functions (204); it leaves the list, and a second delete is 404', async () => {
    const group = await created('/navigators', { type: 1, index: 5, name: '空分组' });
    await svc.projector.catchUp();
    assert.ok((await v1('GET', '/navigators')).body.some((n: { id: string }) => n.id === group));
    const res = await v1('DELETE', `/navigators/${group}`);
    assert.equal(res.status, 204, res.text);
    await svc.projector.catchUp();
    assert.ok(!(await v1('GET', '/navigators')).body.some((n: { id: string }) => n.id === group));
    assert.equal((await v1('DELETE', `/navigators/${group}`)).status, 404);
  });
});
