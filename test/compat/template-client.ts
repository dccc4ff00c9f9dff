/**
 * The Laravel template front end's way of talking HTTP (frontend/src/utils/Http.js and
 * auth/Auth.js of purocean/laravel-template), restated: every call carries
 * `Accept: application/json`, `Content-Type: application/json` and `Authorization: Bearer <token>`
 * (an empty token after sign-out); an object body is sent as JSON. What the page does with the
 * answer depends only on what is modelled here:
 * - 2xx with Content-Type exactly `application/json` (compared as a whole string): the page gets
 *   the parsed envelope and reads `status`, `message`, `data`;
 * - 2xx with any other Content-Type: the page gets an unread stream, so nothing it shows changes;
 * - 401: the stored token, roles and permissions are wiped and the page reloads (sign in again);
 * - 403 / 404 / 503 / anything else: the page is replaced by its error screen with that code.
 * A response `Authorization` header replaces the stored token (the template's JWT refresh).
 */
export type TemplateOutcome =
  | { kind: 'envelope'; status: string; message: string; data: any; response: Response } // eslint-disable-line @typescript-eslint/no-explicit-any
  | { kind: 'unreadable'; contentType: string | null; response: Response }
  | { kind: 'signed-out'; response: Response }
  | { kind: 'error-screen'; code: number; response: Response };

export interface TemplateClient {
  /** The token the page keeps in localStorage ('' when signed out). */
  token: string;
  /** `Http.fetch(url, {method, body})`: `url` relative to the page's own address, as the pages write it. */
  call(url: string, params?: { method?: string; body?: unknown }): Promise<TemplateOutcome>;
}

/** A page served at `pageUrl` (the desktop at `/`, the phone at `/mobile.html`). */
export function templateClient(pageUrl: string, token = ''): TemplateClient {
  const client: TemplateClient = {
    token,
    async call(url, params = {}) {
      const headers = { Accept: 'application/json', 'Content-Type': 'application/json', Authorization: `Bearer ${client.token}` };
      // JSON.stringify drops undefined members, as the page's own stringify does.
      const body = typeof params.body === 'object' ? JSON.stringify(params.body) : (params.body as string | undefined);
      const response = await fetch(new URL(url, pageUrl), { method: params.method ?? 'GET', headers, body });
      const refreshed = response.headers.get('Authorization');
      if (refreshed) client.token = refreshed.replace(/^Bearer\s+?/i, '');
      if (response.ok) {
        const contentType = response.headers.get('Content-Type');
        if (contentType !== 'application/json') return { kind: 'unreadable', contentType, response };
        const parsed = (await response.json()) as { status: string; message: string; data: unknown };
        return { kind: 'envelope', status: parsed.status, message: parsed.message, data: parsed.data, response };
      }
      if (response.status === 401) {
        client.token = '';
        return { kind: 'signed-out', response };
      }
      return { kind: 'error-screen', code: response.status, response };
    },
  };
  return client;
}

/**
 * The route guard's permission test (Auth.checkPermission): a path is allowed when the caller's
 * permission names hold it exactly, or it or any of its parents followed by `/*`.
 */
export function templateAllows(perms: Record<string, string>, path: string): boolean {
  const names = Object.keys(perms);
  if (names.includes(path) || names.includes(`${path}/*`)) return true;
  for (let at = path.lastIndexOf('/'); at > -1; at = path.lastIndexOf('/')) {
    path = path.slice(0, at);
    if (names.includes(`${path}/*`)) return true;
  }
  return false;
}
