import type { TestService } from '../support/service';

/** Helpers shared by the license specifications: an admin-made SN, client calls, and the log rows. */
export function licenseClient(svc: TestService) {
  const admin = async () => ({ authorization: `Bearer ${await svc.adminToken()}` });
  return {
    async issue(terms: Record<string, unknown> = {}): Promise<string> {
      const res = await svc.request('POST', '/v1/licenses', {
        body: { type: 'CLOUD', seats: 5, validUntil: new Date(Date.now() + 86_400_000).toISOString(), ...terms },
        headers: await admin(),
      });
      if (res.status !== 201) throw new Error(`issue failed: ${res.status} ${res.text}`);
      return res.body.sn as string;
    },
    login: (sn: string, machineId: string, extra: Record<string, unknown> = {}) =>
      svc.request('POST', '/v1/license-sessions/login', { body: { sn, machineId, clientVersion: '10400', loginName: `user-${machineId}`, userId: 7, ...extra } }),
    checkout: (sn: string, machineId: string, until: Date) =>
      svc.request('POST', '/v1/license-sessions/checkout', { body: { sn, machineId, clientVersion: '10400', until: until.toISOString() } }),
    call: (what: 'heartbeat' | 'logout' | 'checkin', sn: string, sessionId: string) => svc.request('POST', `/v1/license-sessions/${what}`, { body: { sn, sessionId } }),
    kick: async (sn: string, sessionId: string) => svc.request('POST', '/v1/license-sessions/kick', { body: { sn, sessionId }, headers: await admin() }),
    admin,
    async logs(sn: string): Promise<Array<Record<string, any>>> {
      await svc.projector.catchUp();
      return svc.db.knex('license_session_logs').where({ sn }).orderBy('start_time');
    },
    async live(sn: string): Promise<number> {
      const res = await svc.request('GET', `/v1/licenses/${sn}/sessions`, { headers: await admin() });
      return (res.body.items as unknown[]).length;
    },
    eventCount: async () => Number((await svc.db.knex('events').count<{ count: string }[]>('* as count'))[0]!.count),
  };
}
