import { callbackKey, callbackSignature, encryptCallback } from '../src/wechat/crypto';
import { buildFlatXml } from '../src/wechat/xml';
import type { LoadRequest } from './load-generator';

export const WECHAT_BENCH_SETTINGS = {
  WECHAT_COMPONENT_APPID: 'wx74c7e8d941e8a139',
  WECHAT_COMPONENT_TOKEN: 'benchtoken',
  WECHAT_COMPONENT_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};

export interface PushRange {
  /** Message number of the first push: ranges that do not overlap hold distinct messages. */
  from: number;
  count: number;
  /** Every n-th push repeats the one sent n-1 before it, as WeChat's retry of a slow answer. */
  retryEvery?: number;
}

/**
 * Encrypted biz pushes as WeChat sends them, each its own MsgId. Built in the load generator's
 * process (see load-generator.ts): held by the server's process, 50,000 of them made its heap
 * 45 MB larger and its garbage collection measurably slower than a real server's.
 */
export function wechatPushes({ from, count, retryEvery }: PushRange): LoadRequest[] {
  const { WECHAT_COMPONENT_APPID: appId, WECHAT_COMPONENT_TOKEN: token, WECHAT_COMPONENT_AES_KEY: aesKey } = WECHAT_BENCH_SETTINGS;
  const key = callbackKey(aesKey);
  const pushes: LoadRequest[] = [];
  for (let n = 0; n < count; n++) {
    if (retryEvery && n % retryEvery === retryEvery - 1) {
      pushes.push(pushes[n - retryEvery + 1]!);
      continue;
    }
    const i = from + n;
    const encrypt = encryptCallback(key, buildFlatXml({ ToUserName: 'gh_bench', FromUserName: `openid-${i % 500}`, CreateTime: 1700000000 + i, MsgType: 'text', Content: `hello ${i}`, MsgId: String(7_000_000_000 + i) }), appId);
    const timestamp = String(1700000000 + i);
    const nonce = String(i);
    pushes.push({
      method: 'POST',
      path: `/wxcallback/biz/wx5fe6bb43205e9e70?timestamp=${timestamp}&nonce=${nonce}&msg_signature=${callbackSignature(token, timestamp, nonce, encrypt)}`,
      headers: { 'content-type': 'text/xml' },
      body: `<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
    });
  }
  return pushes;
}
