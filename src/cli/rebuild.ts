import { allProjections } from '../projections';
import { runRebuildCommand } from '../projections/rebuild';
import { withDependencies } from './context';
import { countEvents, startProgress, type Progress } from './progress';

export const projectionNames = allProjections.map((p) => p.name);

/**
 * `authledger rebuild <projection…>` and `authledger replay` (every projection): replays the log
 * into shadow tables, compares them with the live tables, swaps them in, and prints one report line
 * per projection on stdout; progress goes to stderr, one bar (or line series) per phase that applies
 * events and one line when the comparison and the swap start. Exit 1 when a replay disagrees with the live tables.
 */
export async function rebuildCommand(names: string[], options: { swap: boolean; batchSize?: number }): Promise<number> {
  const reports = await withDependencies(async (deps) => {
    const totals = new Map<string, number | null>();
    for (const p of allProjections.filter((p) => names.includes(p.name))) totals.set(p.name, await countEvents(deps, p.eventTypes));
    let progress: Progress | null = null;
    return runRebuildCommand({
      store: deps.store,
      knex: deps.knex,
      projections: allProjections,
      names,
      swap: options.swap,
      batchSize: options.batchSize,
      logger: deps.logger,
      onStart: (projection) => {
        const label = `rebuild ${projection.name}`;
        return (phase, done) => {
          if (done === 0) {
            progress?.finish();
            progress = null;
            if (phase === 'replay') progress = startProgress({ label, total: totals.get(projection.name) ?? null });
            else if (phase === 'compare') console.error(`${label}: comparing the rebuilt tables with the live ones`);
            else if (phase === 'swap') console.error(`${label}: swapping the rebuilt tables in`);
            return;
          }
          // Catch-up has work only when events arrived after the replay read past them; its bar starts then.
          progress ??= startProgress({ label: `${label} (catching up the live tables)`, total: null });
          progress.update(done);
        };
      },
      print: (line) => {
        progress?.finish();
        progress = null;
        console.log(line);
      },
    });
  });
  return reports.every((r) => r.equal) ? 0 : 1;
}
