import type { ExpectedRevision, UniqueClaim } from './port';

/** The stream was not at the revision the writer expected. */
export class WrongExpectedVersionError extends Error {
  readonly code = 'wrong_expected_version';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** The stream's last revision, or -1 when it does not exist. */
    readonly actual: number,
  ) {
    super(`stream ${streamId} is at revision ${actual}, expected ${String(expected)}`);
    this.name = 'WrongExpectedVersionError';
  }
}

/** Another stream already owns a unique value; nothing was appended. */
export class UniqueClaimConflictError extends Error {
  readonly code = 'unique_claim_conflict';
  constructor(readonly claim: UniqueClaim) {
    // The value itself may be personal data (a mobile number): name the scope only.
    super(`${claim.scope} is already taken`);
    this.name = 'UniqueClaimConflictError';
  }
}

/** Some, but not all, of the event ids were already stored: a client bug, not a retry. */
export class PartialDuplicateError extends Error {
  readonly code = 'partial_duplicate';
  constructor(readonly streamId: string) {
    super(`some of the events for ${streamId} were already stored and some were not`);
    this.name = 'PartialDuplicateError';
  }
}

/** The event store could not be reached or answered with a failure. */
export class EventStoreUnavailableError extends Error {
  readonly code = 'eventstore_unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventStoreUnavailableError';
  }
}
