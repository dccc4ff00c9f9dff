import type { IncomingMessage } from 'node:http';
import { DomainError } from '../commands/domain-error';

/**
 * multipart/form-data uploads (Laravel `file/upload`, wxcomponent `upload-media`): the body read as
 * bytes with a size limit, then split on the boundary. The shared body reader's text path would
 * corrupt binary content.
 */
export interface UploadedFile {
  fileName: string;
  contentType: string;
  bytes: Buffer;
}

export interface MultipartForm {
  /** Text fields; the first of a repeated name counts. */
  fields: Record<string, string>;
  /** File parts by field name; the first of a repeated name counts. */
  files: Record<string, UploadedFile>;
}

const tooLarge = () => new DomainError('payload_too_large', 'the upload is too large');

/**
 * Reads the whole body, refusing more than `limit` bytes: at once when Content-Length says so,
 * else as soon as the count passes it. The stream is never destroyed, so the refusal still reaches
 * the client (Node drains what is left once the answer is sent).
 */
export function readBytes(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      cleanup();
      req.resume();
      reject(tooLarge());
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    // The client went away mid-body: a client error (400), not ours.
    const onAborted = () => onError(Object.assign(new Error('request aborted'), { status: 400, type: 'request.aborted' }));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

export function parseMultipart(contentType: string, body: Buffer): MultipartForm {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!/^multipart\/form-data/i.test(contentType) || !boundary) throw new DomainError('unsupported_media_type', 'upload as multipart/form-data');
  const delimiter = Buffer.from(`--${(boundary[1] ?? boundary[2])!.trim()}`);
  // Null prototypes: a part named `__proto__` or `constructor` is a field like any other.
  const form: MultipartForm = { fields: Object.create(null) as MultipartForm['fields'], files: Object.create(null) as MultipartForm['files'] };
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2); // the CRLF after this delimiter and before the next
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd > 0) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const disposition = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? '';
      const name = /;\s*name="([^"]*)"/i.exec(disposition)?.[1];
      const fileName = /;\s*filename="([^"]*)"/i.exec(disposition)?.[1];
      const content = part.subarray(headerEnd + 4);
      if (name !== undefined && fileName !== undefined) {
        const type = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim() || 'application/octet-stream';
        form.files[name] ??= { fileName, contentType: type, bytes: content };
      } else if (name !== undefined) {
        form.fields[name] ??= content.toString('utf8');
      }
    }
    start = next;
  }
  return form;
}

/** The one file of a single-file form. */
export function multipartFile(contentType: string, body: Buffer, field: string): UploadedFile {
  const file = parseMultipart(contentType, body).files[field];
  if (!file) throw new DomainError('validation_failed', `the form has no "${field}" file`);
  return { ...file, fileName: file.fileName || 'media' };
}
