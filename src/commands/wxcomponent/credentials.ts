import { UniqueClaimConflictError } from '../../eventstore/errors';
import type { EventMetadata, EventStore } from '../../eventstore/port';
import { sameSecret } from '../../secrets/digest';
import { seal, unseal } from '../../secrets/sealed-box';
import { accept, reject, type Decider, type Decision } from '../decider';
import { DomainError } from '../domain-error';
import { handleCommand } from '../handle';
import { refusal } from '../refusals';
import { userDecider, type UserState } from '../identity/decider';
import { userStream, type IdentityEvent } from '../identity/events';
import { accountClaim } from '../identity/handler';

/**
 * A wxcomponent administrator changing their password or sign-in name (`userpwd {password, oldPassword}`, both
 * MD5 hex). It is the identity user's stream and identity's own `UserPasswordChanged` event;
 * only the decision lives here, folded with identity's evolve, so the user store stays one.
 */
export interface ChangePassword {
  type: 'ChangePassword';
  /** Whether oldPassword matches the sealed MD5: computed by the shell, which holds the key. */
  currentMatches: (sealedPasswordMd5: string) => boolean;
  sealedPasswordMd5: string;
  now: Date;
}

export function decidePasswordChange(command: ChangePassword, state: UserState): Decision<IdentityEvent> {
  if (!state.exists || !state.userId || !state.sealedPasswordMd5) return reject(refusal('admin_account_missing'));
  if (state.disabled) return reject(refusal('admin_account_disabled'));
  if (!command.currentMatches(state.sealedPasswordMd5)) return reject(refusal('admin_password_wrong'));
  return accept({ type: 'UserPasswordChanged', data: { userId: state.userId, sealedPasswordMd5: command.sealedPasswordMd5, changedAt: command.now.toISOString() } });
}

export const passwordChangeDecider: Decider<UserState, ChangePassword, IdentityEvent> = {
  initialState: userDecider.initialState,
  evolve: userDecider.evolve,
  decide: decidePasswordChange,
};

export async function changePassword(
  deps: { store: EventStore; dataKey: Buffer },
  input: { userId: string; oldPasswordMd5: string; newPasswordMd5: string },
  metadata: EventMetadata,
): Promise<void> {
  const old = input.oldPasswordMd5.toLowerCase();
  await handleCommand({ store: deps.store, metadata }, userStream(input.userId), passwordChangeDecider, {
    type: 'ChangePassword',
    currentMatches: (sealed) => {
      try {
        return sameSecret(unseal(sealed, deps.dataKey), old);
      } catch {
        return false;
      }
    },
    sealedPasswordMd5: seal(input.newPasswordMd5.toLowerCase(), deps.dataKey),
    now: new Date(metadata.time),
  });
}

/** `username {username}`: the administrator's sign-in name, unique like every account (a claim moved with the append). */
export interface RenameAccount {
  type: 'RenameAccount';
  account: string;
  now: Date;
}

export function decideRename(command: RenameAccount, state: UserState): Decision<IdentityEvent> {
  if (!state.exists || !state.userId || !state.profile) return reject(refusal('admin_account_missing'));
  const account = command.account.trim();
  if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(account)) return reject(new DomainError('validation_failed', 'username may use letters, digits and _ . @ - (at most 64)'));
  if (account === state.profile.account) return accept();
  return accept({ type: 'UserAccountRenamed', data: { userId: state.userId, account, previousAccount: state.profile.account, at: command.now.toISOString() } });
}

export const renameDecider: Decider<UserState, RenameAccount, IdentityEvent> = {
  initialState: userDecider.initialState,
  evolve: userDecider.evolve,
  decide: decideRename,
};

export async function renameAccount(deps: { store: EventStore }, input: { userId: string; account: string }, metadata: EventMetadata): Promise<void> {
  try {
    await handleCommand({ store: deps.store, metadata }, userStream(input.userId), renameDecider, { type: 'RenameAccount', account: input.account, now: new Date(metadata.time) }, {
      claims: (_state, events) => {
        const renamed = events.find((e) => e.type === 'UserAccountRenamed');
        if (renamed?.type !== 'UserAccountRenamed') return {};
        const claims = [accountClaim(renamed.data.account)];
        // A change of case only keeps the same claim.
        const releases = accountClaim(renamed.data.previousAccount).value === claims[0]!.value ? [] : [accountClaim(renamed.data.previousAccount)];
        return releases.length ? { claims, releases } : {};
      },
    });
  } catch (err) {
    if (err instanceof UniqueClaimConflictError) throw refusal('admin_name_taken');
    throw err;
  }
}
