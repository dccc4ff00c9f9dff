import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { loadConfig, type Config } from '../../src/config';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { deleteRedisPrefix, testRedisPrefix, testRedisUrl } from '../support/redis';

const root = path.resolve(__dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `authledger <args>` as a child process (through tsx), with `input` on its stdin. */
export function runCli(args: string[], env: Record<string, string>, input = ''): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(tsx, ['src/cli/main.ts', ...args], { cwd: root, env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

export const lines = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '');

/** A database and Redis prefix of its own, and the environment that points the CLI at them. */
export interface CliWorld {
  db: TestDatabase;
  env: Record<string, string>;
  config: Config;
  drop(): Promise<void>;
}

export async function cliWorld(label: string): Promise<CliWorld> {
  const db = await createTestDatabase(label);
  const prefix = testRedisPrefix(label);
  const env = { DATABASE_URL: db.url, REDIS_URL: testRedisUrl, REDIS_PREFIX: prefix, DATA_KEY: randomBytes(32).toString('hex'), JWT_SECRET: randomBytes(24).toString('hex') };
  return {
    db,
    env,
    config: loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env }).config,
    async drop() {
      await db.drop();
      await deleteRedisPrefix(prefix);
    },
  };
}
