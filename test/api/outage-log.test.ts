import assert from 'node:assert/strict';
import { problemDetailsEnvelope } from '../../src/api/envelopes/problem-details';
import { defineRoute } from '../../src/api/route';
import { EventStoreUnavailableError } from '../../src/eventstore/errors';
import { createMetrics } from '../../src/observability/metrics';
import { call, capturedLogger, startTestApp } from './support';

/** A surface whose one route fails as every write does while PostgreSQL is down. */
const downSurface = {
  name: 'down',
  prefix: '/v1',
  envelope: problemDetailsEnvelope,
  routes: [
    defineRoute({
      method: 'post',
      path: '/writes',
      summary: 'Fails as an append does during an outage',
      tags: ['test'],
      responses: { 201: { description: 'never' } },
      handler: () => {
        throw new EventStoreUnavailableError('PostgreSQL event store unavailable (ECONNREFUSED)');
      },
    }),
  ],
};

describe('an outage in the log', () => {
  it('is one line when refusals start and one when they stop, with the count; each refusal is a 503 and a metric', async () => {
    const log = capturedLogger('info');
    const metrics = createMetrics({ processMetrics: false });
    const app = await startTestApp({ logger: log.logger, metrics, surfaces: [downSurface], outageQuietMs: 200 });
    try {
      const answers = await Promise.all(Array.from({ length: 25 }, () => call(`${app.url}/v1/writes`, { method: 'POST' })));
      assert.deepEqual([...new Set(answers.map((a) => a.status))], [503]);
      assert.deepEqual([...new Set(answers.map((a) => a.headers.get('retry-after')))], ['2'], 'a 503 says when to try again');
      const over = async () => log.records().find((r) => r.msg === 'event store: no request refused for 200 ms; outage over');
      // Bounded: the quiet period is 200 ms; two seconds is ample on a loaded machine.
      const deadline = Date.now() + 2000;
      while (!(await over()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const records = log.records();
      const started = records.filter((r) => r.msg === 'event store unavailable: answering 503 until it is back');
      assert.equal(started.length, 1, 'one line when the refusals start');
      assert.equal(started[0]!.level, 40, 'a warning, not an error');
      assert.equal(records.filter((r) => r.msg === 'unexpected error').length, 0, 'no stack per request');
      const ended = records.find((r) => r.msg === 'event store: no request refused for 200 ms; outage over');
      assert.ok(ended, 'one line when they stop');
      assert.equal(ended.refused, 25);
      assert.match(await metrics.render(), /authledger_requests_refused_total\{cause="event store"\} 25/);
    } finally {
      await app.stop();
    }
  });
});
