import { DomainError } from '../../commands/domain-error';
import { formatPosition, parsePosition, type EventFilter, type EventStore, type RecordedEvent } from '../../eventstore/port';
import { defineRoute } from '../route';
import { eventJson, eventSchema } from './event-json';

const MAX_PAGE = 1000;

interface StreamQuery {
  direction: 'forwards' | 'backwards';
  from?: number;
  limit: number;
}

interface LogQuery {
  after?: string;
  type?: string[];
  streamPrefix?: string[];
  since?: string;
  until?: string;
  correlationId?: string;
  actor?: string;
  limit: number;
}

/** Events read past per request when filtering on metadata (correlation, actor), which the store cannot index. */
const METADATA_SCAN = 5000;

/** "Event replay for audit": any stream, and the global log, with every event's metadata. */
export function auditRoutes(store: EventStore) {
  const streamEvents = defineRoute<{ params: { id: string }; query: StreamQuery }>({
    method: 'get',
    path: '/streams/:id/events',
    summary: "Read one stream's events with their metadata",
    tags: ['audit'],
    request: {
      params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 512 } } },
      query: {
        type: 'object',
        additionalProperties: false,
        properties: {
          direction: { enum: ['forwards', 'backwards'], default: 'forwards' },
          from: { type: 'integer', minimum: 0, description: 'First revision to read (inclusive)' },
          limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 100 },
        },
      },
    },
    responses: {
      200: {
        description: 'The page of events; `next` is the revision to pass as `from` for the following page, null at the end',
        schema: {
          type: 'object',
          required: ['streamId', 'events', 'next'],
          properties: { streamId: { type: 'string' }, events: { type: 'array', items: eventSchema }, next: { type: ['integer', 'null'] } },
        },
      },
    },
    async handler(ctx) {
      const { direction, from, limit } = ctx.state.query;
      const events = await store.readStream(ctx.params.id, { direction, fromRevision: from, maxCount: limit + 1 });
      const page = events.slice(0, limit);
      const last = page[page.length - 1];
      const next = events.length > limit && last ? last.revision + (direction === 'backwards' ? -1 : 1) : null;
      return { streamId: ctx.params.id, events: page.map(eventJson), next };
    },
  });

  const globalLog = defineRoute<{ query: LogQuery }>({
    method: 'get',
    path: '/events',
    summary: 'Read the global event log, filtered, from a checkpoint',
    description:
      'Events in commit order. Pass the previous answer\'s `next` as `after` to read on; a reader that does so never misses an event, even one that committed late.',
    tags: ['audit'],
    request: {
      query: {
        type: 'object',
        additionalProperties: false,
        properties: {
          after: { type: 'string', pattern: '^\\d{1,20}-\\d{1,20}$', description: 'Checkpoint (exclusive) from a previous page' },
          type: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, maxItems: 50, description: 'Event types (repeat the parameter for several)' },
          streamPrefix: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, maxItems: 50 },
          since: { type: 'string', format: 'date-time', description: 'Stored at or after (RFC 3339)' },
          until: { type: 'string', format: 'date-time', description: 'Stored before (RFC 3339)' },
          correlationId: { type: 'string', minLength: 1, maxLength: 200, description: 'Only the events of this correlation' },
          actor: { type: 'string', minLength: 1, maxLength: 200, description: "Only events whose actor's id or name is this" },
          limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 100 },
        },
      },
    },
    responses: {
      200: {
        description: `The page; with \`correlationId\` or \`actor\`, at most ${METADATA_SCAN} events are read past per request, so a page may hold fewer than \`limit\` while more follow: read on from \`next\` until it stops moving. \`next\` is the checkpoint to pass as \`after\` (unchanged when nothing new arrived; null only before the first event)`,
        schema: { type: 'object', required: ['events', 'next'], properties: { events: { type: 'array', items: eventSchema }, next: { type: ['string', 'null'] } } },
      },
    },
    async handler(ctx) {
      const q = ctx.state.query;
      const after = q.after ? parsePosition(q.after) : null;
      if (q.after && !after) throw new DomainError('validation_failed', 'after is not a checkpoint');
      const filter: EventFilter = {};
      if (q.type?.length) filter.eventTypes = q.type;
      if (q.streamPrefix?.length) filter.streamPrefixes = q.streamPrefix;
      if (q.since) filter.createdFrom = new Date(q.since);
      if (q.until) filter.createdTo = new Date(q.until);
      if (filter.createdFrom && filter.createdTo && filter.createdFrom >= filter.createdTo) {
        throw new DomainError('validation_failed', 'since must be before until');
      }
      if (!q.correlationId && !q.actor) {
        const events = await store.readAll({ after, maxCount: q.limit, filter });
        const last = events[events.length - 1];
        return { events: events.map(eventJson), next: last ? formatPosition(last.position) : (q.after ?? null) };
      }
      const wanted = (e: RecordedEvent) =>
        (!q.correlationId || e.metadata.correlationId === q.correlationId) && (!q.actor || e.metadata.actor?.id === q.actor || e.metadata.actor?.name === q.actor);
      const found: RecordedEvent[] = [];
      let position = after;
      for (let scanned = 0; scanned < METADATA_SCAN && found.length < q.limit; ) {
        const batch = await store.readAll({ after: position, maxCount: Math.min(MAX_PAGE, METADATA_SCAN - scanned), filter });
        for (const e of batch) {
          position = e.position;
          if (wanted(e) && found.push(e) === q.limit) break;
        }
        scanned += batch.length;
        if (batch.length === 0) break;
      }
      return { events: found.map(eventJson), next: position ? formatPosition(position) : (q.after ?? null) };
    },
  });

  return [streamEvents, globalLog];
}
