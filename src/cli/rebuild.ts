import { allProjections } from '../projections';
import { runRebuildCommand } from '../projections/rebuild';
import { withDependencies } from './context';
import { countEvents, startProgress, type Progress } from './progress';

export const projectionNames = allProjections.map((p) => p.name);

/**
 * `authledger rebuild <projection…>` and `authledger replay` (every projection): replays the log
 * into shadow tables, compares them with the live tables, swaps them in, and prints one report line
 * per projection on stdout; progress goes to stderr. Exit 1 when a replay disagrees with the live tables.
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
        const current = startProgress({ label: `rebuild ${projection.name}`, total: totals.get(projection.name) ?? null });
        progress = current;
        return (done) => current.update(done);
      },
      print: (line) => {
        progress?.finish();
        console.log(line);
      },
    });
  });
  return reports.every((r) => r.equal) ? 0 : 1;
}
