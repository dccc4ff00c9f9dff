import { createHash, randomBytes } from 'node:crypto';
import type { EventMetadata, EventStore } from '../../eventstore/port';
import { handleCommand } from '../handle';
import { putContent } from './content-store';
import { fileDecider, uploadRefusal, type FileCommand, type FileState } from './decider';
import { fileStream, type FileEvent, type FileFacts } from './events';
import { makeThumbnail } from './thumbnail';

export interface FileDeps {
  store: EventStore;
  config: { filesDir: string; fileLimitBytes: number };
}

export interface Upload {
  fileName: string;
  contentType: string;
  bytes: Buffer;
  tag: string | null;
  title: string | null;
  comment: string | null;
}

/** The client's name without any directory part or control characters (it goes into a Content-Disposition). */
export function cleanFileName(raw: string): string {
  const base = raw.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(0, 255);
  return clean === '' || clean === '.' || clean === '..' ? 'file' : clean;
}

/** `type/subtype` as declared, lowercased and without parameters; something unreadable becomes octet-stream. */
export function cleanMime(raw: string): string {
  const type = raw.split(';')[0]!.trim().toLowerCase();
  return /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(type) ? type : 'application/octet-stream';
}

/**
 * Checks the size before anything touches the disk, writes the content (and a thumbnail for an
 * image) under its hash, then records the upload. A crash between the two leaves at most an
 * unreferenced blob, which a later identical upload reuses.
 */
export async function uploadFile(deps: FileDeps, upload: Upload, uploadedBy: string, metadata: EventMetadata): Promise<FileFacts> {
  const refusal = uploadRefusal(upload.bytes.length, deps.config.fileLimitBytes);
  if (refusal) throw refusal;
  const sha256 = createHash('sha256').update(upload.bytes).digest('hex');
  const thumbnail = await makeThumbnail(upload.bytes);
  await putContent(deps.config.filesDir, 'content', sha256, upload.bytes);
  if (thumbnail) await putContent(deps.config.filesDir, 'thumbnails', sha256, thumbnail.bytes);
  const file: FileFacts = {
    fileId: randomBytes(12).toString('hex'),
    sha256,
    size: upload.bytes.length,
    name: cleanFileName(upload.fileName),
    mime: cleanMime(upload.contentType),
    tag: upload.tag,
    title: upload.title,
    comment: upload.comment,
    uploadedBy,
    uploadedAt: metadata.time,
    thumbnail: thumbnail && { mime: thumbnail.mime, width: thumbnail.width, height: thumbnail.height, size: thumbnail.bytes.length },
  };
  await handleCommand<FileState, FileCommand, FileEvent>({ store: deps.store, metadata }, fileStream(file.fileId), fileDecider, {
    type: 'RecordUpload',
    file,
    limitBytes: deps.config.fileLimitBytes,
  });
  return file;
}
