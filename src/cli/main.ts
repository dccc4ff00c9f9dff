#!/usr/bin/env node
import { licenseTypes } from '../commands/licenses/events';
import { adminCreateCommand } from './admin';
import { action } from './context';
import { doctorCommand } from './doctor';
import { exportCommand } from './export';
import { licenseIssueCommand } from './license';
import { migrateCommand } from './migrate';
import { projectionNames, rebuildCommand } from './rebuild';
import { SERVICE_ROLES, startCommand } from './start';

/** `authledger <command>`: one file per command under src/cli/; this one only declares them. */
async function cli(argv: string[]): Promise<void> {
  // commander is an ES module; this file compiles to CommonJS.
  const { Argument, Command, InvalidArgumentError, Option } = await import('commander');
  const integer = (min: number, max: number) => (raw: string) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return n;
  };
  const date = (raw: string) => {
    const d = new Date(raw);
    if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(d.getTime())) throw new InvalidArgumentError('expected a date such as 2027-01-31 or 2027-01-31T12:00:00Z');
    return d;
  };

  const program = new Command('authledger').description('Event-sourced identity, token, WeChat-platform and license service').showHelpAfterError();

  program
    .command('start')
    .description('run the service (what npm start runs)')
    .addArgument(new Argument('[role]', 'which part to run').choices(SERVICE_ROLES).default('all'))
    .action(action(startCommand));

  program.command('migrate').description('create the database if needed and apply pending migrations').action(action(migrateCommand));

  program
    .command('rebuild')
    .description('replay the log into fresh tables of these projections, compare them with the live ones, and swap them in')
    .addArgument(new Argument('<projection...>', 'projection names').choices(projectionNames))
    .option('--no-swap', 'compare only; leave the rebuilt tables beside the live ones')
    .option('--batch-size <n>', 'events per batch', integer(1, 100_000))
    .action(action((names: string[], o: { swap: boolean; batchSize?: number }) => rebuildCommand(names, o)));

  program
    .command('replay')
    .description('rebuild every projection from the start of the log')
    .option('--no-swap', 'compare only; leave the rebuilt tables beside the live ones')
    .option('--batch-size <n>', 'events per batch', integer(1, 100_000))
    .action(action((o: { swap: boolean; batchSize?: number }) => rebuildCommand(projectionNames, o)));

  program
    .command('export')
    .description('write a stream, or the whole log in global order, as NDJSON (one event per line) for audits')
    .option('--stream <id>', 'one stream, e.g. user-<id> or license-<sn>')
    .option('--out <file>', 'write to this file (created with mode 600) instead of stdout')
    .action(action(exportCommand));

  const admin = program.command('admin').description('administrators of /v1');
  admin
    .command('create')
    .description('register a /v1 administrator; the password is read from stdin (asked for without echo on a terminal)')
    .argument('<account>', 'the account name to sign in with')
    .option('--name <name>', 'display name (default: the account)')
    .action(action(adminCreateCommand));

  const license = program.command('license').description('BitAnswer serial numbers');
  license
    .command('issue')
    .description('issue a serial number (as POST /v1/licenses) and print it')
    .addOption(new Option('--type <type>', 'license type').choices(licenseTypes).makeOptionMandatory())
    .requiredOption('--seats <n>', 'concurrent seats', integer(1, 100_000))
    .requiredOption('--valid-until <date>', 'end of validity', date)
    .option('--valid-from <date>', 'start of validity (default: now)', date)
    .option('--heartbeat <seconds>', 'client heartbeat interval', integer(1, 86_400), 60)
    .option('--session-timeout <seconds>', 'a session with no heartbeat for this long ends (default: three heartbeats)', integer(1, 604_800))
    .option('--disabled', 'issue it disabled')
    .action(action(licenseIssueCommand));

  program.command('doctor').description('check the configuration, PostgreSQL, Redis and EventStoreDB; one line per problem').action(action(doctorCommand));

  await program.parseAsync(argv);
}

cli(process.argv).then(
  // Connections (BullMQ, pools) may hold the event loop open; the command's own exit code decides.
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(`authledger failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
