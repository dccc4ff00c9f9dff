import type { Knex } from 'knex';
import { readPage, type Page, type PageRequest } from '../paging';
import type { AppRow } from './apps';

/** Reads of the applications read model. */

/** Newest first. */
export function pageOfApps(knex: Knex, page: PageRequest): Promise<Page<AppRow>> {
  return readPage<AppRow>(knex('apps'), page, [
    { column: 'created_at', order: 'desc' },
    { column: 'id', order: 'desc' },
  ]);
}

export async function appById(knex: Knex, appId: string): Promise<AppRow | null> {
  return ((await knex('apps').where({ id: appId }).first()) as AppRow | undefined) ?? null;
}
