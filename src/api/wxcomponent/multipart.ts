import type { IncomingMessage } from 'node:http';
import { DomainError } from '../../commands/domain-error';

/**
 * The one multipart upload of this surface (upload-media, field `media`): read as bytes with a
 * size limit and split on the boundary. The shared body reader only gives text, which would
 * corrupt an image.
 */
export interface UploadedFile {
  fileName: string;
  contentType: string;
  bytes: Buffer;
}

export async function readBytes(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new DomainError('payload_too_large', 'the upload is too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function multipartFile(contentType: string, body: Buffer, field: string): UploadedFile {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!/^multipart\/form-data/i.test(contentType) || !boundary) throw new DomainError('unsupported_media_type', 'upload as multipart/form-data');
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2); // skip CRLF after the delimiter and before the next
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd > 0) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const disposition = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? '';
      const name = /;\s*name="([^"]*)"/i.exec(disposition)?.[1];
      if (name === field) {
        const fileName = /;\s*filename="([^"]*)"/i.exec(disposition)?.[1] || 'media';
        const type = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim() ?? 'application/octet-stream';
        return { fileName, contentType: type, bytes: part.subarray(headerEnd + 4) };
      }
    }
    start = next;
  }
  throw new DomainError('validation_failed', `the form has no "${field}" file`);
}
