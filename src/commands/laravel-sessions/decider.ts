import { accept, reject, type Decider, type Decision } from '../decider';
import { DomainError } from '../domain-error';
import { refusal } from '../refusals';
import type { LaravelSessionEvent, SignInVia } from './events';

export interface SessionState {
  status: 'none' | 'live' | 'ended';
  userId: string | null;
  /** Epoch ms. */
  expiresAt: number | null;
}

export type SessionCommand =
  | { type: 'StartSession'; sessionId: string; userId: string; via: SignInVia; now: Date; expiresAt: Date }
  | { type: 'EndSession'; sessionId: string; now: Date };

export const initialSessionState = (): SessionState => ({ status: 'none', userId: null, expiresAt: null });

export function evolveSession(state: SessionState, event: LaravelSessionEvent): SessionState {
  switch (event.type) {
    case 'LaravelSessionStarted':
      return { status: 'live', userId: event.data.userId, expiresAt: Date.parse(event.data.expiresAt) };
    case 'LaravelSessionEnded':
      return { ...state, status: 'ended' };
  }
}

export function decideSession(command: SessionCommand, state: SessionState): Decision<LaravelSessionEvent> {
  switch (command.type) {
    case 'StartSession':
      if (state.status !== 'none') return reject(new DomainError('already_exists', 'session already started'));
      return accept({
        type: 'LaravelSessionStarted',
        data: { sessionId: command.sessionId, userId: command.userId, via: command.via, issuedAt: command.now.toISOString(), expiresAt: command.expiresAt.toISOString() },
      });
    case 'EndSession':
      if (state.status === 'none' || !state.userId) return reject(refusal('session_ended'));
      // A second logout with the same token (a retry) changes nothing.
      if (state.status === 'ended') return accept();
      return accept({ type: 'LaravelSessionEnded', data: { sessionId: command.sessionId, userId: state.userId, reason: 'logout', at: command.now.toISOString() } });
  }
}

export const sessionDecider: Decider<SessionState, SessionCommand, LaravelSessionEvent> = {
  initialState: initialSessionState,
  evolve: evolveSession,
  decide: decideSession,
};
