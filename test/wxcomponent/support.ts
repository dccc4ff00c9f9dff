import { md5Hex } from '../../src/secrets/digest';
import { startTestService, TEST_ADMIN, type TestService } from '../support/service';
import { startFakeWechat, type FakeWechat } from './fake-wechat';
import { COMPONENT, componentEnv, type Push } from './push';
import { eventually } from '../support/eventually';
export { eventually };

export interface WxHarness {
  svc: TestService;
  wechat: FakeWechat;
  login(prefix?: '' | '/wxcomponent'): Promise<string>;
  get(path: string, jwt: string): ReturnType<TestService['request']>;
  push(path: string, push: Push): ReturnType<TestService['request']>;
  eventCount(): Promise<number>;
  stop(): Promise<void>;
}

export async function startWxHarness(label: string, env: Record<string, string> = {}): Promise<WxHarness> {
  const wechat = await startFakeWechat(COMPONENT.appId);
  const svc = await startTestService(label, { ...componentEnv(wechat.url), ...env });
  return {
    svc,
    wechat,
    async login(prefix = '') {
      const res = await svc.request(prefix === '' ? 'POST' : 'PUT', `${prefix}/auth`, { body: { username: TEST_ADMIN.account, password: md5Hex(TEST_ADMIN.password) } });
      if (res.body?.code !== 0) throw new Error(`login failed: ${res.text}`);
      return res.body.data.jwt as string;
    },
    get: (path, jwt) => svc.request('GET', path, { headers: { authorization: `Bearer ${jwt}` } }),
    push: (path, push) => svc.request('POST', `${path}${push.query}`, { rawBody: push.body, headers: { 'content-type': 'text/xml' } }),
    async eventCount() {
      return Number((await svc.db.knex('events').count<{ count: string }[]>('* as count'))[0]!.count);
    },
    async stop() {
      await svc.stop();
      await wechat.close();
    },
  };
}
