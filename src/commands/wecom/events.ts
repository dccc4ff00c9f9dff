/**
 * The WeCom context. The directory stream (`wecom-directory`) holds the departments pulled from
 * WeCom and the roster (WeCom userid → our user id) of members linked to users; each user's own
 * membership, departments and profile changes are identity events on their stream. Each message
 * sent through WeCom has its own stream (`wecom-message-<id>`).
 */
export const DIRECTORY_STREAM = 'wecom-directory';
export const messageStream = (messageId: string): string => `wecom-message-${messageId}`;

export interface Department {
  id: number;
  name: string;
  parentId: number;
  order: number;
}

export type DirectoryEvent =
  | { type: 'DepartmentAdded'; data: Department & { at: string } }
  | { type: 'DepartmentRenamed'; data: { id: number; name: string; previousName: string; at: string } }
  | { type: 'DepartmentMoved'; data: { id: number; parentId: number; order: number; at: string } }
  | { type: 'DepartmentRemoved'; data: { id: number; name: string; at: string } }
  | { type: 'WecomMemberJoined'; data: { wecomUserId: string; userId: string; at: string } }
  | { type: 'WecomMemberLeft'; data: { wecomUserId: string; userId: string; at: string } }
  /** A sync gave up: WeCom's errcode (-2: not reachable), and the reason without any credential. */
  | { type: 'WecomSyncFailed'; data: { errcode: number; reason: string; attempts: number; at: string } };

export type MessageEvent =
  | { type: 'WecomMessageQueued'; data: { messageId: string; userId: string; username: string; wecomUserId: string; text: string; at: string } }
  | { type: 'WecomMessageSent'; data: { messageId: string; attempts: number; msgid: string | null; at: string } }
  | { type: 'WecomMessageFailed'; data: { messageId: string; attempts: number; errcode: number; reason: string; at: string } };

export const departmentEventTypes: DirectoryEvent['type'][] = ['DepartmentAdded', 'DepartmentRenamed', 'DepartmentMoved', 'DepartmentRemoved'];
