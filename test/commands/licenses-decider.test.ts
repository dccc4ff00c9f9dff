import { licenseDecider, nameNumber, type ClientInput } from '../../src/commands/licenses/decider';
import type { LicenseEvent } from '../../src/commands/licenses/events';
import { deciderSpec } from '../support/decider-spec';

const spec = deciderSpec(licenseDecider);
const t0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (s: number) => new Date(t0 + s * 1000);
const iso = (s: number) => at(s).toISOString();
const sn = 'ABCDEFGHJKLMNPQR';
const client = (machineId: string): ClientInput => ({ machineId, clientVersion: '1', loginName: null, userId: 0, uid: 0, loginIp: null });

const issued = (seats: number): LicenseEvent => ({
  type: 'LicenseIssued',
  data: { sn, licenseType: 'CLOUD', seats, validFrom: iso(0), validUntil: iso(86_400), disabled: false, heartbeatSeconds: 10, sessionTimeoutSeconds: 30, issuedAt: iso(0) },
});
const started = (sessionId: string, machine: number, seat: number, s: number, kind: 'login' | 'checkout' = 'login', priority = 0, deadline = s + 30): LicenseEvent => ({
  type: 'LicenseSessionStarted',
  data: { ...client(`m${machine}`), fkMidId: nameNumber(`m${machine}`), fkUserNameId: 0, sn, sessionId, kind, priority, seat, startedAt: iso(s), deadline: iso(deadline) },
});
const ended = (sessionId: string, status: Extract<LicenseEvent, { type: 'LicenseSessionEnded' }>['data']['status'], s: number): LicenseEvent => ({
  type: 'LicenseSessionEnded',
  data: { sn, sessionId, status, at: iso(s) },
});

describe('licenses: logging in to a serial number', () => {
  it('given a free seat, when a machine logs in, then a session starts on the lowest seat with a deadline one timeout away', () => {
    spec.given(issued(2)).when({ type: 'Login', sessionId: 'a', client: client('m1'), priority: 0, now: at(1) }).then(started('a', 1, 0, 1));
  });

  it('given a machine whose online session lives, when it logs in again (a retry), then nothing is recorded and no second seat taken, even with every seat in use', () => {
    spec.given(issued(1), started('a', 1, 0, 1)).when({ type: 'Login', sessionId: 'b', client: client('m1'), priority: 0, now: at(2) }).then();
  });

  it('given a machine whose online session is past its deadline, when it logs in again, then the old one times out and a new one starts', () => {
    spec
      .given(issued(1), started('a', 1, 0, 1))
      .when({ type: 'Login', sessionId: 'b', client: client('m1'), priority: 0, now: at(40) })
      .then(ended('a', 'timeout', 40), started('b', 1, 0, 40));
  });

  it('given every seat taken, when another logs in, then it is refused (seats full) and the refusal is recorded', () => {
    spec
      .given(issued(1), started('a', 1, 0, 1))
      .when({ type: 'Login', sessionId: 'b', client: client('m2'), priority: 0, now: at(2) })
      .thenRefused('conflict', {
        type: 'LicenseSessionRefused',
        data: { ...client('m2'), fkMidId: nameNumber('m2'), fkUserNameId: 0, sn, sessionId: 'b', kind: 'login', errorCode: 1001, failure: 'all 1 seats of the serial number are in use', at: iso(2) },
      });
  });

  it('given the only seat held by a session past its deadline, when another logs in, then the old one times out and the new one gets the seat', () => {
    spec
      .given(issued(1), started('a', 1, 0, 1))
      .when({ type: 'Login', sessionId: 'b', client: client('m2'), priority: 0, now: at(40) })
      .then(ended('a', 'timeout', 40), started('b', 2, 0, 40));
  });

  it('given full seats, when a higher priority logs in, then the lowest-priority (oldest) online session ends as highPriorityKick', () => {
    spec
      .given(issued(2), started('a', 1, 0, 1, 'login', 3), started('b', 2, 1, 2, 'login', 1))
      .when({ type: 'Login', sessionId: 'c', client: client('m3'), priority: 2, now: at(5) })
      .then(ended('b', 'highPriorityKick', 5), started('c', 3, 1, 5, 'login', 2));
  });

  it('given full seats held by a checkout, when a higher priority logs in, then it is refused: a borrow is never taken over', () => {
    spec
      .given(issued(1), started('a', 1, 0, 1, 'checkout', 0, 3600))
      .when({ type: 'Login', sessionId: 'b', client: client('m2'), priority: 9, now: at(5) })
      .thenRefused('conflict', {
        type: 'LicenseSessionRefused',
        data: { ...client('m2'), fkMidId: nameNumber('m2'), fkUserNameId: 0, sn, sessionId: 'b', kind: 'login', errorCode: 1001, failure: 'all 1 seats of the serial number are in use', at: iso(5) },
      });
  });

  it('given a disabled SN, when logging in, then refused with errorCode 1002 and recorded', () => {
    const e = spec
      .given(issued(1), { type: 'LicenseDisabled', data: { sn, at: iso(1) } })
      .when({ type: 'Login', sessionId: 'a', client: client('m1'), priority: 0, now: at(2) }).decision;
    if (e.error?.details?.errorCode !== 1002 || e.events[0]?.type !== 'LicenseSessionRefused') throw new Error('expected a recorded 1002 refusal');
  });
});

describe('licenses: checkouts, heartbeats and endings', () => {
  it('given a machine with a borrow, when it checks out again, then the previous one ends as checkoutCover and the new one reuses its seat', () => {
    spec
      .given(issued(1), started('a', 1, 0, 1, 'checkout', 0, 3600))
      .when({ type: 'Checkout', sessionId: 'b', client: client('m1'), until: at(7200), now: at(10) })
      .then(ended('a', 'checkoutCover', 10), started('b', 1, 0, 10, 'checkout', 0, 7200));
  });

  it('given a live login, when it heartbeats, then its deadline moves one timeout past now', () => {
    spec
      .given(issued(1), started('a', 1, 0, 1))
      .when({ type: 'Heartbeat', sessionId: 'a', now: at(20) })
      .then({ type: 'LicenseSessionHeartbeat', data: { sn, sessionId: 'a', at: iso(20), deadline: iso(50) } });
  });

  it('given a login past its deadline, when it heartbeats, then it is refused and recorded as timed out', () => {
    spec.given(issued(1), started('a', 1, 0, 1)).when({ type: 'Heartbeat', sessionId: 'a', now: at(31) }).thenRefused('not_found', ended('a', 'timeout', 31));
  });

  it('given a logout, when it logs out again, then not found and nothing recorded', () => {
    spec.given(issued(1), started('a', 1, 0, 1), ended('a', 'logout', 2)).when({ type: 'Logout', sessionId: 'a', now: at(3) }).thenRefused('not_found');
  });

  for (const sessionId of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    it(`given a live login, when a client names session ${sessionId}, then not found and nothing recorded`, () => {
      const given = spec.given(issued(1), started('a', 1, 0, 1));
      for (const type of ['Kick', 'Heartbeat', 'Logout', 'Checkin'] as const) given.when({ type, sessionId, now: at(2) }).thenRefused('not_found');
    });
  }

  it('given a login and a borrow, when an administrator kicks the borrow, then it ends as kickOut', () => {
    spec.given(issued(2), started('a', 1, 0, 1), started('b', 2, 1, 1, 'checkout', 0, 3600)).when({ type: 'Kick', sessionId: 'b', now: at(2) }).then(ended('b', 'kickOut', 2));
  });

  it('given an overdue login and an overdue borrow, when expiring, then timeout and autoCheckin; expiring again records nothing', () => {
    const history = [issued(2), started('a', 1, 0, 1), started('b', 2, 1, 1, 'checkout', 0, 20)];
    spec.given(...history).when({ type: 'ExpireOverdue', now: at(31) }).then(ended('b', 'autoCheckin', 31), ended('a', 'timeout', 31));
    spec.given(...history, ended('b', 'autoCheckin', 31), ended('a', 'timeout', 31)).when({ type: 'ExpireOverdue', now: at(32) }).then();
  });

  it('given sessions not yet due, when expiring, then nothing', () => {
    spec.given(issued(1), started('a', 1, 0, 1)).when({ type: 'ExpireOverdue', now: at(30) }).then();
  });
});
