import type { Knex } from 'knex';
import { containing, readPage, type Page, type PageRequest } from '../paging';
import type { UserRow } from './users';

/** Reads of the users read model: the only way routes and the gateway read it. */

const matchingUserText = (text: string | undefined) => (q: Knex.QueryBuilder) => {
  const trimmed = text?.trim();
  if (!trimmed) return;
  const like = containing(trimmed);
  q.where((w) => w.whereILike('account', like).orWhereILike('name', like).orWhereILike('mobile', like).orWhereILike('email', like));
};

/** `/v1/users`: account, name, mobile or email containing the keyword; newest first. */
export function searchUsersNewestFirst(knex: Knex, keyword: string | undefined, page: PageRequest): Promise<Page<UserRow>> {
  return readPage<UserRow>(knex('users').modify(matchingUserText(keyword)), page, [
    { column: 'created_at', order: 'desc' },
    { column: 'id', order: 'desc' },
  ]);
}

/** Laravel `/api/users`: the same search, oldest first as Laravel's paginate() gives them. */
export function searchUsersOldestFirst(knex: Knex, search: string | undefined, page: PageRequest): Promise<Page<UserRow>> {
  return readPage<UserRow>(knex('users').modify(matchingUserText(search)), page, [
    { column: 'created_at', order: 'asc' },
    { column: 'id', order: 'asc' },
  ]);
}

/** The name on a user's account; null when unknown (or the read model is not there yet). */
export async function userNameById(knex: Knex, userId: string): Promise<string | null> {
  const row = (await knex('users').where({ id: userId }).first('name').catch(() => undefined)) as { name?: string } | undefined;
  return row?.name ?? null;
}
