import assert from 'node:assert/strict';
import { LEAD_MS, REFRESH_QUEUE, refreshDueAt, scheduleRefresh, SPREAD_MS, sweep } from '../../src/commands/wxcomponent/refresh';
import { wxcomponentJobs } from '../../src/commands/wxcomponent/jobs';
import { authorizerTokenKey, componentTokenKey, readCachedToken, writeCachedToken } from '../../src/commands/wxcomponent/tokens';
import { createRedis } from '../../src/redis/connection';
import { bullPrefix } from '../../src/runtime/queues';
import { createWorkerHost, type WorkerHost } from '../../workers/host';
import { COMPONENT, encryptedPush } from './push';
import { eventually, startWxHarness, type WxHarness } from './support';

const AUTHORIZER = 'wx1111111111111111';
const MINUTE = 60_000;

describe('WeChat token workers', function () {
  this.timeout(60_000);
  let h: WxHarness;
  let jwt: string;
  let secondHost: WorkerHost | undefined;
  const tokenDeps = () => ({ config: h.svc.config, redis: h.svc.deps.redis, store: h.svc.deps.store });
  /** Makes the cached token look as if most of its 7,200 s had passed. */
  const ageToken = async (key: string, remainingMs: number) => {
    const cached = await readCachedToken(tokenDeps(), key);
    assert.ok(cached, `no cached token under ${key}`);
    await writeCachedToken(tokenDeps(), key, cached.token, Date.now() + remainingMs);
    return cached.token;
  };
  const refreshCalls = () => h.wechat.callsTo('api_authorizer_token');

  before(async () => {
    h = await startWxHarness('wx_tokens');
    jwt = await h.login();
    const t = Math.floor(Date.now() / 1000);
    await h.push('/wxcallback/component', encryptedPush({ AppId: COMPONENT.appId, CreateTime: t, InfoType: 'component_verify_ticket', ComponentVerifyTicket: 'ticket@@@t' }));
    await h.push(
      '/wxcallback/component',
      encryptedPush({ AppId: COMPONENT.appId, CreateTime: t, InfoType: 'authorized', AuthorizerAppid: AUTHORIZER, AuthorizationCode: `code@${AUTHORIZER}` }),
    );
    await eventually(async () => (await h.svc.deps.redis.exists(authorizerTokenKey(AUTHORIZER))) === 1);
  });
  after(async () => {
    await secondHost?.stop();
    await h?.stop();
  });

  it('spreads refreshes over ten minutes, all 20–30 minutes before expiry', () => {
    const expiry = Date.now() + 7200_000;
    const dues = Array.from({ length: 2000 }, (_, i) => refreshDueAt(`authorizer-wx${String(i).padStart(16, '0')}`, expiry, Date.now()));
    for (const d of dues) {
      assert.ok(d <= expiry - LEAD_MS && d > expiry - LEAD_MS - SPREAD_MS);
    }
    const buckets = new Set(dues.map((d) => Math.floor((expiry - LEAD_MS - d) / MINUTE)));
    assert.equal(buckets.size, 10, 'every minute of the spread is used');
    const perMinute = Math.max(...[...buckets].map((b) => dues.filter((d) => Math.floor((expiry - LEAD_MS - d) / MINUTE) === b).length));
    assert.ok(perMinute < 300, `no burst: at most ${perMinute} of 2000 in one minute`);
  });

  it('schedules one delayed refresh per token and expiry, whatever the number of sweeps', async () => {
    await h.svc.projector.catchUp();
    await sweep({ ...tokenDeps(), knex: h.svc.deps.knex, queues: h.svc.deps.queues });
    await sweep({ ...tokenDeps(), knex: h.svc.deps.knex, queues: h.svc.deps.queues });
    const queue = h.svc.deps.queues.get(REFRESH_QUEUE);
    const delayed = await queue.getJobs(['delayed']);
    const mine = delayed.filter((j) => j.id?.startsWith(`refresh-authorizer-${AUTHORIZER}-`));
    assert.equal(mine.length, 1);
    const cached = await readCachedToken(tokenDeps(), authorizerTokenKey(AUTHORIZER));
    const runsAt = mine[0]!.timestamp + (mine[0]!.delay ?? 0);
    assert.ok(runsAt <= cached!.expiresAt - LEAD_MS && runsAt > cached!.expiresAt - LEAD_MS - SPREAD_MS - 1000);
    assert.equal(refreshCalls().length, 0, 'nothing is refreshed early');
  });

  it('refreshes a token that is due, keeping the refresh token WeChat returns each time', async () => {
    const firstRefreshToken = h.wechat.callsTo('api_query_auth').length; // exchange happened: rtoken-<appid>-N
    assert.ok(firstRefreshToken > 0);
    const old = await ageToken(authorizerTokenKey(AUTHORIZER), 10 * MINUTE);
    await scheduleRefresh(h.svc.deps.queues, { kind: 'authorizer', appid: AUTHORIZER }, Date.now() + 10 * MINUTE);
    await eventually(async () => refreshCalls().length === 1);
    const call = refreshCalls()[0]!;
    assert.match(call.query.component_access_token ?? '', /^ctoken-/);
    assert.match(String(call.body.authorizer_refresh_token), new RegExp(`^rtoken-${AUTHORIZER}-`));
    const fresh = await eventually(async () => {
      const t = (await h.get(`/admin/authorizer-access-token?appid=${AUTHORIZER}`, jwt)).body.data?.token as string;
      return t !== old ? t : null;
    });
    assert.match(fresh, new RegExp(`^atoken-${AUTHORIZER}-`));

    // The next refresh presents the refresh token the previous one returned (the original ignored it).
    const firstUsed = String(call.body.authorizer_refresh_token);
    await ageToken(authorizerTokenKey(AUTHORIZER), 9 * MINUTE);
    await scheduleRefresh(h.svc.deps.queues, { kind: 'authorizer', appid: AUTHORIZER }, Date.now() + 9 * MINUTE);
    await eventually(async () => refreshCalls().length === 2);
    const second = String(refreshCalls()[1]!.body.authorizer_refresh_token);
    assert.notEqual(second, firstUsed);
    // WeChat answered the second refresh; its event is appended right after, so wait for it rather than race it.
    const events = await eventually(async () => {
      const rows = await h.svc.db.knex('events').where({ type: 'AuthorizerTokenRefreshed' });
      return rows.length === 2 ? rows : null;
    });
    assert.ok(!JSON.stringify(events).includes('atoken-') && !JSON.stringify(events).includes('rtoken-'), 'tokens are sealed at rest');
    const raw = await h.svc.deps.redis.get(authorizerTokenKey(AUTHORIZER));
    assert.ok(raw && !raw.includes('atoken-'), 'the Redis copy is sealed too');
  });

  it('retries through WeChat errors and quota errors (45009) with backoff', async () => {
    const before = refreshCalls().length;
    h.wechat.failNext('api_authorizer_token', 45009, -1);
    await ageToken(authorizerTokenKey(AUTHORIZER), 8 * MINUTE);
    await scheduleRefresh(h.svc.deps.queues, { kind: 'authorizer', appid: AUTHORIZER }, Date.now() + 8 * MINUTE);
    await eventually(async () => {
      const cached = await readCachedToken(tokenDeps(), authorizerTokenKey(AUTHORIZER));
      return cached !== null && cached.expiresAt > Date.now() + 60 * MINUTE;
    }, 30_000);
    assert.equal(refreshCalls().length, before + 3, 'two refusals, then the success');
  });

  it('two worker processes given the same due token refresh it once', async () => {
    secondHost = createWorkerHost({
      connection: () => createRedis(h.svc.config.redisUrl, { forBullmq: true, name: 'second-worker-process' }),
      prefix: bullPrefix(h.svc.config),
      jobs: wxcomponentJobs(h.svc.deps),
      logger: h.svc.deps.logger,
    });
    secondHost.start();
    h.wechat.delay('api_authorizer_token', 300);
    h.wechat.delay('api_component_token', 300);
    const before = refreshCalls().length;
    const componentBefore = h.wechat.callsTo('api_component_token').length;
    await ageToken(authorizerTokenKey(AUTHORIZER), 7 * MINUTE);
    await ageToken(componentTokenKey, 7 * MINUTE);
    // Distinct job ids, as if both hosts' sweeps had each scheduled it: only the lock stands between them and WeChat.
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        h.svc.deps.queues.add(REFRESH_QUEUE, 'authorizer', i % 2 ? { kind: 'authorizer', appid: AUTHORIZER } : { kind: 'component' }, { jobId: `race-${i}` }),
      ),
    );
    const queue = h.svc.deps.queues.get(REFRESH_QUEUE);
    await eventually(async () => {
      const states = await Promise.all(Array.from({ length: 12 }, (_, i) => queue.getJobState(`race-${i}`)));
      return states.every((s) => s === 'completed');
    }, 30_000);
    assert.equal(refreshCalls().length, before + 1);
    assert.equal(h.wechat.callsTo('api_component_token').length, componentBefore + 1);
    h.wechat.delay('api_authorizer_token', 0);
    h.wechat.delay('api_component_token', 0);
  });

  it('re-authorisation invalidates the old token: the next reader gets the new exchange, never the old one', async () => {
    const old = (await h.get(`/admin/authorizer-access-token?appid=${AUTHORIZER}`, jwt)).body.data.token as string;
    const exchanges = h.wechat.callsTo('api_query_auth').length;
    const t = Math.floor(Date.now() / 1000);
    await h.push(
      '/wxcallback/component',
      encryptedPush({ AppId: COMPONENT.appId, CreateTime: t + 1, InfoType: 'updateauthorized', AuthorizerAppid: AUTHORIZER, AuthorizationCode: `code2@${AUTHORIZER}` }),
    );
    await eventually(async () => h.wechat.callsTo('api_query_auth').length > exchanges);
    const next = await eventually(async () => {
      const res = await h.get(`/admin/authorizer-access-token?appid=${AUTHORIZER}`, jwt);
      return res.body.code === 0 ? (res.body.data.token as string) : null;
    });
    assert.notEqual(next, old);
  });
});
