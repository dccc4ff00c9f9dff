import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config';

const root = path.resolve(__dirname, '../..');

/** Every variable name `loadConfig` asks the environment for, with the environment empty. */
function variablesTheServiceReads(): string[] {
  const asked = new Set<string>();
  const env = new Proxy({} as Record<string, string | undefined>, {
    get(_target, name) {
      if (typeof name === 'string') asked.add(name);
      return undefined;
    },
  });
  loadConfig(env);
  return [...asked].sort();
}

/** Variable names in the README's "Configuration" table (first column, `A`, `B` both count). */
function variablesTheReadmeLists(): Set<string> {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((part) => part.startsWith('Configuration'));
  assert.ok(section, 'README has a "## Configuration" section');
  const listed = new Set<string>();
  for (const line of section.split('\n')) {
    const firstCell = /^\| ([^|]+) \|/.exec(line)?.[1] ?? '';
    for (const match of firstCell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) listed.add(match[1]!);
  }
  return listed;
}

describe('the README configuration table', () => {
  it('lists every variable the service reads', () => {
    const read = variablesTheServiceReads();
    assert.ok(read.includes('DATABASE_URL') && read.includes('JWT_SECRET'), `the probe saw what loadConfig reads: ${read.join(', ')}`);
    const listed = variablesTheReadmeLists();
    const missing = read.filter((name) => !listed.has(name));
    assert.deepEqual(missing, [], `add these to the README's Configuration table: ${missing.join(', ')}`);
  });

  it('lists no variable the service does not read', () => {
    const read = new Set(variablesTheServiceReads());
    const stale = [...variablesTheReadmeLists()].filter((name) => !read.has(name));
    assert.deepEqual(stale, [], `the README documents variables nothing reads: ${stale.join(', ')}`);
  });
});
