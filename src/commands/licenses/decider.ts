import { createHash } from 'node:crypto';
import { accept, reject, type Decider, type Decision } from '../decider';
import { DomainError } from '../domain-error';
import { SESSION_ERRORS, type LicenseEvent, type LicenseType, type SessionClient, type SessionEnd, type SessionKind } from './events';

export interface LiveSession {
  sessionId: string;
  kind: SessionKind;
  machineId: string;
  priority: number;
  seat: number;
  startedAt: number;
  deadline: number;
}

/** Only live sessions are kept: an ended one is gone, so expiring it twice finds nothing to do. Survives JSON (snapshots). */
export interface LicenseState {
  exists: boolean;
  sn: string | null;
  licenseType: LicenseType | null;
  seats: number;
  validFrom: number;
  validUntil: number;
  disabled: boolean;
  heartbeatSeconds: number;
  sessionTimeoutSeconds: number;
  sessions: Record<string, LiveSession>;
}

/** What the client says about itself; the numbers (fkMidId, fkUserNameId) are derived from it. */
export type ClientInput = Omit<SessionClient, 'fkMidId' | 'fkUserNameId'>;

export type LicenseCommand =
  | {
      type: 'IssueLicense';
      sn: string;
      licenseType: LicenseType;
      seats: number;
      validFrom: Date;
      validUntil: Date;
      disabled: boolean;
      heartbeatSeconds: number;
      sessionTimeoutSeconds: number;
      now: Date;
    }
  | { type: 'DisableLicense'; now: Date }
  | { type: 'EnableLicense'; now: Date }
  /** `priority`: a higher one may take the seat of the lowest-priority online session when the seats are full. */
  | { type: 'Login'; sessionId: string; client: ClientInput; priority: number; now: Date }
  | { type: 'Checkout'; sessionId: string; client: ClientInput; until: Date; now: Date }
  | { type: 'Heartbeat'; sessionId: string; now: Date }
  | { type: 'Logout'; sessionId: string; now: Date }
  | { type: 'Checkin'; sessionId: string; now: Date }
  | { type: 'Kick'; sessionId: string; now: Date }
  /** From the expiry jobs: ends every session whose deadline has passed (one append per SN, however many), else nothing. */
  | { type: 'ExpireOverdue'; now: Date };

export const initialLicenseState = (): LicenseState => ({
  exists: false,
  sn: null,
  licenseType: null,
  seats: 0,
  validFrom: 0,
  validUntil: 0,
  disabled: false,
  heartbeatSeconds: 0,
  sessionTimeoutSeconds: 0,
  sessions: {},
});

/**
 * The vendor's logs number machines and login names (fkMidId, fkUserNameId). A stable 31-bit hash
 * of the name gives the same number to the same machine every time without the stream keeping a
 * table of every machine it ever saw (which would make each event's fold cost grow with it).
 */
export function nameNumber(name: string): number {
  return (createHash('sha256').update(name).digest().readUInt32BE(0) >>> 1) || 1;
}

export function evolveLicense(state: LicenseState, event: LicenseEvent): LicenseState {
  switch (event.type) {
    case 'LicenseIssued': {
      const d = event.data;
      return {
        ...state,
        exists: true,
        sn: d.sn,
        licenseType: d.licenseType,
        seats: d.seats,
        validFrom: Date.parse(d.validFrom),
        validUntil: Date.parse(d.validUntil),
        disabled: d.disabled,
        heartbeatSeconds: d.heartbeatSeconds,
        sessionTimeoutSeconds: d.sessionTimeoutSeconds,
      };
    }
    case 'LicenseDisabled':
      return { ...state, disabled: true };
    case 'LicenseEnabled':
      return { ...state, disabled: false };
    case 'LicenseSessionStarted': {
      const d = event.data;
      const session: LiveSession = { sessionId: d.sessionId, kind: d.kind, machineId: d.machineId, priority: d.priority, seat: d.seat, startedAt: Date.parse(d.startedAt), deadline: Date.parse(d.deadline) };
      return { ...state, sessions: { ...state.sessions, [d.sessionId]: session } };
    }
    case 'LicenseSessionRefused':
      return state;
    case 'LicenseSessionHeartbeat': {
      const s = state.sessions[event.data.sessionId];
      if (!s) return state;
      return { ...state, sessions: { ...state.sessions, [s.sessionId]: { ...s, deadline: Date.parse(event.data.deadline) } } };
    }
    case 'LicenseSessionEnded': {
      if (!state.sessions[event.data.sessionId]) return state;
      const sessions = { ...state.sessions };
      delete sessions[event.data.sessionId];
      return { ...state, sessions };
    }
  }
}

const ended = (sn: string, sessionId: string, status: SessionEnd, now: Date): LicenseEvent => ({
  type: 'LicenseSessionEnded',
  data: { sn, sessionId, status, at: now.toISOString() },
});

/** Sessions past their deadline end first (as the workers would end them), so a dead client never holds a seat. */
function overdue(state: LicenseState, now: Date): LicenseEvent[] {
  return Object.values(state.sessions)
    .filter((s) => s.deadline <= now.getTime())
    .sort((a, b) => a.deadline - b.deadline || a.sessionId.localeCompare(b.sessionId))
    .map((s) => ended(state.sn!, s.sessionId, s.kind === 'login' ? 'timeout' : 'autoCheckin', now));
}

function clientNumbers(client: ClientInput): SessionClient {
  return { ...client, fkMidId: nameNumber(client.machineId), fkUserNameId: client.loginName ? nameNumber(client.loginName) : 0 };
}

/** The lowest free seat number (0-based) once `leaving` sessions are gone. */
function freeSeat(state: LicenseState, leaving: ReadonlySet<string>): number {
  const taken = new Set(Object.values(state.sessions).filter((s) => !leaving.has(s.sessionId)).map((s) => s.seat));
  let seat = 0;
  while (taken.has(seat)) seat++;
  return seat;
}

function refusalOf(state: LicenseState, now: Date): { errorCode: number; failure: string } | null {
  if (state.disabled) return { errorCode: SESSION_ERRORS.licenseDisabled, failure: 'the serial number is disabled' };
  if (now.getTime() < state.validFrom) return { errorCode: SESSION_ERRORS.licenseNotYetValid, failure: 'the serial number is not valid yet' };
  if (now.getTime() >= state.validUntil) return { errorCode: SESSION_ERRORS.licenseExpired, failure: 'the serial number has expired' };
  return null;
}

function refused(state: LicenseState, kind: SessionKind, sessionId: string, client: SessionClient, errorCode: number, failure: string, now: Date, before: LicenseEvent[]): Decision<LicenseEvent> {
  const code = errorCode === SESSION_ERRORS.seatsFull ? 'conflict' : 'forbidden';
  return reject(
    new DomainError(code, failure, { errorCode }),
    ...before,
    { type: 'LicenseSessionRefused', data: { ...client, sn: state.sn!, sessionId, kind, errorCode, failure, at: now.toISOString() } },
  );
}

function startSession(state: LicenseState, command: Extract<LicenseCommand, { type: 'Login' | 'Checkout' }>): Decision<LicenseEvent> {
  const { now, sessionId } = command;
  const kind: SessionKind = command.type === 'Login' ? 'login' : 'checkout';
  const client = clientNumbers(command.client);
  const problem = refusalOf(state, now);
  if (problem) return refused(state, kind, sessionId, client, problem.errorCode, problem.failure, now, []);
  const events = overdue(state, now);
  const leaving = new Set(events.map((e) => (e.data as { sessionId: string }).sessionId));
  const live = () => Object.values(state.sessions).filter((s) => !leaving.has(s.sessionId));
  const priority = command.type === 'Login' ? command.priority : 0;
  // The same machine logging in while its online session lives is a retry whose answer was lost
  // (a legacy client sends no Idempotency-Key): it gets that session back, not a second seat.
  if (command.type === 'Login' && ownLiveLogin(live(), client.machineId)) return accept(...events);

  if (command.type === 'Checkout') {
    // A machine borrows one seat at most: a new checkout replaces (covers) its previous one.
    const previous = live().find((s) => s.kind === 'checkout' && s.machineId === client.machineId);
    if (previous) {
      events.push(ended(state.sn!, previous.sessionId, 'checkoutCover', now));
      leaving.add(previous.sessionId);
    }
  }
  if (live().length >= state.seats) {
    // Only online sessions can be taken over: an offline borrow cannot be told it has lost its seat.
    const victim = live()
      .filter((s) => s.kind === 'login' && s.priority < priority)
      .sort((a, b) => a.priority - b.priority || a.startedAt - b.startedAt || a.sessionId.localeCompare(b.sessionId))[0];
    if (!victim) return refused(state, kind, sessionId, client, SESSION_ERRORS.seatsFull, `all ${state.seats} seats of the serial number are in use`, now, events);
    events.push(ended(state.sn!, victim.sessionId, 'highPriorityKick', now));
    leaving.add(victim.sessionId);
  }
  const deadline = command.type === 'Login' ? new Date(now.getTime() + state.sessionTimeoutSeconds * 1000) : command.until;
  events.push({
    type: 'LicenseSessionStarted',
    data: { ...client, sn: state.sn!, sessionId, kind, priority, seat: freeSeat(state, leaving), startedAt: now.toISOString(), deadline: deadline.toISOString() },
  });
  return accept(...events);
}

/** The machine's online session among the live ones, if any: one machine holds one online seat per SN. */
export function ownLiveLogin(live: readonly LiveSession[], machineId: string): LiveSession | undefined {
  return live.find((s) => s.kind === 'login' && s.machineId === machineId);
}

const sessionGone = () => new DomainError('not_found', 'no live session with this id on the serial number; it has ended or never existed');

/** A live session by the id a client sent: an own entry only, so `constructor` is no session. */
function sessionOf(state: LicenseState, sessionId: string): LicenseState['sessions'][string] | undefined {
  return Object.hasOwn(state.sessions, sessionId) ? state.sessions[sessionId] : undefined;
}

/** Ends a live session of the expected kind, or says why not. A session already past its deadline ends as the workers would end it. */
function endSession(state: LicenseState, sessionId: string, kind: SessionKind, status: SessionEnd, now: Date): Decision<LicenseEvent> {
  const s = sessionOf(state, sessionId);
  if (!s) return reject(sessionGone());
  if (s.kind !== kind) {
    return reject(new DomainError('conflict', kind === 'login' ? 'this session is a checkout; check it in instead' : 'this session is an online login; log out instead'));
  }
  if (s.deadline <= now.getTime()) return reject(sessionGone(), ended(state.sn!, sessionId, kind === 'login' ? 'timeout' : 'autoCheckin', now));
  return accept(ended(state.sn!, sessionId, status, now));
}

export function decideLicense(command: LicenseCommand, state: LicenseState): Decision<LicenseEvent> {
  if (command.type === 'IssueLicense') {
    if (state.exists) return reject(new DomainError('already_exists', 'this serial number already exists'));
    if (command.validUntil.getTime() <= command.validFrom.getTime()) return reject(new DomainError('validation_failed', 'validUntil must be after validFrom'));
    if (command.sessionTimeoutSeconds < command.heartbeatSeconds) {
      return reject(new DomainError('validation_failed', 'sessionTimeoutSeconds must be at least heartbeatSeconds'));
    }
    return accept({
      type: 'LicenseIssued',
      data: {
        sn: command.sn,
        licenseType: command.licenseType,
        seats: command.seats,
        validFrom: command.validFrom.toISOString(),
        validUntil: command.validUntil.toISOString(),
        disabled: command.disabled,
        heartbeatSeconds: command.heartbeatSeconds,
        sessionTimeoutSeconds: command.sessionTimeoutSeconds,
        issuedAt: command.now.toISOString(),
      },
    });
  }
  if (!state.exists) return reject(new DomainError('not_found', 'no such serial number'));
  const sn = state.sn!;
  const now = command.now;
  switch (command.type) {
    case 'DisableLicense':
      return state.disabled ? accept() : accept({ type: 'LicenseDisabled', data: { sn, at: now.toISOString() } });
    case 'EnableLicense':
      return state.disabled ? accept({ type: 'LicenseEnabled', data: { sn, at: now.toISOString() } }) : accept();
    case 'Login':
      return startSession(state, command);
    case 'Checkout':
      if (command.until.getTime() <= now.getTime()) return reject(new DomainError('validation_failed', 'until must be in the future'));
      if (command.until.getTime() > state.validUntil) return reject(new DomainError('validation_failed', 'until must not be after the serial number expires'));
      return startSession(state, command);
    case 'Heartbeat': {
      const s = sessionOf(state, command.sessionId);
      if (!s) return reject(sessionGone());
      if (s.kind !== 'login') return reject(new DomainError('conflict', 'a checkout needs no heartbeat; it lasts until its end time'));
      if (s.deadline <= now.getTime()) return reject(sessionGone(), ended(sn, s.sessionId, 'timeout', now));
      const deadline = new Date(now.getTime() + state.sessionTimeoutSeconds * 1000).toISOString();
      return accept({ type: 'LicenseSessionHeartbeat', data: { sn, sessionId: s.sessionId, at: now.toISOString(), deadline } });
    }
    case 'Logout':
      return endSession(state, command.sessionId, 'login', 'logout', now);
    case 'Checkin':
      return endSession(state, command.sessionId, 'checkout', 'checkin', now);
    case 'Kick': {
      const s = sessionOf(state, command.sessionId);
      if (!s) return reject(sessionGone());
      return accept(ended(sn, s.sessionId, 'kickOut', now));
    }
    case 'ExpireOverdue':
      return accept(...overdue(state, now));
  }
}

export const licenseDecider: Decider<LicenseState, LicenseCommand, LicenseEvent> = {
  initialState: initialLicenseState,
  evolve: evolveLicense,
  decide: decideLicense,
};
