import assert from 'node:assert/strict';
import { eventually } from '../support/eventually';
import { probeReadYourWrites } from '../support/read-your-writes-probe';
import { startTestService, TEST_ADMIN } from '../support/service';
import { listeningUrl, useProcessSandbox } from './processes';

/**
 * The read-your-writes probe as a spec: a read sent right after a write answered shows that write,
 * on every surface, whether the projector runs in the API's process or in its own; 50 tries per
 * pair, as the misses were first measured (28–50 of 50 without the fence).
 */
const TRIES = 50;

function assertNoMisses(result: Awaited<ReturnType<typeof probeReadYourWrites>>): void {
  const missed = Object.entries(result.misses).filter(([, n]) => n > 0);
  assert.deepEqual(missed, [], `reads that missed the write just answered (of ${result.tries} per pair): ${JSON.stringify(result.misses)}`);
  assert.ok(Object.keys(result.misses).length >= 8);
}

describe('read-your-writes: a read right after a write sees it', function () {
  this.timeout(600_000);

  it('in one process, as npm start wires it (test/support/service.ts)', async () => {
    const svc = await startTestService('ryw_inprocess');
    try {
      assertNoMisses(await probeReadYourWrites(svc.url, TEST_ADMIN, TRIES));
    } finally {
      await svc.stop();
    }
  });

  describe('as real processes', () => {
    const { start } = useProcessSandbox('ryw');

    it('start:api + start:projector: the API waits for the other process’s checkpoints (LISTEN/NOTIFY)', async () => {
      const projector = start('start:projector');
      await projector.logLine((l) => l.msg === 'projector running');
      const api = start('start:api');
      const url = await listeningUrl(api);
      await eventually(async () => (await fetch(`${url}/readyz`)).status === 200, 30_000);
      assertNoMisses(await probeReadYourWrites(url, { account: 'admin', password: 'admin123456' }, TRIES));
      const metrics = await (await fetch(`${url}/metrics`)).text();
      // The writes did wait, and none reached the bound.
      assert.match(metrics, /authledger_read_your_writes_wait_seconds_count\{surface="v1",outcome="applied"\} [1-9]/);
      assert.doesNotMatch(metrics, /authledger_read_your_writes_timeouts_total\{[^}]*\} [1-9]/);
    });

    it('npm start (one process)', async () => {
      const all = start('start');
      const url = await listeningUrl(all);
      await eventually(async () => (await fetch(`${url}/readyz`)).status === 200, 30_000);
      assertNoMisses(await probeReadYourWrites(url, { account: 'admin', password: 'admin123456' }, TRIES));
    });
  });
});
