import { accept, reject, type Decider } from '../decider';
import { DomainError } from '../domain-error';
import { refusal } from '../refusals';
import type { FileEvent, FileFacts } from './events';

export interface FileState {
  file: FileFacts | null;
}

export type FileCommand = { type: 'RecordUpload'; file: FileFacts; limitBytes: number };

/** Why an upload of `size` bytes cannot be kept, or null. Checked before anything is written to disk, and again here. */
export function uploadRefusal(size: number, limitBytes: number): DomainError | null {
  if (size === 0) return refusal('file_empty', { errors: [{ in: 'body', path: 'file', message: 'is empty' }] });
  if (size > limitBytes) return refusal('file_too_large', { limitBytes });
  return null;
}

export const fileDecider: Decider<FileState, FileCommand, FileEvent> = {
  initialState: () => ({ file: null }),
  evolve: (_state, event) => ({ file: event.data }),
  decide(command, state) {
    if (state.file) return reject(new DomainError('already_exists', 'this file id is taken'));
    const refusal = uploadRefusal(command.file.size, command.limitBytes);
    if (refusal) return reject(refusal);
    return accept({ type: 'FileUploaded', data: command.file });
  },
};
