import assert from 'node:assert/strict';
import type { Decider } from '../../src/commands/decider';
import type { DomainErrorCode } from '../../src/commands/domain-error';

/**
 * Given/when/then for pure deciders: given past events, when a command, then new events or a
 * refusal (which may itself carry events, e.g. a recorded failed login).
 */
export function deciderSpec<S, C, E extends { type: string }>(decider: Decider<S, C, E>) {
  return {
    given(...history: E[]) {
      const state = history.reduce(decider.evolve, decider.initialState());
      return {
        when(command: C) {
          const decision = decider.decide(command, state);
          return {
            then(...expected: E[]) {
              assert.equal(decision.error, undefined, `expected events, got refusal ${decision.error?.code}: ${decision.error?.message}`);
              assert.deepEqual(decision.events, expected);
            },
            thenRefused(code: DomainErrorCode, ...expected: E[]) {
              assert.ok(decision.error, `expected refusal ${code}, got events ${decision.events.map((e) => e.type).join(', ')}`);
              assert.equal(decision.error.code, code);
              assert.deepEqual(decision.events, expected);
              return decision.error;
            },
            /** For events with generated parts: inspect them yourself. */
            decision,
          };
        },
      };
    },
  };
}
