import assert from 'node:assert/strict';
import { Agent, get, type IncomingMessage } from 'node:http';
import { createApp } from '../../src/api/app';
import { problemDetailsEnvelope } from '../../src/api/envelopes/problem-details';
import { defineRoute } from '../../src/api/route';
import { startHttpServer, type RunningHttpServer } from '../../src/api/server';
import { createLogger } from '../../src/observability/logger';
import { createMetrics } from '../../src/observability/metrics';
import { testConfig } from './support';

/** A route that holds its request open until the test lets it go. */
function slowApp() {
  let arrived!: () => void;
  const arrival = new Promise<void>((resolve) => (arrived = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const config = testConfig();
  const app = createApp({
    config,
    logger: createLogger(config),
    metrics: createMetrics({ processMetrics: false }),
    readiness: [],
    surfaces: [
      {
        name: 'slow',
        prefix: '/v1',
        envelope: problemDetailsEnvelope,
        routes: [
          defineRoute({
            method: 'get',
            path: '/slow',
            summary: 'Answers when released',
            tags: ['test'],
            responses: { 200: { description: 'Finally' } },
            handler: async () => {
              arrived();
              await released;
              return { finished: true };
            },
          }),
        ],
      },
    ],
  });
  return { app, config, arrival, release };
}

function getOnce(url: string, agent: Agent | false): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res: IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

function getWithHeaders(url: string, agent: Agent): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res: IncomingMessage) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

describe('HTTP server lifecycle', () => {
  let running: RunningHttpServer | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('listens on a free port and reports its URL', async () => {
    const { app, config } = slowApp();
    running = await startHttpServer(app, { host: '127.0.0.1', port: 0, logger: createLogger(config), shutdownGraceMs: 1000 });
    assert.match(running.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await getOnce(`${running.url}/healthz`, false)).status, 200);
  });

  it('on stop, finishes a request in flight while refusing new connections', async () => {
    const { app, config, arrival, release } = slowApp();
    running = await startHttpServer(app, { host: '127.0.0.1', port: 0, logger: createLogger(config), shutdownGraceMs: 5000 });
    const { url } = running;
    const inFlight = getOnce(`${url}/v1/slow`, false);
    await arrival;

    let stopped = false;
    const stopping = running.stop().then(() => (stopped = true));
    await assert.rejects(getOnce(`${url}/healthz`, false), (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED');
    assert.equal(stopped, false, 'stop waits for the request in flight');

    release();
    const answer = await inFlight;
    assert.equal(answer.status, 200);
    assert.deepEqual(JSON.parse(answer.body), { finished: true });
    await stopping;
    assert.equal(stopped, true);
  });

  it('does not wait for idle keep-alive connections', async () => {
    const { app, config } = slowApp();
    running = await startHttpServer(app, { host: '127.0.0.1', port: 0, logger: createLogger(config), shutdownGraceMs: 10_000 });
    const agent = new Agent({ keepAlive: true });
    try {
      assert.equal((await getOnce(`${running.url}/healthz`, agent)).status, 200);
      const started = Date.now();
      await running.stop();
      assert.ok(Date.now() - started < 1000, `stop took ${Date.now() - started} ms with an idle keep-alive connection open`);
    } finally {
      agent.destroy();
    }
  });

  it('tells keep-alive clients that keep sending across a stop to close, and never resets them', async () => {
    const { app, config } = slowApp();
    running = await startHttpServer(app, { host: '127.0.0.1', port: 0, logger: createLogger(config), shutdownGraceMs: 5000 });
    const { url } = running;
    const clients = 16;
    const outcomes = { answered: 0, toldToClose: 0, refused: 0, resets: [] as string[] };
    let stopRequested = false;
    const client = async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        // Bounded: a client stops at its first refused connection, or after 2,000 requests.
        for (let i = 0; i < 2000; i++) {
          try {
            const res = await getWithHeaders(`${url}/healthz`, agent);
            outcomes.answered++;
            if (res.connection === 'close') outcomes.toldToClose++;
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code ?? String(err);
            if (code === 'ECONNREFUSED' && stopRequested) outcomes.refused++;
            else outcomes.resets.push(`${code}: ${(err as Error).message}`);
            return;
          }
        }
      } finally {
        agent.destroy();
      }
    };
    const loops = Array.from({ length: clients }, client);
    // Stop once every client has a keep-alive connection busy with requests.
    while (outcomes.answered < clients * 20) await new Promise((resolve) => setImmediate(resolve));
    stopRequested = true;
    await running.stop();
    await Promise.all(loops);
    assert.deepEqual(outcomes.resets, [], 'no client saw its connection reset');
    assert.equal(outcomes.refused, clients, 'each client ended on a refused new connection after the listener stopped');
    assert.ok(outcomes.toldToClose >= 1, `clients were told Connection: close (${outcomes.toldToClose} times)`);
  });

  it('cuts requests that outlive the grace period, and still resolves', async () => {
    const { app, config, arrival, release } = slowApp();
    running = await startHttpServer(app, { host: '127.0.0.1', port: 0, logger: createLogger(config), shutdownGraceMs: 100 });
    const inFlight = getOnce(`${running.url}/v1/slow`, false);
    await arrival;
    const started = Date.now();
    await running.stop();
    assert.ok(Date.now() - started < 1000);
    await assert.rejects(inFlight, (err: NodeJS.ErrnoException) => err.code === 'ECONNRESET');
    release();
  });

  it('can be stopped twice', async () => {
    const { app, config } = slowApp();
    running = await startHttpServer(app, { host: '127.0.0.1', port: 0, logger: createLogger(config), shutdownGraceMs: 1000 });
    await Promise.all([running.stop(), running.stop()]);
  });
});
