import { randomBytes } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import type { EventMetadata } from '../../eventstore/port';
import { defineQueue } from '../../jobs/definition';
import { wecomClient } from '../../wecom/client';
import { isRetryableWecomError, wecomErrcode } from '../../wecom/errors';
import { refusal } from '../refusals';
import { handleCommand, loadState } from '../handle';
import { accountClaim, loadUser } from '../identity/handler';
import { systemMetadata } from '../system-metadata';
import { messageStream } from './events';
import { messageDecider } from './message-decider';
import type { WecomDeps } from './sync';

export interface MessageJob {
  messageId: string;
}

/** 45009, "system busy" and an unreachable WeCom are retried 0.5, 1, 2, 4 s apart before the message counts as failed. */
export const MESSAGE_QUEUE = defineQueue<MessageJob>('wecom-message', { attempts: 5, backoff: { type: 'exponential', delay: 500 } });

/**
 * Records the message and queues its sending; the caller is answered at once. Only members linked
 * through the directory sync can be messaged: WeCom addresses them by their userid.
 */
export async function queueMessage(deps: WecomDeps, input: { username: string; text: string }, metadata: EventMetadata): Promise<{ messageId: string }> {
  const owner = await deps.store.claimOwner(accountClaim(input.username));
  if (!owner?.startsWith('user-')) throw refusal('user_not_found');
  const userId = owner.slice('user-'.length);
  const { state } = await loadUser({ store: deps.store, dataKey: deps.config.dataKey, snapshots: deps.snapshots }, userId);
  if (!state.wecom?.linked) throw refusal('wecom_message_outsider');
  const messageId = randomBytes(16).toString('hex');
  const command = { type: 'QueueMessage' as const, messageId, userId, username: state.profile!.account, wecomUserId: state.wecom.userId, text: input.text, now: new Date(metadata.time) };
  await handleCommand({ store: deps.store, metadata }, messageStream(messageId), messageDecider, command);
  await deps.queues.add(MESSAGE_QUEUE, 'send', { messageId }, { jobId: `wecom-message-${messageId}` });
  return { messageId };
}

/** One attempt at sending; the outcome is recorded once, on success or on the last attempt. */
export async function sendQueuedMessage(deps: WecomDeps, job: MessageJob, attempt: number, attempts: number): Promise<'sent' | 'already'> {
  const stream = messageStream(job.messageId);
  const { state } = await loadState(deps.store, stream, messageDecider);
  if (!state.queued) throw new UnrecoverableError(`message ${job.messageId} was never queued`);
  if (state.outcome) return 'already';
  const metadata = systemMetadata('wecom-message', `wecom-message-${job.messageId}`);
  const now = new Date(metadata.time);
  try {
    const { msgid } = await wecomClient(deps).sendText(state.queued.wecomUserId, state.queued.text);
    await handleCommand({ store: deps.store, metadata }, stream, messageDecider, { type: 'RecordSent', attempts: attempt, msgid, now });
    return 'sent';
  } catch (err) {
    const retryable = isRetryableWecomError(err);
    if (!retryable || attempt >= attempts) {
      const reason = err instanceof Error ? err.message : String(err);
      await handleCommand({ store: deps.store, metadata }, stream, messageDecider, { type: 'RecordFailed', attempts: attempt, errcode: wecomErrcode(err), reason, now });
    }
    throw retryable ? err : new UnrecoverableError(err instanceof Error ? err.message : String(err));
  }
}
