import assert from 'node:assert/strict';
import { lockConnectionConfig } from '../../src/projections/advisory-lock';
import { CheckpointWatch } from '../../src/projections/checkpoint-watch';
import { positionsToAwait } from '../../src/projections/read-your-writes';
import { ProjectionRunner } from '../../src/projections/runner';
import { streamStatsProjection } from './sample-projection';
import { appendSamples, capturingLogger, projectionFixture, readStreamStats, type ProjectionFixture } from './support';

/**
 * The waiting half of read-your-writes: an API process hears checkpoint moves from whichever
 * process runs the projector, and answers a waiter once the read model holds its write.
 */
describe('checkpoint watch', function () {
  this.timeout(60_000);
  let f: ProjectionFixture;
  const cleanups: Array<() => Promise<void>> = [];
  const projection = streamStatsProjection();

  beforeEach(async () => {
    f = await projectionFixture('checkpoint_watch');
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await f.teardown();
  });

  const startRunner = async () => {
    const r = new ProjectionRunner({ store: f.store, knex: f.knex, projections: [projection], logger: capturingLogger(), lockRetryMs: 100 });
    await r.start();
    cleanups.push(() => r.stop());
    // Active before the watch reads, as in a running deployment.
    await r.catchUp({ timeoutMs: 20_000 });
    return r;
  };
  const startWatch = async (options: Partial<ConstructorParameters<typeof CheckpointWatch>[0]> = {}) => {
    const watch = new CheckpointWatch({ knex: f.knex, listenConnection: lockConnectionConfig(f.knex, 'test-watch'), logger: capturingLogger(), ...options });
    await watch.start();
    cleanups.push(() => watch.stop());
    return watch;
  };

  it('answers once the read model holds the write, woken by the NOTIFY of the move (the re-read is set to 10 minutes)', async () => {
    await startRunner();
    const watch = await startWatch({ fallbackPollMs: 600_000 });
    const appended = await appendSamples(f.store, 'acct-1', [{ type: 'SampleAdded', amount: 5 }]);
    const reached = await watch.waitFor(new Map([[projection.name, appended.position]]), 20_000);
    assert.equal(reached, true);
    // Resolved means readable: the row is there at that moment, not eventually.
    const rows = await readStreamStats(f.knex);
    assert.equal(rows.find((r) => r.stream_id === 'acct-1')?.amount_sum, 5);
  });

  it('without its LISTEN connection it still answers, by re-reading the checkpoints while someone waits', async () => {
    await startRunner();
    const logger = capturingLogger();
    const watch = await startWatch({ listenConnection: { host: '127.0.0.1', port: 1 }, fallbackPollMs: 200, logger });
    assert.ok(logger.entries.some((e) => e.message.startsWith('cannot listen for checkpoint notices')));
    const appended = await appendSamples(f.store, 'acct-2', [{ type: 'SampleAdded', amount: 7 }]);
    assert.equal(await watch.waitFor(new Map([[projection.name, appended.position]]), 20_000), true);
    assert.equal((await readStreamStats(f.knex)).find((r) => r.stream_id === 'acct-2')?.amount_sum, 7);
  });

  it('answers false at the bound when no projector applies the write', async () => {
    const runner = await startRunner();
    await runner.stop();
    const watch = await startWatch();
    const appended = await appendSamples(f.store, 'acct-3', [{ type: 'SampleAdded', amount: 1 }]);
    const started = Date.now();
    assert.equal(await watch.waitFor(new Map([[projection.name, appended.position]]), 300), false);
    assert.ok(Date.now() - started >= 290);
  });

  it('waits per projection for the last written event of its own types, not the append’s last event', async () => {
    const appended = await f.store.appendToStream('mixed', [
      { eventId: crypto.randomUUID(), type: 'SampleAdded', data: { amount: 1 }, metadata: sampleMetadata() },
      { eventId: crypto.randomUUID(), type: 'SomethingElse', data: {}, metadata: sampleMetadata() },
    ]);
    const positions = appended.eventPositions!;
    const written = [
      { type: 'SampleAdded', position: positions[0]! },
      { type: 'SomethingElse', position: positions[1]! },
    ];
    const targets = positionsToAwait(written, [projection, { ...projection, name: 'other', eventTypes: ['Unrelated'] }]);
    assert.deepEqual([...targets], [[projection.name, positions[0]]]);
  });
});

function sampleMetadata() {
  return { actor: { kind: 'system' as const }, correlationId: crypto.randomUUID(), causationId: null, clientIp: null, userAgent: null, time: new Date().toISOString() };
}
