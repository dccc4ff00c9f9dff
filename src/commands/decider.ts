import { DomainError } from './domain-error';

/** What decide returns: events to append, and optionally a refusal to report after appending them. */
export interface Decision<E> {
  events: E[];
  /** A refusal that is itself recorded (a failed login, a rejected session): the events are appended, then this is raised. */
  error?: DomainError;
}

export const accept = <E>(...events: E[]): Decision<E> => ({ events });
export const reject = <E>(error: DomainError, ...events: E[]): Decision<E> => ({ events, error });

/** A pure decision model for one stream: no I/O, no clock, no randomness (they arrive in the command). */
export interface Decider<State, Command, Event extends { type: string }> {
  initialState(): State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): Decision<Event>;
}

export function fold<S, E extends { type: string }>(decider: Pick<Decider<S, unknown, E>, 'initialState' | 'evolve'>, events: E[]): S {
  return events.reduce(decider.evolve, decider.initialState());
}
