import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Jimp } from 'jimp';
import { startTestService, type TestService } from '../support/service';
import { flatPng, gifBomb, shortGif } from '../support/images';
import { signInAsAdmin, type LaravelSession } from './support';

const LIMIT = 200_000;

async function image(mime: 'image/png' | 'image/jpeg', width: number, height: number): Promise<Buffer> {
  const img = new Jimp({ width, height, color: 0x336699ff });
  for (let x = 0; x < width; x += 7) for (let y = 0; y < height; y += 5) img.setPixelColor(((((x * 37) ^ (y * 91)) & 0xffffff) * 256 + 0xff) >>> 0, x, y);
  return mime === 'image/png' ? img.getBuffer('image/png') : img.getBuffer('image/jpeg', { quality: 85 });
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('Laravel /api files: upload, download, thumbnails', function () {
  this.timeout(60_000);
  let svc: TestService;
  let dir: string;
  let user: LaravelSession;
  let png: Buffer;
  let jpeg: Buffer;
  const eventCount = async () => Number((await svc.db.knex('events').count<{ count: string }[]>('* as count'))[0]!.count);

  async function upload(parts: { file?: { bytes: Buffer; name: string; type: string }; fields?: Record<string, string> }, headers = user.headers) {
    const form = new FormData();
    for (const [k, v] of Object.entries(parts.fields ?? {})) form.append(k, v);
    if (parts.file) form.append('file', new Blob([parts.file.bytes], { type: parts.file.type }), parts.file.name);
    const res = await fetch(`${svc.url}/api/file/upload`, { method: 'POST', body: form, headers });
    return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  }
  async function download(path: string, headers = user.headers) {
    const res = await fetch(`${svc.url}${path}`, { headers });
    return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'authledger-files-'));
    svc = await startTestService('laravel_files', { FILES_DIR: dir, FILE_LIMIT_BYTES: String(LIMIT) });
    user = await signInAsAdmin(svc);
    [png, jpeg] = await Promise.all([image('image/png', 640, 480), image('image/jpeg', 1000, 500)]);
  });
  after(async () => {
    await svc?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores a PNG with its tag, title and comment, under its SHA-256, and records the upload as an event', async () => {
    const res = await upload({ file: { bytes: png, name: 'TIM截图.png', type: 'image/png' }, fields: { tag: 'hhhtag', title: 'kkktitle', comment: 'kkkcomment' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'ok');
    const { id, ...rest } = res.body.data;
    assert.match(id, /^[0-9a-f]{24}$/);
    assert.deepEqual(rest, { tag: 'hhhtag', title: 'kkktitle', comment: 'kkkcomment', name: 'TIM截图.png', mime: 'image/png', size: png.length });
    const sha = createHash('sha256').update(png).digest('hex');
    assert.deepEqual(await readFile(join(dir, 'content', sha.slice(0, 2), sha)), png);
    const event = await svc.db.knex('events').where({ stream_id: `file-${id}` }).first();
    assert.equal(event.type, 'FileUploaded');
    assert.equal(event.data.sha256, sha);
    assert.deepEqual(event.data.thumbnail, { mime: 'image/png', width: 400, height: 300, size: event.data.thumbnail.size });
  });

  it('downloads the content by id (query, trailing slash or path) as an attachment with the declared type', async () => {
    const { body } = await upload({ file: { bytes: png, name: 'picture.png', type: 'image/png' } });
    for (const path of [`/api/file?id=${body.data.id}`, `/api/file/?id=${body.data.id}`, `/api/file/${body.data.id}`]) {
      const res = await download(path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('content-type'), 'image/png');
      assert.equal(res.headers.get('content-disposition'), `attachment; filename="picture.png"; filename*=UTF-8''picture.png`);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.deepEqual(res.bytes, png);
    }
  });

  it('thumb=1 gives a 400-px-wide thumbnail of a PNG (PNG) and of a JPEG (JPEG), height in proportion', async () => {
    const p = (await upload({ file: { bytes: png, name: 'a.png', type: 'image/png' } })).body.data.id;
    const j = (await upload({ file: { bytes: jpeg, name: 'b.jpg', type: 'image/jpeg' } })).body.data.id;
    for (const [id, mime, height, name] of [[p, 'image/png', 300, 'thumb_a.png'], [j, 'image/jpeg', 200, 'thumb_b.jpg']] as const) {
      const res = await download(`/api/file?id=${id}&thumb=1`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), mime);
      assert.match(res.headers.get('content-disposition')!, new RegExp(`filename="${name}"`));
      const thumb = await Jimp.fromBuffer(res.bytes);
      assert.equal(thumb.mime, mime);
      assert.deepEqual([thumb.width, thumb.height], [400, height]);
    }
  });

  /** Asks /healthz one request after another until `work` settles: when each was sent and answered. */
  async function healthzDuring<T>(work: Promise<T>): Promise<{ result: T; started: number; ended: number; waits: Array<{ sent: number; answered: number }> }> {
    const started = performance.now();
    let ended = 0;
    const result = work.finally(() => (ended = performance.now()));
    const waits: Array<{ sent: number; answered: number }> = [];
    while (ended === 0) {
      const sent = performance.now();
      const res = await fetch(`${svc.url}/healthz`);
      await res.arrayBuffer();
      assert.equal(res.status, 200);
      waits.push({ sent, answered: performance.now() });
    }
    return { result: await result, started, ended, waits };
  }

  it('given a large image, thumbnailing it runs beside other requests: /healthz keeps answering while the upload runs', async () => {
    const large = flatPng(3000, 2000);
    const { result, started, ended, waits } = await healthzDuring(upload({ file: { bytes: large, name: 'large.png', type: 'image/png' } }));
    assert.equal(result.status, 200, JSON.stringify(result.body));
    const answeredDuring = waits.filter((w) => w.answered < ended);
    assert.ok(answeredDuring.length >= 3, `${answeredDuring.length} /healthz answers while the upload ran`);
    // Decoding on the event loop would hold one /healthz for most of the upload.
    const longest = Math.max(...waits.map((w) => w.answered - w.sent));
    assert.ok(longest < (ended - started) / 2, `a /healthz waited ${Math.round(longest)} ms of an upload of ${Math.round(ended - started)} ms`);
    const event = await svc.db.knex('events').where({ stream_id: `file-${result.body.data.id}` }).first();
    assert.deepEqual([event.data.thumbnail?.width, event.data.thumbnail?.height], [400, 267], 'the large image still gets its thumbnail');
  });

  it('given a GIF under the cap whose decoding is all synchronous (2000×2000), /healthz is never held while it is thumbnailed', async () => {
    const gif = shortGif([2000, 2000], [2000, 2000]);
    const { result, started, ended, waits } = await healthzDuring(upload({ file: { bytes: gif, name: 'slow.gif', type: 'image/gif' } }));
    assert.equal(result.status, 200, JSON.stringify(result.body));
    // On the event loop, decoding and resizing would hold one /healthz for nearly the whole upload.
    const longest = Math.max(...waits.map((w) => w.answered - w.sent));
    assert.ok(longest < (ended - started) / 2, `a /healthz waited ${Math.round(longest)} ms of an upload of ${Math.round(ended - started)} ms`);
    assert.ok(waits.filter((w) => w.answered < ended).length >= 3);
    const event = await svc.db.knex('events').where({ stream_id: `file-${result.body.data.id}` }).first();
    assert.deepEqual([event.data.thumbnail?.width, event.data.thumbnail?.height], [400, 400]);
  });

  it('given the 35-byte GIF whose one frame is 20000×20000, the upload is stored without a thumbnail and /healthz answers meanwhile', async () => {
    const bomb = gifBomb();
    const { result, waits, started, ended } = await healthzDuring(upload({ file: { bytes: bomb, name: 'bomb.gif', type: 'image/gif' } }));
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.equal(result.body.data.size, 35);
    assert.ok(waits.some((w) => w.answered < ended), 'no /healthz answered while the upload ran');
    // Refused from its headers, the bomb is never decoded, so the upload is short and a ratio of it is noise;
    // decoding 400 megapixels on the event loop held /healthz for seconds (7.5 s measured), so a second bounds it.
    const longest = Math.max(...waits.map((w) => w.answered - w.sent));
    assert.ok(longest < Math.max((ended - started) / 2, 1000), `a /healthz waited ${Math.round(longest)} ms of an upload of ${Math.round(ended - started)} ms`);
    const event = await svc.db.knex('events').where({ stream_id: `file-${result.body.data.id}` }).first();
    assert.equal(event.data.thumbnail, null);
    assert.equal((await svc.request('GET', `/api/file?id=${result.body.data.id}&thumb=1`, { headers: user.headers })).status, 422);
    assert.deepEqual((await download(`/api/file/${result.body.data.id}`)).bytes, bomb);
  });

  it('keeps one copy of identical content uploaded twice, under two ids', async () => {
    const bytes = Buffer.from('same content, twice');
    const a = await upload({ file: { bytes, name: 'one.txt', type: 'text/plain' } });
    const b = await upload({ file: { bytes, name: 'two.txt', type: 'text/plain' } });
    assert.notEqual(a.body.data.id, b.body.data.id);
    const sha = createHash('sha256').update(bytes).digest('hex');
    assert.equal((await filesUnder(join(dir, 'content'))).filter((f) => f.endsWith(sha)).length, 1);
    assert.deepEqual((await download(`/api/file/${b.body.data.id}`)).bytes, bytes);
  });

  it('given a file that is not an image, thumb=1 is a clean 422 and the file itself still downloads', async () => {
    const { body } = await upload({ file: { bytes: Buffer.from('plain text'), name: 'notes.txt', type: 'image/png' } });
    const res = await svc.request('GET', `/api/file?id=${body.data.id}&thumb=1`, { headers: user.headers });
    assert.equal(res.status, 422);
    assert.equal(res.body.status, 'error');
    assert.equal(res.body.message, '该文件不是图片，没有缩略图');
    assert.equal((await download(`/api/file?id=${body.data.id}`)).status, 200);
  });

  it('keeps only the base name of a client file name', async () => {
    const { body } = await upload({ file: { bytes: Buffer.from('x'), name: '..\\..\\etc\\evil.txt', type: 'text/plain' } });
    assert.equal(body.data.name, 'evil.txt');
  });

  for (const [what, path] of [
    ['an unknown id', `/api/file?id=${'0'.repeat(24)}`],
    ['no id', '/api/file'],
    ['a traversal in the query', '/api/file?id=../../../../etc/passwd'],
    ['an encoded traversal in the path', '/api/file/..%2F..%2F..%2Fetc%2Fpasswd'],
    ['a traversal through the content hash', `/api/file/${'a'.repeat(23)}%2F`],
    ['a dot segment', '/api/file/%2e%2e'],
  ] as const) {
    it(`answers ${what} with a clean 404 in the envelope`, async () => {
      const res = await svc.request('GET', path, { headers: user.headers });
      assert.equal(res.status, 404, res.text);
      assert.equal(res.body.status, 'error');
    });
  }

  describe('refusals write nothing', () => {
    let before: { events: number; files: number };
    beforeEach(async () => {
      await svc.projector.catchUp();
      before = { events: await eventCount(), files: (await filesUnder(dir)).length };
    });
    afterEach(async () => {
      assert.deepEqual({ events: await eventCount(), files: (await filesUnder(dir)).length }, before);
    });

    it('refuses a 0-byte file with 422 (errors.file)', async () => {
      const res = await upload({ file: { bytes: Buffer.alloc(0), name: 'empty.txt', type: 'text/plain' } });
      assert.equal(res.status, 422);
      assert.equal(res.body.status, 'error');
      assert.deepEqual(Object.keys(res.body.errors), ['file']);
    });

    it('refuses a form without a file part with 422 (errors.file)', async () => {
      const res = await upload({ fields: { tag: 't', title: 'no file' } });
      assert.equal(res.status, 422);
      assert.deepEqual(Object.keys(res.body.errors), ['file']);
    });

    it('refuses a file over FILE_LIMIT_BYTES with 413, whether or not the body is over the route limit too', async () => {
      for (const size of [LIMIT + 1, LIMIT * 3]) {
        const res = await upload({ file: { bytes: Buffer.alloc(size, 7), name: 'big.bin', type: 'application/octet-stream' } });
        assert.equal(res.status, 413, String(size));
        assert.equal(res.body.status, 'error');
      }
    });

    it('refuses a chunked body that grows past the limit with 413 while it is still being sent', async () => {
      const url = new URL(`${svc.url}/api/file/upload`);
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...user.headers, 'content-type': 'multipart/form-data; boundary=XyZ' } },
          (res) => {
            res.resume();
            resolve(res.statusCode!);
          },
        );
        req.on('error', reject);
        req.write('--XyZ\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n');
        let sent = 0;
        const pump = () => {
          while (sent < LIMIT * 4) {
            sent += 16_384;
            if (!req.write(Buffer.alloc(16_384, 1))) return void req.once('drain', pump);
          }
          req.end('\r\n--XyZ--\r\n');
        };
        pump();
      });
      assert.equal(status, 413);
    });

    it('refuses a JSON body with 415 and a field too long with 422', async () => {
      const json = await svc.request('POST', '/api/file/upload', { body: { file: 'file....', tag: 'tag' }, headers: user.headers });
      assert.equal(json.status, 415);
      const long = await upload({ file: { bytes: Buffer.from('x'), name: 'x.txt', type: 'text/plain' }, fields: { tag: 't'.repeat(256) } });
      assert.equal(long.status, 422);
      assert.deepEqual(Object.keys(long.body.errors), ['tag']);
    });

    it('refuses an anonymous upload or download with 401', async () => {
      const res = await upload({ file: { bytes: png, name: 'a.png', type: 'image/png' } }, {});
      assert.equal(res.status, 401);
      assert.equal((await svc.request('GET', `/api/file?id=${'0'.repeat(24)}`)).status, 401);
    });
  });

  it('documents the multipart body and the binary download in /openapi.json', async () => {
    const doc = (await svc.request('GET', '/openapi.json')).body;
    const form = doc.paths['/api/file/upload'].post.requestBody.content['multipart/form-data'].schema;
    assert.deepEqual(form.required, ['file']);
    assert.equal(form.properties.file.format, 'binary');
    assert.deepEqual(Object.keys(form.properties).sort(), ['comment', 'file', 'tag', 'title']);
    for (const path of ['/api/file', '/api/file/{id}']) {
      assert.equal(doc.paths[path].get.responses['200'].content['*/*'].schema.format, 'binary');
      assert.ok(doc.paths[path].get.responses['404']);
    }
  });

  it('serves downloads from the files read model once the projector has it', async () => {
    const { body } = await upload({ file: { bytes: jpeg, name: 'c.jpg', type: 'image/jpeg' }, fields: { tag: 'p' } });
    await svc.projector.catchUp();
    const row = await svc.db.knex('files').where({ id: body.data.id }).first();
    assert.equal(row.tag, 'p');
    assert.equal(Number(row.size), jpeg.length);
    assert.equal((await download(`/api/file/${body.data.id}?thumb=1`)).status, 200);
  });
});
