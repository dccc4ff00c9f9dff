import { readImageDimensions } from './image-dimensions';
import { ThumbnailPool } from './thumbnail-pool';

/** The template's thumbnails: 400 px wide, height in proportion, JPEG quality 90. */
export const THUMBNAIL_WIDTH = 400;
const JPEG_QUALITY = 90;
/**
 * Decoding takes four bytes and some CPU per pixel: a small file declaring a huge image (a
 * decompression bomb) would take the memory and minutes of a thread. Larger images get no
 * thumbnail; 25 megapixels is a 6000×4000 camera picture.
 */
export const MAX_THUMBNAIL_PIXELS = 25_000_000;
/** A decode past this is a runaway: its worker is terminated and the upload goes on without a thumbnail. */
export const THUMBNAIL_TIMEOUT_MS = 30_000;

export interface Thumbnail {
  bytes: Buffer;
  mime: string;
  width: number;
  height: number;
}

let pool: ThumbnailPool | null = null;
const sharedPool = () => (pool ??= new ThumbnailPool({ timeoutMs: THUMBNAIL_TIMEOUT_MS, maxQueued: 16, maxHeapMb: 256 }));

/**
 * A 400-px-wide thumbnail (PNG stays PNG for its transparency, the rest become JPEG), made in a
 * worker thread; null when the content is not an image we decode, is over the pixel cap, or the
 * worker gave up.
 */
export async function makeThumbnail(bytes: Buffer, thumbnails: ThumbnailPool = sharedPool()): Promise<Thumbnail | null> {
  const image = readImageDimensions(bytes);
  if (!image || image.pixels > MAX_THUMBNAIL_PIXELS) return null;
  const png = image.type === 'png';
  const made = await thumbnails.run({ bytes, width: THUMBNAIL_WIDTH, png, jpegQuality: JPEG_QUALITY });
  if (!made) return null;
  return { bytes: Buffer.from(made.bytes.buffer, made.bytes.byteOffset, made.bytes.byteLength), mime: png ? 'image/png' : 'image/jpeg', width: made.width, height: made.height };
}
