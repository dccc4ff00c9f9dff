import { MAX_RECORDED_REFUSALS, qrLoginDecider } from '../../src/commands/qrlogin/decider';
import type { QrLoginEvent } from '../../src/commands/qrlogin/events';
import { deciderSpec } from '../support/decider-spec';

const spec = deciderSpec(qrLoginDecider);
const t0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (s: number) => new Date(t0 + s * 1000);
const iso = (s: number) => at(s).toISOString();
const nonceHash = 'a'.repeat(64);

const requested: QrLoginEvent = { type: 'QrLoginRequested', data: { nonceHash, requestedAt: iso(0), expiresAt: iso(60) } };
const scanned = (userId: string, s = 1): QrLoginEvent => ({ type: 'QrLoginScanned', data: { nonceHash, userId, at: iso(s) } });
const confirmed = (userId: string, s = 2): QrLoginEvent => ({ type: 'QrLoginConfirmed', data: { nonceHash, userId, at: iso(s) } });
const issued = (userId: string, s = 3): QrLoginEvent => ({ type: 'QrLoginTokenIssued', data: { nonceHash, userId, at: iso(s) } });
const expired = (s: number): QrLoginEvent => ({ type: 'QrLoginExpired', data: { nonceHash, at: iso(s) } });
const refused = (reason: 'expired' | 'used' | 'confirmed_by_another', userId: string | null, s: number): QrLoginEvent => ({ type: 'QrLoginRefused', data: { nonceHash, userId, reason, at: iso(s) } });

describe('qrlogin: one nonce, one token', () => {
  it('given nothing, when a nonce is requested, then it lives for the TTL', () => {
    spec.given().when({ type: 'RequestQrLogin', nonceHash, ttlSeconds: 60, now: at(0) }).then(requested);
  });

  it('given a requested nonce, when the phone scans, then confirms, then the desktop polls, then one token is issued to the confirming account', () => {
    spec.given(requested).when({ type: 'ScanQrLogin', userId: 'u1', now: at(1) }).then(scanned('u1'));
    spec.given(requested, scanned('u1')).when({ type: 'ConfirmQrLogin', userId: 'u1', now: at(2) }).then(confirmed('u1'));
    spec.given(requested, scanned('u1'), confirmed('u1')).when({ type: 'IssueQrLoginToken', now: at(3) }).then(issued('u1'));
  });

  it('given a used nonce, when it is polled again, then it is refused as gone and the replay is recorded', () => {
    spec.given(requested, confirmed('u1'), issued('u1')).when({ type: 'IssueQrLoginToken', now: at(4) }).thenRefused('not_found', refused('used', null, 4));
  });

  it('given a nonce past its life, when the phone confirms, then its expiry is recorded with the refusal', () => {
    spec.given(requested, scanned('u1')).when({ type: 'ConfirmQrLogin', userId: 'u1', now: at(60) }).thenRefused('not_found', expired(60), refused('expired', 'u1', 60));
  });

  it('given a confirmed nonce past its life, when the desktop polls, then no token is issued', () => {
    spec.given(requested, confirmed('u1')).when({ type: 'IssueQrLoginToken', now: at(61) }).thenRefused('not_found', expired(61), refused('expired', null, 61));
  });

  it('given a nonce not yet scanned or confirmed, when the desktop polls, then it is told to wait, and nothing is recorded', () => {
    spec.given(requested).when({ type: 'IssueQrLoginToken', now: at(1) }).thenRefused('conflict');
    spec.given(requested, scanned('u1')).when({ type: 'IssueQrLoginToken', now: at(2) }).thenRefused('conflict');
  });

  it('given a nonce confirmed by one account, when another scans or confirms, then it is refused; the same account again changes nothing', () => {
    spec.given(requested, confirmed('u1')).when({ type: 'ConfirmQrLogin', userId: 'u2', now: at(3) }).thenRefused('conflict', refused('confirmed_by_another', 'u2', 3));
    spec.given(requested, confirmed('u1')).when({ type: 'ScanQrLogin', userId: 'u2', now: at(3) }).thenRefused('conflict', refused('confirmed_by_another', 'u2', 3));
    spec.given(requested, confirmed('u1')).when({ type: 'ConfirmQrLogin', userId: 'u1', now: at(3) }).then();
  });

  it('expires once: not before the deadline, not twice, not after use, not an unknown nonce', () => {
    spec.given(requested).when({ type: 'ExpireQrLogin', now: at(59) }).then();
    spec.given(requested).when({ type: 'ExpireQrLogin', now: at(60) }).then(expired(60));
    spec.given(requested, expired(60)).when({ type: 'ExpireQrLogin', now: at(70) }).then();
    spec.given(requested, confirmed('u1'), issued('u1')).when({ type: 'ExpireQrLogin', now: at(70) }).then();
    spec.given().when({ type: 'ExpireQrLogin', now: at(70) }).then();
  });

  it('refuses an unknown nonce without creating its stream', () => {
    spec.given().when({ type: 'ConfirmQrLogin', userId: 'u1', now: at(1) }).thenRefused('not_found');
  });

  it(`records at most ${MAX_RECORDED_REFUSALS} refusals per nonce`, () => {
    const history = [requested, confirmed('u1'), issued('u1'), ...Array.from({ length: MAX_RECORDED_REFUSALS }, (_, i) => refused('used', null, 4 + i))];
    spec.given(...history).when({ type: 'IssueQrLoginToken', now: at(30) }).thenRefused('not_found');
  });
});
