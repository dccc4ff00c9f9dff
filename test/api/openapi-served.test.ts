import assert from 'node:assert/strict';
import { startTestService, type TestService } from '../support/service';

/** Somewhere nothing listens: routes that call WeChat or WeCom fail fast instead of reaching the internet. */
const NOWHERE = 'http://127.0.0.1:9';

/** A value for a path parameter that its documented pattern accepts where it can (an appid, an id), else `1`. */
function fill(path: string, parameters: Array<{ name: string; in: string; schema?: { pattern?: string } }> = []): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const pattern = parameters.find((p) => p.in === 'path' && p.name === name)?.schema?.pattern ?? '';
    if (pattern.startsWith('^wx')) return 'wx0000000000000001';
    if (/0-9a-f/.test(pattern)) return '0'.repeat(24);
    return '1';
  });
}

describe('every path of /openapi.json is served', function () {
  this.timeout(120_000);
  let svc: TestService;
  before(async () => {
    svc = await startTestService('openapi_served', { WECHAT_API_BASE: NOWHERE, WECOM_API_BASE: NOWHERE });
  });
  after(async () => {
    await svc?.stop();
  });

  /** How many requests so far were answered by no route at all (the unmatched-route 404), from /metrics. */
  async function unmatched(): Promise<number> {
    const text = (await svc.request('GET', '/metrics')).text;
    let total = 0;
    for (const line of text.split('\n')) if (line.startsWith('http_requests_total{') && line.includes('route="unmatched"')) total += Number(line.split(' ').at(-1));
    return total;
  }

  it('given each documented path and method, with its parameters filled in, a route answers (never the unmatched-route 404)', async () => {
    const doc = (await svc.request('GET', '/openapi.json')).body as { paths: Record<string, Record<string, { parameters?: [] }>> };
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
        .map(([method, op]) => ({ method: method.toUpperCase(), path: fill(path, op.parameters) })),
    );
    assert.ok(operations.length > 100, `${operations.length} operations documented`);
    // The probe itself: an undocumented path does count, so a pass means something.
    const start = await unmatched();
    await svc.request('GET', '/no/such/documented/path');
    assert.equal(await unmatched(), start + 1);

    const unserved: string[] = [];
    for (const { method, path } of operations) {
      const before = await unmatched();
      const res = await svc.request(method, path);
      if ((await unmatched()) > before) unserved.push(`${method} ${path} → ${res.status}`);
    }
    assert.deepEqual(unserved, []);
  });
});
