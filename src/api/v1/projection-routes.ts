import { formatPosition, type Position } from '../../eventstore/port';
import { allProjections } from '../../projections';
import { committedHead, countPendingEvents } from '../../projections/events-table';
import { liveProjectionVersions } from '../../projections/progress/queries';
import type { Dependencies } from '../../runtime/dependencies';
import { defineRoute } from '../route';

/** Beyond this many pending events the lag is shown as "at least": counting further only costs. */
const LAG_CAP = 100_000;

const versionSchema = {
  type: 'object',
  required: ['name', 'version', 'state', 'checkpoint', 'lastAppliedAt', 'eventsApplied', 'lagEvents', 'lagCapped'],
  properties: {
    name: { type: 'string' },
    version: { type: 'integer' },
    state: { enum: ['building', 'active'], description: '`building`: a version being rebuilt beside the active one (or a first build)' },
    checkpoint: { type: 'string', description: 'Position of the last applied event ("0-0" before the first)' },
    lastAppliedAt: { type: ['string', 'null'], format: 'date-time' },
    eventsApplied: { type: 'integer' },
    lagEvents: { type: ['integer', 'null'], description: "Events of the projection's types committed after its checkpoint; null when the log is not in this database" },
    lagCapped: { type: 'boolean', description: `True when there are at least ${LAG_CAP} (counting stops there)` },
  },
} as const;

/** Where each read model stands against the log, for the console's projections page and for scripts. */
export function projectionRoutes(deps: Pick<Dependencies, 'knex' | 'store'>) {
  const status = defineRoute({
    method: 'get',
    path: '/projections',
    summary: "Each projection version's checkpoint and lag behind the log, with rebuilds in progress",
    description: 'Read from the projection registry in PostgreSQL, so it holds whichever process runs the projector. Retired versions are left out.',
    tags: ['projections'],
    responses: {
      200: {
        description: 'Every live version',
        schema: { type: 'object', required: ['head', 'items'], properties: { head: { type: ['string', 'null'], description: 'The newest committed event' }, items: { type: 'array', items: versionSchema } } },
      },
    },
    async handler(ctx) {
      ctx.set('Cache-Control', 'no-store');
      const countsHere = deps.store.kind === 'postgres';
      const [versions, head] = await Promise.all([liveProjectionVersions(deps.knex), countsHere ? committedHead(deps.knex) : Promise.resolve(null)]);
      const typesOf = new Map(allProjections.map((p) => [p.name, p.eventTypes]));
      const items = await Promise.all(
        versions.map(async (v) => {
          const types = typesOf.get(v.name);
          const lag = countsHere && types ? await countPendingEvents(deps.knex, types, v.checkpoint, LAG_CAP) : null;
          return {
            name: v.name,
            version: v.version,
            state: v.state,
            checkpoint: formatPosition(v.checkpoint),
            lastAppliedAt: v.lastAppliedAt?.toISOString() ?? null,
            eventsApplied: v.eventsApplied,
            lagEvents: lag,
            lagCapped: lag !== null && lag >= LAG_CAP,
          };
        }),
      );
      return { head: head ? formatPosition(head as Position) : null, items };
    },
  });
  return [status];
}
