import { createHash, randomBytes } from 'node:crypto';
import type { Dependencies } from '../../runtime/dependencies';
import { wecomClient } from '../../wecom/client';
import { wecomDomainError } from '../../wecom/errors';
import { defineRoute, type Route } from '../route';

/** WeCom's OAuth page for apps inside the WeCom client (the member is known without a prompt: snsapi_base). */
export const WECOM_OAUTH_AUTHORIZE = 'https://open.weixin.qq.com/connect/oauth2/authorize';
/** The `state` this service sends to WeCom's OAuth page and recognises on the way back. */
export const OAUTH_STATE = 'WechatOAuth';
/** The page the template's phone half is served as; the JS-SDK signature is bound to its URL. */
const MOBILE_PAGE = '/mobile.html';

/** What the phone pages may ask of the JS-SDK: what the template's pages call, and the usual sharing and media set. */
const JS_API_LIST = [
  'onMenuShareTimeline', 'onMenuShareAppMessage', 'onMenuShareQQ', 'onMenuShareWeibo', 'onMenuShareQZone',
  'startRecord', 'stopRecord', 'onVoiceRecordEnd', 'playVoice', 'pauseVoice', 'stopVoice', 'onVoicePlayEnd', 'uploadVoice', 'downloadVoice', 'translateVoice',
  'chooseImage', 'previewImage', 'uploadImage', 'downloadImage', 'getNetworkType', 'openLocation', 'getLocation',
  'hideOptionMenu', 'showOptionMenu', 'hideMenuItems', 'showMenuItems', 'hideAllNonBaseMenuItem', 'showAllNonBaseMenuItem', 'closeWindow', 'scanQRCode',
];

const origin = (ctx: { protocol: string; host: string }) => `${ctx.protocol}://${ctx.host}`;

/** The JS-SDK signature: SHA-1 over the ticket, nonce, timestamp and page URL, in that order and spelling. */
export function jsapiSignature(ticket: string, nonceStr: string, timestamp: number, url: string): string {
  return createHash('sha1').update(`jsapi_ticket=${ticket}&noncestr=${nonceStr}&timestamp=${timestamp}&url=${url}`).digest('hex');
}

/** The phone's sign-in through WeCom: the OAuth round trip (`/wxcode`) and the JS-SDK configuration script (`/wxjs`). */
export function wecomOauthRoutes(deps: Dependencies): Route[] {
  const wxcode = defineRoute<{ query: { next?: string; code?: string; state?: string } }>({
    method: 'get',
    path: '/wxcode',
    waitsForReadModels: false,
    summary: '企业微信网页授权跳转',
    description:
      'Without `state=WechatOAuth`: 302 to WeCom\'s OAuth page (appid = WECOM_CORP_ID, snsapi_base) with this very URL as `redirect_uri`. ' +
      'On the way back (WeCom adds `code` and `state=WechatOAuth`): 302 to `/mobile.html#/login/?code=…&next=…`, where the phone page posts the code to /api/codelogin. ' +
      'Both targets are fixed: `next` only travels inside the fragment, as a path of the phone page.',
    tags: ['laravel auth'],
    security: 'none',
    request: {
      query: {
        type: 'object',
        properties: {
          next: { type: 'string', maxLength: 2048, description: 'the phone page\'s path to open after signing in' },
          code: { type: 'string', maxLength: 512 },
          state: { type: 'string', maxLength: 64 },
        },
      },
    },
    responses: { 302: { description: 'To WeCom\'s OAuth page, or back to the phone page with the code', mediaType: 'text/html' } },
    handler(ctx) {
      const { next, code, state } = ctx.state.query;
      if (state === OAUTH_STATE) {
        ctx.redirect(`${MOBILE_PAGE}#/login/?code=${encodeURIComponent(code ?? '')}&next=${encodeURIComponent(next ?? '')}`);
        return;
      }
      const authorize = new URL(WECOM_OAUTH_AUTHORIZE);
      authorize.search = new URLSearchParams({ appid: deps.config.wecom.corpId, redirect_uri: ctx.href, response_type: 'code', scope: 'snsapi_base', state: OAUTH_STATE }).toString();
      ctx.redirect(`${authorize.href}#wechat_redirect`);
    },
  });

  const wxjs = defineRoute({
    method: 'get',
    path: '/wxjs',
    summary: '企业微信 JS-SDK 配置脚本',
    description:
      'JavaScript for `<script src="api/wxjs">` on the phone page: `wx.config` signed for `<origin>/mobile.html` with the corp\'s jsapi ticket ' +
      '(cached until shortly before WeCom\'s expiry), then hides the share menu once ready. WeCom unreachable or busy: 503.',
    tags: ['laravel auth'],
    security: 'none',
    responses: { 200: { description: 'The configuration script', mediaType: 'application/javascript' }, 503: { description: 'WeCom is unreachable or busy' } },
    async handler(ctx) {
      let ticket: string;
      try {
        ticket = await wecomClient(deps).jsapiTicket();
      } catch (err) {
        throw wecomDomainError(err);
      }
      const timestamp = Math.floor(Date.now() / 1000);
      const nonceStr = randomBytes(8).toString('hex');
      const signature = jsapiSignature(ticket, nonceStr, timestamp, `${origin(ctx)}${MOBILE_PAGE}`);
      const config = { debug: false, appId: deps.config.wecom.corpId, timestamp, nonceStr, signature, jsApiList: JS_API_LIST };
      ctx.status = 200;
      ctx.set('Content-Type', 'application/javascript');
      // Signed for this moment: a cached copy would carry a stale timestamp.
      ctx.set('Cache-Control', 'no-store');
      ctx.body = `wx.config(${JSON.stringify(config)});\nwx.ready(function () {\n  wx.hideOptionMenu();\n});\n`;
    },
  });

  return [wxcode, wxjs];
}
