import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { wechatPushes, type PushRange } from './wechat-pushes';

/**
 * The HTTP load generator, run as its own process by bench/http.ts so that generating load does
 * not share an event loop (or a heap) with the server it measures. Reads the load from the JSON
 * file named in argv, prints autocannon's figures as one JSON line.
 */
export interface LoadRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** Requests sent in turn, round robin: listed, or WeChat pushes built here (see wechat-pushes.ts). */
export type RequestSource = LoadRequest[] | { wechatPushes: PushRange };

export interface LoadSpec {
  url: string;
  connections: number;
  seconds: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  requests?: RequestSource;
}

const requestsOf = (source: RequestSource | undefined): LoadRequest[] | undefined => (source && !Array.isArray(source) ? wechatPushes(source.wechatPushes) : source);

async function main() {
  const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadSpec;
  let next = 0;
  const variants = requestsOf(spec.requests);
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.seconds,
    method: (spec.method ?? 'GET') as autocannon.Request['method'],
    headers: spec.headers,
    body: spec.body,
    requests: variants?.length ? [{ setupRequest: (req: autocannon.Request) => ({ ...req, ...variants[next++ % variants.length] }) as autocannon.Request }] : undefined,
  });
  process.stdout.write(
    `${JSON.stringify({
      requestsPerSecond: result.requests.average,
      requests: result.requests.total,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      errors: result.errors + result.timeouts,
      non2xx: result.non2xx,
    })}\n`,
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`load generator failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
