import { accept, reject, type Decider } from '../decider';
import { DomainError } from '../domain-error';
import type { BitkeyEvent } from './events';

export interface BitkeyState {
  exists: boolean;
  keyId: string | null;
  keyHash: string | null;
  revoked: boolean;
}

export type BitkeyCommand = { type: 'CreateBitkey'; keyId: string; name: string; keyHash: string; now: Date } | { type: 'RevokeBitkey'; now: Date };

export const bitkeyDecider: Decider<BitkeyState, BitkeyCommand, BitkeyEvent> = {
  initialState: () => ({ exists: false, keyId: null, keyHash: null, revoked: false }),
  evolve(state, event) {
    if (event.type === 'BitkeyCreated') return { exists: true, keyId: event.data.keyId, keyHash: event.data.keyHash, revoked: false };
    return { ...state, revoked: true };
  },
  decide(command, state) {
    if (command.type === 'CreateBitkey') {
      if (state.exists) return reject(new DomainError('already_exists', 'this key already exists'));
      return accept({ type: 'BitkeyCreated', data: { keyId: command.keyId, name: command.name, keyHash: command.keyHash, createdAt: command.now.toISOString() } });
    }
    if (!state.exists) return reject(new DomainError('not_found', 'no such bitkey'));
    // Revoking twice is not an error: the key is revoked either way.
    return state.revoked ? accept() : accept({ type: 'BitkeyRevoked', data: { keyId: state.keyId!, at: command.now.toISOString() } });
  },
};
