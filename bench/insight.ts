import { createHash, randomUUID } from 'node:crypto';
import { registerApp } from '../src/commands/applications/handler';
import { systemMetadata } from '../src/commands/system-metadata';
import { registerUser } from '../src/commands/identity/handler';
import { bareKoaBaseline, loadHttp, shareOf, type HttpFigures } from './http';
import { startBenchService } from './service';
import { runSignInLoad } from './http';
import type { LoadFigures } from './measure';
import { profiledPhase } from './profile';
import { benchStatusBreakdown, countSignInWork, type SignInWork, type StatusBreakdown } from './insight-breakdown';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

export interface InsightFigures {
  status: { connections: number; ours: HttpFigures; bareKoa: HttpFigures; share: string; targetShare: string; targetP99Ms: number; breakdown: StatusBreakdown };
  /** Absent with BENCH_INSIGHT_STATUS_ONLY. */
  logins?: LoadFigures & { users: number; concurrency: number; failures: number; target: number; serverCpuUsPerSignIn: number; work: SignInWork };
}

/**
 * Insight's hottest path and its busiest write: `tokens/status` at 64 connections beside a bare Koa
 * handler measured in the same run, and full sign-ins (code + token) across many devices and users.
 */
export async function benchInsight(databaseUrl: string, seconds: number): Promise<InsightFigures> {
  const svc = await startBenchService(databaseUrl, 'insight');
  const { config, deps } = svc;
  const base = `${svc.url}/base/auth/v1.0`;
  try {
    const metadata = systemMetadata('bench');
    const { appId } = await registerApp({ store: deps.store, dataKey: config.dataKey }, { name: 'bench', tokenMode: 'shared', tokenLifeMs: 7_200_000, autoRefresh: false }, metadata);
    const users = 200;
    const accounts = Array.from({ length: users }, (_, i) => `bench-user-${i}`);
    for (const account of accounts) {
      await registerUser({ store: deps.store, dataKey: config.dataKey }, { profile: { account, name: account, mobile: null, email: null, headImg: null, tenantId: null }, password: 'bench-password' }, metadata);
    }
    const passwordMd5 = md5('bench-password');
    const signIn = async (account: string): Promise<string | null> => {
      const device = randomUUID();
      const codeRes = await fetch(`${base}/tokens/codes?account=${account}`, { headers: { 'x-device-id': device } });
      const code = ((await codeRes.json()) as { data: string }).data;
      const res = await fetch(`${base}/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-device-id': device },
        body: JSON.stringify({ appId, account, signature: md5(md5(account + passwordMd5) + code), deviceId: device }),
      });
      const body = (await res.json()) as { code: number; data: { accessToken: string } | null };
      return body.code === 200 ? body.data!.accessToken : null;
    };

    const token = await signIn(accounts[0]!);
    if (!token) throw new Error('bench sign-in failed');
    const connections = 64;
    const bareKoa = await bareKoaBaseline(connections, seconds);
    const ours = await profiledPhase('insight-tokens-status', () =>
      loadHttp({ url: `${base}/tokens/status`, connections, seconds, headers: { authorization: token, 'x-device-id': 'bench-status' } }),
    );
    if (ours.non2xx || ours.errors) throw new Error(`tokens/status answered ${ours.non2xx} non-2xx and ${ours.errors} errors`);
    const breakdown = await benchStatusBreakdown(`${base}/tokens/status`, connections, seconds);
    const status = { connections, ours, bareKoa, share: shareOf(ours, bareKoa), targetShare: '≥ 60%', targetP99Ms: 10, breakdown };

    if (process.env.BENCH_INSIGHT_STATUS_ONLY) return { status };
    const concurrency = 32;
    const logins = await profiledPhase('insight-sign-in', () => runSignInLoad({ base, appId, accounts, passwordMd5, concurrency, seconds }));
    const work = await countSignInWork(
      deps,
      async () => {
        if (!(await signIn(accounts[1]!))) throw new Error('bench sign-in failed');
      },
      seconds,
    );
    return { status, logins: { ...logins, users, concurrency, target: 1000, work } };
  } finally {
    await svc.stop();
  }
}


export function printInsightFigures(figures: InsightFigures): InsightFigures {
  const { status, logins } = figures;
  console.log(`\nInsight GET tokens/status at ${status.connections} connections, beside a bare Koa handler in the same run`);
  console.table([
    { what: 'tokens/status', 'req/s': status.ours.requestsPerSecond, 'p50 ms': status.ours.p50Ms, 'p99 ms': status.ours.p99Ms, 'server CPU µs/req': status.ours.serverCpuUsPerRequest },
    { what: 'bare Koa', 'req/s': status.bareKoa.requestsPerSecond, 'p50 ms': status.bareKoa.p50Ms, 'p99 ms': status.bareKoa.p99Ms, 'server CPU µs/req': status.bareKoa.serverCpuUsPerRequest },
    ...[
      ['our app: /healthz (no I/O)', status.breakdown.healthz],
      ['tokens/status, no token (no I/O)', status.breakdown.statusWithoutToken],
    ].map(([what, f]) => {
      const figures = f as HttpFigures;
      return { what, 'req/s': figures.requestsPerSecond, 'p50 ms': figures.p50Ms, 'p99 ms': figures.p99Ms, 'server CPU µs/req': figures.serverCpuUsPerRequest };
    }),
  ]);
  console.log(`share of bare Koa: ${status.share} (target ${status.targetShare}); p99 ${status.ours.p99Ms} ms (target < ${status.targetP99Ms} ms)`);
  if (!logins) return figures;
  console.log(
    `Insight full sign-ins (GET tokens/codes + POST tokens) from a client process of their own, ${logins.concurrency} in flight over ${logins.users} users, a new device each: ` +
      `${logins.opsPerSecond}/s, p50 ${logins.p50Ms} ms, p99 ${logins.p99Ms} ms, server CPU ${logins.serverCpuUsPerSignIn} µs/sign-in, ${logins.failures} failed (target ≥ ${logins.target}/s, ≤ 1,000 µs)`,
  );
  const { work } = logins;
  const reads = Math.round((work.pgStatements - work.pgAppends) * 100) / 100;
  const io = Math.round(reads * work.cpuUs.streamRead + work.pgAppends * work.cpuUs.append + work.redisCommands * work.cpuUs.redisCommand);
  const http = 2 * status.breakdown.healthz.serverCpuUsPerRequest;
  console.log(
    `  per sign-in: ${reads} PostgreSQL reads × ${work.cpuUs.streamRead} µs + ${work.pgAppends} appends × ${work.cpuUs.append} µs + ${work.redisCommands} Redis commands × ${work.cpuUs.redisCommand} µs ` +
      `(each alone, 32 in flight) = ${io} µs of I/O; two requests through the app (/healthz above) ${http} µs; ${io + http} µs of the ${logins.serverCpuUsPerSignIn} µs measured`,
  );
  return figures;
}
