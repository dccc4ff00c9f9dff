import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

/**
 * Configuration comes from the environment only. Every value has a development default so that
 * `npm start` works on a fresh machine; each default used is reported, and production refuses
 * development secrets.
 */
export interface Config {
  env: 'development' | 'test' | 'production';
  port: number;
  host: string;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  eventstoreUrl: string | null;
  jwtSecret: string;
  /** 32-byte key for AES-256-GCM encryption of secrets that must be given back. */
  dataKey: Buffer;
  adminAccount: string;
  adminPassword: string;
  wechatApiBase: string;
  wecomApiBase: string;
  /** WeCom (企业微信) application: corp id, the app's secret, and its agent id (message/send). */
  wecom: { corpId: string; corpSecret: string; agentId: number };
  /** Where SMS sign-in codes are POSTed (JSON {mobile, code, ttlSeconds}); empty: SMS sign-in is off. */
  smsWebhookUrl: string;
  /** Lifetime of an Insight sign-in code (tokens/codes), and of an SMS code. */
  insightCodeTtlSeconds: number;
  insightSmsCodeTtlSeconds: number;
  /** WeChat third-party platform (component) credentials: appid, secret, callback token, EncodingAESKey. */
  wechatComponent: { appId: string; secret: string; token: string; encodingAesKey: string };
  logLevel: string;
  bodyLimitBytes: number;
  shutdownGraceMs: number;
  /** Behind exactly one reverse proxy: take the client address from the last X-Forwarded-For hop. */
  trustProxy: boolean;
  /** An Insight rate limit allows one client address this many times what it allows one device. */
  rateLimitAddressFactor: number;
  /** How often the license sweep ends sessions whose expiry job was lost. */
  licenseSweepMs: number;
  /**
   * Longest a write waits, before it answers, for the read models its surface reads to apply it
   * (read-your-writes, docs/read-side.md); 0 answers at once.
   */
  readYourWritesTimeoutMs: number;
  /** Life of a QR-code sign-in nonce (Laravel `/api/qrcode`). */
  qrLoginTtlSeconds: number;
  /** Per client address (IPv6: per /64): QR codes a minute, and codes alive at once. */
  qrCodePerMinute: number;
  qrCodeOutstanding: number;
  /** Where uploaded files (and their thumbnails) are kept, named by the SHA-256 of their content. */
  filesDir: string;
  /** Largest uploaded file; the upload route reads at most this plus room for the form fields. */
  fileLimitBytes: number;
  /**
   * Deadlines of the serving roles (requests, projector, workers), after which a request is
   * answered 503: a PostgreSQL statement, taking a pooled connection, opening one, a Redis command.
   */
  deadlines: { dbQueryMs: number; dbAcquireMs: number; dbConnectMs: number; redisCommandMs: number };
  /** How long the answer of a /v1 write sent with an Idempotency-Key is kept for its retries. */
  idempotencyKeyTtlSeconds: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const DEV_JWT_SECRET = 'development-jwt-secret-change-me';
const DEV_DATA_KEY = 'development-data-key-change-me';
const DEV_ADMIN_PASSWORD = 'admin123456';
const DEV_WECHAT_AES_KEY = 'developmentEncodingAesKeyChangeMe0123456789';
const DEV_WECHAT_TOKEN = 'development-callback-token';

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): { config: Config; defaultsUsed: string[] } {
  const problems: string[] = [];
  const defaultsUsed: string[] = [];
  const read = (name: string, fallback: string): string => {
    const value = env[name];
    if (value === undefined || value === '') {
      defaultsUsed.push(`${name}=${fallback}`);
      return fallback;
    }
    return value;
  };
  /** A secret's default is reported by name only: the list is logged at start-up. */
  const secret = (name: string, fallback: string): string => {
    const value = env[name];
    if (value === undefined || value === '') {
      defaultsUsed.push(`${name} (development default)`);
      return fallback;
    }
    return value;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name, String(fallback));
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return n;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = read(name, String(fallback)).toLowerCase();
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    problems.push(`${name} must be true or false, got "${raw}"`);
    return fallback;
  };
  const url = (name: string, fallback: string, schemes: string[]): string => {
    const raw = read(name, fallback);
    try {
      const parsed = new URL(raw);
      if (!schemes.includes(parsed.protocol)) {
        problems.push(`${name} must use ${schemes.join(' or ')}, got "${parsed.protocol}"`);
      }
    } catch {
      problems.push(`${name} is not a URL: "${redactUrl(raw)}"`);
    }
    return raw;
  };

  const rawEnv = read('NODE_ENV', 'development');
  const envName = (['development', 'test', 'production'] as const).find((e) => e === rawEnv);
  if (!envName) problems.push(`NODE_ENV must be development, test or production, got "${rawEnv}"`);

  const jwtSecret = secret('JWT_SECRET', DEV_JWT_SECRET);
  if (jwtSecret.length < 16) problems.push('JWT_SECRET must be at least 16 characters');
  const rawDataKey = secret('DATA_KEY', DEV_DATA_KEY);
  const adminPassword = secret('ADMIN_PASSWORD', DEV_ADMIN_PASSWORD);
  if (adminPassword.length < 8) problems.push('ADMIN_PASSWORD must be at least 8 characters');

  const eventstoreRaw = env.EVENTSTORE_URL?.trim() || null;
  if (eventstoreRaw && !/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover):\/\//.test(eventstoreRaw)) {
    problems.push('EVENTSTORE_URL must be an esdb:// connection string (unset means the PostgreSQL event store)');
  }

  const config: Config = {
    env: envName ?? 'development',
    port: int('PORT', 8080, 0, 65535),
    host: read('HOST', '0.0.0.0'),
    databaseUrl: url('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/authledger', ['postgres:', 'postgresql:']),
    redisUrl: url('REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    redisPrefix: read('REDIS_PREFIX', 'authledger:'),
    eventstoreUrl: eventstoreRaw,
    jwtSecret,
    dataKey: deriveDataKey(rawDataKey),
    adminAccount: read('ADMIN_ACCOUNT', 'admin'),
    adminPassword,
    wechatApiBase: url('WECHAT_API_BASE', 'https://api.weixin.qq.com', ['http:', 'https:']),
    wecomApiBase: url('WECOM_API_BASE', 'https://qyapi.weixin.qq.com', ['http:', 'https:']),
    wecom: {
      corpId: read('WECOM_CORP_ID', 'ww0000000000000000'),
      corpSecret: secret('WECOM_CORP_SECRET', 'development-wecom-secret'),
      agentId: int('WECOM_AGENT_ID', 1000002, 1, 2_147_483_647),
    },
    smsWebhookUrl: env.SMS_WEBHOOK_URL ? url('SMS_WEBHOOK_URL', '', ['http:', 'https:']) : '',
    insightCodeTtlSeconds: int('INSIGHT_CODE_TTL_SECONDS', 30, 1, 3600),
    insightSmsCodeTtlSeconds: int('INSIGHT_SMS_CODE_TTL_SECONDS', 300, 1, 3600),
    wechatComponent: {
      appId: read('WECHAT_COMPONENT_APPID', 'wx0000000000000000'),
      secret: secret('WECHAT_COMPONENT_SECRET', 'development-component-secret'),
      token: secret('WECHAT_COMPONENT_TOKEN', DEV_WECHAT_TOKEN),
      encodingAesKey: secret('WECHAT_COMPONENT_AES_KEY', DEV_WECHAT_AES_KEY),
    },
    logLevel: read('LOG_LEVEL', envName === 'test' ? 'silent' : 'info'),
    bodyLimitBytes: int('BODY_LIMIT_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
    shutdownGraceMs: int('SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    trustProxy: bool('TRUST_PROXY', false),
    rateLimitAddressFactor: int('RATE_LIMIT_ADDRESS_FACTOR', 10, 1, 10_000),
    licenseSweepMs: int('LICENSE_SWEEP_MS', 60_000, 100, 3_600_000),
    readYourWritesTimeoutMs: int('READ_YOUR_WRITES_TIMEOUT_MS', 5_000, 0, 60_000),
    qrLoginTtlSeconds: int('QR_LOGIN_TTL_SECONDS', 60, 1, 3600),
    qrCodePerMinute: int('QR_CODE_PER_MINUTE', 120, 1, 100_000),
    qrCodeOutstanding: int('QR_CODE_OUTSTANDING', 120, 1, 100_000),
    filesDir: resolve(read('FILES_DIR', 'data/files')),
    fileLimitBytes: int('FILE_LIMIT_BYTES', 10 * 1024 * 1024, 1, 512 * 1024 * 1024),
    deadlines: {
      dbQueryMs: int('DB_QUERY_TIMEOUT_MS', 5_000, 100, 600_000),
      dbAcquireMs: int('DB_POOL_ACQUIRE_TIMEOUT_MS', 3_000, 100, 600_000),
      dbConnectMs: int('DB_CONNECT_TIMEOUT_MS', 3_000, 100, 600_000),
      redisCommandMs: int('REDIS_COMMAND_TIMEOUT_MS', 3_000, 100, 600_000),
    },
    idempotencyKeyTtlSeconds: int('IDEMPOTENCY_KEY_TTL_SECONDS', 86_400, 60, 30 * 86_400),
  };

  if (config.env === 'production') {
    if (jwtSecret === DEV_JWT_SECRET) problems.push('JWT_SECRET is the development default; set a real secret in production');
    if (rawDataKey === DEV_DATA_KEY) problems.push('DATA_KEY is the development default; set a real key in production');
    if (adminPassword === DEV_ADMIN_PASSWORD) problems.push('ADMIN_PASSWORD is the development default; set a real password in production');
    // Both are in this repository: with them anyone could sign and encrypt a callback WeChat never sent.
    if (config.wechatComponent.token === DEV_WECHAT_TOKEN) problems.push('WECHAT_COMPONENT_TOKEN is the development default; set the callback token from the WeChat open platform in production');
    if (config.wechatComponent.encodingAesKey === DEV_WECHAT_AES_KEY) problems.push('WECHAT_COMPONENT_AES_KEY is the development default; set the EncodingAESKey from the WeChat open platform in production');
  }
  if (!/^[A-Za-z0-9+/]{43}$/.test(config.wechatComponent.encodingAesKey)) problems.push('WECHAT_COMPONENT_AES_KEY must be 43 Base64 characters');
  if (problems.length) throw new ConfigError(problems);
  return { config, defaultsUsed };
}

/** DATA_KEY may be 64 hex characters or 44 base64 characters (32 bytes); anything else is stretched with SHA-256. */
function deriveDataKey(raw: string): Buffer {
  if (/^[0-9a-fA-F]{64}$/.test(raw)) return Buffer.from(raw, 'hex');
  const b64 = /^[A-Za-z0-9+/]{43}=$/.test(raw) ? Buffer.from(raw, 'base64') : null;
  if (b64 && b64.length === 32) return b64;
  return createHash('sha256').update(raw).digest();
}

/** Hides the password part of a connection string before it is logged or shown. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return raw.replace(/\/\/[^@/]*@/, '//***@');
  }
}
