import type { ExpectedRevision, NewEvent } from './port';

/**
 * The stream's revision by one backward probe of the (stream_id, stream_revision) index, and from
 * it the revision the new events follow (`base`) and whether the expected revision `holds`. The
 * probe is a function (migration 0006) so that no plan made while the log was empty can turn it
 * into a read of the whole table; OFFSET 0 keeps it one call, which the CASEs only read (pulled up
 * into them, it was called once per branch taken, and the literal plans looked cheaper than the
 * cached one, so every append was planned anew).
 */
export function revisionCheck(stream: string, kind: string, revision: string): string {
  return `select case ${kind} when 'exact' then ${revision} when 'no_stream' then -1 else coalesce(c.cur, -1) end as base,
    case ${kind}
      when 'exact' then coalesce(c.cur, -1) = ${revision}
      when 'no_stream' then c.cur is null
      when 'any' then true
      else c.cur is not null
    end as holds
  from (select authledger_stream_revision(${stream}) as cur offset 0) c`;
}

/**
 * The append, as one INSERT. Its rows take the revisions right after the expected one; the
 * unique (stream_id, stream_revision) index then lets exactly one of several racing writers have
 * them, and the unique event_id index turns a re-send into a unique violation the adapter
 * recognises. No rows inserted means the expected revision did not hold.
 *
 * The stream's revision comes from one backward index probe whatever the expected kind, so the
 * plan cached for the statement is as cheap as one made for literal values and PostgreSQL keeps
 * it (a CASE that let literal plans skip the probe made it plan every append anew).
 *
 * $1 stream, $2 kind ('any' | 'stream_exists' | 'no_stream' | 'exact'), $3 revision for
 * 'exact', $4 the events as [{id, type, data, metadata?}] in stream order, $5 the metadata of
 * events sent without their own.
 */
export const APPEND_SQL = `
insert into events (stream_id, stream_revision, event_id, type, data, metadata)
select $1::text, r.base + e.ord, (e.value->>'id')::uuid, e.value->>'type', e.value->'data', coalesce(e.value->'metadata', $5::jsonb)
from (
  ${revisionCheck('$1::text', '$2::text', '$3::bigint')}
) r, jsonb_array_elements($4::jsonb) with ordinality as e(value, ord)
where r.holds
order by e.ord
returning global_position::text, transaction_id::text, stream_revision::text`;

/** Parameters of one append: stream, kind, revision (for 'exact'), the events as JSON, their shared metadata as JSON. */
export type AppendParameters = [string, string, number | null, string, string | null];

export interface AppendedRow {
  global_position: string;
  transaction_id: string;
  stream_revision: string;
}

export function appendParameters(streamId: string, events: NewEvent[], expected: ExpectedRevision): AppendParameters {
  const exact = typeof expected === 'number' && expected >= 0;
  const kind = exact ? 'exact' : typeof expected === 'number' ? 'no_stream' : expected;
  // The events of one decision usually carry one metadata object: it is sent (and parsed) once.
  const shared = events.length > 1 && events.every((e) => e.metadata === events[0]!.metadata) ? events[0]!.metadata : null;
  return [
    streamId,
    kind,
    exact ? expected : null,
    JSON.stringify(events.map((e) => (shared ? { id: e.eventId, type: e.type, data: e.data ?? null } : { id: e.eventId, type: e.type, data: e.data ?? null, metadata: e.metadata }))),
    shared ? JSON.stringify(shared) : null,
  ];
}
