import { accept, reject, type Decider, type Decision } from '../decider';
import { DomainError } from '../domain-error';
import type { CallbackEvent, CallbackReceivedEvent } from './events';

/**
 * One stream per received push (named by its retry key): the push is recorded once, then each
 * forwarding of it to a rule's target. The stream is the retry claim, so a push already recorded
 * is refused (`already_exists`) and its retry records nothing.
 */
export interface CallbackState {
  recorded: boolean;
}

export interface ForwardOutcome {
  callbackEventId: string;
  ruleId: number;
  mode: 'inline' | 'async';
}

export type CallbackCommand =
  /** The event is built from the decrypted push by callbacks.ts (pure). */
  | { type: 'RecordCallback'; event: CallbackReceivedEvent }
  | { type: 'RecordForwarded'; forward: ForwardOutcome; status: number; ms: number; now: Date }
  | { type: 'RecordForwardFailed'; forward: ForwardOutcome; reason: string; attempt: number; final: boolean; now: Date };

export function decideCallback(command: CallbackCommand, state: CallbackState): Decision<CallbackEvent> {
  if (command.type === 'RecordCallback') {
    if (state.recorded) return reject(new DomainError('already_exists', 'this push is already recorded'));
    return accept(command.event);
  }
  if (!state.recorded) return reject(new DomainError('not_found', 'no push is recorded on this stream'));
  const at = command.now.toISOString();
  if (command.type === 'RecordForwarded') return accept({ type: 'WxCallbackForwarded', data: { ...command.forward, status: command.status, ms: command.ms, at } });
  return accept({ type: 'WxCallbackForwardFailed', data: { ...command.forward, reason: command.reason, attempt: command.attempt, final: command.final, at } });
}

export function evolveCallback(state: CallbackState, event: CallbackEvent): CallbackState {
  return event.type === 'WxComponentCallbackReceived' || event.type === 'WxBizCallbackReceived' ? { recorded: true } : state;
}

export const callbackDecider: Decider<CallbackState, CallbackCommand, CallbackEvent> = {
  initialState: () => ({ recorded: false }),
  evolve: evolveCallback,
  decide: decideCallback,
};
