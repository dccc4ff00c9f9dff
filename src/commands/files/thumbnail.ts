import { Jimp } from 'jimp';

/** The template's thumbnails: 400 px wide, height in proportion, JPEG quality 90. */
export const THUMBNAIL_WIDTH = 400;
const JPEG_QUALITY = 90;
/**
 * Decoding needs four bytes per pixel: a small file declaring a huge image (a decompression bomb)
 * would take the process's memory. Larger images get no thumbnail.
 */
export const MAX_THUMBNAIL_PIXELS = 40_000_000;

export type ImageType = 'png' | 'jpeg' | 'gif' | 'bmp';

export interface ImageHeader {
  type: ImageType;
  width: number;
  height: number;
}

/** What the content's own header says it is, whatever the client declared; null for anything else. */
export function readImageHeader(bytes: Buffer): ImageHeader | null {
  if (bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a) {
    return { type: 'png', width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length >= 10 && /^GIF8[79]a$/.test(bytes.subarray(0, 6).toString('latin1'))) {
    return { type: 'gif', width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
  }
  if (bytes.length >= 26 && bytes[0] === 0x42 && bytes[1] === 0x4d) {
    return { type: 'bmp', width: Math.abs(bytes.readInt32LE(18)), height: Math.abs(bytes.readInt32LE(22)) };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return jpegHeader(bytes);
  return null;
}

/** Walks the JPEG segments to the first start-of-frame marker, which holds the size. */
function jpegHeader(bytes: Buffer): ImageHeader | null {
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1]!;
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) return { type: 'jpeg', height: bytes.readUInt16BE(i + 5), width: bytes.readUInt16BE(i + 7) };
    i += 2 + bytes.readUInt16BE(i + 2);
  }
  return null;
}

export interface Thumbnail {
  bytes: Buffer;
  mime: string;
  width: number;
  height: number;
}

/** A 400-px-wide thumbnail (PNG stays PNG for its transparency, the rest become JPEG), or null when the content is not an image we can decode. */
export async function makeThumbnail(bytes: Buffer): Promise<Thumbnail | null> {
  const header = readImageHeader(bytes);
  if (!header || header.width === 0 || header.height === 0 || header.width * header.height > MAX_THUMBNAIL_PIXELS) return null;
  try {
    const image = await Jimp.fromBuffer(bytes);
    image.resize({ w: THUMBNAIL_WIDTH });
    const out = header.type === 'png' ? await image.getBuffer('image/png') : await image.getBuffer('image/jpeg', { quality: JPEG_QUALITY });
    return { bytes: out, mime: header.type === 'png' ? 'image/png' : 'image/jpeg', width: image.width, height: image.height };
  } catch {
    // A header that looks like an image over content that does not decode: a file without a thumbnail.
    return null;
  }
}
