import { spawn } from 'node:child_process';
import path from 'node:path';
import { createKnex, dropDatabase, ensureDatabase } from '../src/db/connection';
import { migrateToLatest } from '../src/db/migrate';

/**
 * `npx tsx bench/rebuild-million.ts [events]`: seeds a log of identity events (users of ten events
 * each: one UserRegistered, then sign-ins and failures) with SQL generate_series in its own
 * database, then times `authledger rebuild users` on it through the CLI, as an operator runs it,
 * with the projector stopped (so the live tables start empty and must catch up too).
 *
 * REBUILD_BENCH_DB names the database (default authledger_rebuild_bench); REBUILD_BENCH_KEEP=1
 * keeps it afterwards, and a kept database with the right number of events is not seeded again.
 * REBUILD_BENCH_BATCH=n passes --batch-size n. REBUILD_BENCH_CLI=dist runs dist/src/cli/main.js instead of the sources through tsx;
 * REBUILD_BENCH_ROOT runs the CLI of another checkout (e.g. `git archive <commit>` unpacked, with a
 * node_modules link), for a before/after pair in one sitting on the same seeded database.
 */
const root = path.resolve(process.env.REBUILD_BENCH_ROOT ?? path.resolve(__dirname, '..'));
const PER_USER = 10;

async function main() {
  const events = Number(process.argv[2] ?? 1_000_000);
  const users = Math.ceil(events / PER_USER);
  const server = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  server.pathname = `/${process.env.REBUILD_BENCH_DB ?? 'authledger_rebuild_bench'}`;
  const url = server.toString();
  await ensureDatabase(url);
  const knex = createKnex(url, { poolMax: 2, applicationName: 'authledger-rebuild-bench' });
  try {
    await migrateToLatest(knex);
    const [row] = await knex('events').count<{ n: string }[]>('* as n');
    if (Number(row!.n) !== users * PER_USER) {
      const started = performance.now();
      await seed(knex, users);
      console.log(`seeded ${users * PER_USER} events (${users} users) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    // The live tables start from zero, as after a fresh start with the projector not yet run.
    await knex.raw(`drop view if exists users; drop table if exists users_v3, users_v3_rebuild;
      delete from projection_checkpoints where name = 'users'; delete from projection_versions where name = 'users'`);
  } finally {
    await knex.destroy();
  }
  const started = performance.now();
  const code = await runRebuild(url);
  const seconds = (performance.now() - started) / 1000;
  console.log(`rebuild users over ${users * PER_USER} events (CLI of ${root}): exit ${code}, ${seconds.toFixed(1)} s wall, ${Math.round((users * PER_USER) / seconds)} events/s`);
  if (process.env.REBUILD_BENCH_KEEP !== '1') await dropDatabase(url);
}

/** Users in chunks of 10,000, one transaction each (as if written over time). */
async function seed(knex: import('knex').Knex, users: number): Promise<void> {
  await knex.raw('truncate events');
  const chunk = 10_000;
  for (let from = 0; from < users; from += chunk) {
    const to = Math.min(users, from + chunk) - 1;
    await knex.raw(
      `insert into events (stream_id, stream_revision, event_id, type, data, metadata)
       select 'user-' || u.id, r.rev, gen_random_uuid(),
              case when r.rev = 0 then 'UserRegistered' when r.rev % 4 = 0 then 'UserSignInFailed' else 'UserSignedIn' end,
              case when r.rev = 0 then jsonb_build_object('userId', u.id, 'account', 'bench-' || u.n, 'name', '压测' || u.n,
                     'mobile', null, 'email', null, 'headImg', null, 'tenantId', null, 'builtin', false,
                     'roles', jsonb_build_array('user'), 'sealedPasswordMd5', 'v1.x.y.z', 'registeredAt', u.at)
                   when r.rev % 4 = 0 then jsonb_build_object('userId', u.id, 'surface', 'v1', 'reason', 'bad_password', 'failures', 1, 'at', u.at)
                   else jsonb_build_object('userId', u.id, 'surface', 'v1', 'at', u.at) end,
              jsonb_build_object('actor', jsonb_build_object('kind', 'system', 'id', 'bench'), 'correlationId', gen_random_uuid(),
                     'causationId', null, 'clientIp', null, 'userAgent', null, 'time', u.at)
       from (select n, lpad(to_hex(n), 32, '0') as id,
                    to_char(timestamp '2026-01-01' + make_interval(secs => n % 60), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at
             from generate_series(?::int, ?::int) n) u
       cross join generate_series(0, ${PER_USER - 1}) r(rev)
       order by u.n, r.rev`,
      [from, to],
    );
  }
  await knex.raw('analyze events');
}

function runRebuild(databaseUrl: string): Promise<number | null> {
  const useDist = process.env.REBUILD_BENCH_CLI === 'dist';
  const rebuild = ['rebuild', 'users', ...(process.env.REBUILD_BENCH_BATCH ? ['--batch-size', process.env.REBUILD_BENCH_BATCH] : [])];
  const [command, args] = useDist
    ? [process.execPath, ['dist/src/cli/main.js', ...rebuild]]
    : [path.join(root, 'node_modules/.bin/tsx'), ['src/cli/main.ts', ...rebuild]];
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, DATABASE_URL: databaseUrl, REDIS_PREFIX: 'authledger-rebuild-bench:', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' } });
    child.on('close', resolve);
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
