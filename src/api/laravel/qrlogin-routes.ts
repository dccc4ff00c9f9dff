import { answerQrLogin, pollQrLogin, requestQrLogin } from '../../commands/qrlogin/handler';
import { DomainError, isDomainError } from '../../commands/domain-error';
import { takeQrIssue } from '../../commands/qrlogin/issue-limit';
import type { Dependencies } from '../../runtime/dependencies';
import { laravelEnvelope } from '../envelopes/laravel';
import { requestMetadata } from '../request-metadata';
import { defineRoute, type JsonSchema, type Route } from '../route';
import { signInSchema } from './auth-routes';
import { laravelRefusal, laxText, phpTruthy, refusalSchema } from './refusal';
import { issueLaravelToken, laravelActor, laravelUser } from './session';

/**
 * QR-code scan login: the desktop shows a nonce as a QR code and polls; the signed-in phone scans
 * (`login: false`) and confirms (`login: true`). The template answers the waiting states with HTTP
 * 200 and `status: "error"` (its desktop shows `message` and polls on), so these do too.
 */
const EXPIRED = '二维码已失效，请刷新页面';
const SCAN_PLEASE = '请扫码';
const CONFIRM_PLEASE = '请确认登录';
const TAKEN = '该二维码已被其他账号确认';
const NO_NONCE = '未提供nonce';

const NONCE = /^[A-Za-z0-9]{32}$/;
const nonceSchema: JsonSchema = { type: ['string', 'number', 'null'], maxLength: 128, description: 'From GET /api/qrcode', example: 'HVaCH2KVNQrgvY5AxegKIcMPknCf6Qcs' };

const notYet = laravelRefusal;
const notYetSchema = refusalSchema;

export function qrLoginRoutes(deps: Dependencies): Route[] {
  const qrcode = defineRoute({
    method: 'get',
    path: '/qrcode',
    waitsForReadModels: false,
    summary: '获取扫码登录信息',
    description:
      'A new nonce (32 characters, alive `expires` seconds, 60 by default) and the page the phone opens. Each one is its own event stream, ' +
      'named by the nonce\'s SHA-256 (the nonce itself is never stored); a delayed job records its expiry.',
    tags: ['laravel qr login'],
    security: 'none',
    responses: {
      200: {
        description: 'Show `url` as a QR code and poll POST /api/qrlogin with `nonce` every few seconds',
        schema: {
          type: 'object',
          required: ['expires', 'nonce', 'url'],
          properties: {
            expires: { type: 'integer', description: 'seconds the nonce lives' },
            nonce: { type: 'string', pattern: '^[A-Za-z0-9]{32}$' },
            url: { type: 'string', format: 'uri', description: '<origin>/mobile.html#/qrlogin?nonce=<nonce>, the template\'s mobile page' },
          },
        },
      },
      429: {
        description:
          `More than ${deps.config.qrCodePerMinute} codes a minute, or ${deps.config.qrCodeOutstanding} codes still alive, for one address (IPv6: one /64); ` +
          'Retry-After says when a code can be had again. Nothing is recorded.',
      },
    },
    async handler(ctx) {
      // Public and each call writes an event and a job: bounded per address (an office behind one NAT still fits).
      const { qrCodePerMinute: perMinute, qrCodeOutstanding: outstanding, qrLoginTtlSeconds: ttlSeconds } = deps.config;
      const verdict = await takeQrIssue(deps.redis, ctx.state.clientIp, { perMinute, outstanding, ttlSeconds });
      if (!verdict.allowed) throw new DomainError('rate_limited', '获取二维码过于频繁，请稍后再试', { retryAfterSeconds: verdict.retryAfterSeconds });
      const { nonce, expiresInSeconds } = await requestQrLogin(deps, requestMetadata(ctx, { kind: 'anonymous' }));
      laravelEnvelope.ok(ctx, { expires: expiresInSeconds, nonce, url: `${ctx.host ? `${ctx.protocol}://${ctx.host}` : ''}/mobile.html#/qrlogin?nonce=${encodeURIComponent(nonce)}` }, { message: '获取成功' });
    },
  });

  const confirm = defineRoute<{ body: { nonce?: unknown; login?: unknown } }>({
    method: 'post',
    path: '/confirmqrlogin',
    waitsForReadModels: false,
    summary: '确认扫码登录',
    description:
      'Called by the signed-in phone: `login: false` when it scans (the desktop then shows 请确认登录), `login` truthy as PHP reads it when the person confirms ' +
      '(the template\'s page sends its click event, `{"isTrusted":true}`) ' +
      '(the desktop\'s next poll gets a token for this account). Needs the /qrlogin/* permission. A nonce confirmed by one account cannot be taken over by another.',
    tags: ['laravel qr login'],
    request: {
      body: {
        type: 'object',
        properties: { nonce: nonceSchema, login: { description: 'false, 0, "", "0", null, [] or {}: scanned; any other value: confirmed' } },
      },
    },
    responses: {
      200: {
        description: 'Recorded (`status: "ok"`, 确认登录成功), or HTTP 200 with `status: "error"` and 未提供nonce / 二维码已失效，请刷新页面 / 该二维码已被其他账号确认',
        mediaType: 'application/json',
        schema: { anyOf: [laravelEnvelope.openapi.success({ type: 'null' }), notYetSchema([NO_NONCE, EXPIRED, TAKEN])] },
      },
    },
    async handler(ctx) {
      const nonce = laxText(ctx.request.body?.nonce);
      const login = phpTruthy(ctx.request.body?.login);
      if (!nonce) return notYet(ctx, NO_NONCE);
      if (!NONCE.test(nonce)) return notYet(ctx, EXPIRED);
      try {
        await answerQrLogin(deps, nonce, laravelUser(ctx), login, requestMetadata(ctx, laravelActor(ctx)));
      } catch (err) {
        const which = isDomainError(err) ? err.details?.qrLogin : undefined;
        if (which === 'gone') return notYet(ctx, EXPIRED);
        if (which === 'confirmed_by_another') return notYet(ctx, TAKEN);
        throw err;
      }
      laravelEnvelope.ok(ctx, null, { message: '确认登录成功' });
    },
  });

  const poll = defineRoute<{ body: { nonce?: unknown } }>({
    method: 'post',
    path: '/qrlogin',
    waitsForReadModels: false,
    summary: '用二维码 nonce 登录',
    description:
      'The desktop\'s poll. HTTP 200 with `status: "error"` and 请扫码 (not scanned yet), 请确认登录 (scanned, not confirmed) or 二维码已失效，请刷新页面 ' +
      '(unknown, expired or already used); once confirmed, `status: "ok"` with the token in `data` (the seed shows it under `errors`, a slip of its docs). ' +
      'A nonce yields one token, ever: of any number of polls racing on a confirmed nonce exactly one gets it, and every later poll is told 二维码已失效.',
    tags: ['laravel qr login'],
    security: 'none',
    request: { body: { type: 'object', properties: { nonce: nonceSchema } } },
    responses: {
      200: {
        description: 'Signed in, or still waiting (HTTP 200, `status: "error"`, the message says for what)',
        mediaType: 'application/json',
        schema: { anyOf: [laravelEnvelope.openapi.success(signInSchema), notYetSchema([SCAN_PLEASE, CONFIRM_PLEASE, EXPIRED])] },
      },
      403: { description: 'The confirming account is disabled' },
    },
    async handler(ctx) {
      const nonce = laxText(ctx.request.body?.nonce);
      if (!nonce || !NONCE.test(nonce)) return notYet(ctx, EXPIRED);
      const answer = await pollQrLogin(deps, nonce, requestMetadata(ctx, { kind: 'anonymous' }));
      if (answer.status === 'gone') return notYet(ctx, EXPIRED);
      if (answer.status === 'waiting') return notYet(ctx, SCAN_PLEASE);
      if (answer.status === 'scanned') return notYet(ctx, CONFIRM_PLEASE);
      const signIn = await issueLaravelToken(deps, answer.userId, { via: 'qrcode', metadata: requestMetadata(ctx, { kind: 'user', id: answer.userId }) });
      laravelEnvelope.ok(ctx, signIn, { message: '登录成功' });
    },
  });

  return [qrcode, confirm, poll];
}
