import type { SignInSpec } from './sign-in-load';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Koa from 'koa';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestSource } from './load-generator';
import { round, WARMUP_SECONDS, type LoadFigures } from './measure';

const run = promisify(execFile);

export interface HttpFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  /** CPU the server's process (this one) spent per answered request, user + system: steadier than req/s on a shared machine. */
  serverCpuUsPerRequest: number;
}

export interface HttpLoad {
  url: string;
  connections: number;
  seconds: number;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  body?: string;
  /** Requests sent in turn (another device, another message each): override method/headers/body. */
  requests?: RequestSource;
  /** Sent during the warm-up instead of `requests` (distinct messages must not be spent before the measured run). */
  warmupRequests?: RequestSource;
  /** WARMUP_SECONDS unless told (0: the server is warm already). */
  warmupSeconds?: number;
  /** Runs between the warm-up and the measured run (outside both). */
  beforeMeasuring?: () => Promise<void>;
}

/**
 * Closed-loop HTTP load (closed-loop-http.ts) from a process of its own (load-generator.ts): the
 * server's event loop does only the server's work. Both still share the machine's cores. A
 * warm-up run goes first and is not counted.
 */
export async function loadHttp({ warmupRequests, warmupSeconds = WARMUP_SECONDS, beforeMeasuring, ...load }: HttpLoad): Promise<HttpFigures> {
  if (warmupSeconds > 0) await runChild('load-generator.ts', { ...load, seconds: warmupSeconds, requests: warmupRequests ?? load.requests });
  // Requests the warm-up's generator abandoned at its end finish before the measured run starts.
  await new Promise((resolve) => setTimeout(resolve, 200));
  await beforeMeasuring?.();
  const cpuBefore = process.cpuUsage();
  const { requests, ...figures } = await runChild<Omit<HttpFigures, 'serverCpuUsPerRequest'> & { requests: number }>('load-generator.ts', load);
  const cpu = process.cpuUsage(cpuBefore);
  return { ...figures, requestsPerSecond: round(figures.requestsPerSecond), serverCpuUsPerRequest: Math.round((cpu.user + cpu.system) / Math.max(1, requests)) };
}

/** Runs a bench script of this folder as its own process with `spec` as JSON; its last stdout line is the answer. */
async function runChild<T>(script: string, spec: unknown, env: Record<string, string> = {}): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'authledger-load-'));
  const specFile = join(dir, 'load.json');
  writeFileSync(specFile, JSON.stringify(spec));
  try {
    const { stdout } = await run(process.execPath, ['--require', 'tsx/cjs', join(__dirname, script), specFile], { env: { ...process.env, ...env } });
    return JSON.parse(stdout.trim().split('\n').pop()!) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Full Insight sign-ins from a process of its own (bench/sign-in-load.ts): a warm-up run, then the
 * measured one, with the CPU the server's process (this one) spent per sign-in.
 */
export async function runSignInLoad(spec: SignInSpec): Promise<LoadFigures & { failures: number; serverCpuUsPerSignIn: number }> {
  const once = { BENCH_WARMUP_SECONDS: '0' };
  if (WARMUP_SECONDS > 0) await runChild('sign-in-load.ts', { ...spec, seconds: WARMUP_SECONDS }, once);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const cpuBefore = process.cpuUsage();
  const figures = await runChild<LoadFigures & { failures: number }>('sign-in-load.ts', spec, once);
  const cpu = process.cpuUsage(cpuBefore);
  return { ...figures, serverCpuUsPerSignIn: Math.round((cpu.user + cpu.system) / Math.max(1, figures.ops)) };
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
