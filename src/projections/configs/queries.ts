import type { Knex } from 'knex';
import { containing, readPage, type Page, type PageRequest } from '../paging';
import type { ConfigLogRow, ConfigRow } from './interface-configs';

/** Reads of the Insight interface-configs read model: the configs and their change log. */

const NEWEST_FIRST = [
  { column: 'created_time', order: 'desc' as const },
  { column: 'id', order: 'desc' as const },
];

/** Name or url containing the keyword, or authCode equal to it; newest first. */
export function searchInterfaceConfigs(knex: Knex, keyword: string | undefined, page: PageRequest): Promise<Page<ConfigRow>> {
  const base = knex('interface_configs');
  if (keyword) {
    const like = containing(keyword);
    base.where((w) => w.where('name', 'like', like).orWhere('url', 'like', like).orWhere('auth_code', keyword));
  }
  return readPage<ConfigRow>(base, page, NEWEST_FIRST);
}

/** type, businessId or creatorId equal to the keyword, business or creator containing it; newest first. */
export function searchInterfaceConfigLogs(knex: Knex, keyword: string | undefined, page: PageRequest): Promise<Page<ConfigLogRow>> {
  const base = knex('interface_config_logs');
  if (keyword) {
    const like = containing(keyword);
    base.where((w) =>
      w.where('type', keyword.toUpperCase()).orWhere('business_id', keyword).orWhere('creator_id', keyword).orWhere('business', 'like', like).orWhere('creator', 'like', like),
    );
  }
  return readPage<ConfigLogRow>(base, page, NEWEST_FIRST);
}

export async function interfaceConfigById(knex: Knex, id: string): Promise<ConfigRow | null> {
  return ((await knex('interface_configs').where({ id }).first()) as ConfigRow | undefined) ?? null;
}

export async function interfaceConfigLogById(knex: Knex, id: string): Promise<ConfigLogRow | null> {
  return ((await knex('interface_config_logs').where({ id }).first()) as ConfigLogRow | undefined) ?? null;
}

/** Every config, for loading the live set into Redis. */
export async function allInterfaceConfigs(knex: Knex): Promise<ConfigRow[]> {
  return (await knex('interface_configs').select('*')) as ConfigRow[];
}
