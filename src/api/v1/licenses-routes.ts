import { pageOfLicenses } from '../../projections/licenses/queries';
import type { Dependencies } from '../../runtime/dependencies';
import { createBitkey, revokeBitkey } from '../../commands/bitkeys/handler';
import { DomainError } from '../../commands/domain-error';
import { issueLicense, loadLicense, setLicenseDisabled, type LicenseDeps } from '../../commands/licenses/handler';
import { licenseTypes, type LicenseType } from '../../commands/licenses/events';
import { requestMetadata } from '../request-metadata';
import { defineRoute } from '../route';
import type { AdminPrincipal } from './admin-session';

export const SN = { type: 'string', pattern: '^[A-Z0-9]{16}$', description: 'Serial number' } as const;

export const adminActor = (ctx: { state: Record<string, unknown> }) => {
  const admin = ctx.state.admin as AdminPrincipal;
  return { kind: 'admin' as const, id: admin.userId, name: admin.account };
};

interface NewLicense {
  type: LicenseType;
  seats: number;
  validFrom?: string;
  validUntil: string;
  status?: 'active' | 'disabled';
  heartbeatSeconds?: number;
  sessionTimeoutSeconds?: number;
}

const licenseSchema = {
  type: 'object',
  required: ['sn', 'fkSnid', 'type', 'seats', 'validFrom', 'validUntil', 'status', 'heartbeatSeconds', 'sessionTimeoutSeconds', 'issuedAt'],
  properties: {
    sn: SN,
    fkSnid: { type: 'integer' },
    type: { enum: licenseTypes },
    seats: { type: 'integer' },
    validFrom: { type: 'string', format: 'date-time' },
    validUntil: { type: 'string', format: 'date-time' },
    status: { enum: ['active', 'disabled'] },
    heartbeatSeconds: { type: 'integer' },
    sessionTimeoutSeconds: { type: 'integer' },
    issuedAt: { type: 'string', format: 'date-time' },
  },
} as const;

/** Serial numbers and BitAnswer API keys, for administrators. Lists read the licenses projection. */
export function licenseRoutes(deps: LicenseDeps & Pick<Dependencies, 'knex' | 'redis'>) {
  const create = defineRoute<{ body: NewLicense }>({
    method: 'post',
    path: '/licenses',
    summary: 'Issue a serial number',
    description:
      'An SN of a type (CLOUD, ACCOUNT) with a number of concurrent seats and a validity period. Clients heartbeat every `heartbeatSeconds`; ' +
      'a login with no heartbeat for `sessionTimeoutSeconds` (default three heartbeats) ends as `timeout`.',
    tags: ['licenses'],
    request: {
      body: {
        type: 'object',
        required: ['type', 'seats', 'validUntil'],
        additionalProperties: false,
        properties: {
          type: { enum: licenseTypes },
          seats: { type: 'integer', minimum: 1, maximum: 100_000 },
          validFrom: { type: 'string', format: 'date-time', description: 'Default: now' },
          validUntil: { type: 'string', format: 'date-time' },
          status: { enum: ['active', 'disabled'], default: 'active' },
          heartbeatSeconds: { type: 'integer', minimum: 1, maximum: 86_400, default: 60 },
          sessionTimeoutSeconds: { type: 'integer', minimum: 1, maximum: 604_800 },
        },
      },
    },
    responses: { 201: { description: 'Issued', schema: { type: 'object', required: ['sn'], properties: { sn: SN } } }, 422: { description: 'Invalid terms' } },
    async handler(ctx) {
      const b = ctx.request.body;
      const metadata = requestMetadata(ctx, adminActor(ctx));
      const heartbeatSeconds = b.heartbeatSeconds ?? 60;
      const { sn } = await issueLicense(
        deps,
        {
          licenseType: b.type,
          seats: b.seats,
          validFrom: b.validFrom ? new Date(b.validFrom) : new Date(metadata.time),
          validUntil: new Date(b.validUntil),
          disabled: b.status === 'disabled',
          heartbeatSeconds,
          sessionTimeoutSeconds: b.sessionTimeoutSeconds ?? heartbeatSeconds * 3,
        },
        metadata,
      );
      ctx.status = 201;
      return { sn };
    },
  });

  const list = defineRoute<{ query: { offset: number; limit: number; type?: LicenseType; status?: 'active' | 'disabled' } }>({
    method: 'get',
    path: '/licenses',
    summary: 'List serial numbers',
    description: 'Oldest first, from the licenses projection (eventually consistent).',
    tags: ['licenses'],
    request: {
      query: {
        type: 'object',
        additionalProperties: false,
        properties: {
          offset: { type: 'integer', minimum: 0, maximum: 10_000_000, default: 0 },
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
          type: { enum: licenseTypes },
          status: { enum: ['active', 'disabled'] },
        },
      },
    },
    responses: { 200: { description: 'One page', schema: { type: 'object', required: ['total', 'items'], properties: { total: { type: 'integer' }, items: { type: 'array', items: licenseSchema } } } } },
    async handler(ctx) {
      const { offset, limit, type, status } = ctx.state.query;
      const page = await pageOfLicenses(deps.knex, { type, disabled: status === undefined ? undefined : status === 'disabled' }, { offset, limit });
      return {
        total: page.total,
        items: (page.rows as unknown as Array<Record<string, unknown>>).map((r) => ({
          sn: r.sn,
          fkSnid: Number(r.fk_snid),
          type: r.license_type,
          seats: r.seats,
          validFrom: (r.valid_from as Date).toISOString(),
          validUntil: (r.valid_until as Date).toISOString(),
          status: r.disabled ? 'disabled' : 'active',
          heartbeatSeconds: r.heartbeat_seconds,
          sessionTimeoutSeconds: r.session_timeout_seconds,
          issuedAt: (r.issued_at as Date).toISOString(),
        })),
      };
    },
  });

  const setDisabled = (disabled: boolean) =>
    defineRoute<{ params: { sn: string } }>({
      method: 'post',
      path: disabled ? '/licenses/:sn/disable' : '/licenses/:sn/enable',
      summary: disabled ? 'Disable a serial number: new logins and checkouts are refused (and logged); live sessions run on' : 'Enable a serial number again',
      tags: ['licenses'],
      request: { params: { type: 'object', required: ['sn'], properties: { sn: SN } } },
      responses: { 204: { description: disabled ? 'Disabled' : 'Enabled' }, 404: { description: 'No such serial number' } },
      async handler(ctx) {
        await setLicenseDisabled(deps, ctx.params.sn, disabled, requestMetadata(ctx, adminActor(ctx)));
        ctx.status = 204;
      },
    });

  const sessions = defineRoute<{ params: { sn: string } }>({
    method: 'get',
    path: '/licenses/:sn/sessions',
    summary: 'Live sessions of a serial number (from its stream, so always current): the ids to kick',
    tags: ['licenses'],
    request: { params: { type: 'object', required: ['sn'], properties: { sn: SN } } },
    responses: {
      200: {
        description: 'Live sessions',
        schema: {
          type: 'object',
          required: ['seats', 'items'],
          properties: {
            seats: { type: 'integer' },
            items: {
              type: 'array',
              items: {
                type: 'object',
                properties: { sessionId: { type: 'string' }, kind: { enum: ['login', 'checkout'] }, machineId: { type: 'string' }, priority: { type: 'integer' }, seat: { type: 'integer' }, startedAt: { type: 'string' }, deadline: { type: 'string' } },
              },
            },
          },
        },
      },
      404: { description: 'No such serial number' },
    },
    async handler(ctx) {
      const state = await loadLicense(deps, ctx.params.sn);
      if (!state.exists) throw new DomainError('not_found', 'no such serial number');
      const items = Object.values(state.sessions)
        .sort((a, b) => a.seat - b.seat)
        .map((s) => ({ ...s, startedAt: new Date(s.startedAt).toISOString(), deadline: new Date(s.deadline).toISOString() }));
      return { seats: state.seats, items };
    },
  });

  const newKey = defineRoute<{ body: { name: string } }>({
    method: 'post',
    path: '/bitkeys',
    summary: 'Create a BitAnswer back-office API key (the `bitkey` header)',
    description: 'The key is in this answer only; authledger keeps its SHA-256 alone and cannot show it again.',
    tags: ['licenses'],
    request: { body: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1, maxLength: 64 } } } },
    responses: {
      201: { description: 'Created', schema: { type: 'object', required: ['id', 'key'], properties: { id: { type: 'string' }, key: { type: 'string' } } } },
    },
    async handler(ctx) {
      const created = await createBitkey(deps, ctx.request.body.name, requestMetadata(ctx, adminActor(ctx)));
      ctx.status = 201;
      return created;
    },
  });

  const revoke = defineRoute<{ params: { id: string } }>({
    method: 'post',
    path: '/bitkeys/:id/revoke',
    summary: 'Revoke a bitkey: the very next request with it is refused',
    tags: ['licenses'],
    request: { params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9a-f]{16}$' } } } },
    responses: { 204: { description: 'Revoked' }, 404: { description: 'No such key' } },
    async handler(ctx) {
      await revokeBitkey(deps, ctx.params.id, requestMetadata(ctx, adminActor(ctx)));
      ctx.status = 204;
    },
  });

  return [create, list, setDisabled(true), setDisabled(false), sessions, newKey, revoke];
}
