import type { FileEvent, FileFacts, ThumbnailFacts } from '../../commands/files/events';
import { fileEventTypes } from '../../commands/files/events';
import type { RecordedEvent } from '../../eventstore/port';
import type { Projection } from '../projection';
import { applyRowFold, type RowFold } from '../upsert';

/** One row per uploaded file, for downloads by id and lookups by content hash. */
export interface FileRow {
  id: string;
  sha256: string;
  size: number;
  name: string;
  mime: string;
  tag: string | null;
  title: string | null;
  comment: string | null;
  uploaded_by: string;
  uploaded_at: string;
  thumbnail: ThumbnailFacts | null;
  revision: number;
}

type RecordedFileEvent = RecordedEvent<FileEvent['type'], FileEvent['data']>;

export function fileFactsOf(row: FileRow): FileFacts {
  return {
    fileId: row.id,
    sha256: row.sha256,
    size: Number(row.size),
    name: row.name,
    mime: row.mime,
    tag: row.tag,
    title: row.title,
    comment: row.comment,
    uploadedBy: row.uploaded_by,
    uploadedAt: row.uploaded_at,
    thumbnail: row.thumbnail,
  };
}

const filesFold: RowFold<FileRow, RecordedFileEvent> = {
  table: 'files',
  key: ['id'],
  keysOf: (e) => ({ id: e.data.fileId }),
  evolve: (_row, e) => {
    const d = e.data;
    return {
      id: d.fileId,
      sha256: d.sha256,
      size: d.size,
      name: d.name,
      mime: d.mime,
      tag: d.tag,
      title: d.title,
      comment: d.comment,
      uploaded_by: d.uploadedBy,
      uploaded_at: d.uploadedAt,
      thumbnail: d.thumbnail,
      revision: e.revision,
    };
  },
  loadExisting: false,
};

export const filesProjection: Projection = {
  name: 'files',
  version: 1,
  eventTypes: fileEventTypes,
  tables: {
    files: `
      id text primary key,
      sha256 text not null,
      size bigint not null,
      name text not null,
      mime text not null,
      tag text,
      title text,
      comment text,
      uploaded_by text not null,
      uploaded_at text not null,
      thumbnail jsonb,
      revision integer not null`,
  },
  indexes: ['create index {{table:files}}_by_sha256 on {{table:files}} (sha256)'],
  keyColumns: { files: ['id'] },
  async apply(trx, events, tables) {
    await applyRowFold(trx, tables, filesFold, events);
  },
};
