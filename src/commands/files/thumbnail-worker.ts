import { parentPort } from 'node:worker_threads';
import { Jimp } from 'jimp';

/**
 * Runs in a worker thread (thumbnail-pool): decoding and resizing take seconds of CPU on a large
 * image, which on the main thread would stall every request.
 */
export interface ThumbnailJob {
  id: number;
  bytes: Uint8Array;
  width: number;
  /** PNG stays PNG for its transparency; everything else becomes JPEG. */
  png: boolean;
  jpegQuality: number;
}

export type ThumbnailAnswer = { id: number; thumbnail: { bytes: Uint8Array; width: number; height: number } | null };

async function thumbnail(job: ThumbnailJob): Promise<ThumbnailAnswer['thumbnail']> {
  try {
    const image = await Jimp.fromBuffer(Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength));
    image.resize({ w: job.width });
    const out = job.png ? await image.getBuffer('image/png') : await image.getBuffer('image/jpeg', { quality: job.jpegQuality });
    return { bytes: out, width: image.width, height: image.height };
  } catch {
    // A header that looks like an image over content that does not decode: a file without a thumbnail.
    return null;
  }
}

// Decoders print warnings about damaged files straight to the console, among the service's JSON log lines.
console.log = console.warn = () => undefined;

// The pool's time limits start once the decoders are loaded.
parentPort?.postMessage({ ready: true });
parentPort?.on('message', (job: ThumbnailJob) => {
  // Copied, not transferred: a small Buffer shares its ArrayBuffer with others.
  void thumbnail(job).then((t) => parentPort!.postMessage({ id: job.id, thumbnail: t } satisfies ThumbnailAnswer));
});
