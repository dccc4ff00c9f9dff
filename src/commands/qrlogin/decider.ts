import { accept, reject, type Decider, type Decision } from '../decider';
import { DomainError } from '../domain-error';
import type { QrLoginEvent, QrLoginRefusal } from './events';

export type QrLoginStatus = 'waiting' | 'scanned' | 'confirmed' | 'used' | 'expired';

export interface QrLoginState {
  nonceHash: string | null;
  status: QrLoginStatus;
  expiresAt: number;
  /** Who scanned, then who confirmed (the confirming account is the one signed in). */
  userId: string | null;
  refusalsRecorded: number;
}

export type QrLoginCommand =
  | { type: 'RequestQrLogin'; nonceHash: string; ttlSeconds: number; now: Date }
  | { type: 'ScanQrLogin'; userId: string; now: Date }
  | { type: 'ConfirmQrLogin'; userId: string; now: Date }
  | { type: 'IssueQrLoginToken'; now: Date }
  | { type: 'ExpireQrLogin'; now: Date };

/**
 * Refusals are recorded up to this many per nonce: enough to show a replay or a race in the log,
 * while a client hammering a dead nonce cannot grow its stream without bound.
 */
export const MAX_RECORDED_REFUSALS = 10;

/** What a refusal tells the route: the nonce is gone (expired, used, unknown), or still waiting for the phone. */
export type QrLoginProblem = 'gone' | 'waiting' | 'scanned' | 'confirmed_by_another';
const problem = (code: 'not_found' | 'conflict', which: QrLoginProblem, message: string) => new DomainError(code, message, { qrLogin: which });
const gone = () => problem('not_found', 'gone', 'the QR code has expired or was already used');

export const qrLoginDecider: Decider<QrLoginState, QrLoginCommand, QrLoginEvent> = {
  initialState: () => ({ nonceHash: null, status: 'waiting', expiresAt: 0, userId: null, refusalsRecorded: 0 }),
  evolve(state, event) {
    switch (event.type) {
      case 'QrLoginRequested':
        return { ...state, nonceHash: event.data.nonceHash, status: 'waiting', expiresAt: Date.parse(event.data.expiresAt) };
      case 'QrLoginScanned':
        return { ...state, status: 'scanned', userId: event.data.userId };
      case 'QrLoginConfirmed':
        return { ...state, status: 'confirmed', userId: event.data.userId };
      case 'QrLoginTokenIssued':
        return { ...state, status: 'used' };
      case 'QrLoginExpired':
        return { ...state, status: 'expired' };
      case 'QrLoginRefused':
        return { ...state, refusalsRecorded: state.refusalsRecorded + 1 };
    }
  },
  decide(command, state) {
    const at = command.now.toISOString();
    if (command.type === 'RequestQrLogin') {
      if (state.nonceHash) return reject(new DomainError('already_exists', 'this nonce is already in use'));
      const expiresAt = new Date(command.now.getTime() + command.ttlSeconds * 1000).toISOString();
      return accept({ type: 'QrLoginRequested', data: { nonceHash: command.nonceHash, requestedAt: at, expiresAt } });
    }
    const nonceHash = state.nonceHash;
    const finished = state.status === 'used' || state.status === 'expired';
    const overdue = nonceHash !== null && !finished && command.now.getTime() >= state.expiresAt;
    // Expiring is idempotent: a finished, not yet due or unknown nonce gets nothing.
    if (command.type === 'ExpireQrLogin') return overdue ? accept({ type: 'QrLoginExpired', data: { nonceHash, at } }) : accept();
    // An unknown nonce has no stream, and gets none: anyone can send one.
    if (nonceHash === null) return reject(gone());

    const userId = command.type === 'IssueQrLoginToken' ? null : command.userId;
    const refuse = (error: DomainError, reason: QrLoginRefusal, ...before: QrLoginEvent[]): Decision<QrLoginEvent> =>
      state.refusalsRecorded < MAX_RECORDED_REFUSALS ? reject(error, ...before, { type: 'QrLoginRefused', data: { nonceHash, userId, reason, at } }) : reject(error, ...before);
    if (overdue) return refuse(gone(), 'expired', { type: 'QrLoginExpired', data: { nonceHash, at } });
    if (finished) return refuse(gone(), state.status === 'used' ? 'used' : 'expired');

    switch (command.type) {
      case 'ScanQrLogin':
        if (state.status === 'confirmed') {
          if (state.userId === command.userId) return accept();
          return refuse(problem('conflict', 'confirmed_by_another', 'another account has already confirmed this QR code'), 'confirmed_by_another');
        }
        if (state.status === 'scanned' && state.userId === command.userId) return accept();
        return accept({ type: 'QrLoginScanned', data: { nonceHash, userId: command.userId, at } });
      case 'ConfirmQrLogin':
        if (state.status === 'confirmed') {
          if (state.userId === command.userId) return accept();
          return refuse(problem('conflict', 'confirmed_by_another', 'another account has already confirmed this QR code'), 'confirmed_by_another');
        }
        return accept({ type: 'QrLoginConfirmed', data: { nonceHash, userId: command.userId, at } });
      case 'IssueQrLoginToken':
        if (state.status === 'waiting') return reject(problem('conflict', 'waiting', 'the QR code has not been scanned yet'));
        if (state.status === 'scanned') return reject(problem('conflict', 'scanned', 'the sign-in has not been confirmed on the phone yet'));
        return accept({ type: 'QrLoginTokenIssued', data: { nonceHash, userId: state.userId!, at } });
    }
  },
};
