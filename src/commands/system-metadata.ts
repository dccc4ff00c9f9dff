import { randomUUID } from 'node:crypto';
import type { EventMetadata } from '../eventstore/port';

/** Metadata for events no request caused: start-up, background jobs, scripts. */
export function systemMetadata(actorId: string, causationId: string | null = null): EventMetadata {
  return {
    actor: { kind: 'system', id: actorId },
    correlationId: randomUUID(),
    causationId,
    clientIp: null,
    userAgent: null,
    time: new Date().toISOString(),
  };
}
