import assert from 'node:assert/strict';
import { createKnex } from '../../src/db/connection';
import { eventually } from '../support/eventually';
import { listeningUrl, scriptArgs, useProcessSandbox } from './processes';

/**
 * The entry point as `npm start` and the `start:*` scripts run it: real processes, a database
 * that does not exist yet, a Redis prefix and a free port of their own.
 */
describe('the service as npm start runs it', function () {
  this.timeout(120_000);
  const sandbox = useProcessSandbox('entry');
  const start = (script: string) => sandbox.start(script);
  const json = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...init.headers } });
    return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  it('npm start creates and migrates its database, answers /readyz with PostgreSQL and Redis checked, and exits 0 on SIGTERM', async () => {
    // npm start runs the compiled service (`npm test` compiles before the tiers run).
    assert.deepEqual(scriptArgs('start'), ['--enable-source-maps', 'dist/src/main.js', 'all']);
    const service = start('start');
    const url = await listeningUrl(service);
    const ready = await eventually(async () => {
      const res = await json(`${url}/readyz`);
      return res.status === 200 ? res : null;
    }, 30_000);
    assert.deepEqual(ready.body, { status: 'ready', checks: { postgres: 'ok', redis: 'ok', eventstore: 'ok' } });
    const login = await json(`${url}/v1/login`, { method: 'POST', body: JSON.stringify({ account: 'admin', password: 'admin123456' }) });
    assert.equal(login.status, 200, 'the bootstrap administrator was registered on first start');

    const code = await service.stop('SIGTERM');
    assert.equal(code, 0, service.stderr());
    assert.equal(service.stderr(), '');
    const messages = service.logs.map((l) => l.msg);
    assert.ok(messages.includes('stopped'), messages.join(' | '));
    assert.ok(!service.logs.some((l) => Number(l.level) >= 50), 'no error was logged');
  });

  it('start:api, start:projector and start:workers started at once on a new database carry a write to its read model and a session to its expiry', async () => {
    const [api, projector, workers] = [start('start:api'), start('start:projector'), start('start:workers')];
    const url = await listeningUrl(api);
    await eventually(async () => (await json(`${url}/readyz`)).status === 200, 30_000);
    await projector.logLine((l) => l.msg === 'projector running');
    await workers.logLine((l) => l.msg === 'workers running');

    const admin = { authorization: `Bearer ${(await json(`${url}/v1/login`, { method: 'POST', body: JSON.stringify({ account: 'admin', password: 'admin123456' }) })).body.token}` };
    const created = await json(`${url}/v1/users`, { method: 'POST', headers: admin, body: JSON.stringify({ account: 'three-procs', password: 'three-procs-pw', name: 'Three' }) });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    // Only the projector process projects: the read appears once it has applied the write.
    const listed = await eventually(async () => {
      const res = await json(`${url}/v1/users?keyword=three-procs`, { headers: admin });
      return res.body.total === 1 ? res.body.items[0] : null;
    }, 30_000);
    assert.equal(listed.id, created.body.id);

    // Only the workers process runs the expiry queue: the session ends once its job has run there.
    const issued = await json(`${url}/v1/licenses`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ type: 'CLOUD', seats: 1, heartbeatSeconds: 1, sessionTimeoutSeconds: 2, validUntil: new Date(Date.now() + 86_400_000).toISOString() }),
    });
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    const login = await json(`${url}/v1/license-sessions/login`, { method: 'POST', body: JSON.stringify({ sn: issued.body.sn, machineId: 'm', clientVersion: '1', loginName: 'u', userId: 1 }) });
    assert.equal(login.status, 201, JSON.stringify(login.body));
    const knex = createKnex(sandbox.databaseUrl(), { poolMax: 1 });
    try {
      const ended = await eventually(async () => knex('license_session_logs').where({ sn: issued.body.sn, status: 'timeout' }).first(), 30_000);
      assert.equal(ended.machine_id, 'm');
    } finally {
      await knex.destroy();
    }

    const codes = await Promise.all([api, projector, workers].map((p) => p.stop('SIGTERM')));
    assert.deepEqual(codes, [0, 0, 0], [api, projector, workers].map((p) => p.stderr()).join('\n'));
  });
});
