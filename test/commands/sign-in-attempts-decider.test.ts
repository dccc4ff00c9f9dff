import assert from 'node:assert/strict';
import { addressDecider, LOCK_MS, MAX_ADDRESS_FAILURES, MAX_LOGIN_FAILURES, type RecordSignInAttempt } from '../../src/commands/sign-in-attempts/decider';
import type { SignInAttemptEvent } from '../../src/commands/sign-in-attempts/events';
import { signInLoginKey } from '../../src/commands/sign-in-attempts/handler';
import { deciderSpec } from '../support/decider-spec';

const spec = deciderSpec(addressDecider);
const t0 = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(t0 + ms).toISOString();
const address = '127.0.0.2';
const alice = signInLoginKey('alice');
const ghost = signInLoginKey('ghost');
const aliceId = 'a'.repeat(32);

const attempt = (ms: number, loginKey: string, proofHolds: boolean, userId: string | null = loginKey === alice ? aliceId : null): RecordSignInAttempt => ({
  type: 'RecordSignInAttempt', address, loginKey, userId, surface: 'v1', proofHolds, now: new Date(t0 + ms),
});
const failed = (ms: number, loginKey: string, failures: number, addressFailures: number, reason: 'bad_password' | 'locked' = 'bad_password'): SignInAttemptEvent => ({
  type: 'SignInAttemptFailed',
  data: { address, loginKey, userId: loginKey === alice ? aliceId : null, surface: 'v1', reason, failures, addressFailures, at: iso(ms) },
});
const locked = (ms: number, loginKey: string, failures = MAX_LOGIN_FAILURES): SignInAttemptEvent => ({
  type: 'SignInLoginLocked', data: { address, loginKey, userId: loginKey === alice ? aliceId : null, until: iso(ms + LOCK_MS), failures, at: iso(ms) },
});
/** `n` wrong passwords for a login, 1 ms apart from `from`, counted on top of `addressBefore` earlier failures. */
const failures = (loginKey: string, n: number, from = 1, addressBefore = 0): SignInAttemptEvent[] =>
  Array.from({ length: n }, (_, i) => failed(from + i, loginKey, i + 1, addressBefore + i + 1)).flatMap((e, i) =>
    i + 1 === MAX_LOGIN_FAILURES ? [e, locked(from + i, loginKey)] : [e],
  );

describe('sign-in attempts: counted per login and client address', () => {
  it('given no history, when the proof holds, then nothing is recorded and the sign-in goes on', () => {
    spec.given().when(attempt(0, alice, true)).then();
  });

  it('given four failures, when the fifth password is wrong, then the failure and a 10-minute lock of this login on this address are recorded', () => {
    const error = spec.given(...failures(alice, 4)).when(attempt(5, alice, false)).thenRefused('account_locked', failed(5, alice, 5, 5), locked(5, alice));
    assert.equal(error.details?.lockedUntil, iso(5 + LOCK_MS));
    assert.equal(error.details?.retryAfterSeconds, LOCK_MS / 1000);
  });

  it('given a lock, when the right password arrives from the same address, then it is refused, recorded, and counted against the address', () => {
    const error = spec.given(...failures(alice, 5)).when(attempt(60_000, alice, true)).thenRefused('account_locked', failed(60_000, alice, 5, 6, 'locked'));
    assert.equal(error.details?.retryAfterSeconds, Math.ceil((LOCK_MS - 60_000 + 5) / 1000), 'whole seconds, rounded up');
  });

  it('given a lock of another login on this address, when alice signs in, then she is let through', () => {
    spec.given(...failures(ghost, 5)).when(attempt(10, alice, true)).then();
  });

  it('given a lock that has passed, when the right password arrives, then it goes through with nothing left to record', () => {
    spec.given(...failures(alice, 5)).when(attempt(LOCK_MS + 5, alice, true)).then();
  });

  it('given failures short of a lock, when the right password arrives, then it goes through and the login\'s failures are cleared', () => {
    spec
      .given(...failures(alice, 3))
      .when(attempt(10, alice, true))
      .then({ type: 'SignInFailuresCleared', data: { address, loginKey: alice, userId: aliceId, at: iso(10) } });
  });

  it('given a lock that has passed, when the password is wrong, then the count starts again at one', () => {
    spec.given(...failures(alice, 5)).when(attempt(LOCK_MS + 6, alice, false)).thenRefused('invalid_credentials', failed(LOCK_MS + 6, alice, 1, 1));
  });

  it('given failures more than 10 minutes old, when the password is wrong, then both counts start again at one', () => {
    const error = spec.given(...failures(alice, 3)).when(attempt(LOCK_MS + 3, alice, false)).thenRefused('invalid_credentials', failed(LOCK_MS + 3, alice, 1, 1));
    assert.equal(error.details?.remainingAttempts, MAX_LOGIN_FAILURES - 1);
  });

  it('given failures then a success, when the password is wrong, then the login count starts again but the address count goes on', () => {
    spec
      .given(...failures(alice, 3), { type: 'SignInFailuresCleared', data: { address, loginKey: alice, userId: aliceId, at: iso(4) } })
      .when(attempt(5, alice, false))
      .thenRefused('invalid_credentials', failed(5, alice, 1, 4));
  });

  it('given a login that names nobody, when flooded, then it is answered, counted and locked exactly like a real account', () => {
    const refusals = (loginKey: string) => {
      let history: SignInAttemptEvent[] = [];
      const codes: string[] = [];
      for (let i = 1; i <= 7; i++) {
        const { decision } = spec.given(...history).when(attempt(i, loginKey, false));
        codes.push(`${decision.error?.code}:${decision.error?.details?.remainingAttempts ?? decision.error?.details?.lockedUntil}`);
        history = [...history, ...decision.events];
      }
      return { codes, types: history.map((e) => e.type) };
    };
    assert.deepEqual(refusals(ghost), refusals(alice));
  });

  it(`given ${MAX_ADDRESS_FAILURES - 1} failures from the address across logins, when one more fails, then the address is throttled for 10 minutes`, () => {
    const history = Array.from({ length: MAX_ADDRESS_FAILURES - 1 }, (_, i) => failed(i + 1, signInLoginKey(`user-${i}`), 1, i + 1));
    const n = MAX_ADDRESS_FAILURES;
    spec
      .given(...history)
      .when(attempt(n, ghost, false))
      .thenRefused('invalid_credentials', failed(n, ghost, 1, n), { type: 'SignInAddressThrottled', data: { address, until: iso(n + LOCK_MS), failures: n, at: iso(n) } });
  });

  it('given a throttled address, when any login arrives even with the right password, then rate_limited with a retry time and nothing recorded', () => {
    const throttled: SignInAttemptEvent = { type: 'SignInAddressThrottled', data: { address, until: iso(20 + LOCK_MS), failures: 20, at: iso(20) } };
    const error = spec.given(throttled).when(attempt(60_020, alice, true)).thenRefused('rate_limited');
    assert.equal(error.details?.retryAfterSeconds, (LOCK_MS - 60_000) / 1000);
    spec.given(throttled).when(attempt(LOCK_MS + 20, alice, true)).then();
  });

  it('keeps only live logins in the state, so an address that tried many logins long ago costs nothing', () => {
    const old = Array.from({ length: 50 }, (_, i) => failed(i, signInLoginKey(`old-${i}`), 1, 1));
    const state = [...old, failed(LOCK_MS + 100, alice, 1, 1)].reduce(addressDecider.evolve, addressDecider.initialState());
    assert.deepEqual(Object.keys(state.logins), [alice]);
  });
});

describe('sign-in attempts: how a login is keyed', () => {
  it('keys a login case- and space-insensitively, and never as its text', () => {
    assert.equal(signInLoginKey(' Alice '), signInLoginKey('alice'));
    assert.ok(!signInLoginKey('alice').includes('alice'));
  });
});
