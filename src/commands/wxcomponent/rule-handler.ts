import type { Redis } from 'ioredis';
import { UniqueClaimConflictError } from '../../eventstore/errors';
import type { EventMetadata, EventStore } from '../../eventstore/port';
import { handleCommand, loadState } from '../handle';
import { refusal } from '../refusals';
import { ruleClaims, ruleDecider, ruleStream, type RuleFields, type RuleState } from './rules';

interface RuleDeps {
  store: EventStore;
  redis: Redis;
}

const duplicate = (err: unknown): never => {
  if (err instanceof UniqueClaimConflictError) throw refusal('rule_duplicate');
  throw err;
};

/** Numeric ids as the original's admin front end expects; the stream's no_stream check guards reuse. */
export async function addRule(deps: RuleDeps, fields: RuleFields, metadata: EventMetadata): Promise<number> {
  const id = await deps.redis.incr('wx:proxy-rule-seq');
  await handleCommand({ store: deps.store, metadata }, ruleStream(id), ruleDecider, { type: 'AddRule', id, fields, now: new Date(metadata.time) }, { claims: ruleClaims }).catch(duplicate);
  return id;
}

export async function updateRule(deps: RuleDeps, id: number, fields: RuleFields, metadata: EventMetadata): Promise<void> {
  await handleCommand({ store: deps.store, metadata }, ruleStream(id), ruleDecider, { type: 'UpdateRule', fields, now: new Date(metadata.time) }, { claims: ruleClaims }).catch(duplicate);
}

export async function deleteRule(deps: RuleDeps, id: number, metadata: EventMetadata): Promise<void> {
  await handleCommand({ store: deps.store, metadata }, ruleStream(id), ruleDecider, { type: 'DeleteRule', now: new Date(metadata.time) }, { claims: ruleClaims });
}

export async function loadRule(store: EventStore, id: number): Promise<RuleState> {
  return (await loadState(store, ruleStream(id), ruleDecider)).state;
}
