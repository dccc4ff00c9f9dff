import type { AppEvent } from '../../commands/applications/decider';
import type { RecordedEvent } from '../../eventstore/port';
import type { Projection } from '../projection';
import { applyRowFold, type RowFold } from '../upsert';

/** One row per Insight application for the /v1 lists. Sign-ins never read it: they fold the app's stream. */
export interface AppRow {
  id: string;
  name: string;
  token_mode: string;
  token_life_ms: number;
  auto_refresh: boolean;
  created_at: string;
  updated_at: string;
  revision: number;
}

type RecordedAppEvent = RecordedEvent<AppEvent['type'], AppEvent['data']>;

function evolveRow(row: AppRow | null, recorded: RecordedAppEvent): AppRow | null {
  const event = { type: recorded.type, data: recorded.data } as AppEvent;
  const d = event.data;
  if (event.type === 'AppRegistered') {
    return {
      id: d.appId,
      name: d.name,
      token_mode: d.tokenMode,
      token_life_ms: d.tokenLifeMs,
      auto_refresh: d.autoRefresh,
      created_at: event.data.registeredAt,
      updated_at: event.data.registeredAt,
      revision: recorded.revision,
    };
  }
  if (!row) return null;
  return { ...row, name: d.name, token_mode: d.tokenMode, token_life_ms: d.tokenLifeMs, auto_refresh: d.autoRefresh, updated_at: event.data.at, revision: recorded.revision };
}

const appsFold: RowFold<AppRow, RecordedAppEvent> = {
  table: 'apps',
  key: ['id'],
  keysOf: (e) => ({ id: (e.data as { appId: string }).appId }),
  evolve: (row, e) => evolveRow(row, e),
};

export const appsProjection: Projection = {
  name: 'apps',
  version: 1,
  eventTypes: ['AppRegistered', 'AppSettingsChanged'],
  tables: {
    apps: `
      id text primary key,
      name text not null,
      token_mode text not null,
      token_life_ms bigint not null,
      auto_refresh boolean not null,
      created_at text not null,
      updated_at text not null,
      revision integer not null`,
  },
  indexes: ['create index {{table:apps}}_by_created on {{table:apps}} (created_at, id)'],
  keyColumns: { apps: ['id'] },
  async apply(trx, events, tables) {
    await applyRowFold(trx, tables, appsFold, events);
  },
};
