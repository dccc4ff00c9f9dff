import { formatPosition, type RecordedEvent } from '../../eventstore/port';

/** An event as the audit API shows it: positions as strings (they are 64-bit), times as ISO. */
export function eventJson(e: RecordedEvent) {
  return {
    eventId: e.eventId,
    streamId: e.streamId,
    revision: e.revision,
    position: formatPosition(e.position),
    type: e.type,
    data: e.data,
    metadata: e.metadata,
    created: e.created.toISOString(),
  };
}

const metadataSchema = {
  type: 'object',
  properties: {
    actor: { type: 'object', properties: { kind: { type: 'string' }, id: { type: ['string', 'null'] }, name: { type: ['string', 'null'] } } },
    correlationId: { type: 'string' },
    causationId: { type: ['string', 'null'] },
    clientIp: { type: ['string', 'null'] },
    userAgent: { type: ['string', 'null'] },
    time: { type: 'string', format: 'date-time' },
  },
} as const;

export const eventSchema = {
  type: 'object',
  required: ['eventId', 'streamId', 'revision', 'position', 'type', 'data', 'metadata', 'created'],
  properties: {
    eventId: { type: 'string', format: 'uuid' },
    streamId: { type: 'string' },
    revision: { type: 'integer', minimum: 0 },
    position: { type: 'string', description: 'Global position "<commit>-<prepare>"; pass it as `after` to read on.' },
    type: { type: 'string' },
    data: {},
    metadata: metadataSchema,
    created: { type: 'string', format: 'date-time' },
  },
} as const;
