import { APPEND_SQL, revisionCheck, type AppendedRow, type AppendParameters } from './postgres-append';

/**
 * Group commit for appends outside a caller's transaction. While `maxStatements` appends are
 * already on their way to PostgreSQL, later ones wait here and leave together as ONE statement
 * (one transaction, one WAL flush), each keeping its own expected-revision check. When the load is
 * light nothing waits: an append goes out alone, as the single-append statement.
 *
 * A batch never holds two appends to one stream, and no stream is in two statements at once, so
 * the batch statement cannot race itself; batches insert in stream order, so two processes'
 * batches wait on each other's rows in the same order and cannot deadlock. If the batch hits a
 * unique violation anyway (a re-sent event id, a writer in another process), it is rolled back
 * whole and every append in it is retried alone, so each gets exactly its own outcome. An expected
 * revision that does not hold (a retried WeChat push: no_stream on a recorded stream) is not such
 * a violation: the statement skips that append, the rest of the batch lands, and the append sees
 * no rows, its wrong-expected-version answer.
 *
 * Each stream's revision is read by one backward probe of the (stream_id, stream_revision) index,
 * written so that even the plan a connection makes on an empty log stays that probe: an EXISTS
 * per revision here once became a hashed subplan that read the whole table on every batch.
 */
export const APPEND_BATCH_SQL = `
insert into events (stream_id, stream_revision, event_id, type, data, metadata)
select a.s, r.base + e.ord, (e.value->>'id')::uuid, e.value->>'type', e.value->'data', coalesce(e.value->'metadata', a.m)
from jsonb_to_recordset($1::jsonb) as a(s text, k text, r bigint, e jsonb, m jsonb)
cross join lateral (
  ${revisionCheck('a.s', 'a.k', 'a.r')}
) r
cross join lateral jsonb_array_elements(a.e) with ordinality as e(value, ord)
where r.holds
order by a.s, e.ord
returning stream_id, global_position::text, transaction_id::text, stream_revision::text`;

/** Runs a named statement on a pooled connection (the store's own `prepared`). */
export type RunStatement = <Row extends object>(name: string, text: string, values: unknown[]) => Promise<Row[]>;

interface Pending {
  values: AppendParameters;
  resolve(rows: AppendedRow[]): void;
  reject(err: unknown): void;
}

const MAX_APPENDS_PER_BATCH = 200;
/** Big appends (imports, long event lists) go in statements of a sane size; one alone may be bigger. */
const MAX_BATCH_CHARS = 4 * 1024 * 1024;
/** Violations a batch can hit that one of its appends alone would answer differently. */
const RETRY_ALONE = new Set(['23505', '40P01']);

export class GroupCommit {
  private readonly waiting: Pending[] = [];
  private readonly streamsInFlight = new Set<string>();
  private statements = 0;

  constructor(
    private readonly run: RunStatement,
    private readonly maxStatements: number,
  ) {}

  append(values: AppendParameters): Promise<AppendedRow[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ values, resolve, reject });
      this.send();
    });
  }

  private send(): void {
    while (this.statements < this.maxStatements && this.waiting.length > 0) {
      const batch = this.takeBatch();
      if (batch.length === 0) return;
      this.statements++;
      for (const p of batch) this.streamsInFlight.add(p.values[0]);
      void this.flush(batch).finally(() => {
        this.statements--;
        for (const p of batch) this.streamsInFlight.delete(p.values[0]);
        this.send();
      });
    }
  }

  /** The waiting appends whose streams are free, one per stream, oldest first. */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const streams = new Set<string>();
    let chars = 0;
    for (let i = 0; i < this.waiting.length && batch.length < MAX_APPENDS_PER_BATCH; ) {
      const p = this.waiting[i]!;
      const stream = p.values[0];
      const size = p.values[3].length + (p.values[4]?.length ?? 0);
      if (this.streamsInFlight.has(stream) || streams.has(stream) || (batch.length > 0 && chars + size > MAX_BATCH_CHARS)) {
        i++;
        continue;
      }
      streams.add(stream);
      batch.push(p);
      chars += size;
      this.waiting.splice(i, 1);
    }
    return batch;
  }

  private async flush(batch: Pending[]): Promise<void> {
    if (batch.length === 1) return this.runAlone(batch[0]!);
    let rows: Array<AppendedRow & { stream_id: string }>;
    try {
      rows = await this.run<AppendedRow & { stream_id: string }>('authledger_append_batch', APPEND_BATCH_SQL, [batchJson(batch)]);
    } catch (err) {
      if (!RETRY_ALONE.has((err as { code?: string }).code ?? '')) {
        for (const p of batch) p.reject(err);
        return;
      }
      await Promise.all(batch.map((p) => this.runAlone(p)));
      return;
    }
    const byStream = new Map<string, AppendedRow[]>();
    for (const row of rows) {
      const list = byStream.get(row.stream_id);
      if (list) list.push(row);
      else byStream.set(row.stream_id, [row]);
    }
    for (const p of batch) p.resolve(byStream.get(p.values[0]) ?? []);
  }

  private async runAlone(p: Pending): Promise<void> {
    try {
      p.resolve(await this.run<AppendedRow>('authledger_append', APPEND_SQL, p.values));
    } catch (err) {
      p.reject(err);
    }
  }
}

/** The batch as one JSON array, the events' JSON spliced in as already serialised. */
function batchJson(batch: Pending[]): string {
  const parts = batch.map(({ values: [stream, kind, revision, events, metadata] }) => `{"s":${JSON.stringify(stream)},"k":"${kind}","r":${revision ?? 'null'},"e":${events},"m":${metadata ?? 'null'}}`);
  return `[${parts.join(',')}]`;
}
