import { bitkeyDecider } from '../../src/commands/bitkeys/decider';
import type { BitkeyEvent } from '../../src/commands/bitkeys/events';
import { deciderSpec } from '../support/decider-spec';

const spec = deciderSpec(bitkeyDecider);
const t0 = new Date('2026-01-01T00:00:00.000Z');
const t1 = new Date('2026-01-02T00:00:00.000Z');
const keyId = 'k'.repeat(32);
const create = { type: 'CreateBitkey' as const, keyId, name: 'vendor console', keyHash: 'h'.repeat(64), now: t0 };
const created: BitkeyEvent = { type: 'BitkeyCreated', data: { keyId, name: 'vendor console', keyHash: 'h'.repeat(64), createdAt: t0.toISOString() } };
const revoked: BitkeyEvent = { type: 'BitkeyRevoked', data: { keyId, at: t1.toISOString() } };

describe('bitkeys', () => {
  it('given nothing, when created, then BitkeyCreated with the hash only', () => {
    spec.given().when(create).then(created);
  });
  it('given the key, when created again, then refused as already existing', () => {
    spec.given(created).when(create).thenRefused('already_exists');
  });
  it('given the key, when revoked, then BitkeyRevoked', () => {
    spec.given(created).when({ type: 'RevokeBitkey', now: t1 }).then(revoked);
  });
  it('given a revoked key, when revoked again, then nothing new (it is revoked either way)', () => {
    spec.given(created, revoked).when({ type: 'RevokeBitkey', now: t1 }).then();
  });
  it('given no key, when revoked, then not found', () => {
    spec.given().when({ type: 'RevokeBitkey', now: t1 }).thenRefused('not_found');
  });
});
