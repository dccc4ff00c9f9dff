import { locationsOf, sample, type Location, type Operation } from './operations';

/** One request as sent on the wire: the text of its URL and body exactly as built. */
export interface WireRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

/**
 * Percent-encodes text the way a careless client would send it: a lone surrogate goes out as its
 * three generalised-UTF-8 bytes, which no URL decoder turns into valid text.
 */
export function encodeText(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(text.slice(i, i + 2));
      i++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      out += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else out += encodeURIComponent(text[i]!);
  }
  return out;
}

const asText = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value));

function queryPairs(name: string, value: unknown): string[] {
  if (value === null) return [encodeText(name)];
  if (Array.isArray(value)) return value.length ? value.flatMap((v) => queryPairs(name, v)) : [`${encodeText(name)}=`];
  if (typeof value === 'object') return Object.entries(value as object).flatMap(([k, v]) => queryPairs(`${name}[${k}]`, v));
  return [`${encodeText(name)}=${encodeText(asText(value))}`];
}

/** Sets `value` at `path` as an own property, even where the key is `__proto__`. */
function setAt(root: unknown, path: string[], value: unknown, addKey?: string): unknown {
  if (path.length === 0 && addKey === undefined) return value;
  const container = (path.length === 0 ? root : path.slice(0, -1).reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], root)) as Record<string, unknown>;
  if (container === null || typeof container !== 'object') return root;
  const parent = path.length === 0 ? container : (container[path[path.length - 1]!] as Record<string, unknown>);
  if (addKey !== undefined) {
    const key = typeof value === 'string' ? value : addKey;
    const target = path.length === 0 ? container : parent;
    if (target !== null && typeof target === 'object') Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
    return root;
  }
  Object.defineProperty(container, path[path.length - 1]!, { value, enumerable: true, configurable: true, writable: true });
  return root;
}

const BOUNDARY = 'fuzzboundary7MA4YWxkTrZu0gW';

function multipartBody(fields: Record<string, unknown>, files: string[]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${BOUNDARY}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${asText(value)}\r\n`, 'utf8'));
  }
  for (const name of files) {
    parts.push(Buffer.from(`--${BOUNDARY}\r\ncontent-disposition: form-data; name="${name}"; filename="f.png"\r\ncontent-type: image/png\r\n\r\n`), Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(parts);
}

/** The operation's plausible request, with `value` put at `location` (or nothing changed when location is undefined). */
export function buildRequest(op: Operation, location: Location | undefined, value?: unknown): WireRequest {
  const params: Record<string, unknown> = Object.fromEntries(Object.entries(op.params).map(([name, schema]) => [name, sample(schema)]));
  const query: Record<string, unknown> = Object.fromEntries(Object.entries(op.query).map(([name, schema]) => [name, sample(schema)]));
  let body: unknown = op.body && op.body.kind !== 'raw' ? sample(op.body.schema) : '<xml><ToUserName><![CDATA[gh_fuzz]]></ToUserName><Encrypt><![CDATA[x]]></Encrypt></xml>';
  if (location?.part === 'params') params[location.path[0]!] = value;
  if (location?.part === 'query') {
    if (location.addKey !== undefined) query[typeof value === 'string' ? value : location.addKey] = value;
    else query[location.path[0]!] = value;
  }
  if (location?.part === 'body') body = op.body?.kind === 'raw' ? `<xml><ToUserName><![CDATA[${asText(value)}]]></ToUserName></xml>` : setAt(body, location.path, value, location.addKey);

  const path = op.template.replace(/\{([^}]+)\}/g, (_, name: string) => encodeText(asText(params[name])));
  const pairs = Object.entries(query).flatMap(([name, v]) => (v === undefined ? [] : queryPairs(name, v)));
  const request: WireRequest = { method: op.method, path: pairs.length ? `${path}?${pairs.join('&')}` : path, headers: {} };
  if (!op.body || op.method === 'GET') return request;
  if (op.body.kind === 'json') {
    request.headers['content-type'] = 'application/json';
    request.body = JSON.stringify(body);
  } else if (op.body.kind === 'multipart') {
    const schema = op.body.schema as { properties?: Record<string, { format?: string }> };
    const files = Object.entries(schema.properties ?? {}).filter(([, s]) => s.format === 'binary').map(([name]) => name);
    const fields = Object.fromEntries(Object.entries((body ?? {}) as Record<string, unknown>).filter(([name]) => !files.includes(name)));
    request.headers['content-type'] = `multipart/form-data; boundary=${BOUNDARY}`;
    request.body = multipartBody(fields, files);
  } else {
    request.headers['content-type'] = op.body.mediaType.includes('*') ? 'text/xml' : op.body.mediaType;
    request.body = asText(body);
  }
  return request;
}

export { locationsOf };
