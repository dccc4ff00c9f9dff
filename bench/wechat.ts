import { callbackKey, callbackSignature, encryptCallback } from '../src/wechat/crypto';
import { buildFlatXml } from '../src/wechat/xml';
import { bareKoaBaseline, loadHttp, shareOf, type HttpFigures } from './http';
import { startBenchService } from './service';

export interface WechatFigures {
  connections: number;
  ours: HttpFigures;
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
 * message (its own MsgId), prepared before the run so the client does not spend the CPU on AES.
 */
export async function benchWechat(databaseUrl: string, seconds: number): Promise<WechatFigures> {
  const svc = await startBenchService(databaseUrl, 'wechat', { WECHAT_COMPONENT_APPID: APPID, WECHAT_COMPONENT_TOKEN: TOKEN, WECHAT_COMPONENT_AES_KEY: AES_KEY });
  const { deps } = svc;
  try {
    const key = callbackKey(AES_KEY);
    const pool = Array.from({ length: 40_000 }, (_, i) => {
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
    const ours = await loadHttp({ url: svc.url, connections, seconds, requests: pool });
    // Let requests autocannon abandoned at the end finish before counting and closing the pool.
    await new Promise((r) => setTimeout(r, 1_000));
    const recorded = Number((await deps.knex('events').where({ type: 'WxBizCallbackReceived' }).count<{ count: string }[]>('* as count'))[0]!.count);
    if (ours.errors || ours.non2xx) throw new Error(`callbacks answered ${ours.non2xx} non-2xx and ${ours.errors} errors`);
    return { connections, ours, bareKoa, share: shareOf(ours, bareKoa), recorded, targetPerSecond: 3000, targetP99Ms: 50 };
  } finally {
    await svc.stop();
  }
}

export function printWechatFigures(f: WechatFigures): WechatFigures {
  console.log(`\nWeChat callbacks (verify + decrypt + parse + append, distinct messages), ${f.connections} connections, beside a bare Koa handler in the same run`);
  console.table([
    { '': 'encrypted biz callbacks', 'req/s': f.ours.requestsPerSecond, 'p50 ms': f.ours.p50Ms, 'p99 ms': f.ours.p99Ms, 'server CPU µs/req': f.ours.serverCpuUsPerRequest },
    { '': 'bare Koa baseline', 'req/s': f.bareKoa.requestsPerSecond, 'p50 ms': f.bareKoa.p50Ms, 'p99 ms': f.bareKoa.p99Ms, 'server CPU µs/req': f.bareKoa.serverCpuUsPerRequest },
  ]);
  console.log(`share of bare Koa: ${f.share}; events recorded: ${f.recorded} (target ≥ ${f.targetPerSecond}/s, p99 < ${f.targetP99Ms} ms)`);
  return f;
}
