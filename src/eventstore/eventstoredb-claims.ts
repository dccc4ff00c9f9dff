import type { Knex } from 'knex';
import { UniqueClaimConflictError } from './errors';
import type { UniqueClaim } from './port';

/**
 * Unique claims for the EventStoreDB adapter, kept in PostgreSQL (table unique_claims of
 * migration 0001, the same table the PostgreSQL adapter uses). EventStoreDB cannot write two
 * streams atomically, so the adapter claims here before its append and releases after it; see
 * EventStoreDBEventStore.appendToStream for the ordering and its crash windows.
 */
export class PostgresUniqueClaims {
  constructor(private readonly db: Knex) {}

  /**
   * Gives every value to `streamId`, all or nothing, in one transaction committed before this
   * returns. A value the stream already owns is fine. A value another stream owns throws
   * UniqueClaimConflictError (naming the scope only) and keeps none of the values.
   *
   * Returns the claims this call inserted: only those may be deleted again if the append fails
   * (a value the stream already owned before must survive a failed append).
   *
   * Racing claimers of one value serialise on the primary key: the second insert waits for the
   * first transaction and then finds the row, so exactly one stream gets it. Values are inserted
   * in (scope, value) order (the database's) so two multi-value claims cannot deadlock.
   */
  async claim(streamId: string, claims: readonly UniqueClaim[]): Promise<UniqueClaim[]> {
    let pending = dedupeClaims(claims);
    if (pending.length === 0) return [];
    return this.db.transaction(async (trx) => {
      const inserted: UniqueClaim[] = [];
      // A row seen by the insert may be released before we read its owner; then insert again.
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt === 3) throw new UniqueClaimConflictError(pending[0]!);
        const res = await trx.raw(
          `insert into unique_claims (scope, value, stream_id)
           select c.scope, c.value, ? from jsonb_to_recordset(?::jsonb) as c(scope text, value text)
           order by c.scope, c.value
           on conflict (scope, value) do nothing
           returning scope, value`,
          [streamId, JSON.stringify(pending)],
        );
        const now = (res.rows as UniqueClaim[]).map((r) => ({ scope: r.scope, value: r.value }));
        inserted.push(...now);
        const insertedKeys = new Set(now.map(claimKey));
        const existing = pending.filter((c) => !insertedKeys.has(claimKey(c)));
        if (existing.length === 0) break;
        const owners = await trx.raw(
          `select u.scope, u.value, u.stream_id
           from unique_claims u join jsonb_to_recordset(?::jsonb) as c(scope text, value text)
             on u.scope = c.scope and u.value = c.value`,
          [JSON.stringify(existing)],
        );
        const ownerOf = new Map((owners.rows as Array<UniqueClaim & { stream_id: string }>).map((r) => [claimKey(r), r.stream_id]));
        const taken = existing.find((c) => ownerOf.has(claimKey(c)) && ownerOf.get(claimKey(c)) !== streamId);
        if (taken) throw new UniqueClaimConflictError({ scope: taken.scope, value: taken.value });
        pending = existing.filter((c) => !ownerOf.has(claimKey(c)));
      }
      return inserted;
    });
  }

  /** Deletes the values `streamId` owns among `claims` (values owned by other streams are left alone). */
  async release(streamId: string, claims: readonly UniqueClaim[]): Promise<void> {
    const list = dedupeClaims(claims);
    if (list.length === 0) return;
    await this.db.raw(
      `delete from unique_claims u
       using jsonb_to_recordset(?::jsonb) as r(scope text, value text)
       where u.scope = r.scope and u.value = r.value and u.stream_id = ?`,
      [JSON.stringify(list), streamId],
    );
  }

  async owner(claim: UniqueClaim): Promise<string | null> {
    const row = await this.db('unique_claims').where({ scope: claim.scope, value: claim.value }).first('stream_id');
    return (row?.stream_id as string | undefined) ?? null;
  }

  async owners(claims: readonly UniqueClaim[]): Promise<Array<string | null>> {
    if (claims.length === 0) return [];
    const res = await this.db.raw(
      `select u.scope, u.value, u.stream_id from unique_claims u join jsonb_to_recordset(?::jsonb) as c(scope text, value text) on u.scope = c.scope and u.value = c.value`,
      [JSON.stringify(claims.map((c) => ({ scope: c.scope, value: c.value })))],
    );
    const ownerOf = new Map((res.rows as Array<UniqueClaim & { stream_id: string }>).map((r) => [claimKey(r), r.stream_id]));
    return claims.map((c) => ownerOf.get(claimKey(c)) ?? null);
  }
}

export function claimKey(c: UniqueClaim): string {
  return JSON.stringify([c.scope, c.value]);
}

export function dedupeClaims(claims: readonly UniqueClaim[]): UniqueClaim[] {
  const seen = new Map<string, UniqueClaim>();
  for (const c of claims) seen.set(claimKey(c), { scope: c.scope, value: c.value });
  return [...seen.values()];
}

/** Releases that are not also claimed by the same append (a value both released and claimed ends up claimed, as in the PostgreSQL adapter). */
export function releasesWithoutClaims(releases: readonly UniqueClaim[], claims: readonly UniqueClaim[]): UniqueClaim[] {
  const claimed = new Set(claims.map(claimKey));
  return dedupeClaims(releases).filter((r) => !claimed.has(claimKey(r)));
}
