import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import { DomainError } from '../commands/domain-error';
import { FailureSignal } from './failure';
import { parseMultipart, readBytes, type MultipartForm } from './multipart';
import type { RouteDefinition } from './route';

const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export type BodyReader = (ctx: Context, definition: RouteDefinition) => Promise<void>;

/**
 * Reads a request body the way its route asks, only after the route matched and authenticated:
 * an unknown path or an anonymous caller never makes the server buffer a body.
 * - JSON routes (`request.body`): `application/json` or `+json` only; any JSON value (Insight
 *   deletes by a bare JSON string), judged afterwards by the route's schema.
 * - raw routes (`request.raw`): the text as sent, in `ctx.request.rawBody`, for the listed types.
 * - multipart routes (`request.multipart`): read as bytes up to the route's own limit, which
 *   replaces the surface-wide one; text fields in `ctx.request.body`, files in `ctx.request.files`.
 * - routes declaring none of these: the body is not read at all.
 */
export function createBodyReader(limitBytes: number): BodyReader {
  const json = bodyParser({ enableTypes: ['json'], jsonLimit: limitBytes, jsonStrict: false, parsedMethods: ALL_METHODS, encoding: 'utf-8' });
  const text = bodyParser({
    enableTypes: ['text'],
    extendTypes: { text: ['*/*'] },
    textLimit: limitBytes,
    parsedMethods: ALL_METHODS,
    encoding: 'utf-8',
  });
  const proceed = async () => {};

  return async (ctx, definition) => {
    const request = definition.request;
    if (request?.body) {
      if (!hasBody(ctx)) return;
      if (!ctx.is('application/json', '+json')) throw new DomainError('unsupported_media_type', 'request body must be application/json');
      await decoding(ctx, () => json(ctx, proceed));
      return;
    }
    if (request?.multipart) {
      if (!ctx.is('multipart/form-data')) throw new DomainError('unsupported_media_type', 'request body must be multipart/form-data');
      // Uploads are read as bytes, never inflated: a compressed form would be parsed as garbage.
      if (contentEncoding(ctx) !== 'identity') throw new DomainError('unsupported_media_type', 'an upload must not carry a Content-Encoding');
      const form = await parseMultipart(ctx.get('content-type'), await readBytes(ctx.req, request.multipart.limitBytes));
      const missing = Object.entries(request.multipart.files).filter(([name, file]) => file.required && !form.files[name]);
      if (missing.length > 0) {
        const errors = missing.map(([name]) => ({ in: 'body', path: name, message: 'is required (a file part)' }));
        throw new DomainError('validation_failed', missing.map(([name]) => `${name}: is required (a file part)`).join('; '), { errors });
      }
      ctx.request.body = form.fields;
      (ctx.request as { files?: MultipartForm['files'] }).files = form.files;
      return;
    }
    if (request?.raw) {
      if (!hasBody(ctx)) {
        ctx.request.rawBody = '';
        return;
      }
      if (!ctx.is(...request.raw.mediaTypes)) {
        throw new DomainError('unsupported_media_type', `request body must be ${request.raw.mediaTypes.join(' or ')}`);
      }
      await decoding(ctx, () => text(ctx, proceed));
    }
  };
}

function contentEncoding(ctx: Context): string {
  return (ctx.get('content-encoding') || 'identity').trim().toLowerCase();
}

/**
 * A body that is not what its Content-Encoding says (gzip that is not gzip) fails inside zlib with
 * no HTTP status: the client's mistake, answered 400 in the envelope and not logged as a crash.
 * An encoding nobody speaks is refused by the parser itself with 415.
 */
async function decoding(ctx: Context, parse: () => Promise<unknown>): Promise<void> {
  try {
    await parse();
  } catch (err) {
    const status = (err as { status?: unknown; statusCode?: unknown }).status ?? (err as { statusCode?: unknown }).statusCode;
    if (status === undefined && contentEncoding(ctx) !== 'identity') {
      throw new FailureSignal({ code: 'malformed_request', message: 'request body does not match its Content-Encoding' });
    }
    throw err;
  }
}

function hasBody(ctx: Context): boolean {
  const headers = ctx.req.headers;
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return length !== undefined && length !== '0';
}
