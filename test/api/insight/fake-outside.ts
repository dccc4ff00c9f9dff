import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Stands in for the outside world: WeChat's documented `sns/oauth2/access_token` and `sns/userinfo`
 * (errors as HTTP 200 with errcode), and an SMS gateway that receives our webhook.
 */
export interface FakeOutside {
  url: string;
  /** Authorization codes WeChat would accept, per WeChat appid, with the user each signs in. */
  wechatCodes: Map<string, { appid: string; secret: string; user: { unionid: string; openid: string; nickname: string } }>;
  smsSent: { mobile: string; code: string; ttlSeconds: number }[];
  smsFails: boolean;
  close(): Promise<void>;
}

export async function startFakeOutside(): Promise<FakeOutside> {
  const fake: Omit<FakeOutside, 'url' | 'close'> = { wechatCodes: new Map(), smsSent: [], smsFails: false };
  const grants = new Map<string, { openid: string; unionid: string; nickname: string }>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const json = (body: unknown, status = 200) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/sns/oauth2/access_token') {
      const code = url.searchParams.get('code') ?? '';
      const known = fake.wechatCodes.get(code);
      if (!known || known.appid !== url.searchParams.get('appid') || known.secret !== url.searchParams.get('secret') || url.searchParams.get('grant_type') !== 'authorization_code') {
        return json({ errcode: 40029, errmsg: 'invalid code' });
      }
      fake.wechatCodes.delete(code); // WeChat codes work once
      const accessToken = `at-${Math.random().toString(36).slice(2)}`;
      grants.set(accessToken, known.user);
      return json({ access_token: accessToken, expires_in: 7200, refresh_token: 'rt', openid: known.user.openid, scope: 'snsapi_userinfo', unionid: known.user.unionid });
    }
    if (url.pathname === '/sns/userinfo') {
      const user = grants.get(url.searchParams.get('access_token') ?? '');
      if (!user || user.openid !== url.searchParams.get('openid')) return json({ errcode: 40003, errmsg: 'invalid openid' });
      return json({ ...user, sex: 1, province: '上海', city: '上海', country: '中国', headimgurl: 'http://thirdwx.qlogo.cn/head/0', privilege: [], language: 'zh_CN' });
    }
    if (url.pathname === '/sms' && req.method === 'POST') {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        if (fake.smsFails) return json({ error: 'down' }, 503);
        fake.smsSent.push(JSON.parse(raw));
        json({ ok: true });
      });
      return;
    }
    json({ errcode: 404, errmsg: 'not found' }, 404);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake as FakeOutside, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
