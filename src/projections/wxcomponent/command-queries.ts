import type { Knex } from 'knex';
import type { RuleTarget } from '../../commands/wxcomponent/rules';

/**
 * What the wxcomponent command side reads from this context's read models (the routes' reads are
 * elsewhere). Each answers as if empty before the projector has created its table: an API started
 * on a fresh database, ahead of any projector, has recorded nothing yet.
 */
const UNDEFINED_TABLE = '42P01';

async function orEmpty<T>(query: Promise<T>, empty: T): Promise<T> {
  try {
    return await query;
  } catch (err) {
    if ((err as { code?: string }).code === UNDEFINED_TABLE) return empty;
    throw err;
  }
}

// --- forwarding rules ---

export interface OpenRule {
  id: number;
  /** 1 component pushes (matched by infoType), 2 authorizer messages (matched by msgType + event). */
  type: number;
  infoType: string;
  msgType: string;
  event: string;
  target: RuleTarget;
}

/**
 * The open rules, read at most every RULES_TTL_MS per process and database: a lookup per callback
 * would cost a round trip on the hottest path. A rule added or changed takes effect within that
 * time (plus projection lag), or at once in the process that changed it (forgetOpenRules).
 */
export const RULES_TTL_MS = 2_000;
const ruleCache = new WeakMap<Knex, { at: number; rules: Promise<OpenRule[]> }>();

export function openRules(knex: Knex): Promise<OpenRule[]> {
  const cached = ruleCache.get(knex);
  if (cached && Date.now() - cached.at < RULES_TTL_MS) return cached.rules;
  const rules = knex('wx_proxy_rules')
    .where('open', true)
    .select<Array<{ id: number; type: number; info_type: string; msg_type: string; event: string; data: RuleTarget }>>('id', 'type', 'info_type', 'msg_type', 'event', 'data')
    .then((rows) => rows.map((r) => ({ id: Number(r.id), type: r.type, infoType: r.info_type, msgType: r.msg_type, event: r.event, target: r.data })))
    // A failed read forwards nothing for one TTL rather than failing the push.
    .catch(() => [] as OpenRule[]);
  ruleCache.set(knex, { at: Date.now(), rules });
  return rules;
}

export function forgetOpenRules(knex: Knex): void {
  ruleCache.delete(knex);
}

// --- authorizers ---

export interface KnownAuthorizerRow {
  appid: string;
  userName: string;
}

/**
 * The authorizers (current or former) with this appid or this original id. Every biz push asks, so
 * answers are kept for KNOWN_AUTHORIZERS_MS per (appid, original id) and database: an account
 * authorised meanwhile is taken at the URL's word a little longer, as before it was recorded.
 */
export const KNOWN_AUTHORIZERS_MS = 5_000;
const knownAuthorizers = new WeakMap<Knex, Map<string, { at: number; known: KnownAuthorizerRow[] }>>();

export async function authorizersNamed(knex: Knex, appid: string, userName: string): Promise<KnownAuthorizerRow[]> {
  const key = `${appid} ${userName}`;
  let cache = knownAuthorizers.get(knex);
  if (!cache) knownAuthorizers.set(knex, (cache = new Map()));
  const cached = cache.get(key);
  if (cached && Date.now() - cached.at < KNOWN_AUTHORIZERS_MS) return cached.known;
  const rows = await orEmpty(
    knex('wx_authorizers').where('appid', appid).orWhere('user_name', userName).select<Array<{ appid: string; user_name: string }>>('appid', 'user_name'),
    [],
  );
  const known = rows.map((r) => ({ appid: r.appid, userName: r.user_name }));
  if (cache.size >= 10_000) cache.clear();
  cache.set(key, { at: Date.now(), known });
  return known;
}

/** The appids of every account currently authorised (the token sweep's list; a failed read sweeps none, the next sweep tries again). */
export async function authorizedAppids(knex: Knex): Promise<string[]> {
  const rows = await knex('wx_authorizers')
    .where('authorized', true)
    .select<Array<{ appid: string }>>('appid')
    .catch(() => []);
  return rows.map((r) => r.appid);
}

// --- the verify ticket ---

/** The newest component_verify_ticket the projection holds, still sealed; null when none came yet or it cannot be read (Redis has the live copy). */
export async function storedComponentTicket(knex: Knex): Promise<string | null> {
  const row = await knex('wx_component_ticket')
    .first<{ sealed_ticket: string } | undefined>('sealed_ticket')
    .catch(() => undefined);
  return row?.sealed_ticket ?? null;
}
