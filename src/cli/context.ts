import { ConfigError, loadConfig, type Config } from '../config';
import { DomainError } from '../commands/domain-error';
import { UniqueClaimConflictError } from '../eventstore/errors';
import { createLogger, logDestination } from '../observability/logger';
import { openDependencies, StartupError, type Dependencies } from '../runtime/dependencies';

/** A problem the operator can fix, printed as one line without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function cliConfig(): Config {
  return loadConfig().config;
}

/**
 * Connects what the service connects (migrating the database first), with logs on stderr so that
 * stdout carries only the command's answer.
 */
export async function openCliDependencies(config: Config = cliConfig()): Promise<Dependencies> {
  const logger = createLogger(config, logDestination(config.env, 2));
  return openDependencies(config, logger, { migrate: true, deadlines: false });
}

/** Runs `work` with open dependencies and closes them whatever happens. */
export async function withDependencies<T>(work: (deps: Dependencies) => Promise<T>): Promise<T> {
  const deps = await openCliDependencies();
  try {
    return await work(deps);
  } finally {
    await deps.close();
  }
}

/** Wraps a command: its number is the exit code; known failures become one line on stderr. */
export function action<A extends unknown[]>(command: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      process.exitCode = await command(...args);
    } catch (err) {
      process.exitCode = err instanceof CliError ? err.exitCode : 1;
      console.error(describeFailure(err));
    }
  };
}

function describeFailure(err: unknown): string {
  if (err instanceof ConfigError || err instanceof StartupError || err instanceof CliError) return err.message;
  if (err instanceof DomainError) return `refused (${err.code}): ${err.message}`;
  if (err instanceof UniqueClaimConflictError) return `refused: ${err.message}`;
  return `authledger failed: ${err instanceof Error ? err.message : String(err)}`;
}
