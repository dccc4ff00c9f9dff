import autocannon from 'autocannon';
import Koa from 'koa';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { round } from './measure';

export interface HttpFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

export interface HttpLoad {
  url: string;
  connections: number;
  seconds: number;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  body?: string;
  /** Different request per call (another device, another token): overrides method/headers/body. */
  request?: () => { method?: string; path?: string; headers?: Record<string, string>; body?: string };
}

/** Closed-loop HTTP load with autocannon (same process, so both sides share the machine's 2 cores). */
export async function loadHttp(load: HttpLoad): Promise<HttpFigures> {
  const result = await autocannon({
    url: load.url,
    connections: load.connections,
    duration: load.seconds,
    method: load.method ?? 'GET',
    headers: load.headers,
    body: load.body,
    requests: load.request ? [{ setupRequest: (req: autocannon.Request) => ({ ...req, ...load.request!() }) as autocannon.Request }] : undefined,
  });
  return {
    requestsPerSecond: round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** The machine's own ceiling for a Koa app: one middleware answering a small JSON body. */
export async function bareKoaBaseline(connections: number, seconds: number): Promise<HttpFigures> {
  const app = new Koa();
  app.use((ctx) => {
    ctx.body = { success: true, code: 200, message: '请求成功', data: null, option: null };
  });
  const server: Server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await loadHttp({ url: `http://127.0.0.1:${port}/`, connections, seconds });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

export function shareOf(ours: HttpFigures, baseline: HttpFigures): string {
  return `${Math.round((ours.requestsPerSecond / baseline.requestsPerSecond) * 100)}%`;
}
