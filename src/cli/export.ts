import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { formatPosition, type EventStore, type Position, type RecordedEvent } from '../eventstore/port';
import { CliError, withDependencies } from './context';
import { countEvents, startProgress } from './progress';

const PAGE = 1000;

/** One NDJSON line: everything an auditor needs to place and read the event. */
export function exportLine(e: RecordedEvent): string {
  const line = { position: formatPosition(e.position), streamId: e.streamId, revision: e.revision, eventId: e.eventId, type: e.type, created: e.created.toISOString(), data: e.data, metadata: e.metadata };
  return `${JSON.stringify(line)}\n`;
}

/** `authledger export [--stream <id>] [--out <file>]`: a stream, or the whole log in global order, as NDJSON. */
export async function exportCommand(options: { stream?: string; out?: string }): Promise<number> {
  const out: Writable = options.out ? createWriteStream(options.out, { mode: 0o600 }) : process.stdout;
  const write = async (chunk: string) => {
    if (chunk && !out.write(chunk)) await once(out, 'drain');
  };
  const count = await withDependencies(async (deps) => {
    if (options.stream) {
      const exported = await exportPages((from) => deps.store.readStream(options.stream!, { fromRevision: from, maxCount: PAGE }), write);
      if (exported === 0) throw new CliError(`there is no stream ${options.stream}`);
      return exported;
    }
    const progress = startProgress({ label: 'export', total: await countEvents(deps) });
    const exported = await exportLog(deps.store, write, (done) => progress.update(done));
    progress.finish();
    return exported;
  });
  if (out !== process.stdout) {
    out.end();
    await once(out, 'finish');
  }
  console.error(`exported ${count} events${options.out ? ` to ${options.out}` : ''}`);
  return 0;
}

async function exportPages(read: (fromRevision: number) => Promise<RecordedEvent[]>, write: (chunk: string) => Promise<void>): Promise<number> {
  let done = 0;
  for (;;) {
    const page = await read(done);
    await write(page.map(exportLine).join(''));
    done += page.length;
    if (page.length < PAGE) return done;
  }
}

async function exportLog(store: EventStore, write: (chunk: string) => Promise<void>, onProgress: (done: number) => void): Promise<number> {
  let after: Position | null = null;
  let done = 0;
  for (;;) {
    const page = await store.readAll({ after, maxCount: PAGE });
    await write(page.map(exportLine).join(''));
    done += page.length;
    onProgress(done);
    if (page.length < PAGE) return done;
    after = page[page.length - 1]!.position;
  }
}
