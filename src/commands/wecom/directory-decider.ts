import { accept, type Decider, type Decision } from '../decider';
import type { Department, DirectoryEvent } from './events';

/** The directory as last pulled: departments by id, linked members by WeCom userid. */
export interface DirectoryState {
  departments: Record<string, Omit<Department, 'id'>>;
  members: Record<string, string>;
}

export type DirectoryCommand =
  /** The whole department list WeCom gave: what differs from the state becomes events. */
  | { type: 'SyncDepartments'; departments: Department[]; now: Date }
  /** Every member now active in WeCom with the user it is linked to; the others on the roster left. */
  | { type: 'ReconcileMembers'; active: Record<string, string>; now: Date }
  | { type: 'RecordSyncFailure'; errcode: number; reason: string; attempts: number; now: Date };

export const initialDirectory = (): DirectoryState => ({ departments: {}, members: {} });

export function evolveDirectory(state: DirectoryState, event: DirectoryEvent): DirectoryState {
  const departments = { ...state.departments };
  const members = { ...state.members };
  switch (event.type) {
    case 'DepartmentAdded': {
      const { id, name, parentId, order } = event.data;
      departments[id] = { name, parentId, order };
      return { ...state, departments };
    }
    case 'DepartmentRenamed':
      departments[event.data.id] = { ...departments[event.data.id]!, name: event.data.name };
      return { ...state, departments };
    case 'DepartmentMoved':
      departments[event.data.id] = { ...departments[event.data.id]!, parentId: event.data.parentId, order: event.data.order };
      return { ...state, departments };
    case 'DepartmentRemoved':
      delete departments[event.data.id];
      return { ...state, departments };
    case 'WecomMemberJoined':
      members[event.data.wecomUserId] = event.data.userId;
      return { ...state, members };
    case 'WecomMemberLeft':
      delete members[event.data.wecomUserId];
      return { ...state, members };
    case 'WecomSyncFailed':
      return state;
  }
}

function decideDepartments(pulled: Department[], state: DirectoryState, at: string): DirectoryEvent[] {
  const events: DirectoryEvent[] = [];
  const seen = new Set<string>();
  for (const d of [...pulled].sort((a, b) => a.id - b.id)) {
    seen.add(String(d.id));
    const known = state.departments[d.id];
    if (!known) {
      events.push({ type: 'DepartmentAdded', data: { ...d, at } });
      continue;
    }
    if (known.name !== d.name) events.push({ type: 'DepartmentRenamed', data: { id: d.id, name: d.name, previousName: known.name, at } });
    if (known.parentId !== d.parentId || known.order !== d.order) events.push({ type: 'DepartmentMoved', data: { id: d.id, parentId: d.parentId, order: d.order, at } });
  }
  for (const [id, known] of Object.entries(state.departments)) {
    if (!seen.has(id)) events.push({ type: 'DepartmentRemoved', data: { id: Number(id), name: known.name, at } });
  }
  return events;
}

export function decideDirectory(command: DirectoryCommand, state: DirectoryState): Decision<DirectoryEvent> {
  const at = command.now.toISOString();
  switch (command.type) {
    case 'SyncDepartments':
      return accept(...decideDepartments(command.departments, state, at));
    case 'ReconcileMembers': {
      const events: DirectoryEvent[] = [];
      for (const [wecomUserId, userId] of Object.entries(state.members)) {
        if (command.active[wecomUserId] !== userId) events.push({ type: 'WecomMemberLeft', data: { wecomUserId, userId, at } });
      }
      for (const [wecomUserId, userId] of Object.entries(command.active).sort(([a], [b]) => a.localeCompare(b))) {
        if (state.members[wecomUserId] !== userId) events.push({ type: 'WecomMemberJoined', data: { wecomUserId, userId, at } });
      }
      return accept(...events);
    }
    case 'RecordSyncFailure':
      return accept({ type: 'WecomSyncFailed', data: { errcode: command.errcode, reason: command.reason, attempts: command.attempts, at } });
  }
}

export const directoryDecider: Decider<DirectoryState, DirectoryCommand, DirectoryEvent> = {
  initialState: initialDirectory,
  evolve: evolveDirectory,
  decide: decideDirectory,
};
