import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WecomMember } from '../../src/wecom/client';

/**
 * A local server answering as WeCom's server API does (cgi-bin/gettoken, department/list,
 * user/list, user/getuserinfo, message/send, get_jsapi_ticket): `errcode`/`errmsg` on every answer, an access token
 * required on every call but gettoken (41001 missing, 40014 unknown, 42001 expired).
 */
export const WECOM = { corpId: 'ww-test-corp', secret: 'wecom-test-secret', agentId: 1000005 } as const;

export const wecomEnv = (url: string, overrides: Partial<Record<'corpId' | 'secret' | 'agentId', string>> = {}): Record<string, string> => ({
  WECOM_API_BASE: url,
  WECOM_CORP_ID: overrides.corpId ?? WECOM.corpId,
  WECOM_CORP_SECRET: overrides.secret ?? WECOM.secret,
  WECOM_AGENT_ID: overrides.agentId ?? String(WECOM.agentId),
});

export interface FakeDepartment {
  id: number;
  name: string;
  parentid: number;
  order: number;
}

/** A member as WeCom's user/get and user/list answer it: the client's own type. */
export type FakeMember = WecomMember;

export interface FakeWecomCall {
  api: string;
  query: Record<string, string>;
  body: Record<string, unknown>;
}

export interface FakeWecom {
  url: string;
  calls: FakeWecomCall[];
  callsTo(api: string): FakeWecomCall[];
  /** The directory WeCom holds: change it between syncs. */
  departments: FakeDepartment[];
  members: FakeMember[];
  /** OAuth codes → the member's userid, or `{openId}` for a visitor outside the corp. Each works once. */
  codes: Map<string, string | { openId: string }>;
  /** Text messages WeCom accepted. */
  delivered: Array<{ touser: string; content: string; agentid: unknown }>;
  /** The next answers of one API (`gettoken`, `user/list`, …) are these errcodes, in order. */
  failNext(api: string, ...errcodes: number[]): void;
  /** The next `count` answers of one API are HTTP `status` with an HTML body. */
  failHttp(api: string, status: number, count?: number): void;
  /** Every answer of one API waits `ms` first (0 to stop). */
  delay(api: string, ms: number): void;
  /** Tokens already handed out now answer 42001, as after their 7,200 s. */
  expireTokens(): void;
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString('utf8')));
    req.on('end', () => resolve(text));
  });

export async function startFakeWecom(): Promise<FakeWecom> {
  const calls: FakeWecomCall[] = [];
  const failures = new Map<string, number[]>();
  const httpFailures = new Map<string, { status: number; count: number }>();
  const delays = new Map<string, number>();
  const tokens = new Map<string, 'live' | 'expired'>();
  let issued = 0;
  let msgid = 0;

  const fake = {
    departments: [] as FakeDepartment[],
    members: [] as FakeMember[],
    codes: new Map<string, string | { openId: string }>(),
    delivered: [] as FakeWecom['delivered'],
  };

  const below = (root: number, withChildren: boolean): Set<number> => {
    const ids = new Set([root]);
    for (let grew = withChildren; grew; ) {
      grew = false;
      for (const d of fake.departments) if (ids.has(d.parentid) && !ids.has(d.id)) (ids.add(d.id), (grew = true));
    }
    return ids;
  };

  const answerApi = (api: string, query: URLSearchParams, body: Record<string, unknown>): Record<string, unknown> => {
    if (api === 'gettoken') {
      if (query.get('corpid') !== WECOM.corpId) return { errcode: 40013, errmsg: 'invalid corpid' };
      if (query.get('corpsecret') !== WECOM.secret) return { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' };
      const token = `wtoken-${++issued}`;
      tokens.set(token, 'live');
      return { errcode: 0, errmsg: 'ok', access_token: token, expires_in: 7200 };
    }
    const token = query.get('access_token');
    if (!token) return { errcode: 41001, errmsg: 'access_token missing' };
    const status = tokens.get(token);
    if (!status) return { errcode: 40014, errmsg: 'invalid access_token' };
    if (status === 'expired') return { errcode: 42001, errmsg: 'access_token expired' };
    switch (api) {
      case 'department/list': {
        const id = query.get('id');
        const ids = id ? below(Number(id), true) : null;
        return { errcode: 0, errmsg: 'ok', department: fake.departments.filter((d) => !ids || ids.has(d.id)) };
      }
      case 'user/list': {
        const root = Number(query.get('department_id'));
        if (!fake.departments.some((d) => d.id === root)) return { errcode: 60003, errmsg: 'department not found' };
        const ids = below(root, query.get('fetch_child') === '1');
        return { errcode: 0, errmsg: 'ok', userlist: fake.members.filter((m) => m.department.some((d) => ids.has(d))) };
      }
      case 'user/getuserinfo': {
        const code = query.get('code') ?? '';
        const who = fake.codes.get(code);
        if (who === undefined) return { errcode: 40029, errmsg: 'invalid code' };
        fake.codes.delete(code);
        return typeof who === 'string' ? { errcode: 0, errmsg: 'ok', UserId: who, DeviceId: 'device-1' } : { errcode: 0, errmsg: 'ok', OpenId: who.openId, DeviceId: 'device-1' };
      }
      case 'get_jsapi_ticket':
        return { errcode: 0, errmsg: 'ok', ticket: `jsapi-ticket-for-${token}`, expires_in: 7200 };
      case 'message/send': {
        if (body.agentid !== WECOM.agentId) return { errcode: 40056, errmsg: 'invalid agentid' };
        const text = body.text as { content?: string } | undefined;
        if (body.msgtype !== 'text' || !text?.content) return { errcode: 41009, errmsg: 'missing content' };
        const touser = String(body.touser);
        if (!fake.members.some((m) => m.userid === touser)) return { errcode: 81013, errmsg: 'user & party & tag all invalid', invaliduser: touser };
        fake.delivered.push({ touser, content: text.content, agentid: body.agentid });
        return { errcode: 0, errmsg: 'ok', invaliduser: '', msgid: `msg-${++msgid}` };
      }
      default:
        return { errcode: 60011, errmsg: `unknown api ${api}` };
    }
  };

  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const api = url.pathname.replace(/^\/cgi-bin\//, '');
    const raw = await readBody(req);
    let body: Record<string, unknown> = {};
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      body = { raw };
    }
    calls.push({ api, query: Object.fromEntries(url.searchParams), body });
    const wait = delays.get(api);
    if (wait) await new Promise((r) => setTimeout(r, wait));
    if (res.destroyed) return;
    const http = httpFailures.get(api);
    if (http && http.count > 0) {
      http.count--;
      res.writeHead(http.status, { 'content-type': 'text/html' });
      res.end('<html><body>502 Bad Gateway</body></html>');
      return;
    }
    const scripted = failures.get(api);
    const json = scripted?.length ? { errcode: scripted.shift(), errmsg: 'scripted failure' } : answerApi(api, url.searchParams, body);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(json));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    calls,
    callsTo: (api: string) => calls.filter((c) => c.api === api),
    failNext(api: string, ...errcodes: number[]) {
      failures.set(api, [...(failures.get(api) ?? []), ...errcodes]);
    },
    failHttp(api: string, status: number, count = 1) {
      httpFailures.set(api, { status, count });
    },
    delay(api: string, ms: number) {
      delays.set(api, ms);
    },
    expireTokens() {
      for (const t of tokens.keys()) tokens.set(t, 'expired');
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
