import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dropDatabase } from '../../src/db/connection';
import { testServerUrl } from '../support/database';
import { deleteRedisPrefix, testRedisPrefix, testRedisUrl } from '../support/redis';

export const root = path.resolve(__dirname, '../..');

/** The arguments an npm script gives `node` (e.g. `start` → `--enable-source-maps dist/src/main.js all`), read from package.json so the spec follows it. */
export function scriptArgs(script: string): string[] {
  const command = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts as Record<string, string>)[script];
  const [bin, ...args] = (command ?? '').split(' ');
  if (bin !== 'node') throw new Error(`npm run ${script} is not a node command: ${command}`);
  return args;
}

export interface ServiceProcess {
  child: ChildProcessWithoutNullStreams;
  /** Every JSON log line so far. */
  logs: Array<Record<string, unknown>>;
  stderr(): string;
  /** Resolves with the first log line that `match` accepts (fails if the process exits first). */
  logLine(match: (line: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `node <args>` from the project root with `env` over this process's environment and JSON logs on stdout.
 * The process is the service itself, so a signal reaches it directly (no wrapper relays it).
 */
export function startProcess(args: string[], env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, LOG_LEVEL: 'info', ...env } });
  const logs: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    }
    for (const wake of waiters) wake();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let ended = false;
  void exited.then(() => {
    ended = true;
    for (const wake of waiters) wake();
  });

  const logLine: ServiceProcess['logLine'] = (match, ms = 60_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`no such log line within ${ms} ms; stderr: ${stderr}`)), ms);
      const check = () => {
        const found = logs.find(match);
        if (found) finish(null, found);
        else if (ended) finish(new Error(`process exited (${child.exitCode}) first; stderr: ${stderr}`));
      };
      const finish = (err: Error | null, line?: Record<string, unknown>) => {
        clearTimeout(timer);
        waiters.delete(check);
        if (err) reject(err);
        else resolve(line!);
      };
      waiters.add(check);
      check();
    });

  return {
    child,
    logs,
    stderr: () => stderr,
    logLine,
    exited,
    async stop(signal = 'SIGTERM') {
      if (!ended) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The URL the API role logged when it started listening (it is given port 0, so the system picks a free one). */
export async function listeningUrl(p: ServiceProcess): Promise<string> {
  const line = await p.logLine((l) => l.msg === 'API listening');
  return line.url as string;
}

export interface ProcessSandbox {
  /** The database the processes of the current spec use (not created: the service creates it). */
  databaseUrl(): string;
  /** Starts an npm script's node command with the sandbox's environment; stopped after the spec. */
  start(script: string): ServiceProcess;
}

/**
 * Registers hooks on the enclosing describe: each spec gets a database name, a Redis prefix and a
 * files folder of its own, with the development defaults whatever the caller's environment says,
 * and every process it started is killed and its traces removed afterwards.
 */
export function useProcessSandbox(label: string): ProcessSandbox {
  let databaseUrl = '';
  let prefix = '';
  let filesDir = '';
  const running: ServiceProcess[] = [];
  beforeEach(() => {
    const url = new URL(testServerUrl);
    url.pathname = `/authledger_${label}_${randomBytes(4).toString('hex')}`;
    databaseUrl = url.toString();
    prefix = testRedisPrefix(label);
    filesDir = mkdtempSync(path.join(tmpdir(), `authledger-${label}-`));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.stop('SIGKILL')));
    await dropDatabase(databaseUrl);
    await deleteRedisPrefix(prefix);
    rmSync(filesDir, { recursive: true, force: true });
  });
  return {
    databaseUrl: () => databaseUrl,
    start(script) {
      const p = startProcess(scriptArgs(script), {
        DATABASE_URL: databaseUrl,
        REDIS_URL: testRedisUrl,
        REDIS_PREFIX: prefix,
        PORT: '0',
        HOST: '127.0.0.1',
        FILES_DIR: filesDir,
        SHUTDOWN_GRACE_MS: '5000',
        NODE_ENV: 'development',
        ADMIN_ACCOUNT: 'admin',
        ADMIN_PASSWORD: 'admin123456',
      });
      running.push(p);
      return p;
    },
  };
}
