import assert from 'node:assert/strict';
import { tokenKey, seatKey } from '../../../src/commands/tokens/token-cache';
import { startTestService, type TestService } from '../../support/service';
import { createApp, createUser, decodeToken, getCode, loginOk, md5, postToken, refresh, sign, status } from './insight-client';

describe('Insight exclusive mode: one device per user and app', function () {
  this.timeout(60_000);
  let svc: TestService;
  let exclusiveApp: string;
  let sharedApp: string;

  before(async () => {
    svc = await startTestService('insight_exclusive');
    exclusiveApp = await createApp(svc, { tokenMode: 'exclusive' });
    sharedApp = await createApp(svc, { tokenMode: 'shared' });
    await createUser(svc, { account: 'dave', password: 'dave-pass' });
  });
  after(async () => {
    await svc?.stop();
  });

  it('a second sign-in makes the first token answer 400 用户已在其他设备登录, also for its refresh token', async () => {
    const first = await loginOk(svc, exclusiveApp, 'dave', 'dave-pass', { deviceId: 'phone' });
    const second = await loginOk(svc, exclusiveApp, 'dave', 'dave-pass', { deviceId: 'tablet' });
    const old = await status(svc, first.accessToken);
    assert.equal(old.body.code, 400);
    assert.equal(old.body.message, '用户已在其他设备登录');
    assert.equal((await refresh(svc, first.refreshToken)).body.code, 400);
    assert.equal((await status(svc, second.accessToken)).body.code, 200);
  });

  it('given 20 sign-ins at the same moment, exactly one token stays valid', async () => {
    const codes = await Promise.all(Array.from({ length: 20 }, () => getCode(svc, 'dave')));
    const answers = await Promise.all(
      codes.map((code, i) => postToken(svc, { appId: exclusiveApp, account: 'dave', signature: sign('dave', md5('dave-pass'), code), deviceId: `device-${i}` })),
    );
    assert.deepEqual(answers.map((a) => a.body.code), Array(20).fill(200));
    const checks = await Promise.all(answers.map((a) => status(svc, a.body.data.accessToken)));
    const codesSeen = checks.map((c) => c.body.code).sort();
    assert.deepEqual(codesSeen, [200, ...Array(19).fill(400)]);
    // The winner is the seat's holder in the (user, app) stream.
    const winner = answers[checks.findIndex((c) => c.body.code === 200)]!.body.data.accessToken as string;
    const { id, userId } = decodeToken(winner);
    const seatEvents = await svc.db.knex('events').where({ stream_id: `seat-${userId}-${exclusiveApp}` }).orderBy('stream_revision', 'desc').first();
    assert.equal(seatEvents.data.tokenId, id);
    // And it still holds after Redis forgets everything about the tokens and the seat.
    await svc.deps.redis.del(seatKey(userId, exclusiveApp), ...answers.map((a) => tokenKey(decodeToken(a.body.data.accessToken).id)));
    const again = await Promise.all(answers.map((a) => status(svc, a.body.data.accessToken)));
    assert.deepEqual(again.map((c) => c.body.code).sort(), [200, ...Array(19).fill(400)]);
    assert.equal((await status(svc, winner)).body.code, 200);
  });

  it('shared mode keeps every device signed in', async () => {
    const tokens = await Promise.all(Array.from({ length: 5 }, (_, i) => loginOk(svc, sharedApp, 'dave', 'dave-pass', { deviceId: `d${i}` })));
    const checks = await Promise.all(tokens.map((t) => status(svc, t.accessToken)));
    assert.deepEqual(checks.map((c) => c.body.code), [200, 200, 200, 200, 200]);
  });
});
