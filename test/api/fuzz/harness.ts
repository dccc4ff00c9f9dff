import { md5Hex } from '../../../src/secrets/digest';
import { startFakeWecom, wecomEnv, type FakeWecom } from '../../laravel/fake-wecom';
import { laravelLogin } from '../../laravel/support';
import { startTestService, TEST_ADMIN, type TestService } from '../../support/service';
import { startFakeWechat, type FakeWechat } from '../../wxcomponent/fake-wechat';
import { componentEnv } from '../../wxcomponent/push';
import { newApp, signedIn } from '../insight/signed-in';
import { operationsOf, type Operation } from './operations';
import type { WireRequest } from './request';
import { refusedAsInput, refusedCredential, type Answer } from './verdict';

/** The whole service with WeChat and WeCom played locally, its operations, and a credential per security scheme. */
export interface FuzzHarness {
  svc: TestService;
  /** The operations that leave every credential as it was. */
  operations: Operation[];
  /** Sign-outs, token, secret, name and password changes: fuzzed last, since an accepted value may end a credential for good. */
  risky: Operation[];
  /** The event log's last global position. */
  lastPosition(): Promise<string>;
  /** Events written after `position` by a fuzz request (the service's own workers may write others meanwhile). */
  fuzzEventsSince(position: string): Promise<string[]>;
  /** Sends the request with the operation's credential; reports the answer and the events it caused. */
  send(op: Operation, request: WireRequest): Promise<{ answer: Answer; events: string[] }>;
  stop(): Promise<void>;
}

const RISKY = /logout|signout|password|passwd|pwd|username|account|token|secret/i;
const ENDS_SESSION = /logout|signout|username|userpwd|password/i;
const isRisky = (op: Operation) => op.method === 'DELETE' || RISKY.test(op.template) || RISKY.test(Object.keys((op.body?.schema.properties ?? {}) as object).join(' '));

export async function startFuzzHarness(): Promise<FuzzHarness> {
  const wechat: FakeWechat = await startFakeWechat('wx-fuzz-component');
  const wecom: FakeWecom = await startFakeWecom();
  const svc = await startTestService('fuzz', { ...componentEnv(wechat.url), ...wecomEnv(wecom.url) });
  const document = (await svc.request('GET', '/openapi.json')).body as Parameters<typeof operationsOf>[0];
  const appId = await newApp(svc);

  const signIn: Record<string, () => Promise<Record<string, string>>> = {
    admin: async () => ({ authorization: `Bearer ${await svc.adminToken()}` }),
    laravelJwt: async () => (await laravelLogin(svc, TEST_ADMIN.account, TEST_ADMIN.password)).headers,
    wxJwt: async () => {
      const res = await svc.request('POST', '/auth', { body: { username: TEST_ADMIN.account, password: md5Hex(TEST_ADMIN.password) } });
      return { authorization: `Bearer ${res.body.data.jwt as string}` };
    },
    bitkey: async () => {
      const res = await svc.request('POST', '/v1/bitkeys', { body: { name: 'fuzz' }, headers: { authorization: `Bearer ${await svc.adminToken()}` } });
      return { bitkey: res.body.key as string };
    },
    accessToken: async () => ({ authorization: (await signedIn(svc, appId)).token }),
  };
  const credentials = new Map<string, Record<string, string>>();
  const credentialFor = async (scheme: string | null): Promise<Record<string, string>> => {
    if (!scheme) return {};
    const known = credentials.get(scheme);
    if (known) return known;
    const make = signIn[scheme];
    if (!make) throw new Error(`no way to sign in for security scheme ${scheme}`);
    const made = await make();
    credentials.set(scheme, made);
    return made;
  };

  // Signed in before any fuzzing, so the sign-ins' own events are not taken for the fuzz's.
  for (const scheme of Object.keys(signIn)) await credentialFor(scheme);
  let sent = 0;
  const operations = operationsOf(document);
  return {
    svc,
    operations: operations.filter((op) => !isRisky(op)),
    // Within them, those that end the signed-in session or rename its account go last of all.
    risky: operations.filter(isRisky).sort((a, b) => Number(ENDS_SESSION.test(a.template)) - Number(ENDS_SESSION.test(b.template))),
    lastPosition: async (): Promise<string> => String((await svc.db.knex('events').max('global_position as p').first())?.p ?? 0),
    async fuzzEventsSince(position) {
      const rows = await svc.db.knex('events').where('global_position', '>', position).whereRaw("metadata->>'correlationId' like 'fuzz-%'").select('type');
      return rows.map((r: { type: string }) => r.type);
    },
    async send(op, request) {
      const requestId = `fuzz-${++sent}`;
      // A risky operation may have changed the password signing in needs: then the request goes without one.
      const credential = await credentialFor(op.security).catch(() => ({}));
      const headers = { ...credential, ...request.headers, 'x-request-id': requestId };
      // A redirect is the answer (following one to WeChat or WeCom would leave this machine).
      const res = await fetch(`${svc.url}${request.path}`, { method: request.method, headers, body: request.body ?? null, redirect: 'manual' });
      const text = await res.text();
      let json: Record<string, unknown> | undefined;
      let isJson = false;
      try {
        const parsed: unknown = JSON.parse(text);
        isJson = true;
        json = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
      } catch {
        json = undefined;
      }
      const answer: Answer = { status: res.status, contentType: res.headers.get('content-type') ?? '', text, json, isJson };
      let events: string[] = [];
      if (refusedAsInput(op.surface, answer)) {
        const rows = await svc.db.knex('events').whereRaw("metadata->>'correlationId' = ?", [requestId]).select('type');
        events = rows.map((r: { type: string }) => r.type);
      }
      if (op.security && refusedCredential(op.surface, answer)) credentials.delete(op.security);
      return { answer, events };
    },
    async stop() {
      await svc.stop();
      await wechat.close();
      await wecom.close();
    },
  };
}
