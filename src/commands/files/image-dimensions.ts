/**
 * What decoding an image would cost, read from its own headers before any decoder sees it. A
 * decoder sizes its buffers from more than the first header: a GIF's frames carry their own sizes
 * (a 35-byte GIF may declare a 1×1 screen and a 20000×20000 frame), a JPEG may hold several frames.
 * So every size a decoder could use is read, and the largest one counts.
 */
export type ImageType = 'png' | 'jpeg' | 'gif' | 'bmp';

export interface ImageDimensions {
  type: ImageType;
  /** The largest width × height any decoder of this file would allocate for. */
  pixels: number;
}

/** The content's real type (whatever the client declared) and decoding cost; null when it is none of ours or its headers do not parse. */
export function readImageDimensions(bytes: Buffer): ImageDimensions | null {
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a) return png(bytes);
  if (bytes.length >= 6 && /^GIF8[79]a$/.test(bytes.subarray(0, 6).toString('latin1'))) return gif(bytes);
  if (bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d) return bmp(bytes);
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return jpeg(bytes);
  return null;
}

const sized = (type: ImageType, sizes: Array<[number, number]>): ImageDimensions | null =>
  sizes.length === 0 || sizes.some(([w, h]) => w <= 0 || h <= 0) ? null : { type, pixels: Math.max(...sizes.map(([w, h]) => w * h)) };

/** The IHDR chunk, which must come first. */
function png(bytes: Buffer): ImageDimensions | null {
  if (bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR') return null;
  return sized('png', [[bytes.readUInt32BE(16), bytes.readUInt32BE(20)]]);
}

/** The logical screen, then every image descriptor, skipping colour tables, extensions and image data. */
function gif(bytes: Buffer): ImageDimensions | null {
  if (bytes.length < 13) return null;
  const sizes: Array<[number, number]> = [[bytes.readUInt16LE(6), bytes.readUInt16LE(8)]];
  let i = 13 + colourTableBytes(bytes[10]!);
  const skipSubBlocks = () => {
    while (i < bytes.length && bytes[i] !== 0) i += bytes[i]! + 1;
    i += 1;
  };
  while (i < bytes.length) {
    const block = bytes[i]!;
    if (block === 0x3b) break;
    if (block === 0x21) {
      i += 2;
      skipSubBlocks();
    } else if (block === 0x2c) {
      if (i + 10 > bytes.length) return null;
      const left = bytes.readUInt16LE(i + 1);
      const top = bytes.readUInt16LE(i + 3);
      const width = bytes.readUInt16LE(i + 5);
      const height = bytes.readUInt16LE(i + 7);
      // A frame placed off the screen still makes some decoders grow their canvas to hold it.
      sizes.push([width, height], [left + width, top + height]);
      i += 10 + colourTableBytes(bytes[i + 9]!) + 1; // descriptor, local colours, LZW minimum code size
      skipSubBlocks();
    } else {
      return null;
    }
  }
  return sized('gif', sizes);
}

const colourTableBytes = (packed: number): number => (packed & 0x80 ? 3 * 2 ** ((packed & 0x07) + 1) : 0);

/** BITMAPCOREHEADER (16-bit sizes) or any later info header (32-bit, height negative for top-down). */
function bmp(bytes: Buffer): ImageDimensions | null {
  if (bytes.length < 26) return null;
  if (bytes.readUInt32LE(14) === 12) return sized('bmp', [[bytes.readUInt16LE(18), bytes.readUInt16LE(20)]]);
  return sized('bmp', [[Math.abs(bytes.readInt32LE(18)), Math.abs(bytes.readInt32LE(22))]]);
}

/** Every start-of-frame segment, including any after the first scan. */
function jpeg(bytes: Buffer): ImageDimensions | null {
  const sizes: Array<[number, number]> = [];
  let i = 2;
  while (i + 3 < bytes.length) {
    if (bytes[i] !== 0xff) {
      i += 1; // entropy-coded data of a scan: look for the next marker
      continue;
    }
    const marker = bytes[i + 1]!;
    // Fill bytes, stuffed zeros and restart markers carry no length.
    if (marker === 0xff || marker === 0x00 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += marker === 0xff ? 1 : 2;
      continue;
    }
    if (marker === 0xd9) break;
    const length = bytes.readUInt16BE(i + 2);
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      if (i + 9 > bytes.length) return null;
      sizes.push([bytes.readUInt16BE(i + 7), bytes.readUInt16BE(i + 5)]);
    }
    i += 2 + length;
  }
  return sized('jpeg', sizes);
}
