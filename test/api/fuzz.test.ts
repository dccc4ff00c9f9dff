import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startFuzzHarness, type FuzzHarness } from './fuzz/harness';
import { contentEncodings, hostileClasses, malformedJson, type HostileClass } from './fuzz/hostile';
import type { Location, Operation } from './fuzz/operations';
import { buildRequest, encodeText, locationsOf, type WireRequest } from './fuzz/request';
import { defectOf, rateLimited, refusedAsInput, refusedCredential } from './fuzz/verdict';

/** Fixed, so a failure is replayed exactly; runs per operation and class are bounded to keep the file under a minute or so. */
const SEED = 20261202;
const RUNS_PER_OPERATION = 1;
/** Operations fuzzed side by side; each request is still judged on its own (its events are found by its request id). */
const CONCURRENCY = 4;

async function inPool<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/** A NUL can never be stored, so it is refused wherever it is put; a lone surrogate only survives in a JSON body (URL and form decoding replace it). */
function mustRefuse(cls: HostileClass, op: Operation, location: Location, value: unknown): boolean {
  if (!cls.alwaysRefused || typeof value !== 'string') return false;
  if (cls.name.startsWith('NUL')) return value.includes('\u0000');
  return location.part === 'body' && op.body?.kind === 'json';
}

/** Whether the value is in the request as sent (a key added under a bare string body, say, goes nowhere). */
function landed(request: WireRequest, value: string): boolean {
  return request.path.includes(encodeText(value)) || (request.body?.toString().includes(JSON.stringify(value).slice(1, -1)) ?? false);
}

describe('Every operation of /openapi.json answers hostile input in its own envelope, never with a 500, and a refusal writes nothing', function () {
  this.timeout(240_000);
  let h: FuzzHarness;
  const defects: string[] = [];

  before(async () => {
    h = await startFuzzHarness();
  });
  after(async () => {
    await h?.stop();
  });
  beforeEach(() => {
    defects.length = 0;
  });

  /** Every defect by kind, so one run shows all of them and not only the first lines of a diff. */
  const noDefects = () => {
    const kinds = [...new Set(defects.map((d) => d.split(':')[0]))];
    assert.equal(defects.length, 0, `${defects.length} defects (${kinds.join('; ')}):\n${[...new Set(defects)].slice(0, 60).join('\n')}`);
  };

  const probe = async (op: Operation, request: WireRequest, expectRefusal: boolean, what: string) => {
    const { answer, events } = await h.send(op, request);
    const where = `${op.method} ${op.template} [${what}] → ${answer.status} ${answer.text.slice(0, 160)}`;
    const defect = defectOf(op, answer);
    if (defect) defects.push(`${defect}: ${where}`);
    if (events.length) defects.push(`refused but wrote ${events.join(', ')}: ${where}`);
    // A credential an earlier sign-out ended is refused first; that too stores nothing.
    // So is a rate limit the gate applies before reading the request.
    const refusedEarlier = refusedCredential(op.surface, answer) || rateLimited(op.surface, answer);
    if (expectRefusal && !refusedAsInput(op.surface, answer) && !refusedEarlier) defects.push(`not refused as input: ${where}`);
  };

  it('serves operations of every surface', () => {
    const surfaces = new Set([...h.operations, ...h.risky].map((op) => op.surface));
    assert.deepEqual([...surfaces].sort(), ['bitanswer', 'insight', 'laravel', 'operations', 'v1', 'wxcomponent']);
    assert.ok(h.operations.length + h.risky.length > 150, `only ${h.operations.length + h.risky.length} operations`);
  });

  /** The places each class is always tried at; fast-check adds RUNS_PER_OPERATION more anywhere. */
  const aimedAt: Record<string, (location: Location) => boolean> = {
    'NUL character': () => true,
    'lone UTF-16 surrogate': (l) => l.part === 'body',
    'huge, negative and non-finite numbers': (l) => /integer|number/.test(JSON.stringify(l.schema.type ?? '')) || l.addKey !== undefined,
    'leap-second and out-of-range times': (l) => l.schema.format === 'date-time' || /time|date|since|until|from|expire|valid/i.test(l.path.join('.')),
    'prototype names as keys and values': (l) => l.addKey !== undefined || l.part === 'params' || l.schema.type === 'string',
    'wrong types': (l) => l.path.length <= 1 && l.addKey === undefined,
  };

  const fuzzClass = async (cls: HostileClass, operations: Operation[]) => {
    await inPool(operations, async (op) => {
      const locations = locationsOf(op);
      const aimed = locations.filter(aimedAt[cls.name] ?? (() => true));
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...locations), cls.values, async (location, value) => {
          const what = `${location.part}.${[...location.path, location.addKey ?? ''].filter(Boolean).join('.')} = ${JSON.stringify(value)?.slice(0, 40)}`;
          const request = buildRequest(op, location, value);
          await probe(op, request, mustRefuse(cls, op, location, value) && landed(request, value as string), what);
        }),
        // fast-check counts the examples within numRuns.
        { seed: SEED, numRuns: aimed.length + RUNS_PER_OPERATION, examples: aimed.map((location) => [location, cls.canonical] as [Location, unknown]) },
      );
    });
  };

  for (const cls of hostileClasses) {
    it(`${cls.name}: in the parameters, query and body fields of every operation`, async () => {
      const before = await h.lastPosition();
      await fuzzClass(cls, h.operations);
      noDefects();
      // A NUL is refused wherever it is put: no fuzz request of this class moved the log.
      if (cls.name.startsWith('NUL')) assert.deepEqual(await h.fuzzEventsSince(before), [], 'the event log moved');
    });
  }

  it('bad Content-Encoding: a body that is not what its encoding says is refused (400, or 415 for an unknown encoding)', async () => {
    await inPool(h.operations.filter((o) => o.body && o.method !== 'GET'), async (op) => {
      await fc.assert(
        fc.asyncProperty(contentEncodings, async (encoding) => {
          const request = buildRequest(op, undefined);
          request.headers['content-encoding'] = encoding;
          await probe(op, request, false, `content-encoding: ${encoding}`);
        }),
        { seed: SEED, numRuns: 2 + RUNS_PER_OPERATION, examples: [['gzip'], ['x-bogus']] },
      );
    });
    noDefects();
  });

  it('malformed JSON: refused as input on every JSON operation', async () => {
    await inPool(h.operations.filter((o) => o.body?.kind === 'json'), async (op) => {
      await fc.assert(
        fc.asyncProperty(malformedJson, async (text) => {
          const request = buildRequest(op, undefined);
          request.body = text;
          await probe(op, request, false, `body ${JSON.stringify(text).slice(0, 40)}`);
        }),
        { seed: SEED, numRuns: 3 + RUNS_PER_OPERATION, examples: [['{'], ['{"a":"\\u0000"}'], ['"\\ud800"']] },
      );
    });
    noDefects();
  });

  it('sign-outs, token, secret, name and password changes (last: an accepted value may end a credential): every class', async () => {
    for (const cls of hostileClasses) await fuzzClass(cls, h.risky);
    noDefects();
  });
});
