import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Dependencies point one way: the command side knows nothing of the HTTP surfaces or of whatever
 * runs its jobs. Read from the sources, so a new import that breaks the rule fails here.
 */
const root = path.resolve(__dirname, '../..');

function sourcesUnder(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return sourcesUnder(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

/** Every module a file imports or re-exports (static and dynamic), resolved to a path under the repository. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
  return specifiers.filter((s) => s.startsWith('.')).map((s) => path.relative(root, path.resolve(path.dirname(path.join(root, file)), s)).split(path.sep).join('/'));
}

const inside = (target: string, dir: string) => target === dir || target.startsWith(`${dir}/`);

describe('dependency direction (read from the sources)', () => {
  const commandFiles = sourcesUnder('src/commands');

  it('finds the command sources and reads their imports', () => {
    assert.ok(commandFiles.length > 50, `only ${commandFiles.length} files under src/commands`);
    assert.ok(importsOf('src/commands/handle.ts').includes('src/eventstore/errors'), 'the import reading resolves relative paths');
  });

  it('no file under src/commands imports workers/ or src/api', () => {
    const offending = commandFiles.flatMap((file) =>
      importsOf(file)
        .filter((target) => inside(target, 'workers') || inside(target, 'src/api'))
        .map((target) => `${file} imports ${target}`),
    );
    assert.deepEqual(offending, []);
  });

  it('the command side appends only through handleCommand (load, decide, append with the expected revision)', () => {
    const appending = commandFiles.filter((file) => file !== 'src/commands/handle.ts' && /\.appendToStream\(/.test(readFileSync(path.join(root, file), 'utf8')));
    assert.deepEqual(appending, []);
  });

  it('only the composition root (src/runtime) reaches outside src/, and only into workers/', () => {
    const offending = sourcesUnder('src').flatMap((file) =>
      importsOf(file)
        .filter((target) => !inside(target, 'src') && !(inside(file, 'src/runtime') && inside(target, 'workers')))
        .map((target) => `${file} imports ${target}`),
    );
    assert.deepEqual(offending, []);
  });

  it('workers/ runs the jobs the command side defines and never reaches the HTTP surfaces', () => {
    const offending = sourcesUnder('workers').flatMap((file) =>
      importsOf(file)
        .filter((target) => inside(target, 'src/api') || inside(target, 'test'))
        .map((target) => `${file} imports ${target}`),
    );
    assert.deepEqual(offending, []);
  });
});
