import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closedLoopHttp, completeResponse, requestBytes } from '../../bench/closed-loop-http';

/** The bench's load generator: the figures it prints are only as good as its reading of HTTP. */
describe('bench load generator', () => {
  let server: Server;
  let target: URL;
  const received: string[] = [];
  let connections = 0;

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(`${req.method} ${req.url} ${body}`);
        if (req.url === '/missing') {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('nope');
        } else if (req.url === '/chunked') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('part one, ');
          setImmediate(() => res.end('part two'));
        } else {
          res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '7' }).end('success');
        }
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    target = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  });
  after(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => {
    received.length = 0;
    connections = 0;
  });

  it('sends every listed request, bodies intact, over keep-alive connections, and counts every answer', async () => {
    const requests = Array.from({ length: 50 }, (_, i) => requestBytes(target, { method: 'POST', path: `/push?n=${i}`, headers: { 'content-type': 'text/xml' }, body: `<xml>${'推送'.repeat(i)}</xml>` }));
    const result = await closedLoopHttp(target, 4, 0.5, requests);
    assert.equal(result.errors, 0);
    assert.equal(result.non2xx, 0);
    assert.equal(result.requests, received.length);
    assert.equal(connections, 4);
    assert.ok(result.requests >= 50, `only ${result.requests} requests in half a second`);
    const sent = new Set(Array.from({ length: 50 }, (_, i) => `POST /push?n=${i} <xml>${'推送'.repeat(i)}</xml>`));
    assert.deepEqual(new Set(received), sent);
  });

  it('reads chunked answers to their end and counts non-2xx answers', async () => {
    const result = await closedLoopHttp(target, 2, 0.3, [requestBytes(target, { path: '/chunked' }), requestBytes(target, { path: '/missing' })]);
    assert.equal(result.errors, 0);
    assert.equal(result.requests, received.length);
    assert.equal(result.non2xx, received.filter((r) => r.startsWith('GET /missing')).length);
    assert.ok(result.non2xx > 0 && result.non2xx < result.requests);
  });

  it('finds where a response ends, and waits while it is incomplete', () => {
    const fixed = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nsuccessHTTP/1.1');
    assert.deepEqual(completeResponse(fixed), { status: 200, length: fixed.length - 8 });
    assert.equal(completeResponse(fixed.subarray(0, 40)), null);
    const chunked = Buffer.from('HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
    assert.deepEqual(completeResponse(chunked), { status: 201, length: chunked.length });
    assert.equal(completeResponse(chunked.subarray(0, chunked.length - 3)), null);
    assert.deepEqual(completeResponse(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n')), { status: 204, length: 27 });
  });
});
