import { hostname } from 'node:os';
import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from '../config';

export type { Logger } from 'pino';

export const REDACTED = '[redacted]';

/** Field names (compared lower-case, without `-` and `_`) whose values are secrets wherever they appear. */
const SECRET_NAMES = new Set([
  'password',
  'passwd',
  'pwd',
  'secret',
  'token',
  'accesstoken',
  'refreshtoken',
  'signature',
  'sign',
  'key',
  'ticket',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'bitkey',
  'apikey',
  'jwt',
  'nonce',
]);

/** Suffixes that make a compound name secret too: `oldPassword`, `component_appsecret`, `authorizer_refresh_token`, `x-api-key`, `dataKey`. */
const SECRET_SUFFIXES = ['password', 'secret', 'token', 'signature', 'ticket', 'apikey', 'aeskey', 'datakey', 'privatekey', 'cookie', 'authorization'];

export function isSecretName(name: string): boolean {
  const normalized = name.toLowerCase().replace(/[-_]/g, '');
  return SECRET_NAMES.has(normalized) || SECRET_SUFFIXES.some((suffix) => normalized.endsWith(suffix));
}

const MAX_DEPTH = 12;

/**
 * A copy of `value` with every secret-named field replaced, at any depth and inside arrays.
 * Path-based redaction (pino's `redact`) only reaches the depths listed up front; secrets arrive
 * nested in headers, WeChat payloads and error objects at depths nobody predicts.
 * Error instances are left for the `err` serializer, which redacts its own output.
 */
export function redactSecrets(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Error) return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1, seen));
    if (!isPlainObject(value)) return value;
    const copy: Record<string, unknown> = {};
    for (const [name, inner] of Object.entries(value)) {
      copy[name] = isSecretName(name) && inner !== undefined && inner !== null ? REDACTED : redactSecrets(inner, depth + 1, seen);
    }
    return copy;
  } finally {
    seen.delete(value);
  }
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function redactRecord(value: Record<string, unknown>): Record<string, unknown> {
  const redacted = redactSecrets(value);
  return redacted !== null && typeof redacted === 'object' ? (redacted as Record<string, unknown>) : {};
}

/** Readable lines for a person at a terminal; JSON lines for production and for anything that is not a terminal (files, pipes, collectors). */
export function wantsPrettyLogs(env: string | undefined, isTTY: boolean | undefined): boolean {
  return isTTY === true && env !== 'production';
}

/** pino-pretty writing to `destination`; it formats what pino serialized, so redaction has already happened. */
export function prettyStream(destination: number | NodeJS.WritableStream, colorize: boolean): DestinationStream {
  return pretty({ destination, colorize, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' });
}

/** Where the logs of a process go: file descriptor 1 (the service) or 2 (the CLI, whose stdout carries data). */
export function logDestination(env: string | undefined, fd: 1 | 2 = 1): DestinationStream | undefined {
  const stream = fd === 1 ? process.stdout : process.stderr;
  if (wantsPrettyLogs(env, stream.isTTY)) return prettyStream(fd, true);
  return fd === 1 ? undefined : pino.destination({ fd, sync: true });
}

/**
 * The process logger at `config.logLevel`, secrets redacted from every logged object: JSON lines,
 * or pino-pretty when the output is a terminal outside production.
 */
export function createLogger(config: Pick<Config, 'logLevel'> & Partial<Pick<Config, 'env'>>, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    base: { service: 'authledger', pid: process.pid, hostname: hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      log: redactRecord,
      bindings: redactRecord,
    },
    serializers: {
      // The serialized error has pino's own prototype; spread it into a plain object so its fields are walked.
      // Callers also log `err: err.message` (a string): that passes through as it is.
      err: (err: unknown) => (err instanceof Error ? redactSecrets({ ...pino.stdSerializers.err(err) }) : redactSecrets(err)),
    },
  };
  const output = destination ?? logDestination(config.env);
  return withRedactedChildBindings(output ? pino(options, output) : pino(options));
}

/**
 * pino runs the bindings formatter for the root logger only (children reset it), so a child's
 * bindings (`logger.child({ token })`) are redacted here; grandchildren inherit this `child`.
 */
function withRedactedChildBindings(logger: Logger): Logger {
  const child = logger.child;
  Object.defineProperty(logger, 'child', {
    configurable: true,
    writable: true,
    value: function redactingChild(this: Logger, bindings: pino.Bindings, options?: pino.ChildLoggerOptions): unknown {
      return Reflect.apply(child, this, [redactRecord(bindings), options]);
    },
  });
  return logger;
}
