import { randomBytes } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * File content on local disk, named by the SHA-256 of the content: `content/ab/<sha256>` and its
 * thumbnail `thumbnails/ab/<sha256>`. Paths are built only from a hash we computed, never from
 * anything a client sent. Identical uploads share one copy. A write goes to `tmp/` first and is
 * renamed into place, so a reader never sees half a file.
 */
export type ContentKind = 'content' | 'thumbnails';

const SHA256 = /^[0-9a-f]{64}$/;

export function contentPath(dir: string, kind: ContentKind, sha256: string): string {
  if (!SHA256.test(sha256)) throw new Error('content is addressed by a SHA-256 hex digest');
  return join(dir, kind, sha256.slice(0, 2), sha256);
}

export async function putContent(dir: string, kind: ContentKind, sha256: string, bytes: Buffer): Promise<void> {
  const target = contentPath(dir, kind, sha256);
  if (await exists(target)) return;
  const tmpDir = join(dir, 'tmp');
  await mkdir(tmpDir, { recursive: true });
  await mkdir(join(dir, kind, sha256.slice(0, 2)), { recursive: true });
  const tmp = join(tmpDir, `${sha256}.${randomBytes(6).toString('hex')}`);
  try {
    await writeFile(tmp, bytes, { flag: 'wx' });
    await rename(tmp, target);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** The content as a stream with its size, or null when it is not on disk. */
export async function openContent(dir: string, kind: ContentKind, sha256: string): Promise<{ stream: ReadStream; size: number } | null> {
  const path = contentPath(dir, kind, sha256);
  try {
    const { size } = await stat(path);
    return { stream: createReadStream(path), size };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
