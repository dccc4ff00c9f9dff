import { departmentEventTypes, type DirectoryEvent } from '../../commands/wecom/events';
import type { RecordedEvent } from '../../eventstore/port';
import type { Projection } from '../projection';
import { applyRowFold, type RowFold } from '../upsert';

/** One row per WeCom department, as the last directory sync found it; a removed one is deleted. */
export interface DepartmentRow {
  id: number;
  name: string;
  parentid: number;
  sort_order: number;
  created_at: string;
  updated_at: string;
}

type DepartmentEvent = RecordedEvent<DirectoryEvent['type'], DirectoryEvent['data']>;

function evolveRow(row: DepartmentRow | null, recorded: DepartmentEvent): DepartmentRow | null {
  const event = { type: recorded.type, data: recorded.data } as DirectoryEvent;
  switch (event.type) {
    case 'DepartmentAdded': {
      const d = event.data;
      return { id: d.id, name: d.name, parentid: d.parentId, sort_order: d.order, created_at: d.at, updated_at: d.at };
    }
    case 'DepartmentRenamed':
      return row && { ...row, name: event.data.name, updated_at: event.data.at };
    case 'DepartmentMoved':
      return row && { ...row, parentid: event.data.parentId, sort_order: event.data.order, updated_at: event.data.at };
    case 'DepartmentRemoved':
      return null;
    default:
      return row;
  }
}

const departmentsFold: RowFold<DepartmentRow, DepartmentEvent> = {
  table: 'wecom_departments',
  key: ['id'],
  keysOf: (e) => ({ id: (e.data as { id: number }).id }),
  evolve: (row, e) => evolveRow(row, e),
};

export const departmentsProjection: Projection = {
  name: 'wecom_departments',
  version: 1,
  eventTypes: departmentEventTypes,
  tables: {
    wecom_departments: `
      id integer primary key,
      name text not null,
      parentid integer not null,
      sort_order integer not null,
      created_at text not null,
      updated_at text not null`,
  },
  indexes: ['create index {{table:wecom_departments}}_by_order on {{table:wecom_departments}} (parentid, sort_order, id)'],
  keyColumns: { wecom_departments: ['id'] },
  async apply(trx, events, tables) {
    await applyRowFold(trx, tables, departmentsFold, events);
  },
};
