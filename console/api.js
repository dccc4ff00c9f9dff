// The console's only door to the service: /v1 with the administrator token of this tab.
const TOKEN = 'authledger.console.token';

export const session = {
  token: () => sessionStorage.getItem(TOKEN),
  account: () => sessionStorage.getItem(`${TOKEN}.account`),
  signedOut: () => {},
};

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json' };
  const token = session.token();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : null;
  if (res.status === 401 && token) {
    signOut();
    return new Promise(() => {});
  }
  if (!res.ok) throw new ApiError(res.status, parsed);
  return parsed;
}

export async function signIn(account, password) {
  const { token } = await api('/login', { method: 'POST', body: { account, password } });
  sessionStorage.setItem(TOKEN, token);
  sessionStorage.setItem(`${TOKEN}.account`, account);
  // The queue board cannot send our header: it gets the same token as an HttpOnly cookie.
  await api('/queue-board/session', { method: 'POST' });
}

export function signOut() {
  const had = session.token();
  if (had) fetch('/v1/queue-board/session', { method: 'DELETE', headers: { authorization: `Bearer ${had}` } }).catch(() => {});
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem(`${TOKEN}.account`);
  session.signedOut();
}

/** `/events?type=a&type=b`: arrays repeat their parameter, empty values are left out. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined && one !== null && one !== '') q.append(k, String(one));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
