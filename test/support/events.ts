import { randomUUID } from 'node:crypto';
import type { EventMetadata, NewEvent } from '../../src/eventstore/port';

export function testMetadata(overrides: Partial<EventMetadata> = {}): EventMetadata {
  return {
    actor: { kind: 'system', id: 'test' },
    correlationId: randomUUID(),
    causationId: null,
    clientIp: '127.0.0.1',
    userAgent: 'mocha',
    time: new Date().toISOString(),
    ...overrides,
  };
}

export function newEvent<T extends string, D>(type: T, data: D, overrides: Partial<NewEvent<T, D>> = {}): NewEvent<T, D> {
  return { eventId: randomUUID(), type, data, metadata: testMetadata(), ...overrides };
}
