import { randomBytes } from 'node:crypto';
import type { EventMetadata, EventStore } from '../../eventstore/port';
import type { JobQueues } from '../../runtime/queues';
import { handleCommand, loadState } from '../handle';
import type { SnapshotPolicy, SnapshotStore } from '../snapshots';
import { licenseDecider, ownLiveLogin, type ClientInput, type LicenseCommand, type LicenseState } from './decider';
import { licenseStream, type LicenseEvent } from './events';
import { expiryDueAt, scheduleExpiry } from './expiry';

export interface LicenseDeps {
  store: EventStore;
  snapshots: SnapshotStore;
  queues: JobQueues;
}

/** Every session event lands on the SN's stream: busy SNs are folded from a snapshot. Bump the schema when LicenseState or evolve changes. */
export const LICENSE_SNAPSHOTS: SnapshotPolicy = { schema: 'license-state@2', every: 50 };

/** 16 characters from an alphabet without look-alikes (0/O, 1/I), as users type serial numbers. */
const SN_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export function newSerialNumber(): string {
  return [...randomBytes(16)].map((b) => SN_ALPHABET[b % SN_ALPHABET.length]).join('');
}

/** 128 random bits: the session id is what proves a client owns the session. */
export const newSessionId = (): string => randomBytes(16).toString('hex');

function run(deps: LicenseDeps, sn: string, command: LicenseCommand, metadata: EventMetadata) {
  return handleCommand<LicenseState, LicenseCommand, LicenseEvent>({ store: deps.store, metadata, snapshots: deps.snapshots }, licenseStream(sn), licenseDecider, command, {
    snapshot: LICENSE_SNAPSHOTS,
  });
}

/** After a successful append: the expiry job of each new session's deadline slot (shared, idempotent). */
async function followUp(deps: LicenseDeps, sn: string, events: LicenseEvent[]): Promise<void> {
  // Heartbeats only push deadlines later, and the job at the earlier one re-arms itself: only a new session needs a job.
  const due = new Set(events.flatMap((e) => (e.type === 'LicenseSessionStarted' ? [expiryDueAt(Date.parse(e.data.deadline))] : [])));
  // The session is stored: the client must hear so. Should Redis not take the job, the periodic
  // sweep (LICENSE_SWEEP_MS) ends the session once past its deadline instead.
  await Promise.all([...due].map((dueAt) => scheduleExpiry(deps.queues, sn, dueAt).catch(() => undefined)));
}

/** The IssueLicense command without what the handler supplies (the SN and the clock). */
export type IssueLicenseInput = Omit<Extract<LicenseCommand, { type: 'IssueLicense' }>, 'type' | 'sn' | 'now'>;

export async function issueLicense(deps: LicenseDeps, input: IssueLicenseInput, metadata: EventMetadata): Promise<{ sn: string }> {
  const sn = newSerialNumber();
  await run(deps, sn, { type: 'IssueLicense', sn, ...input, now: new Date(metadata.time) }, metadata);
  return { sn };
}

export async function setLicenseDisabled(deps: LicenseDeps, sn: string, disabled: boolean, metadata: EventMetadata): Promise<void> {
  await run(deps, sn, { type: disabled ? 'DisableLicense' : 'EnableLicense', now: new Date(metadata.time) }, metadata);
}

/** Runs a session command; whatever it appended (even on a refusal, e.g. timeouts it found) gets its jobs. */
async function sessionCommand(deps: LicenseDeps, sn: string, command: LicenseCommand, metadata: EventMetadata): Promise<LicenseState> {
  // A refusal's own events (timeouts found on the way) are appended but get no follow-up: forgetting their jobs is only a tidy-up.
  const result = await run(deps, sn, command, metadata);
  await followUp(deps, sn, result.events);
  return result.state;
}

export async function loginSession(
  deps: LicenseDeps,
  input: { sn: string; client: ClientInput; priority: number },
  metadata: EventMetadata,
): Promise<{ sessionId: string; heartbeatSeconds: number; sessionTimeoutSeconds: number; expiresAt: string }> {
  const state = await sessionCommand(deps, input.sn, { type: 'Login', sessionId: newSessionId(), client: input.client, priority: input.priority, now: new Date(metadata.time) }, metadata);
  // A new session, or the one this machine already holds (a retried login).
  const session = ownLiveLogin(Object.values(state.sessions), input.client.machineId)!;
  return { sessionId: session.sessionId, heartbeatSeconds: state.heartbeatSeconds, sessionTimeoutSeconds: state.sessionTimeoutSeconds, expiresAt: new Date(session.deadline).toISOString() };
}

export async function checkoutSession(deps: LicenseDeps, input: { sn: string; client: ClientInput; until: Date }, metadata: EventMetadata): Promise<{ sessionId: string; until: string }> {
  const sessionId = newSessionId();
  await sessionCommand(deps, input.sn, { type: 'Checkout', sessionId, client: input.client, until: input.until, now: new Date(metadata.time) }, metadata);
  return { sessionId, until: input.until.toISOString() };
}

export async function heartbeatSession(deps: LicenseDeps, sn: string, sessionId: string, metadata: EventMetadata): Promise<{ expiresAt: string; heartbeatSeconds: number }> {
  const state = await sessionCommand(deps, sn, { type: 'Heartbeat', sessionId, now: new Date(metadata.time) }, metadata);
  return { expiresAt: new Date(state.sessions[sessionId]!.deadline).toISOString(), heartbeatSeconds: state.heartbeatSeconds };
}

export type EndingCommand = 'Logout' | 'Checkin' | 'Kick';

export async function endSession(deps: LicenseDeps, sn: string, sessionId: string, type: EndingCommand, metadata: EventMetadata): Promise<void> {
  await sessionCommand(deps, sn, { type, sessionId, now: new Date(metadata.time) }, metadata);
}

/** Ends every overdue session of the SN; returns the ids it ended (none when a job runs again: idempotent). */
export async function expireOverdue(deps: LicenseDeps, sn: string, metadata: EventMetadata): Promise<string[]> {
  const result = await run(deps, sn, { type: 'ExpireOverdue', now: new Date(metadata.time) }, metadata);
  await followUp(deps, sn, result.events);
  return result.events.flatMap((e) => (e.type === 'LicenseSessionEnded' ? [e.data.sessionId] : []));
}

export async function loadLicense(deps: Pick<LicenseDeps, 'store' | 'snapshots'>, sn: string): Promise<LicenseState> {
  return (await loadState<LicenseState, LicenseEvent>(deps.store, licenseStream(sn), licenseDecider, { store: deps.snapshots, policy: LICENSE_SNAPSHOTS })).state;
}
