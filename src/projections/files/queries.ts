import type { Knex } from 'knex';
import { fileDecider, type FileState } from '../../commands/files/decider';
import { fileStream, type FileEvent, type FileFacts } from '../../commands/files/events';
import { loadState } from '../../commands/handle';
import type { EventStore } from '../../eventstore/port';
import { fileFactsOf, type FileRow } from './files';

/** Ids look like the template's (MongoDB ObjectId): 24 lowercase hex digits. Anything else names no file. */
export const FILE_ID = /^[0-9a-f]{24}$/;

/**
 * A file's record from the `files` read model; a file uploaded a moment ago that the projector has
 * not reached yet is read from its stream, so an upload can be downloaded at once.
 */
export async function findFile(deps: { knex: Knex; store: EventStore }, fileId: string): Promise<FileFacts | null> {
  if (!FILE_ID.test(fileId)) return null;
  const row = await deps.knex<FileRow>('files')
    .where({ id: fileId })
    .first()
    .catch((err: { code?: string }) => {
      if (err.code === '42P01') return undefined; // the read model is not created yet on a first start
      throw err;
    });
  if (row) return fileFactsOf(row);
  const { state } = await loadState<FileState, FileEvent>(deps.store, fileStream(fileId), fileDecider);
  return state.file;
}
