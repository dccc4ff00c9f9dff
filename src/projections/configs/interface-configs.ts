import { configEventTypes, type ConfigEvent } from '../../commands/configs/events';
import type { RecordedEvent } from '../../eventstore/port';
import type { Projection } from '../projection';
import { applyRowFold, type RowFold } from '../upsert';

/** The interface configs, and their change log (one row per change, with the config as it was). */

type Recorded = RecordedEvent<ConfigEvent['type'], ConfigEvent['data']>;

export interface ConfigRow {
  id: string;
  name: string;
  method: string;
  url: string;
  auth_code: string | null;
  limit_gap: number | null;
  limit_cycle: number | null;
  limit_max: number | null;
  message: string | null;
  remark: string | null;
  verify: boolean;
  limited: boolean;
  created_time: string;
  updated_time: string;
}

export interface ConfigLogRow {
  id: string;
  type: 'INSERT' | 'UPDATE' | 'DELETE';
  business: string;
  business_id: string;
  content: object;
  creator: string | null;
  creator_id: string | null;
  created_time: string;
}

export const CONFIG_BUSINESS = '接口配置管理';

const LOG_TYPES: Record<ConfigEvent['type'], ConfigLogRow['type']> = {
  InterfaceConfigCreated: 'INSERT',
  InterfaceConfigUpdated: 'UPDATE',
  InterfaceConfigDeleted: 'DELETE',
};

const configs: RowFold<ConfigRow, Recorded> = {
  table: 'interface_configs',
  key: ['id'],
  keysOf: (r) => ({ id: r.data.config.id }),
  evolve: (_row, r) => {
    if (r.type === 'InterfaceConfigDeleted') return null;
    const c = r.data.config;
    return {
      id: c.id,
      name: c.name,
      method: c.method,
      url: c.url,
      auth_code: c.authCode,
      limit_gap: c.limitGap,
      limit_cycle: c.limitCycle,
      limit_max: c.limitMax,
      message: c.message,
      remark: c.remark,
      verify: c.verify,
      limited: c.limit,
      created_time: c.createdTime,
      updated_time: r.data.at,
    };
  },
};

/** The event id is the log id: stable across rebuilds, 32 hex like the original's ids. */
const logs: RowFold<ConfigLogRow, Recorded> = {
  table: 'interface_config_logs',
  key: ['id'],
  loadExisting: false,
  keysOf: (r) => ({ id: r.eventId.replace(/-/g, '') }),
  evolve: (_row, r, key) => ({
    id: String(key.id),
    type: LOG_TYPES[r.type],
    business: CONFIG_BUSINESS,
    business_id: r.data.config.id,
    content: r.data.config,
    creator: r.data.by.name,
    creator_id: r.data.by.id,
    created_time: r.data.at,
  }),
};

export const interfaceConfigsProjection: Projection = {
  name: 'interface_configs',
  version: 1,
  eventTypes: configEventTypes,
  tables: {
    interface_configs: `
      id text primary key,
      name text not null,
      method text not null,
      url text not null,
      auth_code text,
      limit_gap integer,
      limit_cycle integer,
      limit_max integer,
      message text,
      remark text,
      verify boolean not null,
      limited boolean not null,
      created_time text not null,
      updated_time text not null`,
    interface_config_logs: `
      id text primary key,
      type text not null,
      business text not null,
      business_id text not null,
      content jsonb not null,
      creator text,
      creator_id text,
      created_time text not null`,
  },
  indexes: [
    'create index {{table:interface_configs}}_by_created on {{table:interface_configs}} (created_time desc, id)',
    'create index {{table:interface_config_logs}}_by_created on {{table:interface_config_logs}} (created_time desc, id)',
    'create index {{table:interface_config_logs}}_by_business on {{table:interface_config_logs}} (business_id)',
  ],
  keyColumns: { interface_configs: ['id'], interface_config_logs: ['id'] },
  async apply(trx, events, tables) {
    await applyRowFold(trx, tables, configs, events);
    await applyRowFold(trx, tables, logs, events);
  },
};
