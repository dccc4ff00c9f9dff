import { accept, reject, type Decider, type Decision } from '../decider';
import { DomainError } from '../domain-error';
import { refusal } from '../refusals';
import { evolveUser, initialUserState, type UserState } from '../identity/decider';
import type { IdentityEvent } from '../identity/events';

/**
 * How a WeCom member's record changes a user: a decider on the identity stream (`user-<id>`)
 * with the identity context's own state and evolve, deciding only the directory-sync commands.
 */
export interface MemberRecord {
  wecomUserId: string;
  name: string;
  mobile: string | null;
  email: string | null;
  headImg: string | null;
  departments: number[];
}

export type MemberCommand =
  | { type: 'SyncWecomMember'; member: MemberRecord; now: Date }
  /** The member is gone from WeCom (left or disabled there). */
  | { type: 'UnlinkWecomMember'; wecomUserId: string; now: Date };

const sameSet = (a: readonly number[], b: readonly number[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();

export function decideMember(command: MemberCommand, state: UserState): Decision<IdentityEvent> {
  if (!state.exists || !state.userId || !state.profile) return reject(refusal('user_not_found'));
  const userId = state.userId;
  const at = command.now.toISOString();
  if (command.type === 'UnlinkWecomMember') {
    if (!state.wecom?.linked || state.wecom.userId !== command.wecomUserId) return accept();
    const unlinked: IdentityEvent = { type: 'UserWecomUnlinked', data: { userId, wecomUserId: command.wecomUserId, at } };
    return state.disabled ? accept(unlinked) : accept<IdentityEvent>(unlinked, { type: 'UserDisabled', data: { userId, at } });
  }

  // A built-in user (the bootstrap administrator) is never taken over by a WeCom member of the same name.
  if (state.builtin) return reject(new DomainError('forbidden', `${state.profile.account} is a built-in user; WeCom does not manage it`));
  const m = command.member;
  const departments = [...m.departments].sort((a, b) => a - b);
  const events: IdentityEvent[] = [];
  const wecom = state.wecom;
  if (!wecom?.linked || wecom.userId !== m.wecomUserId) {
    events.push({ type: 'UserWecomLinked', data: { userId, wecomUserId: m.wecomUserId, departments, at } });
    if (wecom && !wecom.linked && wecom.disabledOnLeave && state.disabled) events.push({ type: 'UserEnabled', data: { userId, at } });
  } else if (!sameSet(wecom.departments, departments)) {
    events.push({ type: 'UserDepartmentsChanged', data: { userId, departments, at } });
  }
  const p = state.profile;
  if (p.name !== m.name || p.mobile !== m.mobile || p.email !== m.email || p.headImg !== m.headImg) {
    events.push({ type: 'UserProfileUpdated', data: { userId, name: m.name, mobile: m.mobile, email: m.email, headImg: m.headImg, at } });
  }
  return accept(...events);
}

export const memberDecider: Decider<UserState, MemberCommand, IdentityEvent> = {
  initialState: initialUserState,
  evolve: evolveUser,
  decide: decideMember,
};
