import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { DomainError, type DomainErrorCode } from '../../src/commands/domain-error';
import { createApp, requestMetadata, type ReadinessCheck } from '../../src/api/app';
import { bitanswerEnvelope } from '../../src/api/envelopes/bitanswer';
import { insightEnvelope } from '../../src/api/envelopes/insight';
import { laravelEnvelope } from '../../src/api/envelopes/laravel';
import { problemDetailsEnvelope } from '../../src/api/envelopes/problem-details';
import { wxcomponentEnvelope } from '../../src/api/envelopes/wxcomponent';
import { bearerJwtScheme } from '../../src/api/openapi';
import { defineRoute, type Route } from '../../src/api/route';
import { startHttpServer, type RunningHttpServer } from '../../src/api/server';
import type { Surface } from '../../src/api/surface';
import { loadConfig, type Config } from '../../src/config';
import { createLogger, type Logger } from '../../src/observability/logger';
import { createMetrics, type Metrics } from '../../src/observability/metrics';

export const BODY_LIMIT_BYTES = 4096;

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES), ...env }).config;
}

/** A logger whose JSON lines land in `lines`, to assert on what was (and was not) logged. */
export function capturedLogger(level = 'info'): { logger: Logger; lines: string[]; records(): Array<Record<string, unknown>> } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ logLevel: level }, sink);
  return { logger, lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

export const SECRET_IN_CRASH = 'password=hunter2 in postgres://app:s3cret@db/prod';

interface Thing {
  name: string;
  age?: number;
}

/** The same small set of routes, served by every test surface. */
export const testRoutes: Route[] = [
  defineRoute<{ body: Thing }>({
    method: 'post',
    path: '/things',
    summary: 'Create a thing',
    tags: ['things'],
    request: {
      body: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: { name: { type: 'string', minLength: 1 }, age: { type: 'integer', minimum: 0 } },
      },
    },
    responses: { 201: { description: 'Created', schema: { type: 'object', properties: { name: { type: 'string' } } } } },
    handler: (ctx) => ({ name: ctx.request.body.name, age: ctx.request.body.age ?? null }),
  }),
  defineRoute<{ params: { id: number }; query: { verbose: boolean } }>({
    method: 'get',
    path: '/things/:id',
    summary: 'Read a thing',
    tags: ['things'],
    request: {
      params: { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1, description: 'Thing number' } } },
      query: { type: 'object', additionalProperties: false, properties: { verbose: { type: 'boolean', default: false } } },
    },
    responses: { 200: { description: 'The thing', schema: { type: 'object', properties: { id: { type: 'integer' } } } } },
    handler: (ctx) => ({ id: ctx.params.id, idType: typeof ctx.params.id, verbose: ctx.state.query.verbose }),
  }),
  defineRoute<{ params: { id: number }; body: Thing }>({
    method: 'put',
    path: '/things/:id',
    summary: 'Create a thing at a chosen id',
    tags: ['things'],
    request: {
      params: { type: 'object', properties: { id: { type: 'integer' } } },
      body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
    },
    responses: { 201: { description: 'Created' } },
    handler: (ctx) => {
      ctx.status = 201;
      return { id: ctx.params.id, name: ctx.request.body.name };
    },
  }),
  defineRoute<{ params: { id: number } }>({
    method: 'delete',
    path: '/things/:id',
    summary: 'Delete a thing',
    tags: ['things'],
    request: { params: { type: 'object', properties: { id: { type: 'integer' } } } },
    responses: { 204: { description: 'Deleted' } },
    handler: () => undefined,
  }),
  defineRoute<{ body: string }>({
    method: 'delete',
    path: '/things',
    summary: 'Delete a thing named by a bare JSON string body (the way Insight deletes configs)',
    tags: ['things'],
    request: { body: { type: 'string', minLength: 1 } },
    responses: { 200: { description: 'Deleted' } },
    handler: (ctx) => ({ deleted: ctx.request.body }),
  }),
  defineRoute<{ params: { code: DomainErrorCode }; query: { insightCode?: number; wxCode?: number; lockedUntil?: string } }>({
    method: 'get',
    path: '/refusals/:code',
    summary: 'Refuse with the DomainError code given in the path',
    tags: ['refusals'],
    request: {
      params: { type: 'object', properties: { code: { type: 'string' } } },
      query: { type: 'object', properties: { insightCode: { type: 'integer' }, wxCode: { type: 'integer' }, lockedUntil: { type: 'string' } } },
    },
    responses: { 200: { description: 'Never' } },
    handler: (ctx) => {
      const { insightCode, wxCode, lockedUntil } = ctx.state.query;
      const details: Record<string, unknown> = {};
      if (lockedUntil !== undefined) details.lockedUntil = lockedUntil;
      if (insightCode !== undefined) details.insightCode = insightCode;
      if (wxCode !== undefined) details.wxCode = wxCode;
      throw new DomainError(ctx.params.code, `refused with ${ctx.params.code}`, details);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/crash',
    summary: 'Fail the way a bug fails',
    tags: ['refusals'],
    responses: { 200: { description: 'Never' } },
    handler: () => {
      throw new Error(SECRET_IN_CRASH);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/callback',
    summary: 'Take an XML push as raw text',
    tags: ['callbacks'],
    request: { raw: { mediaTypes: ['text/xml', 'application/xml'] } },
    responses: { 200: { description: 'Echo', mediaType: 'text/plain' } },
    handler: (ctx) => {
      ctx.type = 'text/plain';
      ctx.body = `received ${ctx.request.rawBody}`;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/whoami',
    summary: 'What the shell knows about this request',
    tags: ['requests'],
    responses: { 200: { description: 'Request metadata' } },
    handler: (ctx) => requestMetadata(ctx, { kind: 'anonymous' }),
  }),
  defineRoute({
    method: 'get',
    path: '/secured',
    summary: 'Only for callers holding the test key',
    tags: ['requests'],
    security: 'testKey',
    responses: { 200: { description: 'Allowed' } },
    handler: (ctx) => ({ caller: ctx.state.caller }),
  }),
];

const testKey = {
  openapi: { type: 'apiKey', in: 'header', name: 'x-test-key' },
  authenticate(ctx: { get(name: string): string; state: Record<string, unknown> }) {
    if (ctx.get('x-test-key') !== 'open-sesame') throw new DomainError('unauthenticated', 'the test key is missing or wrong');
    ctx.state.caller = 'key holder';
  },
};

const publicByDefault = { securitySchemes: { testKey }, defaultSecurity: 'none' } as const;

export const surfaces = {
  insight: { name: 'insight', prefix: '/base/auth/v1.0', envelope: insightEnvelope, routes: testRoutes, ...publicByDefault },
  laravel: { name: 'laravel', prefix: '/api', envelope: laravelEnvelope, routes: testRoutes, ...publicByDefault },
  wxcomponent: {
    name: 'wxcomponent',
    prefix: ['/admin', '/wxcomponent/admin'],
    owns: ['/auth', '/admin', '/wxcomponent'],
    envelope: wxcomponentEnvelope,
    routes: testRoutes,
    ...publicByDefault,
  },
  bitanswer: { name: 'bitanswer', prefix: '/bitanswer/api', envelope: bitanswerEnvelope, routes: testRoutes, ...publicByDefault },
  v1: {
    name: 'v1',
    prefix: '/v1',
    envelope: problemDetailsEnvelope,
    routes: testRoutes,
    securitySchemes: { testKey, v1Bearer: { openapi: bearerJwtScheme, authenticate: () => {} } },
    defaultSecurity: 'none',
  },
} satisfies Record<string, Surface>;

export type SurfaceName = keyof typeof surfaces;
export const surfaceNames = Object.keys(surfaces) as SurfaceName[];

/** Where each surface serves the test routes. */
export const base: Record<SurfaceName, string> = {
  insight: '/base/auth/v1.0',
  laravel: '/api',
  wxcomponent: '/admin',
  bitanswer: '/bitanswer/api',
  v1: '/v1',
};

export interface TestApp {
  url: string;
  metrics: Metrics;
  stop(): Promise<void>;
}

export async function startTestApp(
  options: { config?: Config; logger?: Logger; readiness?: ReadinessCheck[]; surfaces?: Surface[]; metrics?: Metrics; readinessTimeoutMs?: number; outageQuietMs?: number } = {},
): Promise<TestApp> {
  const config = options.config ?? testConfig();
  const logger = options.logger ?? createLogger(config);
  const metrics = options.metrics ?? createMetrics({ processMetrics: false });
  const app = createApp({
    config,
    logger,
    metrics,
    surfaces: options.surfaces ?? Object.values(surfaces),
    readiness: options.readiness ?? [],
    ...(options.readinessTimeoutMs ? { readinessTimeoutMs: options.readinessTimeoutMs } : {}),
    ...(options.outageQuietMs ? { outageQuietMs: options.outageQuietMs } : {}),
  });
  const running: RunningHttpServer = await startHttpServer(app, { host: '127.0.0.1', port: 0, logger, shutdownGraceMs: 1000 });
  return { url: running.url, metrics, stop: running.stop };
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

/** One request; the body is kept as text too, to assert nothing leaked into it. */
export async function call(url: string, init: RequestInit & { json?: unknown } = {}): Promise<Answer> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined) {
    headers.set('content-type', 'application/json');
    rest.body = JSON.stringify(json);
  }
  const response = await fetch(url, { redirect: 'manual', ...rest, headers });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = {};
  }
  return { status: response.status, headers: response.headers, text, json: parsed };
}

/** What each surface answers for one kind of refusal. */
export interface ExpectedRefusal {
  insight: number;
  laravel: number;
  wxcomponent: number;
  bitanswer: number;
  v1: { status: number; code: string };
}

/** Asserts the answer is the surface's refusal envelope with the expected numbers, and that it leaks no stack. */
export function expectRefusal(name: SurfaceName, answer: Answer, expected: ExpectedRefusal): void {
  const where = `${name}: ${answer.status} ${answer.text}`;
  switch (name) {
    case 'insight':
      assert.equal(answer.status, 200, where);
      assert.deepEqual(Object.keys(answer.json).sort(), ['code', 'data', 'message', 'option', 'success'], where);
      assert.equal(answer.json.success, false, where);
      assert.equal(answer.json.code, expected.insight, where);
      break;
    case 'laravel':
      assert.equal(answer.status, expected.laravel, where);
      assert.deepEqual(Object.keys(answer.json).sort(), ['code', 'data', 'errors', 'message', 'status'], where);
      assert.equal(answer.json.status, 'error', where);
      assert.equal(answer.json.code, 0, where);
      break;
    case 'wxcomponent':
      assert.equal(answer.status, 200, where);
      assert.deepEqual(Object.keys(answer.json).sort(), ['code', 'data', 'errorMsg'], where);
      assert.equal(answer.json.code, expected.wxcomponent, where);
      break;
    case 'bitanswer':
      assert.equal(answer.status, expected.bitanswer >= 500 ? expected.bitanswer : 200, where);
      assert.deepEqual(Object.keys(answer.json).sort(), ['msg', 'status'], where);
      assert.equal(answer.json.status, expected.bitanswer, where);
      break;
    case 'v1':
      assert.equal(answer.status, expected.v1.status, where);
      assert.match(answer.headers.get('content-type') ?? '', /^application\/problem\+json/, where);
      assert.equal(answer.json.code, expected.v1.code, where);
      assert.equal(answer.json.status, expected.v1.status, where);
      assert.equal(answer.json.type, `urn:authledger:problem:${expected.v1.code}`, where);
      assert.equal(typeof answer.json.title, 'string', where);
      assert.equal(answer.json.requestId, answer.headers.get('x-request-id'), where);
      break;
  }
  assert.doesNotMatch(answer.text, /\n\s+at |Error:|node_modules/, `${where}: looks like a stack trace`);
}

/** The human-readable part of a refusal, whatever the envelope calls it. */
export function refusalMessage(answer: Answer): string {
  const { message, errorMsg, msg, detail } = answer.json;
  return String(message ?? errorMsg ?? msg ?? detail ?? '');
}
