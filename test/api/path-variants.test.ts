import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { randomBytes } from 'node:crypto';
import { createConfig, updateConfig } from '../../src/commands/configs/handler';
import type { ConfigFields } from '../../src/commands/configs/events';
import { systemMetadata } from '../../src/commands/system-metadata';
import { permissionFor } from '../../src/api/laravel/session';
import { loadLiveConfigs } from '../../src/gateway/load-configs';
import { startTestService, TEST_ADMIN, type TestService } from '../support/service';
import { laravelLogin } from '../laravel/support';
import { adminHeaders, newApp, signedIn, type SignedIn } from './insight/signed-in';

const INSIGHT = '/base/auth/v1.0';
const SECRET_CODE = 'pathvariants.secret';

interface Operation {
  method: string;
  /** `/api/rbac/roles/:roleid` */
  template: string;
  security: string | null;
}

interface Decision {
  status: number;
  code: unknown;
  message: unknown;
}

interface Answer extends Decision {
  text: string;
  json: Record<string, unknown>;
}

/**
 * One request with the path exactly as given: fetch() would resolve `/./` and `%2e` itself, a
 * hostile client does not.
 */
function send(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Answer> {
  const url = new URL(base);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: { ...headers, ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> = {};
          try {
            json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          } catch {
            json = {};
          }
          const code = json.code ?? (typeof json.status === 'number' ? json.status : undefined);
          resolve({ status: res.statusCode ?? 0, code, message: json.message ?? json.errorMsg ?? json.msg ?? json.title, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const decision = (a: Answer): Decision => ({ status: a.status, code: a.code, message: a.message });

/** A value for every path parameter: 32 hex digits fit the ids, and any name. */
const SAMPLE = '0123456789abcdef0123456789abcdef';

/** `/base/auth/v1.0/configs/:id` split into its literal segments and parameters. */
function segmentsOf(template: string): Array<{ text: string; param: boolean }> {
  return template
    .split('/')
    .slice(1)
    .map((segment) => (segment.startsWith(':') ? { text: SAMPLE, param: true } : { text: segment, param: false }));
}

const join = (segments: Array<{ text: string }>, sep = '/'): string => sep + segments.map((s) => s.text).join(sep);
const literal = (segments: Array<{ text: string; param: boolean }>, change: (text: string) => string) =>
  segments.map((s) => (s.param ? s : { ...s, text: change(s.text) }));
const mixedCase = (text: string) => [...text].map((c, i) => (i % 2 ? c.toLowerCase() : c.toUpperCase())).join('');
const hex = (c: string) => c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0');
const encodeLetters = (text: string) => text.replace(/[A-Za-z]/g, (c) => `%${hex(c)}`);
const encodeFirstLetterLowerHex = (text: string) => text.replace(/[A-Za-z]/, (c) => `%${hex(c).toLowerCase()}`);

/** The canonical path of a template and the spellings a hostile caller would try for it. */
function spellings(template: string): { canonical: string; variants: Record<string, string> } {
  const segments = segmentsOf(template);
  const canonical = join(segments);
  const [first, ...rest] = segments;
  const after = (inserted: string) => `/${first!.text}/${inserted}${rest.length ? `/${join(rest).slice(1)}` : ''}`;
  const variants: Record<string, string> = {
    'upper case': join(literal(segments, (t) => t.toUpperCase())),
    'mixed case': join(literal(segments, mixedCase)),
    'trailing slash': `${canonical}/`,
    'doubled slashes': join(segments, '//'),
    'percent-encoded letters': join(literal(segments, encodeLetters)),
    'percent-encoding in lower-case hex': join(literal(segments, encodeFirstLetterLowerHex)),
    '/./ segment': after('.'),
    'x/../ segments': after('x/..'),
    'all of them at once': `${join(literal(segments, (t) => encodeFirstLetterLowerHex(mixedCase(t))), '//')}/./x/../`,
  };
  return { canonical, variants };
}

/**
 * Security decisions are taken on the path the router matched. Every protected route of every
 * surface (as the OpenAPI document lists them) is asked for by its canonical path and by hostile
 * spellings of it; each spelling must get exactly the canonical path's answer, and a refused
 * request must write nothing.
 */
describe('Every spelling of a protected path gets the decision of its canonical path', function () {
  this.timeout(300_000);
  let svc: TestService;
  let operations: Operation[];
  let insightUser: SignedIn;
  let appId: string;
  const head = async (): Promise<number> => Number((await svc.db.knex('events').max<{ max: string | null }[]>('global_position as max'))[0]!.max ?? 0);
  const call = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) => send(svc.url, method, path, headers, body);

  /** Puts a config on METHOD + url (replacing the one there), then makes the whole set live. */
  const configs = new Map<string, string>();
  const govern = async (list: Array<Partial<ConfigFields> & Pick<ConfigFields, 'method' | 'url'>>) => {
    const seeded = (await svc.db.knex('interface_configs').select('id', 'method', 'url')) as Array<{ id: string; method: string; url: string }>;
    for (const row of seeded) configs.set(`${row.method} ${row.url}`, row.id);
    for (const partial of list) {
      const fields: ConfigFields = { name: 'path variants', authCode: null, limitGap: null, limitCycle: null, limitMax: null, message: null, remark: null, verify: false, limit: false, ...partial };
      const key = `${fields.method} ${fields.url}`;
      const known = configs.get(key);
      const by = { id: null, name: 'path-variants spec' };
      if (known) await updateConfig(svc.deps.store, known, fields, by, systemMetadata('path-variants'));
      else configs.set(key, (await createConfig(svc.deps.store, fields, by, systemMetadata('path-variants'))).id);
    }
    await loadLiveConfigs({ knex: svc.deps.knex, redis: svc.deps.redis, store: svc.deps.store }, 20_000);
  };
  const insightTemplates = () => operations.filter((o) => o.template.startsWith(`${INSIGHT}/`));
  const configUrl = (template: string) => template.replace(/:([A-Za-z_$][\w$]*)/g, '{$1}');

  /** Sends the canonical path, then every variant; asserts they all got the canonical answer. */
  const walk = async (op: Operation, headers: () => Record<string, string>, body: unknown) => {
    const { canonical, variants } = spellings(op.template);
    const expected = decision(await call(op.method, canonical, headers(), body));
    for (const [name, path] of Object.entries(variants)) {
      const got = await call(op.method, path, headers(), body);
      assert.deepEqual(decision(got), expected, `${op.method} ${path} (${name}) answered differently from ${canonical}: ${got.text}`);
    }
    return expected;
  };

  before(async () => {
    // Behind one trusted proxy, so each specification below can speak from an address of its own.
    svc = await startTestService('path_variants', { LOAD_INTERFACE_CONFIGS: 'true', TRUST_PROXY: 'true' });
    const document = (await call('GET', '/openapi.json')).json as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({
        method: method.toUpperCase(),
        template: path.replace(/\{([^}]+)\}/g, ':$1'),
        security: op.security && op.security.length > 0 ? Object.keys(op.security[0] as object)[0]! : null,
      })),
    );
    appId = await newApp(svc);
    insightUser = await signedIn(svc, appId, '无权限');
  });
  after(async () => {
    await svc?.stop();
  });

  it('the walk covers every mounted surface and all their protected routes', () => {
    const schemes = new Set(operations.map((o) => o.security));
    for (const scheme of ['laravelJwt', 'accessToken', 'admin', 'wxJwt', 'bitkey']) assert.ok(schemes.has(scheme), `no route under ${scheme}`);
    assert.ok(operations.filter((o) => o.security).length > 60, `only ${operations.length} operations listed`);
  });

  describe('named exploits', () => {
    let bob: { headers: Record<string, string> };
    before(async () => {
      const created = await svc.request('POST', '/v1/users', { body: { account: 'bob', password: 'bob-password-1', name: 'Bob' }, headers: await adminHeaders(svc) });
      assert.equal(created.status, 201, created.text);
      bob = await laravelLogin(svc, 'bob', 'bob-password-1');
    });

    it('Laravel: a user without roles who writes POST /api/RBAC/ROLES/ATTCH to make himself suadmin is refused (403), and stays without roles', async () => {
      const before = await head();
      const answer = await call('POST', '/api/RBAC/ROLES/ATTCH', bob.headers, { username: 'bob', rolenames: ['suadmin'] });
      assert.equal(answer.status, 403, answer.text);
      assert.equal(answer.message, '无权访问资源');
      assert.equal(await head(), before, 'nothing was appended');
      await svc.projector.catchUp({ timeoutMs: 10_000 });
      const admin = await laravelLogin(svc, TEST_ADMIN.account, TEST_ADMIN.password);
      const roles = await call('GET', '/api/rbac/roles/bob', admin.headers);
      assert.deepEqual(roles.json.data, [], roles.text);
    });

    it('Laravel: /api/USERS, /api/RBAC/ROLES and /api/USERS/SYNC refuse him as their canonical paths do', async () => {
      const before = await head();
      for (const [method, path] of [
        ['GET', '/api/USERS'],
        ['GET', '/api/RBAC/ROLES'],
        ['POST', '/api/USERS/SYNC'],
        ['GET', '/api/users/'],
        ['GET', '/api//rbac/roles'],
        ['GET', '/api/%75sers'],
      ] as const) {
        const answer = await call(method, path, bob.headers, method === 'POST' ? {} : undefined);
        assert.deepEqual([answer.status, answer.message], [403, '无权访问资源'], `${method} ${path}: ${answer.text}`);
      }
      assert.equal(await head(), before);
    });

    it('Laravel: paging links name the canonical path, whatever spelling was asked for', async () => {
      const admin = await laravelLogin(svc, TEST_ADMIN.account, TEST_ADMIN.password);
      const page = await call('GET', '/API//Users/./?page=2', admin.headers);
      assert.equal(page.status, 200, page.text);
      assert.match(String((page.json.data as { prev_page_url: string }).prev_page_url), /^http:\/\/127\.0\.0\.1:\d+\/api\/users\?page=1$/);
    });

    it('Insight: an authCode on /configs governs /CONFIGS and /configs/ too', async () => {
      await govern([{ method: 'GET', url: `${INSIGHT}/configs`, verify: true, authCode: SECRET_CODE }]);
      const as = { authorization: insightUser.token };
      for (const path of [`${INSIGHT}/configs`, `${INSIGHT}/CONFIGS`, `${INSIGHT}/configs/`, `/BASE/AUTH/V1.0/Configs`, `${INSIGHT}/./configs`]) {
        const answer = await call('GET', path, as);
        assert.deepEqual([answer.code, answer.message], [403, '未授权'], `${path}: ${answer.text}`);
      }
    });

    it('Insight: GET /TOKENS/CODES is limited by the seeded tokens/codes limit, from one device', async () => {
      const device = { 'x-device-id': randomBytes(6).toString('hex'), 'x-forwarded-for': '198.51.100.10' };
      const first = await call('GET', `${INSIGHT}/tokens/codes?account=nobody`, device);
      assert.equal(first.code, 200, first.text);
      for (const path of [`${INSIGHT}/TOKENS/CODES`, `${INSIGHT}/tokens/codes/`, `${INSIGHT}//tokens/codes`, `${INSIGHT}/tokens/%63odes`]) {
        const answer = await call('GET', `${path}?account=nobody`, device);
        assert.deepEqual([answer.code, answer.message], [490, '获取Code接口每24小时调用次数为200次,请合理使用'], `${path}: ${answer.text}`);
      }
    });

    it('Insight: a HEAD is counted as the GET it is served as', async () => {
      const device = { 'x-device-id': randomBytes(6).toString('hex'), 'x-forwarded-for': '198.51.100.11' };
      const headed = await call('HEAD', `${INSIGHT}/tokens/codes?account=nobody`, device);
      assert.equal(headed.status, 200);
      const after = await call('GET', `${INSIGHT}/tokens/codes?account=nobody`, device);
      assert.equal(after.code, 490, after.text);
    });
  });

  describe('the Insight rate limit per client address', () => {
    it('holds when every request names a new deviceId: of 30 parallel calls from one address, RATE_LIMIT_ADDRESS_FACTOR (10) pass', async () => {
      const address = { 'x-forwarded-for': '198.51.100.20' };
      const answers = await Promise.all(
        Array.from({ length: 30 }, () => call('GET', `${INSIGHT}/tokens/codes?account=nobody`, { ...address, 'x-device-id': randomBytes(8).toString('hex') })),
      );
      assert.equal(answers.filter((a) => a.code === 200).length, 10, answers.map((a) => a.text).join('\n'));
      assert.equal(answers.filter((a) => a.code === 490).length, 20);
      const elsewhere = await call('GET', `${INSIGHT}/tokens/codes?account=nobody`, { 'x-forwarded-for': '198.51.100.21', 'x-device-id': randomBytes(8).toString('hex') });
      assert.equal(elsewhere.code, 200, 'another address has its own allowance');
    });

    it('holds for a deviceId in the JSON body too (POST /tokens)', async () => {
      const address = { 'x-forwarded-for': '198.51.100.22' };
      const answers = await Promise.all(
        Array.from({ length: 15 }, () =>
          call('POST', `${INSIGHT}/tokens`, address, { appId, account: 'nobody', signature: '0'.repeat(32), deviceId: randomBytes(8).toString('hex') }),
        ),
      );
      assert.equal(answers.filter((a) => a.code === 490).length, 5, answers.map((a) => a.text).join('\n'));
    });
  });

  describe('walking every route', () => {
    it('anonymous: every protected route of every surface refuses every spelling as it refuses the canonical path, writing nothing', async () => {
      const protectedOps = operations.filter((o) => o.security && !o.template.startsWith(`${INSIGHT}/`));
      for (const op of protectedOps) {
        const before = await head();
        const answer = await walk(op, () => ({}), op.method === 'GET' || op.method === 'DELETE' ? undefined : {});
        assert.ok(answer.status === 401 || answer.status === 403 || answer.code !== 0, `${op.method} ${op.template} let an anonymous caller in: ${JSON.stringify(answer)}`);
        assert.equal(await head(), before, `${op.method} ${op.template}: a refused request appended events`);
      }
    });

    it('Laravel: a signed-in user without roles gets, for every spelling, what the canonical path gets: 403 wherever a permission is needed', async () => {
      const created = await svc.request('POST', '/v1/users', { body: { account: 'roleless', password: 'roleless-pw-1', name: 'R' }, headers: await adminHeaders(svc) });
      assert.equal(created.status, 201, created.text);
      let session = await laravelLogin(svc, 'roleless', 'roleless-pw-1');
      const laravel = operations.filter((o) => o.security === 'laravelJwt');
      assert.ok(laravel.length >= 10);
      let refusedByRbac = 0;
      for (const op of laravel) {
        const { canonical, variants } = spellings(op.template);
        const body = op.method === 'GET' || op.method === 'DELETE' ? undefined : {};
        const needed = permissionFor(op.template.slice('/api'.length));
        let expected: Decision | undefined;
        for (const [name, path] of [['canonical', canonical], ...Object.entries(variants)] as const) {
          const before = await head();
          const answer = await call(op.method, path, session.headers, body);
          expected ??= decision(answer);
          assert.deepEqual(decision(answer), expected, `${op.method} ${path} (${name}) answered differently from ${canonical}: ${answer.text}`);
          if (needed) {
            assert.deepEqual([answer.status, answer.message], [403, '无权访问资源'], `${op.method} ${path} needs ${needed}: ${answer.text}`);
            assert.equal(await head(), before, `${op.method} ${path}: refused, yet events were appended`);
            refusedByRbac++;
          } else {
            assert.notEqual(answer.status, 403, `${op.method} ${path} needs only a sign-in: ${answer.text}`);
            // A sign-out ends the session: sign in again for the next spelling.
            if (answer.status < 300 && op.method !== 'GET') session = await laravelLogin(svc, 'roleless', 'roleless-pw-1');
          }
        }
      }
      assert.ok(refusedByRbac >= 50, `only ${refusedByRbac} requests met a permission`);
    });

    it('Insight: with an authCode on every route, a signed-in user without it is refused (403) on every spelling, writing nothing', async () => {
      await govern(insightTemplates().map((o) => ({ method: o.method as ConfigFields['method'], url: configUrl(o.template), verify: true, authCode: SECRET_CODE, limit: false })));
      for (const op of insightTemplates()) {
        const before = await head();
        const answer = await walk(op, () => ({ authorization: insightUser.token, 'x-device-id': randomBytes(6).toString('hex') }), op.method === 'GET' ? undefined : {});
        assert.deepEqual([answer.code, answer.message], [403, '未授权'], `${op.method} ${op.template}`);
        assert.equal(await head(), before, `${op.method} ${op.template}: refused, yet events were appended`);
      }
    });

    it('Insight: with a limit on every route, once the canonical path is called every spelling (and the canonical path) is refused (490) from that device', async () => {
      await govern(
        insightTemplates().map((o) => ({ method: o.method as ConfigFields['method'], url: configUrl(o.template), verify: true, authCode: SECRET_CODE, limit: true, limitGap: 600, message: '路径变体限流' })),
      );
      for (const op of insightTemplates()) {
        const device = { authorization: insightUser.token, 'x-device-id': randomBytes(6).toString('hex'), 'x-forwarded-for': `203.0.113.${1 + (operations.indexOf(op) % 250)}` };
        const body = op.method === 'GET' ? undefined : {};
        const { canonical, variants } = spellings(op.template);
        const first = await call(op.method, canonical, device, body);
        assert.equal(first.code, 403, `${op.method} ${canonical}: the first call passes the limit: ${first.text}`);
        const before = await head();
        const answers = await Promise.all([canonical, ...Object.values(variants)].map((path) => call(op.method, path, device, body)));
        for (const answer of answers) assert.deepEqual([answer.code, answer.message], [490, '路径变体限流'], `${op.method} ${op.template}: ${answer.text}`);
        assert.equal(await head(), before);
      }
    });

    it('the gateway check applies a config to every spelling of its path in X-Original-URI', async () => {
      await govern([
        // The gateway endpoint is an Insight route itself: free it of the previous specification's limit.
        { method: 'GET', url: `${INSIGHT}/gateway/auth` },
        { method: 'POST', url: '/base/user/v1.0/users', verify: true, authCode: SECRET_CODE },
        { method: 'GET', url: '/base/message/v1.0/codes', limit: true, limitGap: 600, message: '短信太频繁' },
      ]);
      const gateway = (method: string, uri: string, extra: Record<string, string> = {}) =>
        call('GET', `${INSIGHT}/gateway/auth`, { 'x-original-method': method, 'x-original-uri': uri, authorization: insightUser.token, ...extra });
      const guarded = spellings('/base/user/v1.0/users');
      const expected = decision(await gateway('POST', guarded.canonical));
      assert.deepEqual([expected.status, expected.message], [403, '未授权']);
      for (const [name, uri] of Object.entries(guarded.variants)) {
        const got = await gateway('POST', uri);
        // Letter case is the upstream's to interpret: a spelling no config knows is refused all the same.
        if (/case|all of them/.test(name)) assert.equal(got.status, 403, `${name}: ${got.text}`);
        else assert.deepEqual(decision(got), expected, `${name} ${uri}: ${got.text}`);
      }
      const limited = spellings('/base/message/v1.0/codes');
      const device = `?deviceId=${randomBytes(4).toString('hex')}`;
      assert.equal((await gateway('GET', `${limited.canonical}${device}`)).status, 200);
      for (const [name, uri] of Object.entries(limited.variants)) {
        if (/case|all of them/.test(name)) continue;
        const got = await gateway('GET', `${uri}${device}`);
        assert.deepEqual([got.status, got.message], [429, '短信太频繁'], `${name} ${uri}: ${got.text}`);
      }
      // And per address: a new deviceId for every call from one X-Real-IP is limited once the address's allowance (10) is spent.
      const fromOne = await Promise.all(
        Array.from({ length: 14 }, () => gateway('GET', `${limited.canonical}?deviceId=${randomBytes(4).toString('hex')}`, { 'x-real-ip': '192.0.2.41' })),
      );
      assert.deepEqual([fromOne.filter((a) => a.status === 200).length, fromOne.filter((a) => a.status === 429).length], [10, 4]);
    });
  });
});
