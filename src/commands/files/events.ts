/**
 * Uploaded files (Laravel `/api/file`). One stream per file; the content itself lives on disk,
 * named by its SHA-256, and the event records what is needed to find and describe it.
 */
export interface ThumbnailFacts {
  mime: string;
  width: number;
  height: number;
  size: number;
}

export interface FileFacts {
  fileId: string;
  sha256: string;
  size: number;
  /** The client's file name, without any directory part. */
  name: string;
  /** The client's declared type (what the download answers with). */
  mime: string;
  tag: string | null;
  title: string | null;
  comment: string | null;
  uploadedBy: string;
  uploadedAt: string;
  /** A 400-px-wide thumbnail, made when the content is an image we can decode. */
  thumbnail: ThumbnailFacts | null;
}

export type FileEvent = { type: 'FileUploaded'; data: FileFacts };

export const fileEventTypes: FileEvent['type'][] = ['FileUploaded'];

export const fileStream = (fileId: string): string => `file-${fileId}`;
