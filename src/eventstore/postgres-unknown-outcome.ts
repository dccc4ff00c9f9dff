/**
 * Errors after which an append may or may not have committed: the connection broke (or was cut by
 * our own deadline) while the statement or its COMMIT was on its way. A statement PostgreSQL
 * refused or cancelled itself (constraint, statement_timeout) rolled back and is not among them.
 */
const BROKEN_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03', '08006', '08003', '08007']);
// knex (the claims path) puts the statement before the driver's message: "… - Connection terminated unexpectedly".
const BROKEN_MESSAGES = /(^|\s-\s)(Connection terminated|Query read timeout|Client has encountered a connection error|Connection ended unexpectedly)/;

export function outcomeUnknown(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  if (e.code && BROKEN_CODES.has(e.code)) return true;
  return typeof e.message === 'string' && BROKEN_MESSAGES.test(e.message);
}

/** The backend an append ran on, kept on its error so the lookup can make sure it is gone. */
export function withBackendPid(err: unknown, pid: number | undefined): unknown {
  if (err && typeof err === 'object' && pid) (err as { backendPid?: number }).backendPid ??= pid;
  return err;
}

export function backendPidOf(err: unknown): number | null {
  return (err as { backendPid?: number } | null)?.backendPid ?? null;
}

/**
 * Ends the backend that ran the lost append, if it still runs one of ours, and waits up to
 * `waitMs` for it to exit: after that it has committed or never will, so a lookup that does not
 * find the events proves they are not stored. A backend cut off by a silent network would
 * otherwise still commit after the client was told "unavailable".
 */
export const END_LOST_BACKEND_SQL = `select pg_terminate_backend(pid, $2::bigint) as ended from pg_stat_activity
where pid = $1 and datname = current_database() and application_name = current_setting('application_name') and backend_type = 'client backend'`;
