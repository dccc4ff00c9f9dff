import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { registerUser } from '../../src/commands/identity/handler';
import { systemMetadata } from '../../src/commands/system-metadata';
import { PostgresEventStore } from '../../src/eventstore';
import { newEvent } from '../support/events';
import { cliWorld, lines, runCli, type CliWorld } from './run-cli';

interface Exported {
  position: string;
  streamId: string;
  revision: number;
  eventId: string;
  type: string;
  created: string;
  data: Record<string, unknown>;
  metadata: { correlationId: string };
}

const parseNdjson = (text: string): Exported[] => lines(text).map((l) => JSON.parse(l) as Exported);

describe('authledger export and rebuild', function () {
  this.timeout(600_000);
  let world: CliWorld;
  let store: PostgresEventStore;
  beforeEach(async () => {
    world = await cliWorld('cli_export');
    store = new PostgresEventStore(world.db.knex, { databaseUrl: world.db.url });
  });
  afterEach(async () => {
    await store.close();
    await world.drop();
  });

  it('export: a stream, and the whole log to a file, as NDJSON with stream, revision, position, type, data and metadata', async () => {
    const a = [newEvent('DoorOpened', { door: 1 }), newEvent('DoorClosed', { door: 1 }), newEvent('DoorOpened', { door: 1 })];
    const b = [newEvent('DoorOpened', { door: 2 })];
    await store.appendToStream('door-1', a.slice(0, 2));
    await store.appendToStream('door-2', b);
    await store.appendToStream('door-1', a.slice(2));

    const one = await runCli(['export', '--stream', 'door-1'], world.env);
    assert.equal(one.code, 0, one.stderr);
    const stream = parseNdjson(one.stdout);
    assert.deepEqual(stream.map((e) => [e.streamId, e.revision, e.eventId, e.type, e.data.door]), a.map((e, i) => ['door-1', i, e.eventId, e.type, 1]));
    assert.equal(stream[0]!.metadata.correlationId, a[0]!.metadata.correlationId);

    const file = path.join(tmpdir(), `authledger-export-${process.pid}.ndjson`);
    try {
      const all = await runCli(['export', '--out', file], world.env);
      assert.equal(all.code, 0, all.stderr);
      assert.equal(all.stdout, '', 'the log went to the file, not stdout');
      const log = parseNdjson(readFileSync(file, 'utf8'));
      assert.deepEqual(log.map((e) => e.eventId), [a[0], a[1], b[0], a[2]].map((e) => e!.eventId), 'global order');
      assert.ok(log.every((e) => /^\d+-\d+$/.test(e.position) && !Number.isNaN(Date.parse(e.created))));
    } finally {
      rmSync(file, { force: true });
    }

    const missing = await runCli(['export', '--stream', 'door-9'], world.env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /there is no stream door-9/);
  });

  it('rebuild users: plain progress lines on a non-terminal stderr through every phase, then a report that the replay equals the live tables', async () => {
    const deps = { store, dataKey: world.config.dataKey };
    for (let i = 0; i < 7; i++) {
      await registerUser(deps, { profile: { account: `user${i}`, name: `User ${i}`, mobile: null, email: null, headImg: null, tenantId: null }, password: 'password-123' }, systemMetadata('test'));
    }
    const r = await runCli(['rebuild', 'users', '--batch-size', '3'], world.env);
    assert.equal(r.code, 0, r.stderr);
    const progress = lines(r.stderr);
    assert.match(progress[0]!, /^rebuild users: 0\/7 events \(0\.0%\), 0 events\/s, ETA unknown$/);
    // One progress series per phase: the replay (which also brings the live tables along), then the comparison and the swap.
    assert.match(progress.at(-3)!, /^rebuild users: 7\/7 events \(100\.0%\), \d+ events\/s, [\d.]+s elapsed$/);
    assert.deepEqual(progress.slice(-2), ['rebuild users: comparing the rebuilt tables with the live ones', 'rebuild users: swapping the rebuilt tables in']);
    assert.match(r.stdout, /^users v\d+: replayed 7 events in [\d.]+ s to \d+-\d+; checksum live ([0-9a-f]{32}) rebuilt \1 \(equal; swapped in\)$/m);
    assert.equal(Number((await world.db.knex('users').count({ n: '*' }))[0]!.n), 7);
  });
});
