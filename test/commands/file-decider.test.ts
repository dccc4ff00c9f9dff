import type { DomainError } from '../../src/commands/domain-error';
import assert from 'node:assert/strict';
import { fileDecider } from '../../src/commands/files/decider';
import type { FileEvent, FileFacts } from '../../src/commands/files/events';
import { deciderSpec } from '../support/decider-spec';

const spec = deciderSpec(fileDecider);
const file: FileFacts = {
  fileId: 'f'.repeat(32),
  sha256: 'a'.repeat(64),
  size: 1024,
  name: 'report.pdf',
  mime: 'application/pdf',
  tag: null,
  title: '报告',
  comment: null,
  uploadedBy: 'u'.repeat(32),
  uploadedAt: '2026-01-01T00:00:00.000Z',
  thumbnail: null,
};
const uploaded: FileEvent = { type: 'FileUploaded', data: file };

describe('files', () => {
  it('given nothing, when an upload within the limit is recorded, then FileUploaded with its facts', () => {
    spec.given().when({ type: 'RecordUpload', file, limitBytes: 1024 }).then(uploaded);
  });
  it('given the file id taken, when recorded again, then refused as already existing', () => {
    spec.given(uploaded).when({ type: 'RecordUpload', file, limitBytes: 4096 }).thenRefused('already_exists');
  });
  it('given nothing, when the upload is over the limit, then refused as too large with the limit', () => {
    const error = spec.given().when({ type: 'RecordUpload', file: { ...file, size: 1025 }, limitBytes: 1024 }).thenRefused('payload_too_large');
    // The limit travels as a fact; each surface words it (Laravel: 文件不能超过 1024 字节).
    assert.deepEqual([(error as DomainError).reason, (error as DomainError).details?.limitBytes], ['file_too_large', 1024]);
  });
  it('given nothing, when the upload is empty, then refused as invalid', () => {
    spec.given().when({ type: 'RecordUpload', file: { ...file, size: 0 }, limitBytes: 1024 }).thenRefused('validation_failed');
  });
});
