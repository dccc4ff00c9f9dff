import { createHash, randomBytes } from 'node:crypto';

/**
 * The write → read probe of issue 21, from outside over HTTP: a client writes through a surface
 * and at once reads the list or detail that shows the write, as the originals' front ends do
 * (add a rule, reload the list). Counts, per pair, the reads that did not show their write.
 */

const md5 = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the probe inspects each surface's JSON
  body: any;
}

export interface ProbeResult {
  /** Pair name → reads (of `tries`) that missed the write just answered. */
  misses: Record<string, number>;
  tries: number;
}

/** Runs every pair `tries` times against the service at `url`, signed in as the bootstrap administrator. */
export async function probeReadYourWrites(url: string, admin: { account: string; password: string }, tries: number): Promise<ProbeResult> {
  const call = async (method: string, path: string, options: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {}): Promise<Answer> => {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(`${url}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed };
  };
  const must = (what: string, ok: boolean, answer: Answer) => {
    if (!ok) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  };

  // Credentials on every surface, as each surface's own clients get them.
  const v1Login = await call('POST', '/v1/login', { body: admin });
  must('/v1 login', v1Login.status === 200, v1Login);
  const v1 = { authorization: `Bearer ${v1Login.body.token}` };
  const app = await call('POST', '/v1/apps', { body: { name: `probe-${randomBytes(3).toString('hex')}`, tokenMode: 'shared' }, headers: v1 });
  must('app', app.status === 201, app);
  const deviceId = randomBytes(8).toString('hex');
  const code = await call('GET', `/base/auth/v1.0/tokens/codes?account=${admin.account}`, { headers: { 'x-device-id': deviceId } });
  must('Insight code', code.body?.code === 200, code);
  const signature = md5(md5(admin.account + md5(admin.password)) + code.body.data);
  const insightToken = await call('POST', '/base/auth/v1.0/tokens', { body: { appId: app.body.id, account: admin.account, signature, deviceId } });
  must('Insight sign-in', insightToken.body?.code === 200, insightToken);
  const insight = { authorization: insightToken.body.data.accessToken as string };
  const laravelLogin = await call('POST', '/api/login', { body: { username: admin.account, password: admin.password } });
  must('/api login', laravelLogin.status === 200, laravelLogin);
  const laravel = { authorization: `Bearer ${laravelLogin.body.data.token}` };
  const wxLogin = await call('PUT', '/auth', { body: { username: admin.account, password: md5(admin.password) } });
  must('/auth', wxLogin.body?.code === 0, wxLogin);
  const wx = { authorization: `Bearer ${wxLogin.body.data.jwt}` };
  const bitkey = await call('POST', '/v1/bitkeys', { body: { name: 'probe' }, headers: v1 });
  must('bitkey', bitkey.status === 201, bitkey);
  const license = await call('POST', '/v1/licenses', { body: { type: 'CLOUD', seats: 10_000, validUntil: new Date(Date.now() + 86_400_000).toISOString() }, headers: v1 });
  must('license', license.status === 201, license);
  const sn = license.body.sn as string;

  const tag = randomBytes(3).toString('hex');
  const config = (i: number) => ({
    name: 'probe',
    method: 'GET',
    url: `/probe/${tag}/${i}`,
    authCode: null,
    limitGap: null,
    limitCycle: null,
    limitMax: null,
    message: null,
    remark: null,
    verify: true,
    limit: false,
  });

  /** Each pair: write (must succeed), then the read that must show it. */
  const pairs: Record<string, (i: number) => Promise<boolean>> = {
    'POST /v1/users → GET /v1/users?keyword=': async (i) => {
      const account = `probe-${tag}-${i}`;
      const created = await call('POST', '/v1/users', { body: { account, password: 'probe-password', name: account }, headers: v1 });
      must('POST /v1/users', created.status === 201, created);
      const listed = await call('GET', `/v1/users?keyword=${account}`, { headers: v1 });
      return listed.body.total === 1;
    },
    'POST /v1/apps → GET /v1/apps/{id}': async (i) => {
      const created = await call('POST', '/v1/apps', { body: { name: `probe-${tag}-${i}`, tokenMode: 'shared' }, headers: v1 });
      must('POST /v1/apps', created.status === 201, created);
      const detail = await call('GET', `/v1/apps/${created.body.id}`, { headers: v1 });
      return detail.status === 200;
    },
    'POST /api/rbac/roles → GET /api/rbac/roles': async (i) => {
      const name = `probe_${tag}_${i}`;
      const created = await call('POST', '/api/rbac/roles', { body: { name }, headers: laravel });
      must('POST /api/rbac/roles', created.status === 200, created);
      const listed = await call('GET', '/api/rbac/roles', { headers: laravel });
      return (listed.body.data as Array<{ name: string }>).some((r) => r.name === name);
    },
    'Insight POST configs → GET configs/{id}': async (i) => {
      const created = await call('POST', '/base/auth/v1.0/configs', { body: config(i), headers: insight });
      must('POST configs', created.body?.code === 200, created);
      const detail = await call('GET', `/base/auth/v1.0/configs/${created.body.data}`, { headers: insight });
      return detail.body?.code === 200 && detail.body.data?.id === created.body.data;
    },
    'Insight DELETE configs → GET configs/{id} gone': async (i) => {
      const created = await call('POST', '/base/auth/v1.0/configs', { body: config(1000 + i), headers: insight });
      must('POST configs', created.body?.code === 200, created);
      const deleted = await call('DELETE', '/base/auth/v1.0/configs', { rawBody: JSON.stringify(created.body.data), headers: insight });
      must('DELETE configs', deleted.body?.code === 200, deleted);
      const detail = await call('GET', `/base/auth/v1.0/configs/${created.body.data}`, { headers: insight });
      return detail.body?.code !== 200;
    },
    'Insight POST configs → GET configs/load → the gateway knows the path': async (i) => {
      const url = `/probe/${tag}/gateway/${i}`;
      const created = await call('POST', '/base/auth/v1.0/configs', { body: { ...config(0), url, verify: false }, headers: insight });
      must('POST configs', created.body?.code === 200, created);
      const loaded = await call('GET', '/base/auth/v1.0/configs/load', { headers: insight });
      must('configs/load', loaded.body?.code === 200, loaded);
      // Without a live config for the path the gateway answers 403 请求的URL不存在.
      const gate = await call('GET', '/base/auth/v1.0/gateway/auth', { headers: { 'x-original-method': 'GET', 'x-original-uri': url, 'x-device-id': `probe-${i}` } });
      return gate.status === 200;
    },
    'wxcomponent PUT callback-proxy-rule → GET callback-proxy-rule-list': async (i) => {
      const added = await call('PUT', '/admin/callback-proxy-rule', { body: { name: `probe-${i}`, infoType: `probe_${tag}_${i}`, data: { port: 9, path: '/p' }, open: 1 }, headers: wx });
      must('PUT rule', added.body?.code === 0, added);
      const listed = await call('GET', '/admin/callback-proxy-rule-list?type=1&offset=0&limit=999', { headers: wx });
      return (listed.body.data.rules as Array<{ id: number }>).some((r) => r.id === added.body.data.id);
    },
    'license login → bitanswer GET sns/{sn}/logs': async (i) => {
      const login = await call('POST', '/v1/license-sessions/login', { body: { sn, machineId: `m-${i}`, clientVersion: '10400', loginName: `u${i}`, userId: 7 } });
      must('license login', login.status === 201, login);
      const logs = await call('GET', `/bitanswer/api/sns/${sn}/logs?limit=1000`, { headers: { bitkey: bitkey.body.key } });
      return logs.body.data.total === i + 1;
    },
  };

  const misses: Record<string, number> = {};
  for (const [name, pair] of Object.entries(pairs)) {
    misses[name] = 0;
    for (let i = 0; i < tries; i++) if (!(await pair(i))) misses[name]++;
  }
  return { misses, tries };
}
