import { accept, reject, type Decider, type Decision } from '../decider';
import { DomainError } from '../domain-error';
import { refusal } from '../refusals';
import type { ConfigActor, ConfigEvent, ConfigFields, ConfigSnapshot } from './events';

export interface ConfigState {
  config: ConfigSnapshot | null;
  deleted: boolean;
}

export type ConfigCommand =
  | { type: 'CreateConfig'; id: string; fields: ConfigFields; by: ConfigActor; now: Date }
  | { type: 'UpdateConfig'; fields: ConfigFields; by: ConfigActor; now: Date }
  | { type: 'DeleteConfig'; by: ConfigActor; now: Date };

export const initialConfigState = (): ConfigState => ({ config: null, deleted: false });

export function evolveConfig(_state: ConfigState, event: ConfigEvent): ConfigState {
  switch (event.type) {
    case 'InterfaceConfigCreated':
    case 'InterfaceConfigUpdated':
      return { config: event.data.config, deleted: false };
    case 'InterfaceConfigDeleted':
      return { config: null, deleted: true };
  }
}

/** The original answers a missing id with a plain failure (400), not Insight's 414 (no such user). */
const missing = () => refusal('config_not_found');

/** Limits must be complete enough to enforce: a gap, or a cycle together with its maximum. */
export function limitProblem(fields: ConfigFields): string | null {
  const cycle = fields.limitCycle ?? 0;
  const max = fields.limitMax ?? 0;
  if ((cycle > 0) !== (max > 0)) return 'limitCycle and limitMax go together';
  if (fields.limit && !(fields.limitGap ?? 0) && !(cycle > 0 && max > 0)) return 'a limited interface needs limitGap, or limitCycle with limitMax';
  if (!fields.url.startsWith('/')) return 'url must be a path starting with /';
  return null;
}

export function decideConfig(command: ConfigCommand, state: ConfigState): Decision<ConfigEvent> {
  const at = command.now.toISOString();
  switch (command.type) {
    case 'CreateConfig': {
      if (state.config || state.deleted) return reject(refusal('config_exists'));
      const problem = limitProblem(command.fields);
      if (problem) return reject(new DomainError('validation_failed', problem));
      return accept({ type: 'InterfaceConfigCreated', data: { config: { id: command.id, ...command.fields, createdTime: at }, by: command.by, at } });
    }
    case 'UpdateConfig': {
      if (!state.config) return reject(missing());
      const problem = limitProblem(command.fields);
      if (problem) return reject(new DomainError('validation_failed', problem));
      const config = { ...state.config, ...command.fields };
      return accept({ type: 'InterfaceConfigUpdated', data: { config, by: command.by, at } });
    }
    case 'DeleteConfig':
      if (!state.config) return reject(missing());
      return accept({ type: 'InterfaceConfigDeleted', data: { config: state.config, by: command.by, at } });
  }
}

export const configDecider: Decider<ConfigState, ConfigCommand, ConfigEvent> = {
  initialState: initialConfigState,
  evolve: evolveConfig,
  decide: decideConfig,
};
