import { bareKoaBaseline, loadHttp, shareOf, type HttpFigures } from './http';
import { WARMUP_SECONDS } from './measure';
import { startBenchService } from './service';
import { WECHAT_BENCH_SETTINGS, type PushRange } from './wechat-pushes';

export interface WechatFigures {
  connections: number;
  ours: HttpFigures;
  /** The same load with every fourth push a retry of one sent just before (WeChat retries a slow answer). */
  withRetries: HttpFigures & { recorded: number };
  bareKoa: HttpFigures;
  share: string;
  recorded: number;
  targetPerSecond: number;
  targetP99Ms: number;
}

/**
 * Encrypted biz callbacks end to end over HTTP: verify msg_signature, decrypt, parse, look up a
 * forwarding rule, append to the stream its retry key names (the dedupe), answer `success`. Every
 * request is a distinct message (its own MsgId), built by the load generator before its run so
 * that sending costs no AES; the warm-up sends messages of its own, and only the measured run's
 * are counted as recorded.
 */
export async function benchWechat(databaseUrl: string, seconds: number): Promise<WechatFigures> {
  const svc = await startBenchService(databaseUrl, 'wechat', WECHAT_BENCH_SETTINGS);
  const { deps } = svc;
  try {
    // Enough distinct messages for 4,000/s through the warm-up and both measured runs.
    const warmupCount = Math.ceil(WARMUP_SECONDS * 4_000);
    const runCount = Math.ceil(seconds * 4_000);
    const connections = 32;
    const bareKoa = await bareKoaBaseline(connections, seconds);
    const count = async () => Number((await deps.knex('events').where({ type: 'WxBizCallbackReceived' }).count<{ count: string }[]>('* as count'))[0]!.count);
    const measured = async (requests: PushRange, warmupRequests: PushRange | null) => {
      let before = 0;
      // The second run finds the service warm: its messages are all its own.
      const figures = await loadHttp({
        url: svc.url,
        connections,
        seconds,
        requests: { wechatPushes: requests },
        warmupRequests: warmupRequests ? { wechatPushes: warmupRequests } : undefined,
        warmupSeconds: warmupRequests ? WARMUP_SECONDS : 0,
        beforeMeasuring: async () => void (before = await count()),
      });
      // Let requests the load generator left in flight at the end finish before counting.
      await new Promise((r) => setTimeout(r, 1_000));
      if (figures.errors || figures.non2xx) throw new Error(`callbacks answered ${figures.non2xx} non-2xx and ${figures.errors} errors`);
      return { ...figures, recorded: (await count()) - before };
    };
    const { recorded, ...ours } = await measured({ from: warmupCount, count: runCount }, { from: 0, count: warmupCount });
    const withRetries = await measured({ from: warmupCount + runCount, count: runCount, retryEvery: 4 }, null);
    return { connections, ours, withRetries, bareKoa, share: shareOf(ours, bareKoa), recorded, targetPerSecond: 3000, targetP99Ms: 50 };
  } finally {
    await svc.stop();
  }
}

export function printWechatFigures(f: WechatFigures): WechatFigures {
  console.log(`\nWeChat callbacks (verify + decrypt + parse + append, distinct messages), ${f.connections} connections, beside a bare Koa handler in the same run`);
  console.table([
    { '': 'encrypted biz callbacks', 'req/s': f.ours.requestsPerSecond, 'p50 ms': f.ours.p50Ms, 'p99 ms': f.ours.p99Ms, 'server CPU µs/req': f.ours.serverCpuUsPerRequest },
    { '': 'the same, 1 in 4 a retry', 'req/s': f.withRetries.requestsPerSecond, 'p50 ms': f.withRetries.p50Ms, 'p99 ms': f.withRetries.p99Ms, 'server CPU µs/req': f.withRetries.serverCpuUsPerRequest },
    { '': 'bare Koa baseline', 'req/s': f.bareKoa.requestsPerSecond, 'p50 ms': f.bareKoa.p50Ms, 'p99 ms': f.bareKoa.p99Ms, 'server CPU µs/req': f.bareKoa.serverCpuUsPerRequest },
  ]);
  console.log(`share of bare Koa: ${f.share}; events recorded: ${f.recorded}, and ${f.withRetries.recorded} with retries (target ≥ ${f.targetPerSecond}/s, p99 < ${f.targetP99Ms} ms)`);
  return f;
}
