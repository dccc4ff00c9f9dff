import assert from 'node:assert/strict';
import { Jimp } from 'jimp';
import { readImageDimensions } from '../../src/commands/files/image-dimensions';
import { makeThumbnail, MAX_THUMBNAIL_PIXELS } from '../../src/commands/files/thumbnail';
import { ThumbnailPool } from '../../src/commands/files/thumbnail-pool';
import { flatPng, gifBomb } from '../support/images';

describe('thumbnails: decoding cost read from the headers, decoding in a worker thread', function () {
  this.timeout(120_000);

  describe('readImageDimensions counts every size a decoder would use', () => {
    it('a GIF counts its largest frame, not its logical screen (the 35-byte bomb: 1×1 screen, 20000×20000 frame)', () => {
      assert.deepEqual(readImageDimensions(gifBomb()), { type: 'gif', pixels: 400_000_000 });
    });

    it('a GIF frame after a small first frame and extensions still counts', async () => {
      const small = await new Jimp({ width: 4, height: 3, color: 0xff0000ff }).getBuffer('image/gif');
      const bomb = gifBomb();
      // The small GIF up to its trailer, then a graphic-control extension and the bomb's frame.
      const withSecond = Buffer.concat([small.subarray(0, small.length - 1), Buffer.from([0x21, 0xf9, 4, 0, 0, 0, 0, 0]), bomb.subarray(13)]);
      assert.deepEqual(readImageDimensions(small), { type: 'gif', pixels: 12 });
      assert.deepEqual(readImageDimensions(withSecond), { type: 'gif', pixels: 400_000_000 });
    });

    it('reads a PNG IHDR, a JPEG start-of-frame and a BMP header', async () => {
      const img = new Jimp({ width: 30, height: 20, color: 0x336699ff });
      assert.deepEqual(readImageDimensions(flatPng(3000, 2000)), { type: 'png', pixels: 6_000_000 });
      assert.deepEqual(readImageDimensions(await img.getBuffer('image/jpeg')), { type: 'jpeg', pixels: 600 });
      assert.deepEqual(readImageDimensions(await img.getBuffer('image/bmp')), { type: 'bmp', pixels: 600 });
    });

    it('gives nothing for content that is not one of the four, or whose header is cut short', () => {
      assert.equal(readImageDimensions(Buffer.from('plain text')), null);
      assert.equal(readImageDimensions(flatPng(10, 10).subarray(0, 20)), null);
      assert.equal(readImageDimensions(gifBomb().subarray(0, 20)), null);
    });
  });

  it('refuses an image over the pixel cap without handing it to a decoder', async () => {
    const refusing = { run: () => assert.fail('the decoder was asked') } as unknown as ThumbnailPool;
    assert.equal(await makeThumbnail(gifBomb(), refusing), null);
    const side = Math.ceil(Math.sqrt(MAX_THUMBNAIL_PIXELS)) + 1;
    assert.equal(await makeThumbnail(flatPng(side, side), refusing), null);
  });

  it('a decode over its time limit ends its worker with no thumbnail, and the next one gets a fresh worker', async () => {
    const pool = new ThumbnailPool({ timeoutMs: 60_000, maxQueued: 4, maxHeapMb: 256 });
    try {
      const job = { bytes: flatPng(3000, 2000), width: 400, png: true, jpegQuality: 90 };
      assert.equal(await pool.run(job, 50), null);
      const made = await makeThumbnail(flatPng(800, 600), pool);
      assert.deepEqual(made && [made.mime, made.width, made.height], ['image/png', 400, 300]);
    } finally {
      await pool.close();
    }
  });

  it('given one job running and the queue full, the next answers at once with no thumbnail', async () => {
    const pool = new ThumbnailPool({ timeoutMs: 60_000, maxQueued: 1, maxHeapMb: 256 });
    try {
      const job = { bytes: flatPng(64, 64), width: 400, png: true, jpegQuality: 90 };
      assert.ok(await pool.run(job), 'the worker is up');
      const answers = await Promise.all([pool.run(job), pool.run(job), pool.run(job)]);
      assert.deepEqual(answers.map((a) => a !== null), [true, true, false]);
    } finally {
      await pool.close();
    }
  });
});
