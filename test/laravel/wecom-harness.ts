import { SYNC_QUEUE } from '../../src/commands/wecom/sync';
import { startTestService, type TestService } from '../support/service';
import { startFakeWecom, wecomEnv, type FakeWecom } from './fake-wecom';
import { signInAsAdmin, type LaravelSession } from './support';
import { eventually } from '../support/eventually';
export { eventually };

/** The service with WECOM_API_BASE pointing at a fake WeCom, and the bootstrap admin signed in on /api. */
export interface WecomHarness {
  svc: TestService;
  wecom: FakeWecom;
  admin: LaravelSession;
  post(path: string, body: unknown, headers?: Record<string, string>): ReturnType<TestService['request']>;
  /** Recorded events of these types, in log order. */
  events(...types: string[]): Promise<Array<{ stream_id: string; type: string; data: any }>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  eventCount(): Promise<number>;
  /** Runs `request` (which queues a sync) and waits until the sync queue has finished everything it got. */
  syncSettled(request: () => Promise<unknown>): Promise<void>;
  stop(): Promise<void>;
}

/** A small corp: 总部 (1) with 研发部 (2) and 市场部 (3); three members. */
export function seedDirectory(wecom: FakeWecom): void {
  wecom.departments = [
    { id: 1, name: '总部', parentid: 0, order: 1 },
    { id: 2, name: '研发部', parentid: 1, order: 1 },
    { id: 3, name: '市场部', parentid: 1, order: 2 },
  ];
  wecom.members = [
    { userid: 'zhangsan', name: '张三', department: [2], mobile: '13800000001', email: 'zhangsan@example.com', status: 1 },
    { userid: 'lisi', name: '李四', department: [3], mobile: '13800000002', status: 1 },
    { userid: 'wangwu', name: '王五', department: [2, 3], status: 1 },
  ];
}

export async function startWecomHarness(label: string, env: Record<string, string> = {}): Promise<WecomHarness> {
  const wecom = await startFakeWecom();
  seedDirectory(wecom);
  const svc = await startTestService(label, { ...wecomEnv(wecom.url), ...env });
  const admin = await signInAsAdmin(svc);
  const queue = svc.deps.queues.get(SYNC_QUEUE);
  const finished = async () => {
    const c = await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed', 'prioritized');
    return { done: (c.completed ?? 0) + (c.failed ?? 0), busy: (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0) };
  };
  return {
    svc,
    wecom,
    admin,
    post: (path, body, headers = admin.headers) => svc.request('POST', path, { body, headers }),
    async events(...types) {
      return svc.db.knex('events').whereIn('type', types).orderBy('global_position').select('stream_id', 'type', 'data');
    },
    async eventCount() {
      return Number((await svc.db.knex('events').count<{ count: string }[]>('* as count'))[0]!.count);
    },
    async syncSettled(request) {
      const before = (await finished()).done;
      await request();
      await eventually(async () => {
        const now = await finished();
        return now.done > before && now.busy === 0;
      }, 30_000);
    },
    async stop() {
      await svc.stop();
      await wecom.close();
    },
  };
}
