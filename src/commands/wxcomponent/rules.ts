import { accept, reject, type Decider, type Decision } from '../decider';
import { DomainError } from '../domain-error';
import { refusal } from '../refusals';
import type { UniqueClaim } from '../../eventstore/port';

/**
 * Callback forwarding rules, one stream each (`wxrule-<id>`). The (infoType, msgType, event)
 * triple is a unique claim written with the append, so two administrators cannot add the same
 * rule at the same moment.
 */
export interface RuleTarget {
  /** The original's target: a port and path on the same host (Cloud Run sidecar style). */
  port: number;
  path: string;
  /** Ours: a full URL instead of port + path. */
  url?: string;
  /** Ours: deliver through the queue with retries instead of in line (no reply to WeChat). */
  async?: boolean;
  /** Ours: in-line deadline in ms (capped so the whole answer stays under WeChat's 5 s). */
  timeoutMs?: number;
}

export interface RuleFields {
  name: string;
  /** 1 component pushes (matched by infoType), 2 authorizer messages (matched by msgType + event). */
  type: 1 | 2;
  infoType: string;
  msgType: string;
  event: string;
  open: boolean;
  data: RuleTarget;
}

export type RuleEvent =
  | { type: 'ProxyRuleAdded'; data: RuleFields & { id: number; at: string } }
  | { type: 'ProxyRuleUpdated'; data: RuleFields & { id: number; at: string } }
  | { type: 'ProxyRuleDeleted'; data: { id: number; at: string } };

export type RuleCommand =
  | { type: 'AddRule'; id: number; fields: RuleFields; now: Date }
  | { type: 'UpdateRule'; fields: RuleFields; now: Date }
  | { type: 'DeleteRule'; now: Date };

export interface RuleState {
  id: number | null;
  fields: RuleFields | null;
  deleted: boolean;
}

export const ruleStream = (id: number): string => `wxrule-${id}`;
export const RULE_EVENT_TYPES = ['ProxyRuleAdded', 'ProxyRuleUpdated', 'ProxyRuleDeleted'];

export const ruleClaim = (f: Pick<RuleFields, 'infoType' | 'msgType' | 'event'>): UniqueClaim => ({
  scope: 'wx-proxy-rule',
  value: JSON.stringify([f.infoType, f.msgType, f.event]),
});

function validate(fields: RuleFields): DomainError | null {
  if (fields.type === 1 && !fields.infoType) return new DomainError('validation_failed', 'a component rule needs infoType');
  if (fields.type === 2 && !fields.msgType) return new DomainError('validation_failed', 'a message rule needs msgType');
  if (fields.type === 1 && (fields.msgType || fields.event)) return new DomainError('validation_failed', 'a component rule matches infoType only');
  if (fields.type === 2 && fields.infoType) return new DomainError('validation_failed', 'a message rule matches msgType and event only');
  return null;
}

export function decideRule(command: RuleCommand, state: RuleState): Decision<RuleEvent> {
  const at = command.now.toISOString();
  switch (command.type) {
    case 'AddRule': {
      if (state.id !== null) return reject(new DomainError('already_exists', 'rule id taken'));
      const invalid = validate(command.fields);
      if (invalid) return reject(invalid);
      return accept({ type: 'ProxyRuleAdded', data: { ...command.fields, id: command.id, at } });
    }
    case 'UpdateRule': {
      if (state.id === null || state.deleted) return reject(refusal('rule_not_found'));
      const invalid = validate(command.fields);
      if (invalid) return reject(invalid);
      return accept({ type: 'ProxyRuleUpdated', data: { ...command.fields, id: state.id, at } });
    }
    case 'DeleteRule':
      if (state.id === null || state.deleted) return reject(refusal('rule_not_found'));
      return accept({ type: 'ProxyRuleDeleted', data: { id: state.id, at } });
  }
}

export function evolveRule(state: RuleState, event: RuleEvent): RuleState {
  switch (event.type) {
    case 'ProxyRuleAdded':
    case 'ProxyRuleUpdated': {
      const { id, at: _at, ...fields } = event.data;
      return { id, fields, deleted: false };
    }
    case 'ProxyRuleDeleted':
      return { ...state, deleted: true };
  }
}

export const ruleDecider: Decider<RuleState, RuleCommand, RuleEvent> = {
  initialState: () => ({ id: null, fields: null, deleted: false }),
  evolve: evolveRule,
  decide: decideRule,
};

/** Claims follow the rule's match: taken on add, moved on update, released on delete. */
export function ruleClaims(before: RuleState, events: RuleEvent[]): { claims?: UniqueClaim[]; releases?: UniqueClaim[] } {
  const last = events[events.length - 1];
  if (!last) return {};
  const previous = before.fields && !before.deleted ? ruleClaim(before.fields) : null;
  if (last.type === 'ProxyRuleDeleted') return previous ? { releases: [previous] } : {};
  const next = ruleClaim(last.data);
  if (previous && previous.value === next.value) return {};
  return { claims: [next], ...(previous ? { releases: [previous] } : {}) };
}
