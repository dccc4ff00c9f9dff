import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { allProjections } from '../../src/projections';

/**
 * One door to each read model: routes read through the typed queries of
 * src/projections/<context>/queries.ts, never by a table's name, so a read model can change its
 * tables without a route noticing, and paging, search and LIKE escaping live in one place.
 */
const root = path.resolve(__dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

const tables = [...new Set(allProjections.flatMap((p) => Object.keys(p.tables)))];

/**
 * Where a file names a read-model table to read it: as the argument of a query-builder call
 * (`knex('users')`, `.join('rbac_roles as r', …)`), or after FROM/JOIN/INTO/UPDATE in SQL text.
 * (A surface's `readModels: ['users']` names a projection, not a table, and is allowed.)
 */
function tableMentions(source: string): string[] {
  return tables.filter((t) => new RegExp(`\\(\\s*(['"\`])${t}(\\s+as\\s+\\w+)?\\1|\\b(from|join|into|update)\\s+${t}\\b`, 'i').test(source));
}

describe('one door to each read model', () => {
  const files = sourceFiles(path.join(root, 'src/api'));

  it('finds the route files and the read-model tables it checks for', () => {
    assert.ok(files.length > 40, `${files.length} files under src/api`);
    assert.ok(tables.includes('users') && tables.includes('wx_proxy_rules') && tables.includes('license_session_logs'), tables.join(', '));
  });

  it('the check itself catches a table named in a query builder call, an alias and raw SQL', () => {
    assert.deepEqual(tableMentions(`knex('users').where({ id })`), ['users']);
    assert.deepEqual(tableMentions(`knex('rbac_roles as r')`), ['rbac_roles']);
    assert.deepEqual(tableMentions('select * from wx_proxy_rules where id = 1'), ['wx_proxy_rules']);
    assert.deepEqual(tableMentions(`tags: ['users'], readModels: ['users', 'licenses'], path: '/users'`), []);
  });

  it('no file under src/api imports knex', () => {
    const offenders = files.filter((f) => /from\s+['"]knex['"]|require\(['"]knex['"]\)/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders.map((f) => path.relative(root, f)), []);
  });

  it('no file under src/api names a read-model table', () => {
    const offenders = files.flatMap((f) => tableMentions(readFileSync(f, 'utf8')).map((t) => `${path.relative(root, f)}: ${t}`));
    assert.deepEqual(offenders, []);
  });
});
