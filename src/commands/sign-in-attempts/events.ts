import type { Surface } from '../identity/events';

/**
 * The sign-in attempts context: one stream per client address (an IPv4 address, or an IPv6 /64),
 * `sign-in-address-<address>`. Failures are counted here, per login tried from the address and for
 * the address as a whole, so one address cannot lock an account for everyone else, and a login
 * that names nobody is counted exactly like one that names a user. `loginKey` is a digest of the
 * login as typed (normalised), never the text: people type passwords into the login field.
 */
export type SignInAttemptEvent =
  | {
      type: 'SignInAttemptFailed';
      data: {
        address: string;
        loginKey: string;
        /** The user the login names, when it names one (never shown to the caller). */
        userId: string | null;
        surface: Surface;
        /** `locked`: refused because this login is locked on this address (the proof was not looked at). */
        reason: 'bad_password' | 'locked';
        /** Failures of this login from this address, this one included. */
        failures: number;
        /** Failures from this address across every login, this one included. */
        addressFailures: number;
        at: string;
      };
    }
  | { type: 'SignInLoginLocked'; data: { address: string; loginKey: string; userId: string | null; until: string; failures: number; at: string } }
  | { type: 'SignInAddressThrottled'; data: { address: string; until: string; failures: number; at: string } }
  /** A sign-in of this login from this address succeeded: its failures are forgotten (the address's are not). */
  | { type: 'SignInFailuresCleared'; data: { address: string; loginKey: string; userId: string | null; at: string } };

export type SignInAttemptEventType = SignInAttemptEvent['type'];

export const signInAttemptEventTypes: SignInAttemptEventType[] = ['SignInAttemptFailed', 'SignInLoginLocked', 'SignInAddressThrottled', 'SignInFailuresCleared'];

export const signInAddressStream = (address: string): string => `sign-in-address-${address}`;
