import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the same CommonJS file the mocha configs read
const tiers = require('./tiers.cjs') as Record<'unit' | 'integration' | 'e2e' | 'discovered', string[]>;
const tierNames = ['unit', 'integration', 'e2e'] as const;

/** `*` within one path segment, `**` across any number of them (none included), as mocha's glob reads them. */
function globToRegExp(glob: string): RegExp {
  assert.match(glob, /^[\w./*-]+$/, `${glob}: tier patterns use only * and **`);
  const source = glob
    .split('/')
    .map((part) => (part === '**' ? '(?:.*/)?' : part.replace(/[.+^${}()|[\]\\-]/g, '\\$&').replace(/\*/g, '[^/]*') + '/'))
    .join('')
    .replace(/\/$/, '');
  return new RegExp(`^${source}$`);
}

function filesUnder(dir: string): string[] {
  const entries = readdirSync(path.join(root, dir), { withFileTypes: true });
  return entries.flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : filesUnder(rel);
    return [rel];
  });
}

const allFiles = ['test', 'src', 'workers'].flatMap(filesUnder);
const matching = (patterns: string[]) => allFiles.filter((f) => patterns.some((p) => globToRegExp(p).test(f)));

describe('test tiers (test/tiers/tiers.cjs)', () => {
  it('the pattern reading agrees with mocha’s on the cases the tiers use', () => {
    assert.ok(globToRegExp('test/**/*.test.ts').test('test/a.test.ts'));
    assert.ok(globToRegExp('test/**/*.test.ts').test('test/x/y/a.test.ts'));
    assert.ok(!globToRegExp('test/api/*.test.ts').test('test/api/v1/a.test.ts'));
    assert.ok(globToRegExp('test/commands/*-decider.test.ts').test('test/commands/file-decider.test.ts'));
    assert.ok(!globToRegExp('test/eventstore/postgres*.test.ts').test('test/eventstore/eventstoredb.test.ts'));
  });

  it('puts every test file under test/, src/ and workers/ in exactly one tier, so none is silently skipped', () => {
    const found = matching(tiers.discovered);
    assert.ok(found.length > 60, `only ${found.length} test files found: is the discovery broken?`);
    const problems = found.flatMap((file) => {
      const inTiers = tierNames.filter((t) => matching(tiers[t]).includes(file));
      if (inTiers.length === 1) return [];
      return [`${file}: ${inTiers.length === 0 ? 'in no tier' : `in ${inTiers.join(' and ')}`}`];
    });
    assert.deepEqual(problems, [], 'add each file to one tier in test/tiers/tiers.cjs');
  });

  it('lists only patterns that match a test file found by discovery', () => {
    const discovered = new Set(matching(tiers.discovered));
    const dead = tierNames.flatMap((t) => tiers[t].filter((p) => !matching([p]).some((f) => discovered.has(f))).map((p) => `${t}: ${p}`));
    assert.deepEqual(dead, []);
  });

  it('keeps the unit tier free of PostgreSQL, Redis and the service', () => {
    const needsServers = /from '[./]*(?:support\/(?:service|database|redis)|src\/(?:runtime\/dependencies|db\/connection|redis\/connection))'/;
    const offenders = matching(tiers.unit).filter((f) => needsServers.test(readFileSync(path.join(root, f), 'utf8')));
    assert.deepEqual(offenders, [], 'these belong in integration or e2e');
  });

  it('runs every tier with --forbid-only, and `npm test` type-checks, compiles (the process specs run dist/) and then runs all three', () => {
    for (const t of tierNames) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const config = require(`./${t}.cjs`) as Record<string, unknown>;
      assert.equal(config['forbid-only'], true, t);
      assert.deepEqual(config.spec, tiers[t]);
    }
    const scripts = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
    assert.equal(scripts.test, 'tsc --noEmit && npm run -s build && npm run -s test:unit && npm run -s test:integration && npm run -s test:e2e');
    for (const t of tierNames) assert.equal(scripts[`test:${t}`], `mocha --config test/tiers/${t}.cjs`);
  });
});
