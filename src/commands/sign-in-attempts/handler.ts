import type { EventMetadata, EventStore } from '../../eventstore/port';
import { sha256Hex } from '../../secrets/digest';
import { handleCommand } from '../handle';
import type { Surface } from '../identity/events';
import type { SnapshotPolicy, SnapshotStore } from '../snapshots';
import { addressDecider } from './decider';
import { clientNetwork } from '../client-network';
import { signInAddressStream } from './events';

/** Bump the schema whenever AddressState or evolveAddress changes. */
export const ADDRESS_SNAPSHOTS: SnapshotPolicy = { schema: 'sign-in-address@1', every: 20 };

/** A digest of the login as the user types it: equal for `Admin` and ` admin`, never the text itself. */
export const signInLoginKey = (login: string): string => sha256Hex(`sign-in-login:${login.trim().toLowerCase()}`).slice(0, 32);

export interface SignInAttempt {
  login: string;
  userId: string | null;
  surface: Surface;
  proofHolds: boolean;
}

/**
 * Records one sign-in attempt on the client address's stream and raises the refusal the policy
 * gives (`invalid_credentials`, `account_locked`, `rate_limited`); resolves when the proof held
 * and neither the login nor the address is locked. Concurrent attempts from one address are
 * decided one after another on that stream, so parallel guesses are counted exactly.
 */
export async function recordSignInAttempt(
  deps: { store: EventStore; snapshots?: SnapshotStore },
  attempt: SignInAttempt,
  metadata: EventMetadata,
): Promise<void> {
  const address = clientNetwork(metadata.clientIp);
  // The caller's name is the login as typed, which may be a password typed into the wrong field.
  const anonymous: EventMetadata = metadata.actor.kind === 'anonymous' ? { ...metadata, actor: { kind: 'anonymous' } } : metadata;
  await handleCommand(
    { store: deps.store, metadata: anonymous, snapshots: deps.snapshots, maxRetries: 30 },
    signInAddressStream(address),
    addressDecider,
    {
      type: 'RecordSignInAttempt',
      address,
      loginKey: signInLoginKey(attempt.login),
      userId: attempt.userId,
      surface: attempt.surface,
      proofHolds: attempt.proofHolds,
      now: new Date(metadata.time),
    },
    { snapshot: ADDRESS_SNAPSHOTS },
  );
}
