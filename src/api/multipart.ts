import type { IncomingMessage } from 'node:http';
import { Busboy, type BusboyInstance } from '@fastify/busboy';
import { DomainError } from '../commands/domain-error';

/**
 * multipart/form-data uploads (Laravel `file/upload`, wxcomponent `upload-media`): the body read as
 * bytes with a size limit, then split into parts by @fastify/busboy. The shared body reader's text
 * path would corrupt binary content.
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

/** Our forms have a file and a few fields; more parts than this is not an upload. */
const MAX_PARTS = 64;
const FILE_HWM = 1 << 20;

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

/**
 * Splits a multipart/form-data body with @fastify/busboy. A body busboy cannot read (no boundary,
 * a part cut short, no closing delimiter) is the client's mistake: `validation_failed`, never a 500.
 */
export async function parseMultipart(contentType: string, body: Buffer): Promise<MultipartForm> {
  if (!/^multipart\/form-data/i.test(contentType)) throw new DomainError('unsupported_media_type', 'upload as multipart/form-data');
  let parser: BusboyInstance;
  try {
    parser = Busboy({
      headers: { 'content-type': contentType },
      // A part with a filename is a file, whatever its type; one without is a text field.
      isPartAFile: (_name, _type, fileName) => fileName !== undefined,
      limits: { parts: MAX_PARTS, fieldSize: body.length, fileSize: body.length },
      fileHwm: FILE_HWM,
    });
  } catch {
    throw new DomainError('unsupported_media_type', 'upload as multipart/form-data with a boundary');
  }
  // Null prototypes: a part named `__proto__` or `constructor` is a field like any other.
  const form: MultipartForm = { fields: Object.create(null) as MultipartForm['fields'], files: Object.create(null) as MultipartForm['files'] };
  return new Promise((resolve, reject) => {
    const refuse = (message: string) => reject(new DomainError('validation_failed', message, { errors: [{ in: 'body', path: '', message }] }));
    parser.on('field', (name, value) => {
      form.fields[name] ??= value;
    });
    parser.on('file', (name, stream, fileName, _encoding, mimeType) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      // A part cut short fails its own stream; unheard, that error would end the process.
      stream.on('error', () => refuse('the multipart body is malformed'));
      stream.on('end', () => {
        form.files[name] ??= { fileName, contentType: mimeType || 'application/octet-stream', bytes: Buffer.concat(chunks) };
      });
    });
    parser.on('partsLimit', () => refuse(`a form has at most ${MAX_PARTS} parts`));
    parser.on('error', () => refuse('the multipart body is malformed'));
    parser.on('finish', () => resolve(form));
    parser.end(body);
  });
}

/** The one file of a single-file form. */
export async function multipartFile(contentType: string, body: Buffer, field: string): Promise<UploadedFile> {
  const file = (await parseMultipart(contentType, body)).files[field];
  if (!file) throw new DomainError('validation_failed', `the form has no "${field}" file`);
  return { ...file, fileName: file.fileName || 'media' };
}
