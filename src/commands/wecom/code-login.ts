import type { EventMetadata } from '../../eventstore/port';
import { wecomClient } from '../../wecom/client';
import { WecomApiError, wecomDomainError } from '../../wecom/errors';
import { refusal } from '../refusals';
import { accountClaim, loadUser, signInWithCheckedProof } from '../identity/handler';
import { requestDirectorySync, type WecomDeps } from './sync';

/**
 * WeCom OAuth sign-in: the code names a member (getuserinfo → UserId), the member's userid is a
 * username. A member we have not linked yet starts a directory sync and is asked to retry; the
 * sign-in itself goes through the identity decider, so disabled and locked users are refused.
 */
export async function signInWithWecomCode(deps: WecomDeps, code: string, metadata: EventMetadata): Promise<{ userId: string }> {
  let visitor;
  try {
    visitor = await wecomClient(deps).visitorByCode(code);
  } catch (err) {
    if (err instanceof WecomApiError && err.kind === 'bad_code') {
      throw refusal('wecom_code_invalid', { errcode: err.errcode });
    }
    throw wecomDomainError(err);
  }
  if (!('userId' in visitor)) throw refusal('wecom_outsider');

  const owner = await deps.store.claimOwner(accountClaim(visitor.userId));
  const userId = owner?.startsWith('user-') ? owner.slice('user-'.length) : null;
  const identity = { store: deps.store, dataKey: deps.config.dataKey, snapshots: deps.snapshots };
  const linked = userId ? (await loadUser(identity, userId)).state.wecom : null;
  if (!userId || !linked?.linked || linked.userId.toLowerCase() !== visitor.userId.toLowerCase()) {
    await requestDirectorySync(deps.queues, 'codelogin');
    throw refusal('wecom_member_syncing', { retryAfterSeconds: 5, syncing: true });
  }
  await signInWithCheckedProof(identity, userId, true, 'laravel', metadata);
  return { userId };
}
