import { liveSeatCountsBySn, seatsInUseOverTime } from '../../projections/licenses/queries';
import type { Dependencies } from '../../runtime/dependencies';
import { defineRoute } from '../route';
import { SN } from './licenses-routes';

/** How many points a chart gets at most, whatever window is asked for. */
const MAX_POINTS = 500;

/** Seats in use, now and over time: read from the license session log (eventually consistent). */
export function licenseUsageRoutes(deps: Pick<Dependencies, 'knex'>) {
  const now = defineRoute<{ query: { sn: string[] } }>({
    method: 'get',
    path: '/license-seats',
    summary: 'Seats in use now, per serial number',
    tags: ['licenses'],
    request: {
      query: {
        type: 'object',
        required: ['sn'],
        additionalProperties: false,
        properties: { sn: { type: 'array', items: SN, minItems: 1, maxItems: 1000, description: 'Serial numbers (repeat the parameter)' } },
      },
    },
    responses: {
      200: {
        description: 'Live sessions per serial number (0 for an unknown one)',
        schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { type: 'object', required: ['sn', 'inUse'], properties: { sn: { type: 'string' }, inUse: { type: 'integer' } } } } } },
      },
    },
    async handler(ctx) {
      ctx.set('Cache-Control', 'no-store');
      const sns = [...new Set(ctx.state.query.sn)];
      const counts = await liveSeatCountsBySn(deps.knex, sns);
      return { items: sns.map((sn) => ({ sn, inUse: counts.get(sn) ?? 0 })) };
    },
  });

  const overTime = defineRoute<{ params: { sn: string }; query: { hours: number } }>({
    method: 'get',
    path: '/licenses/:sn/seats-over-time',
    summary: 'Seats in use over time for one serial number, for a chart',
    description: `Evenly spaced instants over the last \`hours\` (at most ${MAX_POINTS}), each with the sessions started, not refused and not yet ended at that instant.`,
    tags: ['licenses'],
    request: {
      params: { type: 'object', required: ['sn'], properties: { sn: SN } },
      query: { type: 'object', additionalProperties: false, properties: { hours: { type: 'integer', minimum: 1, maximum: 24 * 90, default: 24 } } },
    },
    responses: {
      200: {
        description: 'Oldest first; the last point is now',
        schema: {
          type: 'object',
          required: ['sn', 'stepSeconds', 'items'],
          properties: {
            sn: { type: 'string' },
            stepSeconds: { type: 'integer' },
            items: { type: 'array', items: { type: 'object', required: ['at', 'inUse'], properties: { at: { type: 'string', format: 'date-time' }, inUse: { type: 'integer' } } } },
          },
        },
      },
    },
    async handler(ctx) {
      ctx.set('Cache-Control', 'no-store');
      const { hours } = ctx.state.query;
      const stepSeconds = Math.max(60, Math.ceil((hours * 3600) / MAX_POINTS / 60) * 60);
      const to = new Date();
      const from = new Date(to.getTime() - (Math.floor((hours * 3600) / stepSeconds) * stepSeconds * 1000));
      const rows = await seatsInUseOverTime(deps.knex, ctx.params.sn, from, to, stepSeconds);
      return { sn: ctx.params.sn, stepSeconds, items: rows.map((r) => ({ at: r.at.toISOString(), inUse: r.inUse })) };
    },
  });
  return [now, overTime];
}
