import assert from 'node:assert/strict';
import pino from 'pino';
import { licenseStream } from '../../src/commands/licenses/events';
import { createMetrics } from '../../src/observability/metrics';
import { openDependencies } from '../../src/runtime/dependencies';
import { startApi } from '../../src/runtime/roles';
import { cliWorld, lines, runCli, type CliWorld } from './run-cli';

describe('authledger admin create and license issue', function () {
  this.timeout(600_000);
  let world: CliWorld;
  beforeEach(async () => (world = await cliWorld('cli_admin')));
  afterEach(() => world.drop());

  it('admin create: the new administrator signs in on /v1/login; the same account again is refused with one line', async () => {
    const created = await runCli(['admin', 'create', 'night-ops', '--name', 'Night operator'], world.env, 'night-ops-password\n');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout.trim(), /^[0-9a-f]{32}$/);

    const deps = await openDependencies({ ...world.config, port: 0, host: '127.0.0.1' }, pino({ level: 'silent' }), { migrate: false });
    const api = await startApi({ ...world.config, port: 0, host: '127.0.0.1' }, deps, deps.logger, createMetrics({ processMetrics: false }));
    try {
      const login = (password: string) =>
        fetch(`${api.http.url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ account: 'night-ops', password }) });
      const ok = await login('night-ops-password');
      assert.equal(ok.status, 200);
      assert.equal(((await ok.json()) as { tokenType: string }).tokenType, 'Bearer');
      assert.equal((await login('wrong-password')).status, 401);
    } finally {
      await api.stop();
      await deps.close();
    }

    const again = await runCli(['admin', 'create', 'night-ops'], world.env, 'another-password\n');
    assert.equal(again.code, 1);
    assert.equal(lines(again.stderr).length, 1, again.stderr);
    assert.match(again.stderr, /already taken/);
  });

  it('admin create refuses a password shorter than 8 characters and writes nothing', async () => {
    const r = await runCli(['admin', 'create', 'short'], world.env, 'abc\n');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /at least 8 characters/);
    assert.equal(Number((await world.db.knex('events').count({ n: '*' }))[0]!.n), 0);
  });

  it('license issue: prints the serial number, whose stream holds LicenseIssued with the terms given; bad terms are refused', async () => {
    const r = await runCli(['license', 'issue', '--type', 'CLOUD', '--seats', '3', '--valid-from', '2026-01-01T00:00:00Z', '--valid-until', '2027-01-01T00:00:00Z', '--heartbeat', '30'], world.env);
    assert.equal(r.code, 0, r.stderr);
    const sn = r.stdout.trim();
    assert.match(sn, /^[A-Z0-9]{16}$/);
    const rows = (await world.db.knex('events').where({ stream_id: licenseStream(sn) }).select('type', 'data', 'metadata')) as Array<{ type: string; data: Record<string, unknown>; metadata: { actor: { id: string } } }>;
    assert.deepEqual(rows.map((e) => e.type), ['LicenseIssued']);
    assert.equal(rows[0]!.data.seats, 3);
    assert.equal(rows[0]!.data.licenseType, 'CLOUD');
    assert.equal(rows[0]!.metadata.actor.id, 'cli:license issue');

    const backwards = await runCli(['license', 'issue', '--type', 'ACCOUNT', '--seats', '1', '--valid-from', '2027-01-01', '--valid-until', '2026-01-01'], world.env);
    assert.equal(backwards.code, 1);
    assert.match(backwards.stderr, /validUntil must be after validFrom/);
    assert.equal(Number((await world.db.knex('events').count({ n: '*' }))[0]!.n), 1, 'the refused license wrote nothing');
  });
});
