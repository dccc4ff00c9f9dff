import type { DomainError } from '../../src/commands/domain-error';
import assert from 'node:assert/strict';
import { MAX_REFRESHES, seatDecider, tokenDecider } from '../../src/commands/tokens/decider';
import type { TokenEvent } from '../../src/commands/tokens/events';
import { deciderSpec } from '../support/decider-spec';

const spec = deciderSpec(tokenDecider);
const seats = deciderSpec(seatDecider);
const t0 = new Date('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const HOUR = 3_600_000;
const tokenId = 'a'.repeat(32);
const userId = 'b'.repeat(32);
const appId = 'c'.repeat(32);
const LIFE = 2 * HOUR;

const issue = {
  type: 'IssueToken' as const,
  tokenId,
  userId,
  userName: 'Alice',
  appId,
  tenantId: null,
  deviceId: 'phone',
  mode: 'shared' as const,
  method: 'password' as const,
  accessSecretHash: 'access-hash',
  refreshSecretHash: 'refresh-hash',
  lifeMs: LIFE,
  now: t0,
};
const issued: TokenEvent = {
  type: 'TokenIssued',
  data: { ...(({ type: _t, now: _n, ...rest }) => rest)(issue), issuedAt: t0.toISOString(), expiresAt: at(LIFE).toISOString(), failsAt: at(24 * HOUR).toISOString() },
};
const refreshAt = (ms: number, secret = 'refresh-hash') => ({ type: 'RefreshToken' as const, refreshSecretHash: secret, newAccessSecretHash: `access-${ms}`, now: at(ms) });
const refreshed = (ms: number, count: number): TokenEvent => ({
  type: 'TokenRefreshed',
  data: { tokenId, accessSecretHash: `access-${ms}`, refreshCount: count, expiresAt: at(Math.min(ms + LIFE, 24 * HOUR)).toISOString(), failsAt: at(24 * HOUR).toISOString(), at: at(ms).toISOString() },
});

describe('tokens: issuing', () => {
  it('given nothing, when issued, then TokenIssued with expire = life and failure = 12 lives, capped at 24 h', () => {
    spec.given().when(issue).then(issued);
  });

  it('given a long life, when issued, then the failure time is still at most 24 h away', () => {
    const { decision } = spec.given().when({ ...issue, lifeMs: 10 * HOUR });
    const data = (decision.events[0] as Extract<TokenEvent, { type: 'TokenIssued' }>).data;
    assert.equal(data.failsAt, at(24 * HOUR).toISOString());
    assert.equal(data.expiresAt, at(10 * HOUR).toISOString());
  });

  it('given the id is taken, when issued again, then refused', () => {
    spec.given(issued).when(issue).thenRefused('conflict');
  });
});

describe('tokens: refreshing', () => {
  it('given an issued token, when refreshed with its refresh secret, then a new access secret and expire', () => {
    spec.given(issued).when(refreshAt(HOUR)).then(refreshed(HOUR, 1));
  });

  it('given an issued token, when refreshed with another secret, then refused as invalid and nothing recorded', () => {
    const error = spec.given(issued).when(refreshAt(HOUR, 'access-hash')).thenRefused('unauthenticated');
    assert.equal((error as DomainError).reason, 'credential_invalid');
  });

  it(`given ${MAX_REFRESHES} refreshes, when refreshed again, then refused`, () => {
    const history = [issued, ...Array.from({ length: MAX_REFRESHES }, (_, i) => refreshed(i + 1, i + 1))];
    spec.given(...history).when(refreshAt(100)).thenRefused('unauthenticated');
  });

  it('given a token past its failure time, when refreshed, then refused', () => {
    spec.given(issued).when(refreshAt(24 * HOUR)).thenRefused('unauthenticated');
  });

  it('given a refresh late in the day, then the failure time does not move past 24 h from sign-in', () => {
    const { decision } = spec.given(issued).when(refreshAt(23 * HOUR));
    const data = (decision.events[0] as Extract<TokenEvent, { type: 'TokenRefreshed' }>).data;
    assert.equal(data.failsAt, at(24 * HOUR).toISOString());
    assert.equal(data.expiresAt, at(24 * HOUR).toISOString());
  });

  it('given a revoked token, when refreshed, then refused', () => {
    spec.given(issued, { type: 'TokenRevoked', data: { tokenId, at: at(1).toISOString() } }).when(refreshAt(2)).thenRefused('unauthenticated');
  });
});

describe('tokens: revoking', () => {
  it('given an issued token, when revoked, then TokenRevoked', () => {
    spec.given(issued).when({ type: 'RevokeToken', now: at(5) }).then({ type: 'TokenRevoked', data: { tokenId, at: at(5).toISOString() } });
  });

  it('given a revoked or unknown token, when revoked, then refused', () => {
    spec.given(issued, { type: 'TokenRevoked', data: { tokenId, at: at(1).toISOString() } }).when({ type: 'RevokeToken', now: at(5) }).thenRefused('unauthenticated');
    spec.given().when({ type: 'RevokeToken', now: at(5) }).thenRefused('unauthenticated');
  });
});

describe('tokens: the exclusive seat of a (user, app)', () => {
  it('given an empty seat, when taken, then SeatTaken with no previous token', () => {
    seats.given().when({ type: 'TakeSeat', userId, appId, tokenId, now: t0 }).then({ type: 'SeatTaken', data: { userId, appId, tokenId, previousTokenId: null, at: t0.toISOString() } });
  });

  it('given a holder, when another token takes it, then the previous holder is named', () => {
    seats
      .given({ type: 'SeatTaken', data: { userId, appId, tokenId, previousTokenId: null, at: t0.toISOString() } })
      .when({ type: 'TakeSeat', userId, appId, tokenId: 'd'.repeat(32), now: at(1) })
      .then({ type: 'SeatTaken', data: { userId, appId, tokenId: 'd'.repeat(32), previousTokenId: tokenId, at: at(1).toISOString() } });
  });
});
