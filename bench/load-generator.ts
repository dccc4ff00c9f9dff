import { readFileSync } from 'node:fs';
import { closedLoopHttp, requestBytes } from './closed-loop-http';
import { wechatPushes, type PushRange } from './wechat-pushes';

/**
 * The HTTP load generator, run as its own process by bench/http.ts so that generating load does
 * not share an event loop (or a heap) with the server it measures. Reads the load from the JSON
 * file named in argv, prints its figures as one JSON line.
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
  const target = new URL(spec.url);
  const defaults = { method: spec.method, headers: spec.headers, body: spec.body };
  const variants = requestsOf(spec.requests) ?? [{}];
  const requests = variants.map((r) => requestBytes(target, { ...defaults, ...r, headers: { ...spec.headers, ...r.headers } }));
  const { requestsPerSecond, requests: answered, p50Ms, p99Ms, errors, non2xx } = await closedLoopHttp(target, spec.connections, spec.seconds, requests);
  process.stdout.write(`${JSON.stringify({ requestsPerSecond, requests: answered, p50Ms, p99Ms, errors, non2xx })}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`load generator failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
