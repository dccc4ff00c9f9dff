import { accept, reject, type Decider, type Decision } from '../decider';
import { DomainError } from '../domain-error';
import type { SnapshotPolicy } from '../snapshots';
import type { AuthorizerEvent, AuthorizerProfile, ComponentTokenEvent } from './events';

/**
 * The token streams. Tokens and refresh tokens arrive sealed (the shell seals; deciding stays
 * pure). Both streams grow by one event per refresh, every two hours or so, for as long as the
 * platform runs: they are folded from snapshots.
 */

// --- the component access token (`wxcomponent-token`) ---

export interface ComponentTokenState {
  expiresAt: string | null;
}

export type ComponentTokenCommand = { type: 'RecordComponentAccessToken'; sealedToken: string; expiresAt: Date; now: Date };

export const componentTokenDecider: Decider<ComponentTokenState, ComponentTokenCommand, ComponentTokenEvent> = {
  initialState: () => ({ expiresAt: null }),
  evolve: (_state, event) => ({ expiresAt: event.data.expiresAt }),
  decide: (command) =>
    accept({ type: 'ComponentAccessTokenRefreshed', data: { sealedToken: command.sealedToken, expiresAt: command.expiresAt.toISOString(), at: command.now.toISOString() } }),
};

export const COMPONENT_TOKEN_SNAPSHOTS: SnapshotPolicy = { schema: 'wx-component-token@1', every: 200 };

// --- one authorizer (`wxauthorizer-<appid>`) ---

export interface AuthorizerState {
  /** unknown: nothing recorded yet; unauthorized: the account took its authorization back. */
  status: 'unknown' | 'authorized' | 'unauthorized';
  /** The refresh token WeChat gave us last, sealed; null once unauthorized. */
  sealedRefreshToken: string | null;
}

export type AuthorizerCommand =
  | {
      type: 'RecordAuthorization';
      appid: string;
      source: 'authorized' | 'updateauthorized' | 'pulled';
      profile: AuthorizerProfile;
      sealedRefreshToken: string;
      sealedAccessToken: string | null;
      accessTokenExpiresAt: Date | null;
      authTime: Date;
    }
  | {
      type: 'RecordAuthorizerTokenRefresh';
      appid: string;
      /** The sealed refresh token the refresh was made with, as read from this stream. */
      refreshedWith: string;
      sealedAccessToken: string;
      sealedRefreshToken: string;
      expiresAt: Date;
      now: Date;
    }
  | { type: 'RecordUnauthorization'; appid: string; now: Date };

export function decideAuthorizer(command: AuthorizerCommand, state: AuthorizerState): Decision<AuthorizerEvent> {
  switch (command.type) {
    case 'RecordAuthorization':
      return accept({
        type: 'AuthorizerAuthorized',
        data: {
          appid: command.appid,
          source: command.source,
          profile: command.profile,
          sealedRefreshToken: command.sealedRefreshToken,
          sealedAccessToken: command.sealedAccessToken,
          accessTokenExpiresAt: command.accessTokenExpiresAt?.toISOString() ?? null,
          authTime: command.authTime.toISOString(),
        },
      });
    case 'RecordAuthorizerTokenRefresh':
      if (state.sealedRefreshToken === null) return reject(new DomainError('not_found', `${command.appid} is not an authorizer of this platform`));
      // A re-authorisation recorded meanwhile brought its own tokens: this refresh must not overwrite them.
      if (state.sealedRefreshToken !== command.refreshedWith) return reject(new DomainError('conflict', `${command.appid} was authorised again while its token was refreshed`));
      return accept({
        type: 'AuthorizerTokenRefreshed',
        data: {
          appid: command.appid,
          sealedAccessToken: command.sealedAccessToken,
          sealedRefreshToken: command.sealedRefreshToken,
          expiresAt: command.expiresAt.toISOString(),
          at: command.now.toISOString(),
        },
      });
    case 'RecordUnauthorization':
      if (state.status === 'unauthorized') return accept();
      return accept({ type: 'AuthorizerUnauthorized', data: { appid: command.appid, at: command.now.toISOString() } });
  }
}

export function evolveAuthorizer(state: AuthorizerState, event: AuthorizerEvent): AuthorizerState {
  switch (event.type) {
    case 'AuthorizerAuthorized':
      return { status: 'authorized', sealedRefreshToken: event.data.sealedRefreshToken };
    case 'AuthorizerTokenRefreshed':
      return { ...state, sealedRefreshToken: event.data.sealedRefreshToken };
    case 'AuthorizerUnauthorized':
      return { status: 'unauthorized', sealedRefreshToken: null };
    default:
      return state;
  }
}

export const authorizerDecider: Decider<AuthorizerState, AuthorizerCommand, AuthorizerEvent> = {
  initialState: () => ({ status: 'unknown', sealedRefreshToken: null }),
  evolve: evolveAuthorizer,
  decide: decideAuthorizer,
};

/** Bump the schema when AuthorizerState or evolveAuthorizer changes. */
export const AUTHORIZER_SNAPSHOTS: SnapshotPolicy = { schema: 'wx-authorizer@1', every: 50 };
