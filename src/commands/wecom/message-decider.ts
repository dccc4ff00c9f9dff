import { accept, reject, type Decider, type Decision } from '../decider';
import { DomainError } from '../domain-error';
import type { MessageEvent } from './events';

/** One message sent through WeCom: queued once, then exactly one outcome. */
export interface MessageState {
  queued: Extract<MessageEvent, { type: 'WecomMessageQueued' }>['data'] | null;
  outcome: 'sent' | 'failed' | null;
}

export type MessageCommand =
  | { type: 'QueueMessage'; messageId: string; userId: string; username: string; wecomUserId: string; text: string; now: Date }
  | { type: 'RecordSent'; attempts: number; msgid: string | null; now: Date }
  | { type: 'RecordFailed'; attempts: number; errcode: number; reason: string; now: Date };

export const initialMessage = (): MessageState => ({ queued: null, outcome: null });

export function evolveMessage(state: MessageState, event: MessageEvent): MessageState {
  switch (event.type) {
    case 'WecomMessageQueued':
      return { ...state, queued: event.data };
    case 'WecomMessageSent':
      return { ...state, outcome: 'sent' };
    case 'WecomMessageFailed':
      return { ...state, outcome: 'failed' };
  }
}

export function decideMessage(command: MessageCommand, state: MessageState): Decision<MessageEvent> {
  const at = command.now.toISOString();
  if (command.type === 'QueueMessage') {
    if (state.queued) return reject(new DomainError('already_exists', 'message already queued'));
    const { messageId, userId, username, wecomUserId, text } = command;
    return accept({ type: 'WecomMessageQueued', data: { messageId, userId, username, wecomUserId, text, at } });
  }
  if (!state.queued) return reject(new DomainError('not_found', 'no such message'));
  // The outcome is recorded once: a job retried after recording it changes nothing.
  if (state.outcome) return accept();
  const messageId = state.queued.messageId;
  if (command.type === 'RecordSent') return accept({ type: 'WecomMessageSent', data: { messageId, attempts: command.attempts, msgid: command.msgid, at } });
  return accept({ type: 'WecomMessageFailed', data: { messageId, attempts: command.attempts, errcode: command.errcode, reason: command.reason, at } });
}

export const messageDecider: Decider<MessageState, MessageCommand, MessageEvent> = {
  initialState: initialMessage,
  evolve: evolveMessage,
  decide: decideMessage,
};
