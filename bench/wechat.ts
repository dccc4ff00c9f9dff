import { callbackKey, callbackSignature, encryptCallback } from '../src/wechat/crypto';
import { buildFlatXml } from '../src/wechat/xml';
import { bareKoaBaseline, loadHttp, shareOf, type HttpFigures } from './http';
import { WARMUP_SECONDS } from './measure';
import { startBenchService } from './service';

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

const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const TOKEN = 'benchtoken';
const APPID = 'wx74c7e8d941e8a139';

/**
 * Encrypted biz callbacks end to end over HTTP: verify msg_signature, decrypt, parse, look up a
 * forwarding rule, append to the stream its retry key names (the dedupe), answer `success`. Every request is a distinct
 * message (its own MsgId), prepared before the run so the client does not spend the CPU on AES;
 * the warm-up sends messages of its own, and only the measured run's are counted as recorded.
 */
export async function benchWechat(databaseUrl: string, seconds: number): Promise<WechatFigures> {
  const svc = await startBenchService(databaseUrl, 'wechat', { WECHAT_COMPONENT_APPID: APPID, WECHAT_COMPONENT_TOKEN: TOKEN, WECHAT_COMPONENT_AES_KEY: AES_KEY });
  const { deps } = svc;
  try {
    const key = callbackKey(AES_KEY);
    // Enough distinct messages for 4,000/s through the warm-up and both measured runs.
    const warmupCount = Math.ceil(WARMUP_SECONDS * 4_000);
    const runCount = Math.ceil(seconds * 4_000);
    const pool = Array.from({ length: warmupCount + 2 * runCount }, (_, i) => {
      const encrypt = encryptCallback(key, buildFlatXml({ ToUserName: 'gh_bench', FromUserName: `openid-${i % 500}`, CreateTime: 1700000000 + i, MsgType: 'text', Content: `hello ${i}`, MsgId: String(7_000_000_000 + i) }), APPID);
      const timestamp = String(1700000000 + i);
      const nonce = String(i);
      return {
        method: 'POST',
        path: `/wxcallback/biz/wx5fe6bb43205e9e70?timestamp=${timestamp}&nonce=${nonce}&msg_signature=${callbackSignature(TOKEN, timestamp, nonce, encrypt)}`,
        headers: { 'content-type': 'text/xml' },
        body: `<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
      };
    });
    const connections = 32;
    const bareKoa = await bareKoaBaseline(connections, seconds);
    const count = async () => Number((await deps.knex('events').where({ type: 'WxBizCallbackReceived' }).count<{ count: string }[]>('* as count'))[0]!.count);
    const measured = async (requests: typeof pool, warmupRequests: typeof pool) => {
      let before = 0;
      // The second run finds the service warm: its messages are all its own.
      const figures = await loadHttp({ url: svc.url, connections, seconds, requests, warmupRequests, warmupSeconds: warmupRequests.length ? WARMUP_SECONDS : 0, beforeMeasuring: async () => void (before = await count()) });
      // Let requests autocannon abandoned at the end finish before counting.
      await new Promise((r) => setTimeout(r, 1_000));
      if (figures.errors || figures.non2xx) throw new Error(`callbacks answered ${figures.non2xx} non-2xx and ${figures.errors} errors`);
      return { ...figures, recorded: (await count()) - before };
    };
    const { recorded, ...ours } = await measured(pool.slice(warmupCount, warmupCount + runCount), pool.slice(0, warmupCount));
    const fresh = pool.slice(warmupCount + runCount);
    const withRetries = await measured(fresh.map((request, i) => (i % 4 === 3 ? fresh[i - 3]! : request)), []);
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
