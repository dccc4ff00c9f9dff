import { accept, reject, type Decider, type Decision } from '../decider';
import { DomainError } from '../domain-error';
import { refusal } from '../refusals';
import type { SeatEvent, TokenEvent, TokenMode } from './events';

/** At most this many refreshes per sign-in; the failure time never passes issue + 24 h. */
export const MAX_REFRESHES = 12;
export const MAX_SESSION_MS = 24 * 60 * 60 * 1000;
/** The failure time is this many token lives after issue or refresh (7,200,000 ms life → 24 h). */
export const FAILURE_LIVES = 12;

export interface TokenState {
  issued: boolean;
  tokenId: string | null;
  userId: string | null;
  userName: string | null;
  appId: string | null;
  tenantId: string | null;
  deviceId: string | null;
  mode: TokenMode;
  accessSecretHash: string | null;
  refreshSecretHash: string | null;
  lifeMs: number;
  issuedAt: number;
  expiresAt: number;
  failsAt: number;
  refreshCount: number;
  revoked: boolean;
}

export type TokenCommand =
  // What TokenIssued records, less the times the decider works out from `now`.
  | ({ type: 'IssueToken'; now: Date } & Omit<Extract<TokenEvent, { type: 'TokenIssued' }>['data'], 'issuedAt' | 'expiresAt' | 'failsAt'>)
  | { type: 'RefreshToken'; refreshSecretHash: string; newAccessSecretHash: string; now: Date }
  | { type: 'RevokeToken'; now: Date };

export const initialTokenState = (): TokenState => ({
  issued: false,
  tokenId: null,
  userId: null,
  userName: null,
  appId: null,
  tenantId: null,
  deviceId: null,
  mode: 'shared',
  accessSecretHash: null,
  refreshSecretHash: null,
  lifeMs: 0,
  issuedAt: 0,
  expiresAt: 0,
  failsAt: 0,
  refreshCount: 0,
  revoked: false,
});

export function evolveToken(state: TokenState, event: TokenEvent): TokenState {
  switch (event.type) {
    case 'TokenIssued': {
      const d = event.data;
      return {
        ...state,
        issued: true,
        tokenId: d.tokenId,
        userId: d.userId,
        userName: d.userName,
        appId: d.appId,
        tenantId: d.tenantId,
        deviceId: d.deviceId,
        mode: d.mode,
        accessSecretHash: d.accessSecretHash,
        refreshSecretHash: d.refreshSecretHash,
        lifeMs: d.lifeMs,
        issuedAt: Date.parse(d.issuedAt),
        expiresAt: Date.parse(d.expiresAt),
        failsAt: Date.parse(d.failsAt),
      };
    }
    case 'TokenRefreshed':
      return {
        ...state,
        accessSecretHash: event.data.accessSecretHash,
        refreshCount: event.data.refreshCount,
        expiresAt: Date.parse(event.data.expiresAt),
        failsAt: Date.parse(event.data.failsAt),
      };
    case 'TokenRevoked':
      return { ...state, revoked: true };
  }
}


export function decideToken(command: TokenCommand, state: TokenState): Decision<TokenEvent> {
  const now = command.now.getTime();
  switch (command.type) {
    case 'IssueToken': {
      if (state.issued) return reject(new DomainError('conflict', 'token id already used'));
      const failsAt = Math.min(now + FAILURE_LIVES * command.lifeMs, now + MAX_SESSION_MS);
      const { type: _t, now: _n, ...rest } = command;
      return accept({
        type: 'TokenIssued',
        data: { ...rest, issuedAt: command.now.toISOString(), expiresAt: new Date(Math.min(now + command.lifeMs, failsAt)).toISOString(), failsAt: new Date(failsAt).toISOString() },
      });
    }
    case 'RefreshToken': {
      // Hashes of 128-bit random secrets: comparing them leaks nothing worth timing.
      if (!state.issued || state.revoked || state.refreshSecretHash !== command.refreshSecretHash) return reject(refusal('credential_invalid'));
      if (now >= state.failsAt) return reject(refusal('credential_failed'));
      if (state.refreshCount >= MAX_REFRESHES) return reject(refusal('refresh_exhausted'));
      const failsAt = Math.min(now + FAILURE_LIVES * state.lifeMs, state.issuedAt + MAX_SESSION_MS);
      return accept({
        type: 'TokenRefreshed',
        data: {
          tokenId: state.tokenId!,
          accessSecretHash: command.newAccessSecretHash,
          refreshCount: state.refreshCount + 1,
          expiresAt: new Date(Math.min(now + state.lifeMs, failsAt)).toISOString(),
          failsAt: new Date(failsAt).toISOString(),
          at: command.now.toISOString(),
        },
      });
    }
    case 'RevokeToken':
      if (!state.issued || state.revoked) return reject(refusal('credential_invalid'));
      return accept({ type: 'TokenRevoked', data: { tokenId: state.tokenId!, at: command.now.toISOString() } });
  }
}

export const tokenDecider: Decider<TokenState, TokenCommand, TokenEvent> = {
  initialState: initialTokenState,
  evolve: evolveToken,
  decide: decideToken,
};

/** The exclusive-mode seat of one (user, app): the token that holds it is the only valid one. */
export interface SeatState {
  tokenId: string | null;
}

export type SeatCommand = { type: 'TakeSeat'; userId: string; appId: string; tokenId: string; now: Date };

export const seatDecider: Decider<SeatState, SeatCommand, SeatEvent> = {
  initialState: () => ({ tokenId: null }),
  evolve: (_state, event) => ({ tokenId: event.data.tokenId }),
  decide: (command, state) =>
    accept({ type: 'SeatTaken', data: { userId: command.userId, appId: command.appId, tokenId: command.tokenId, previousTokenId: state.tokenId, at: command.now.toISOString() } }),
};
