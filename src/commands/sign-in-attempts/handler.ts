import type { EventMetadata, EventStore } from '../../eventstore/port';
import { sha256Hex } from '../../secrets/digest';
import { handleCommand, loadState } from '../handle';
import { recentStates } from '../recent-states';
import type { Surface } from '../identity/events';
import type { SnapshotPolicy, SnapshotStore } from '../snapshots';
import { addressDecider, type RecordSignInAttempt } from './decider';
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
 * and neither the login nor the address is locked. Concurrent attempts from one address that
 * record something are decided one after another on that stream, so parallel guesses are counted
 * exactly.
 */
export async function recordSignInAttempt(
  deps: { store: EventStore; snapshots?: SnapshotStore },
  attempt: SignInAttempt,
  metadata: EventMetadata,
): Promise<void> {
  const address = clientNetwork(metadata.clientIp);
  // The caller's name is the login as typed, which may be a password typed into the wrong field.
  const anonymous: EventMetadata = metadata.actor.kind === 'anonymous' ? { ...metadata, actor: { kind: 'anonymous' } } : metadata;
  const stream = signInAddressStream(address);
  const command: RecordSignInAttempt = {
    type: 'RecordSignInAttempt',
    address,
    loginKey: signInLoginKey(attempt.login),
    userId: attempt.userId,
    surface: attempt.surface,
    proofHolds: attempt.proofHolds,
    now: new Date(metadata.time),
  };
  if (attempt.proofHolds && (await passesWithoutRecord(deps, stream, command))) return;
  await handleCommand({ store: deps.store, metadata: anonymous, snapshots: deps.snapshots, maxRetries: 30 }, stream, addressDecider, command, { snapshot: ADDRESS_SNAPSHOTS });
}

/**
 * Most sign-ins hold their proof and record nothing (no failures to clear, no lock): decided on
 * the address's stream as read, outside the queue that orders the attempts that do record, so the
 * sign-ins of one address (an office behind one NAT address, every bench client) no longer wait
 * for each other's reads. Anything else (a lock, failures to clear, a throttle) is decided again
 * in the queue on the stream as read, as every attempt was. A stream read empty is remembered
 * as such, so the next attempt skips the snapshot lookup and reads only what was written since.
 */
async function passesWithoutRecord(deps: { store: EventStore; snapshots?: SnapshotStore }, stream: string, command: RecordSignInAttempt): Promise<boolean> {
  const { state, revision } = await loadState(deps.store, stream, addressDecider, deps.snapshots ? { store: deps.snapshots, policy: ADDRESS_SNAPSHOTS } : undefined);
  if (revision < 0 && !recentStates.get(deps.store, addressDecider, stream)) recentStates.set(deps.store, addressDecider, stream, { revision, state, snapshotRevision: -1 });
  const decision = addressDecider.decide(command, state);
  if (decision.events.length > 0) return false;
  if (decision.error) throw decision.error;
  return true;
}
