import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';

/**
 * With BENCH_CPU_PROFILE_DIR set, a load phase runs under V8's sampling profiler (100 µs) in this
 * process, where the service under test answers; the profile is written as `<phase>.cpuprofile`
 * (Chrome DevTools opens it) and summarised on stdout. Without it the phase just runs.
 */
export async function profiledPhase<T>(phase: string, run: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_CPU_PROFILE_DIR;
  if (!dir) return run();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  try {
    return await run();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${phase}.cpuprofile`), JSON.stringify(profile));
    printProfileSummary(phase, profile as CpuProfile);
  }
}

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: CpuProfileNode[];
}

/** Where samples fell: by kind of code (self time) and the functions that took the most. */
function printProfileSummary(phase: string, profile: CpuProfile): void {
  const total = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0) || 1;
  const byKind = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (!hits) continue;
    const kind = kindOf(node.callFrame.url, node.callFrame.functionName);
    byKind.set(kind, (byKind.get(kind) ?? 0) + hits);
    const name = `${node.callFrame.functionName || '(anonymous)'} ${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
  }
  const share = (hits: number) => `${((hits / total) * 100).toFixed(1)}%`;
  console.log(`\nCPU profile of "${phase}" (${total} samples at 100 µs; self time)`);
  console.table([...byKind].sort((a, b) => b[1] - a[1]).map(([kind, hits]) => ({ kind, share: share(hits) })));
  console.table([...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([fn, hits]) => ({ function: fn, share: share(hits) })));
}

function kindOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/')[0]}`;
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return `npm: ${rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const src = url.indexOf('/src/');
  return src >= 0 ? `ours: ${url.slice(src + 1).split('/').slice(0, 3).join('/')}` : shortUrl(url);
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const src = url.indexOf('/src/');
  return src >= 0 ? url.slice(src + 1) : url.replace(/^file:\/\//, '');
}
