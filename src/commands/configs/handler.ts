import { randomBytes } from 'node:crypto';
import { UniqueClaimConflictError } from '../../eventstore/errors';
import type { EventMetadata, EventStore, UniqueClaim } from '../../eventstore/port';
import { refusal } from '../refusals';
import { handleCommand } from '../handle';
import { configDecider, type ConfigCommand, type ConfigState } from './decider';
import { configStream, endpointKey, type ConfigActor, type ConfigEvent, type ConfigFields } from './events';

export const newConfigId = (): string => randomBytes(16).toString('hex');

/** URLs are case-sensitive (as Insight's are); methods are not. */
export const endpointClaim = (method: string, url: string): UniqueClaim => ({ scope: 'interface-config', value: endpointKey(method, url) });

/** Claims the endpoint a config takes, releases the one it leaves. */
function endpointClaims(before: ConfigState, events: ConfigEvent[]) {
  const last = events[events.length - 1]!;
  const old = before.config ? endpointClaim(before.config.method, before.config.url) : null;
  if (last.type === 'InterfaceConfigDeleted') return { releases: old ? [old] : [] };
  const now = endpointClaim(last.data.config.method, last.data.config.url);
  if (old && old.value === now.value) return {};
  return { claims: [now], releases: old ? [old] : [] };
}

async function run(store: EventStore, id: string, command: ConfigCommand, metadata: EventMetadata) {
  try {
    return await handleCommand({ store, metadata }, configStream(id), configDecider, command, { claims: endpointClaims });
  } catch (err) {
    if (err instanceof UniqueClaimConflictError) throw refusal('config_endpoint_taken');
    throw err;
  }
}

export async function createConfig(store: EventStore, fields: ConfigFields, by: ConfigActor, metadata: EventMetadata, id = newConfigId()): Promise<{ id: string }> {
  await run(store, id, { type: 'CreateConfig', id, fields, by, now: new Date(metadata.time) }, metadata);
  return { id };
}

export async function updateConfig(store: EventStore, id: string, fields: ConfigFields, by: ConfigActor, metadata: EventMetadata): Promise<void> {
  await run(store, id, { type: 'UpdateConfig', fields, by, now: new Date(metadata.time) }, metadata);
}

export async function deleteConfig(store: EventStore, id: string, by: ConfigActor, metadata: EventMetadata): Promise<void> {
  await run(store, id, { type: 'DeleteConfig', by, now: new Date(metadata.time) }, metadata);
}
