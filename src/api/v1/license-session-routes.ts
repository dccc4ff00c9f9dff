import { checkoutSession, endSession, heartbeatSession, loginSession, type LicenseDeps } from '../../commands/licenses/handler';
import { requestMetadata } from '../request-metadata';
import { defineRoute, type RouteContext } from '../route';
import { adminActor, SN } from './licenses-routes';

/**
 * The client side of license sessions (ours; the vendor documents only the logs).
 *
 * Credentials: login and checkout need the serial number itself plus the machine id, as the
 * vendor's clients hold nothing else; the SN is the customer's secret, and every attempt (failed
 * ones included) is logged with its address. A login answers a random 128-bit session id, and
 * heartbeat, logout and checkin need SN and session id together, so only the client that started a
 * session can keep it alive or end it. Kicking someone else's session is for administrators.
 */
interface ClientBody {
  sn: string;
  machineId: string;
  clientVersion: string;
  loginName?: string;
  userId?: number;
  uid?: number;
}

const clientProperties = {
  sn: SN,
  machineId: { type: 'string', minLength: 1, maxLength: 128, description: 'Stable id of the client machine' },
  clientVersion: { type: 'string', minLength: 1, maxLength: 32 },
  loginName: { type: 'string', minLength: 1, maxLength: 64, description: 'Named user signing in (account licenses)' },
  userId: { type: 'integer', minimum: 0, maximum: 2 ** 53 - 1, default: 0, description: 'The log’s fkUserId' },
  uid: { type: 'integer', minimum: 0, maximum: 2 ** 53 - 1, default: 0 },
} as const;

const SESSION_ID = { type: 'string', pattern: '^[0-9a-f]{32}$' } as const;
const sessionBody = { type: 'object', required: ['sn', 'sessionId'], additionalProperties: false, properties: { sn: SN, sessionId: SESSION_ID } } as const;

const refusals = {
  404: { description: 'No such serial number, or the session has ended (log in again)' },
  403: { description: 'The serial number is disabled, expired or not yet valid (logged; `errorCode` 1002, 1003, 1004)' },
  409: { description: 'All seats are in use (logged; `errorCode` 1001), or the wrong call for this kind of session' },
};

const client = (ctx: RouteContext<{ body: ClientBody }>) => {
  const b = ctx.request.body;
  return { machineId: b.machineId, clientVersion: b.clientVersion, loginName: b.loginName ?? null, userId: b.userId ?? 0, uid: b.uid ?? 0, loginIp: ctx.state.clientIp };
};
const deviceActor = (machineId: string) => ({ kind: 'device' as const, id: machineId });

export function licenseSessionRoutes(deps: LicenseDeps) {
  const login = defineRoute<{ body: ClientBody & { priority?: number } }>({
    method: 'post',
    path: '/license-sessions/login',
    summary: 'Take a seat of a serial number',
    description:
      'Answers a session id and the heartbeat interval. When every seat is taken the login is refused with 409 and `errorCode` 1001, ' +
      'and logged; unless its `priority` is higher than that of the lowest-priority online session, which then ends as `highPriorityKick`.',
    tags: ['license sessions'],
    security: 'none',
    request: {
      body: {
        type: 'object',
        required: ['sn', 'machineId', 'clientVersion'],
        additionalProperties: false,
        properties: { ...clientProperties, priority: { type: 'integer', minimum: 0, maximum: 100, default: 0 } },
      },
    },
    responses: {
      201: {
        description: 'Logged in',
        schema: {
          type: 'object',
          required: ['sessionId', 'heartbeatSeconds', 'sessionTimeoutSeconds', 'expiresAt'],
          properties: { sessionId: SESSION_ID, heartbeatSeconds: { type: 'integer' }, sessionTimeoutSeconds: { type: 'integer' }, expiresAt: { type: 'string', format: 'date-time' } },
        },
      },
      ...refusals,
    },
    async handler(ctx) {
      const b = ctx.request.body;
      const answer = await loginSession(deps, { sn: b.sn, client: client(ctx), priority: b.priority ?? 0 }, requestMetadata(ctx, deviceActor(b.machineId)));
      ctx.status = 201;
      return answer;
    },
  });

  const checkout = defineRoute<{ body: ClientBody & { until: string } }>({
    method: 'post',
    path: '/license-sessions/checkout',
    summary: 'Borrow a seat for offline use until a given time',
    description:
      'The seat is held until `until` (no heartbeats), then checked in automatically (`autoCheckin`). A machine holds one borrow at most: ' +
      'a new checkout from the same machine replaces its previous one, which ends as `checkoutCover`.',
    tags: ['license sessions'],
    security: 'none',
    request: {
      body: {
        type: 'object',
        required: ['sn', 'machineId', 'clientVersion', 'until'],
        additionalProperties: false,
        properties: { ...clientProperties, until: { type: 'string', format: 'date-time' } },
      },
    },
    responses: {
      201: { description: 'Checked out', schema: { type: 'object', required: ['sessionId', 'until'], properties: { sessionId: SESSION_ID, until: { type: 'string', format: 'date-time' } } } },
      422: { description: '`until` is in the past or after the serial number expires' },
      ...refusals,
    },
    async handler(ctx) {
      const b = ctx.request.body;
      const answer = await checkoutSession(deps, { sn: b.sn, client: client(ctx), until: new Date(b.until) }, requestMetadata(ctx, deviceActor(b.machineId)));
      ctx.status = 201;
      return answer;
    },
  });

  const heartbeat = defineRoute<{ body: { sn: string; sessionId: string } }>({
    method: 'post',
    path: '/license-sessions/heartbeat',
    summary: 'Keep an online session alive',
    description: 'Moves the session’s timeout to now + sessionTimeoutSeconds. A session already past it has ended as `timeout`: 404, log in again.',
    tags: ['license sessions'],
    security: 'none',
    request: { body: sessionBody },
    responses: {
      200: { description: 'Alive', schema: { type: 'object', required: ['expiresAt', 'heartbeatSeconds'], properties: { expiresAt: { type: 'string', format: 'date-time' }, heartbeatSeconds: { type: 'integer' } } } },
      ...refusals,
    },
    async handler(ctx) {
      const { sn, sessionId } = ctx.request.body;
      return heartbeatSession(deps, sn, sessionId, requestMetadata(ctx, { kind: 'device', id: sessionId }));
    },
  });

  const ending = (path: string, type: 'Logout' | 'Checkin', summary: string) =>
    defineRoute<{ body: { sn: string; sessionId: string } }>({
      method: 'post',
      path,
      summary,
      tags: ['license sessions'],
      security: 'none',
      request: { body: sessionBody },
      responses: { 204: { description: 'Ended' }, ...refusals },
      async handler(ctx) {
        const { sn, sessionId } = ctx.request.body;
        await endSession(deps, sn, sessionId, type, requestMetadata(ctx, { kind: 'device', id: sessionId }));
        ctx.status = 204;
      },
    });

  const kick = defineRoute<{ body: { sn: string; sessionId: string } }>({
    method: 'post',
    path: '/license-sessions/kick',
    summary: 'End a live session (online or borrowed) as an administrator: it ends as `kickOut`',
    tags: ['license sessions'],
    request: { body: sessionBody },
    responses: { 204: { description: 'Kicked' }, 404: refusals[404] },
    async handler(ctx) {
      const { sn, sessionId } = ctx.request.body;
      await endSession(deps, sn, sessionId, 'Kick', requestMetadata(ctx, adminActor(ctx)));
      ctx.status = 204;
    },
  });

  return [login, checkout, heartbeat, ending('/license-sessions/logout', 'Logout', 'End an online session'), ending('/license-sessions/checkin', 'Checkin', 'Return a borrowed seat early'), kick];
}
