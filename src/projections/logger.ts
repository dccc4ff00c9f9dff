/** The slice of a pino logger the projection runner uses; pino's own logger fits it. */
export interface ProjectionLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Used when none is given: quiet on routine events, loud on the ones ops must see. */
export const consoleProjectionLogger: ProjectionLogger = {
  info: () => undefined,
  warn: (fields, message) => console.warn(message, fields),
  error: (fields, message) => console.error(message, fields),
};

export function errorFields(err: unknown): { err: { message: string; name?: string; code?: string } } {
  if (err instanceof Error) return { err: { message: err.message, name: err.name, code: (err as { code?: string }).code } };
  return { err: { message: String(err) } };
}
