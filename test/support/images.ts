import { deflateSync } from 'node:zlib';

/**
 * Hand-built images whose headers say what a test needs, without paying to encode pixels.
 */

/** The 35-byte GIF of the probe: a 1×1 logical screen holding one 20000×20000 frame. */
export const gifBomb = (): Buffer => shortGif([1, 1], [20_000, 20_000]);

/**
 * A 35-byte GIF whose one frame has 8 bytes of image data: decoders fill the rest of the frame
 * anyway, synchronously, so it costs what its sizes say.
 */
export function shortGif([screenWidth, screenHeight]: [number, number], [frameWidth, frameHeight]: [number, number]): Buffer {
  const screen = Buffer.alloc(7);
  screen.writeUInt16LE(screenWidth, 0);
  screen.writeUInt16LE(screenHeight, 2);
  const descriptor = Buffer.alloc(10);
  descriptor[0] = 0x2c;
  descriptor.writeUInt16LE(frameWidth, 5);
  descriptor.writeUInt16LE(frameHeight, 7);
  const data = Buffer.from([2, 8, 0x84, 0x8f, 0xa9, 0xcb, 0xed, 0x0f, 0xa3, 0x9c, 0, 0x3b]);
  return Buffer.concat([Buffer.from('GIF89a', 'latin1'), screen, descriptor, data]);
}

/** A PNG of one flat colour (RGB): decoding it costs width × height pixels, the file a few kilobytes. */
export function flatPng(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, body: Buffer) => {
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), body]);
    const out = Buffer.alloc(12 + body.length);
    out.writeUInt32BE(body.length, 0);
    typed.copy(out, 4);
    out.writeUInt32BE(crc(typed), 8 + body.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const row = Buffer.alloc(1 + width * 3, 0x80);
  row[0] = 0; // filter: none
  const raw = Buffer.alloc(row.length * height);
  for (let y = 0; y < height; y++) row.copy(raw, y * row.length);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
