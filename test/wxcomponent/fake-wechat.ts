import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local server answering as WeChat's component APIs do (api_component_token, api_query_auth,
 * api_get_authorizer_info, api_authorizer_token, api_create_preauthcode), at the network boundary.
 * Every call but api_component_token must carry ?component_access_token= (41001 otherwise, as the
 * original met outside Cloud Run).
 */
export interface FakeCall {
  path: string;
  query: Record<string, string>;
  body: Record<string, unknown>;
}

export interface FakeWechat {
  url: string;
  calls: FakeCall[];
  callsTo(api: string): FakeCall[];
  /** The next answers of one API are these errors (errcode), in order. */
  failNext(api: string, ...errcodes: number[]): void;
  /** Delay every answer of one API. */
  delay(api: string, ms: number): void;
  /** Token lifetime WeChat reports (default 7200). */
  expiresIn: number;
  /** How many authorizers api_get_authorizer_list knows. */
  listed: number;
  close(): Promise<void>;
}

/** A 1×1 JPEG's first bytes are enough for a client that only passes the image on. */
export const FAKE_JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);

/** The mini-program management APIs: an authorizer token (or the component token for templates) is required. */
function answerWxa(url: URL, api: string, body: Record<string, unknown>, res: import('node:http').ServerResponse, answer: (json: unknown) => void): void {
  const token = url.searchParams.get('access_token') ?? '';
  const wanted = api === 'gettemplatelist' ? 'ctoken-' : 'atoken-';
  if (!token.startsWith(wanted)) return answer({ errcode: 40001, errmsg: 'invalid credential' });
  switch (api) {
    case 'getvisitstatus':
      return answer({ errcode: 0, status: 0 });
    case 'getversioninfo':
      return answer({ errcode: 0, release_info: { release_time: 1700000000, release_version: '1.0.0', release_desc: 'first' }, exp_info: { exp_time: 1700000100, exp_version: '1.1.0', exp_desc: 'trial' } });
    case 'get_latest_auditstatus':
      return answer({ errcode: 0, auditid: 99, status: 2, reason: '', user_version: '1.1.0', user_desc: 'trial', submit_audit_time: 1700000200 });
    case 'submit_audit':
      return body.item_list ? answer({ errcode: 0, auditid: 1234 }) : answer({ errcode: 85009, errmsg: 'item_list missing' });
    case 'gettemplatelist':
      return answer({ errcode: 0, template_list: [{ create_time: 1700000000, user_version: 'v1', user_desc: 'tpl', template_id: 7, template_type: 0 }] });
    case 'commit':
      return body.template_id !== undefined && body.user_version ? answer({ errcode: 0 }) : answer({ errcode: 85013, errmsg: 'bad commit' });
    case 'speedupaudit':
      return typeof body.auditid === 'number' ? answer({ errcode: 0 }) : answer({ errcode: 85085, errmsg: 'bad auditid' });
    case 'change_visitstatus':
      return body.action === 'open' || body.action === 'close' ? answer({ errcode: 0 }) : answer({ errcode: 85021, errmsg: 'bad action' });
    case 'undocodeaudit':
    case 'release':
    case 'revertcoderelease':
      return answer({ errcode: 0 });
    case 'get_page':
      return answer({ errcode: 0, page_list: ['pages/index/index'] });
    case 'get_category':
      return answer({ errcode: 0, category_list: [{ first_class: '工具', first_id: 1, second_class: '效率', second_id: 2 }] });
    case 'get_qrcode':
    case 'getwxacodeunlimit':
      res.setHeader('content-type', 'image/jpeg');
      res.end(FAKE_JPEG);
      return;
    case 'upload':
      return String(body.raw ?? '').includes('name="media"') ? answer({ type: url.searchParams.get('type'), media_id: 'MEDIA_1', created_at: 1700000300 }) : answer({ errcode: 41005, errmsg: 'media data missing' });
    default:
      return answer({ errcode: 40001, errmsg: 'unknown api' });
  }
}

export async function startFakeWechat(componentAppId: string): Promise<FakeWechat> {
  const calls: FakeCall[] = [];
  const failures = new Map<string, number[]>();
  const delays = new Map<string, number>();
  let serial = 0;
  const state = { expiresIn: 7200, listed: 0 };

  const readBody = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString('utf8')));
      req.on('end', () => resolve(text));
    });

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const api = url.pathname.split('/').pop() ?? '';
    const raw = await readBody(req);
    const isJson = (req.headers['content-type'] ?? '').includes('json');
    const body = raw && isJson ? (JSON.parse(raw) as Record<string, unknown>) : raw ? { raw } : {};
    calls.push({ path: url.pathname, query: Object.fromEntries(url.searchParams), body });
    const answer = (json: unknown) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(json));
    };
    const wait = delays.get(api);
    if (wait) await new Promise((r) => setTimeout(r, wait));
    const failing = failures.get(api);
    if (failing?.length) return answer({ errcode: failing.shift(), errmsg: 'scripted failure' });
    if (url.pathname.startsWith('/wxa/') || url.pathname === '/cgi-bin/media/upload') return answerWxa(url, api, body, res, answer);
    if (api !== 'api_component_token' && !url.searchParams.get('component_access_token')) return answer({ errcode: 41001, errmsg: 'access_token missing' });
    if (body.component_appid !== componentAppId) return answer({ errcode: 61004, errmsg: 'wrong component_appid' });
    serial++;
    switch (api) {
      case 'api_component_token':
        if (!body.component_verify_ticket || !body.component_appsecret) return answer({ errcode: 61006, errmsg: 'component ticket is invalid' });
        return answer({ component_access_token: `ctoken-${serial}`, expires_in: state.expiresIn });
      case 'api_query_auth': {
        const code = String(body.authorization_code);
        const appid = code.split('@')[1] ?? 'wx_unknown';
        return answer({
          authorization_info: {
            authorizer_appid: appid,
            authorizer_access_token: `atoken-${appid}-${serial}`,
            expires_in: state.expiresIn,
            authorizer_refresh_token: `rtoken-${appid}-${serial}`,
            func_info: [{ funcscope_category: { id: 1 } }, { funcscope_category: { id: 17 } }],
          },
        });
      }
      case 'api_get_authorizer_info':
        return answer({
          authorizer_info: {
            nick_name: `Nick of ${String(body.authorizer_appid)}`,
            head_img: 'http://wx.qlogo.cn/x/0',
            service_type_info: { id: 2 },
            verify_type_info: { id: -1 },
            // Each account its own original id; the seed's account keeps the seed's.
            user_name: body.authorizer_appid === 'wx5fe6bb43205e9e70' ? 'gh_68a928e5d67e' : `gh_${String(body.authorizer_appid).slice(-12)}`,
            principal_name: '个人',
            qrcode_url: 'http://mmbiz.qpic.cn/q/0',
            register_type: 0,
            account_status: 1,
            basic_config: { is_phone_configured: true, is_email_configured: false },
            // Accounts whose appid starts with wx3 play mini programs.
            ...(String(body.authorizer_appid).startsWith('wx3') ? { MiniProgramInfo: { network: {}, categories: [] } } : {}),
          },
          authorization_info: { authorizer_appid: body.authorizer_appid, func_info: [{ funcscope_category: { id: 1 } }] },
        });
      case 'api_authorizer_token':
        return answer({
          authorizer_access_token: `atoken-${String(body.authorizer_appid)}-${serial}`,
          expires_in: state.expiresIn,
          authorizer_refresh_token: `rtoken-${String(body.authorizer_appid)}-${serial}`,
          _usedRefreshToken: body.authorizer_refresh_token,
        });
      case 'api_get_authorizer_list': {
        const offset = Number(body.offset ?? 0);
        const count = Math.min(Number(body.count ?? 100), 500);
        const all = Array.from({ length: state.listed }, (_, i) => ({ authorizer_appid: `wx4${String(i).padStart(15, '0')}`, refresh_token: `rtoken-listed-${i}`, auth_time: 1700000000 + i }));
        return answer({ total_count: all.length, list: all.slice(offset, offset + count) });
      }
      case 'api_create_preauthcode':
        return answer({ pre_auth_code: `preauthcode@@@${serial}`, expires_in: 1800 });
      default:
        res.statusCode = 404;
        return answer({ errcode: 40001, errmsg: 'unknown api' });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    callsTo: (api) => calls.filter((c) => c.path.endsWith(`/${api}`)),
    failNext: (api, ...codes) => failures.set(api, [...(failures.get(api) ?? []), ...codes]),
    delay: (api, ms) => delays.set(api, ms),
    get expiresIn() {
      return state.expiresIn;
    },
    set expiresIn(v: number) {
      state.expiresIn = v;
    },
    get listed() {
      return state.listed;
    },
    set listed(v: number) {
      state.listed = v;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
