import assert from 'node:assert/strict';
import { bootstrapInterfaceConfigs } from '../../../src/commands/configs/bootstrap';
import { SEEDED_CONFIGS } from '../../../src/runtime/first-start-data';
import { findLiveConfig } from '../../../src/gateway/live-configs';
import { interfaceConfigsProjection } from '../../../src/projections/configs/interface-configs';
import { rebuildProjection } from '../../../src/projections/rebuild';
import { startTestService, type TestService } from '../../support/service';
import { grantConfigAdmin, newApp, signedIn, type SignedIn } from './signed-in';

const BASE = '/base/auth/v1.0';

describe('Insight configs: 接口配置管理 and its change log', function () {
  this.timeout(60_000);
  let svc: TestService;
  let admin: SignedIn;
  const call = (method: string, path: string, body?: unknown, extra: { rawBody?: string; headers?: Record<string, string> } = {}) =>
    svc.request(method, `${BASE}${path}`, { body, ...extra, headers: { authorization: admin.token, ...extra.headers } });
  const config = (over: Record<string, unknown> = {}) => ({
    name: '获取用户列表',
    method: 'GET',
    url: '/base/user/v1.0/users',
    authCode: null,
    limitGap: 1,
    limitCycle: null,
    limitMax: null,
    message: null,
    remark: null,
    verify: true,
    limit: true,
    ...over,
  });
  const eventCount = async () => Number((await svc.deps.knex('events').count<{ n: string }[]>('* as n'))[0]!.n);

  before(async () => {
    svc = await startTestService('insight_configs');
    const appId = await newApp(svc);
    admin = await signedIn(svc, appId, '配置管理员');
    await grantConfigAdmin(svc, appId, admin.userId);
  });
  after(async () => {
    await svc?.stop();
  });

  it('seeds the spec limits of codes, tokens and refresh on first start, once', async () => {
    await svc.projector.catchUp({ timeoutMs: 10_000 });
    const res = await call('GET', '/configs?keyword=/base/auth/v1.0/tokens');
    assert.equal(res.body.code, 200, res.text);
    assert.equal(res.body.option, 3);
    const byEndpoint = Object.fromEntries(res.body.data.map((c: { method: string; url: string; id: string }) => [`${c.method} ${c.url}`, c.id]));
    const codes = await call('GET', `/configs/${byEndpoint['GET /base/auth/v1.0/tokens/codes']}`);
    assert.deepEqual(
      { gap: codes.body.data.limitGap, cycle: codes.body.data.limitCycle, max: codes.body.data.limitMax, verify: codes.body.data.verify },
      { gap: 3, cycle: 86400, max: 200, verify: false },
    );
    assert.match(codes.body.data.message, /200次/);
    const refresh = await call('GET', `/configs/${byEndpoint['PUT /base/auth/v1.0/tokens']}`);
    assert.equal(refresh.body.data.limitMax, 60);
    assert.equal(await bootstrapInterfaceConfigs(svc.deps, SEEDED_CONFIGS), 0, 'a second start seeds nothing');
  });

  it('creates a config (32-hex id), shows it in the detail in the seed shape, and logs an INSERT with the creator', async () => {
    const created = await call('POST', '/configs', config({ url: '/base/user/v1.0/users/detail', remark: '备注' }));
    assert.equal(created.body.code, 200, created.text);
    assert.match(created.body.data, /^[0-9a-f]{32}$/);
    await svc.projector.catchUp({ timeoutMs: 10_000 });
    const detail = await call('GET', `/configs/${created.body.data}`);
    assert.deepEqual(Object.keys(detail.body.data).sort(), [
      'authCode', 'createdTime', 'id', 'limit', 'limitCycle', 'limitGap', 'limitMax', 'message', 'method', 'name', 'remark', 'url', 'verify',
    ]);
    assert.equal(detail.body.data.remark, '备注');
    assert.match(detail.body.data.createdTime, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const logs = await call('GET', `/configs/logs?keyword=${created.body.data}`);
    assert.equal(logs.body.option, 1);
    assert.deepEqual(
      { type: logs.body.data[0].type, business: logs.body.data[0].business, creator: logs.body.data[0].creator, creatorId: logs.body.data[0].creatorId, content: logs.body.data[0].content },
      { type: 'INSERT', business: '接口配置管理', creator: '配置管理员', creatorId: admin.userId, content: null },
    );
    const one = await call('GET', `/configs/logs/${logs.body.data[0].id}`);
    assert.equal(one.body.data.content.url, '/base/user/v1.0/users/detail');
    assert.equal(one.body.data.content.remark, '备注');
  });

  it('lists newest first with paging (default 20, total in option) and finds by name or url, or by exact authCode', async () => {
    for (let i = 0; i < 23; i++) {
      const res = await call('POST', '/configs', config({ name: `分页${i}`, url: `/paging/v1/items${i}`, authCode: i === 7 ? 'pageSeven' : null }));
      assert.equal(res.body.code, 200, res.text);
    }
    await svc.projector.catchUp({ timeoutMs: 10_000 });
    const first = await call('GET', '/configs?keyword=/paging/');
    assert.equal(first.body.data.length, 20);
    assert.equal(first.body.option, 23);
    assert.equal(first.body.data[0].name, '分页22', 'newest first');
    assert.deepEqual(Object.keys(first.body.data[0]).sort(), ['authCode', 'id', 'limit', 'method', 'name', 'url', 'verify']);
    const second = await call('GET', '/configs?keyword=/paging/&page=2&size=20');
    assert.deepEqual(second.body.data.map((c: { name: string }) => c.name), ['分页2', '分页1', '分页0']);
    const byName = await call('GET', `/configs?keyword=${encodeURIComponent('分页1')}&size=100`);
    assert.equal(byName.body.option, 11, '分页1 and 分页10…分页19');
    const byCode = await call('GET', '/configs?keyword=pageSeven');
    assert.deepEqual(byCode.body.data.map((c: { name: string }) => c.name), ['分页7']);
    const partialCode = await call('GET', '/configs?keyword=pageSev');
    assert.equal(partialCode.body.option, 0, 'authCode is matched exactly, not by LIKE');
    const wildcard = await call('GET', '/configs?keyword=%25');
    assert.equal(wildcard.body.option, 0, 'a % in the keyword is a literal percent sign');
  });

  it('reads paging as the original did (Spring defaults, PageHelper): page 0 or empty is the first page, size 0 no rows, a huge size ours, unknown parameters ignored', async () => {
    await svc.projector.catchUp({ timeoutMs: 10_000 });
    const names = (res: { body: { data: { name: string }[] } }) => res.body.data.map((c) => c.name);
    const first = await call('GET', '/configs?keyword=/paging/&page=1&size=5');
    assert.equal(first.body.data.length, 5, first.text);
    for (const query of ['page=0&size=5', 'page=-4&size=5', 'page=&size=5', 'size=5&_t=1700000000000&colour=red']) {
      const res = await call('GET', `/configs?keyword=/paging/&${query}`);
      assert.equal(res.body.code, 200, `${query}: ${res.text}`);
      assert.deepEqual(names(res), names(first), query);
    }
    const none = await call('GET', '/configs?keyword=/paging/&size=0');
    assert.deepEqual([none.body.code, none.body.data, none.body.option], [200, [], 23], none.text);
    const defaultSize = await call('GET', '/configs?keyword=/paging/&size=');
    assert.equal(defaultSize.body.data.length, 20, defaultSize.text);
    const huge = await call('GET', '/configs?keyword=/paging/&size=5000&page=999999999');
    assert.deepEqual([huge.body.code, huge.body.data], [200, []], huge.text);
    const all = await call('GET', '/configs?keyword=/paging/&size=5000');
    assert.equal(all.body.data.length, 23, all.text);
  });

  it('keeps (method, url) unique: of 10 concurrent creates of one endpoint exactly one wins; another method is fine', async () => {
    const before = await eventCount();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => call('POST', '/configs', config({ name: `并发${i}`, url: '/race/v1/endpoint' }))));
    const won = results.filter((r) => r.body.code === 200);
    assert.equal(won.length, 1, results.map((r) => r.text).join('\n'));
    for (const r of results.filter((r) => r.body.code !== 200)) {
      assert.equal(r.body.code, 400);
      assert.match(r.body.message, /已存在/);
    }
    assert.equal(await eventCount(), before + 1);
    const post = await call('POST', '/configs', config({ method: 'POST', url: '/race/v1/endpoint' }));
    assert.equal(post.body.code, 200, post.text);
  });

  it('updates with PUT (moving the endpoint frees the old one) and logs an UPDATE with the new content', async () => {
    const id = (await call('POST', '/configs', config({ url: '/move/v1/from' }))).body.data;
    const moved = await call('PUT', '/configs', { id, ...config({ url: '/move/v1/to', authCode: 'getMoved', createdTime: null }) });
    assert.equal(moved.body.code, 200, moved.text);
    const reuse = await call('POST', '/configs', config({ url: '/move/v1/from' }));
    assert.equal(reuse.body.code, 200, 'the old endpoint is free again');
    const clash = await call('PUT', '/configs', { id, ...config({ url: '/move/v1/from' }) });
    assert.equal(clash.body.code, 400);
    await svc.projector.catchUp({ timeoutMs: 10_000 });
    const detail = await call('GET', `/configs/${id}`);
    assert.equal(detail.body.data.url, '/move/v1/to');
    assert.equal(detail.body.data.authCode, 'getMoved');
    const logs = await call('GET', `/configs/logs?keyword=${id}`);
    assert.deepEqual(logs.body.data.map((l: { type: string }) => l.type), ['UPDATE', 'INSERT']);
    const update = await call('GET', `/configs/logs/${logs.body.data[0].id}`);
    assert.equal(update.body.data.content.url, '/move/v1/to');
    const byType = await call('GET', '/configs/logs?keyword=update&size=1');
    assert.equal(byType.body.data[0].type, 'UPDATE');
  });

  it('deletes with the id as a bare JSON string body, logging a DELETE that keeps the old config', async () => {
    const id = (await call('POST', '/configs', config({ url: '/delete/v1/me', remark: 'old' }))).body.data;
    const res = await call('DELETE', '/configs', undefined, { rawBody: JSON.stringify(id), headers: { 'content-type': 'application/json' } });
    assert.equal(res.body.code, 200, res.text);
    await svc.projector.catchUp({ timeoutMs: 10_000 });
    const gone = await call('GET', `/configs/${id}`);
    assert.equal(gone.body.code, 400);
    const logs = await call('GET', `/configs/logs?keyword=${id}`);
    assert.equal(logs.body.data[0].type, 'DELETE');
    const deleted = await call('GET', `/configs/logs/${logs.body.data[0].id}`);
    assert.equal(deleted.body.data.content.remark, 'old');
    assert.equal(deleted.body.data.content.url, '/delete/v1/me');
    const again = await call('DELETE', '/configs', id);
    assert.equal(again.body.code, 400);
  });

  for (const [what, method, path, body] of [
    ['a config without a name', 'POST', '/configs', { method: 'GET', url: '/x', verify: true, limit: false }],
    ['a limit given as a string', 'POST', '/configs', { name: 'x', method: 'GET', url: '/bad/1', limitGap: '3', verify: true, limit: true }],
    ['an unknown method', 'POST', '/configs', { name: 'x', method: 'TRACE', url: '/bad/2', verify: true, limit: false }],
    ['an unknown field', 'POST', '/configs', { name: 'x', method: 'GET', url: '/bad/3', verify: true, limit: false, colour: 'red' }],
    ['a limit with nothing to enforce', 'POST', '/configs', { name: 'x', method: 'GET', url: '/bad/4', verify: true, limit: true }],
    ['an update of an unknown id', 'PUT', '/configs', { id: 'f'.repeat(32), name: 'x', method: 'GET', url: '/bad/5', verify: true, limit: false }],
    ['a delete with an object body', 'DELETE', '/configs', { id: 'f'.repeat(32) }],
    ['a delete of something that is not an id', 'DELETE', '/configs', 'not-an-id'],
  ] as const) {
    it(`refuses ${what} and writes nothing`, async () => {
      const before = await eventCount();
      const res = await call(method, path, body);
      assert.equal(res.status, 200);
      assert.equal(res.body.success, false, res.text);
      assert.ok([400, 430].includes(res.body.code), res.text);
      assert.equal(await eventCount(), before);
    });
  }

  it('refuses malformed JSON, a page that is not a number and a bad id with 430, and a missing token with 421', async () => {
    const malformed = await call('POST', '/configs', undefined, { rawBody: '{"name":', headers: { 'content-type': 'application/json' } });
    assert.equal(malformed.body.code, 430);
    assert.equal((await call('GET', '/configs?page=abc')).body.code, 430);
    assert.equal((await call('GET', '/configs/not-hex')).body.code, 430);
    const anonymous = await svc.request('GET', `${BASE}/configs`);
    assert.equal(anonymous.body.code, 421);
  });

  it('loads every config into Redis, including one created just before (no waiting for the projector by the client)', async () => {
    const id = (await call('POST', '/configs', config({ url: '/load/v1/fresh', authCode: 'fresh' }))).body.data;
    const res = await call('GET', '/configs/load');
    assert.equal(res.body.code, 200, res.text);
    const live = await findLiveConfig(svc.deps.redis, 'GET', '/load/v1/fresh');
    assert.equal(live?.id, id);
    assert.equal(live?.authCode, 'fresh');
    assert.equal((await findLiveConfig(svc.deps.redis, 'GET', '/base/auth/v1.0/tokens/codes'))?.limitMax, 200);
  });

  it('documents every endpoint of configs, navigators, the gateway and /v1 permissions in the OpenAPI document', async () => {
    const doc = (await svc.request('GET', '/openapi.json')).body;
    for (const path of ['/configs', '/configs/{id}', '/configs/logs', '/configs/logs/{id}', '/configs/load', '/navigators', '/navigators/{id}/functions', '/gateway/auth']) {
      assert.ok(doc.paths[`${BASE}${path}`], `${BASE}${path} is documented`);
    }
    assert.equal(doc.paths[`${BASE}/configs`].delete.requestBody.content['application/json'].schema.type, 'string', 'DELETE takes a bare JSON string');
    for (const path of ['/v1/apps/{appId}/navigators', '/v1/apps/{appId}/functions/{id}', '/v1/apps/{appId}/roles/{id}/permits', '/v1/apps/{appId}/users/{userId}/roles']) {
      assert.ok(doc.paths[path], `${path} is documented`);
    }
  });

  it('rebuilds the configs and their change log from the log equal to the ones built as changes arrived', async () => {
    await svc.projector.catchUp({ timeoutMs: 10_000 });
    const report = await rebuildProjection({ store: svc.deps.store, knex: svc.deps.knex, projection: interfaceConfigsProjection, swap: false });
    assert.equal(report.equal, true);
  });
});

describe('Insight configs: loading an empty table', function () {
  this.timeout(60_000);
  let svc: TestService;
  before(async () => {
    svc = await startTestService('insight_configs_empty');
  });
  after(async () => {
    await svc?.stop();
  });

  it('answers 400 读取数据失败,请重新加载 when there is no config at all', async () => {
    const appId = await newApp(svc);
    const admin = await signedIn(svc, appId);
    await grantConfigAdmin(svc, appId, admin.userId);
    const ids = (await svc.deps.knex('interface_configs').select('id')).map((r: { id: string }) => r.id);
    for (const id of ids) {
      const res = await svc.request('DELETE', `${BASE}/configs`, { body: id, headers: { authorization: admin.token } });
      assert.equal(res.body.code, 200, res.text);
    }
    const res = await svc.request('GET', `${BASE}/configs/load`, { headers: { authorization: admin.token } });
    assert.deepEqual({ code: res.body.code, message: res.body.message }, { code: 400, message: '读取数据失败,请重新加载' });
  });
});
