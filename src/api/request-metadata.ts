import type { EventMetadata } from '../eventstore/port';
import type { RequestState } from './route';

/** Metadata for the events a request causes: correlated by the request id, stamped now. */
export function requestMetadata(
  ctx: { state: Pick<RequestState, 'requestId' | 'clientIp' | 'userAgent'> },
  actor: EventMetadata['actor'],
): EventMetadata {
  return {
    actor,
    correlationId: ctx.state.requestId,
    causationId: null,
    clientIp: ctx.state.clientIp,
    userAgent: ctx.state.userAgent,
    time: new Date().toISOString(),
  };
}
