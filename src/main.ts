import { ConfigError, loadConfig, type Config } from './config';
import { bootstrapAdministrator } from './commands/identity/bootstrap';
import { bootstrapInterfaceConfigs } from './commands/configs/bootstrap';
import { bootstrapRbac } from './commands/rbac/bootstrap';
import { ADMIN_DISPLAY_NAME, BUILTIN_ROLES, SEEDED_CONFIGS } from './runtime/first-start-data';
import { loadLiveConfigsAtStart } from './gateway/load-configs';
import { createLogger, type Logger } from './observability/logger';
import { createMetrics } from './observability/metrics';
import { allProjections } from './projections';
import { formatRebuildReport, runRebuildCommand } from './projections/rebuild';
import { openDependencies, StartupError, type Dependencies } from './runtime/dependencies';
import { startApi, startProjector, startWorkers, type Role } from './runtime/roles';

const ROLES = ['all', 'api', 'projector', 'workers', 'migrate', 'rebuild'] as const;
type RoleName = (typeof ROLES)[number];

const USAGE = `usage: tsx src/main.ts <${ROLES.join('|')}> [projection names for rebuild]`;

/** The service's roles (and, for the npm scripts, migrate and rebuild); the CLI's `start` calls it too. */
export async function main(argv: string[]): Promise<number> {
  const role = argv[0] as RoleName | undefined;
  if (!role || !ROLES.includes(role)) {
    console.error(USAGE);
    return 2;
  }
  let config: Config;
  let defaultsUsed: string[];
  try {
    ({ config, defaultsUsed } = loadConfig());
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }
  const logger = createLogger(config);
  if (defaultsUsed.length) logger.info({ defaults: defaultsUsed }, 'development defaults in use (set these variables to change them)');

  const deps = await openDependencies(config, logger, { migrate: true });
  if (role === 'migrate') {
    await deps.close();
    logger.info('database is migrated');
    return 0;
  }
  if (role === 'rebuild') return rebuild(argv.slice(1), deps, logger);

  const boot = await bootstrapAdministrator({ store: deps.store, dataKey: config.dataKey }, config.adminAccount, config.adminPassword, ADMIN_DISPLAY_NAME);
  if (boot === 'created') logger.info({ account: config.adminAccount }, 'registered the bootstrap administrator');
  const rbac = await bootstrapRbac(deps, config.adminAccount, BUILTIN_ROLES);
  if (rbac.createdRoles) logger.info(rbac, 'seeded the Laravel roles suadmin, admin and user');
  const seeded = await bootstrapInterfaceConfigs(deps, SEEDED_CONFIGS);
  if (seeded) logger.info({ seeded }, 'seeded the interface configs (rate limits of codes, tokens and refresh)');

  const metrics = createMetrics();
  const roles: Role[] = [];
  if (role === 'all' || role === 'projector') roles.push(await startProjector(deps, logger, metrics));
  if (role === 'all' || role === 'workers') roles.push(startWorkers(deps));
  if (role === 'all' || role === 'api') roles.push(await startApi(config, deps, logger, metrics));
  if (role === 'all' || role === 'api') void loadLiveConfigsAtStart(deps, logger);

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'stopping: finishing in-flight requests and jobs');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  const forced = setTimeout(() => {
    logger.error('shutdown took too long; exiting');
    process.exit(1);
  }, config.shutdownGraceMs + 5_000);
  forced.unref();
  // The API stops first so no new work arrives; then workers and the projector finish theirs.
  for (const r of [...roles].reverse()) await r.stop().catch((err: unknown) => logger.error({ err, role: r.name }, 'error while stopping'));
  await deps.close();
  logger.info('stopped');
  return 0;
}

async function rebuild(names: string[], deps: Dependencies, logger: Logger): Promise<number> {
  const known = allProjections.map((p) => p.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) {
    console.error(`unknown projection(s): ${unknown.join(', ')}; known: ${known.join(', ')}`);
    await deps.close();
    return 2;
  }
  const reports = await runRebuildCommand({ store: deps.store, knex: deps.knex, projections: allProjections, names: names.length ? names : known, logger });
  for (const r of reports) console.log(formatRebuildReport(r));
  await deps.close();
  return reports.every((r) => r.equal !== false) ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof StartupError) console.error(err.message);
      else console.error('authledger failed to start:', err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
