import { createHash } from 'node:crypto';
import { registerApp } from '../src/commands/applications/handler';
import { createConfig } from '../src/commands/configs/handler';
import { registerUser } from '../src/commands/identity/handler';
import { systemMetadata } from '../src/commands/system-metadata';
import { storeLiveConfigs } from '../src/gateway/live-configs';
import { bareKoaBaseline, loadHttp, shareOf, type HttpFigures } from './http';
import { startBenchService } from './service';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

export interface GatewayFigures {
  connections: number;
  verified: HttpFigures;
  limited: HttpFigures;
  bareKoa: HttpFigures;
  verifiedShare: string;
  limitedShare: string;
}

/**
 * The nginx auth_request path: `gateway/auth` for a config that needs a token (token check from
 * Redis), and for one rate limited per device (one Lua call), beside a bare Koa handler measured in
 * the same run. No PostgreSQL on either path.
 */
export async function benchGateway(databaseUrl: string, seconds: number): Promise<GatewayFigures> {
  const svc = await startBenchService(databaseUrl, 'gateway');
  const { config, deps } = svc;
  const base = `${svc.url}/base/auth/v1.0`;
  try {
    const metadata = systemMetadata('bench');
    const { appId } = await registerApp({ store: deps.store, dataKey: config.dataKey }, { name: 'bench', tokenMode: 'shared', tokenLifeMs: 7_200_000, autoRefresh: false }, metadata);
    await registerUser({ store: deps.store, dataKey: config.dataKey }, { profile: { account: 'gw', name: 'gw', mobile: null, email: null, headImg: null, tenantId: null }, password: 'gw-password' }, metadata);
    const code = ((await (await fetch(`${base}/tokens/codes?account=gw`)).json()) as { data: string }).data;
    const signed = await fetch(`${base}/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appId, account: 'gw', signature: md5(md5('gw' + md5('gw-password')) + code) }),
    });
    const token = ((await signed.json()) as { data: { accessToken: string } }).data.accessToken;
    const fields = { authCode: null, limitGap: null, limitCycle: null, limitMax: null, message: null, remark: null };
    const verified = { ...fields, name: 'verified', method: 'GET' as const, url: '/base/user/v1.0/users/{id}', verify: true, limit: false };
    const limited = { ...fields, name: 'limited', method: 'GET' as const, url: '/base/message/v1.0/news', limitCycle: 60, limitMax: 1_000_000_000, verify: false, limit: true };
    for (const c of [verified, limited]) await createConfig(deps.store, c, { id: null, name: 'bench' }, metadata);
    await storeLiveConfigs(deps.redis, [verified, limited].map((c, i) => ({ id: String(i), ...c })));

    const connections = 64;
    const bareKoa = await bareKoaBaseline(connections, seconds);
    const gateway = `${base}/gateway/auth`;
    const verifiedFigures = await loadHttp({
      url: gateway,
      connections,
      seconds,
      headers: { authorization: token, 'x-original-method': 'GET', 'x-original-uri': '/base/user/v1.0/users/42' },
    });
    const limitedFigures = await loadHttp({
      url: gateway,
      connections,
      seconds,
      requests: Array.from({ length: 5000 }, (_, device) => ({ headers: { 'x-original-method': 'GET', 'x-original-uri': `/base/message/v1.0/news?deviceId=d${device}` } })),
    });
    for (const [what, f] of [['verified', verifiedFigures], ['limited', limitedFigures]] as const) {
      if (f.non2xx || f.errors) throw new Error(`gateway (${what}) answered ${f.non2xx} non-2xx and ${f.errors} errors`);
    }
    return { connections, verified: verifiedFigures, limited: limitedFigures, bareKoa, verifiedShare: shareOf(verifiedFigures, bareKoa), limitedShare: shareOf(limitedFigures, bareKoa) };
  } finally {
    await svc.stop();
  }
}


export function printGatewayFigures(f: GatewayFigures): GatewayFigures {
  console.log(`\nGateway check (GET gateway/auth, nginx auth_request) at ${f.connections} connections, beside a bare Koa handler in the same run`);
  console.table([
    { what: 'token required', 'req/s': f.verified.requestsPerSecond, 'p50 ms': f.verified.p50Ms, 'p99 ms': f.verified.p99Ms, 'server CPU µs/req': f.verified.serverCpuUsPerRequest, share: f.verifiedShare },
    { what: 'rate limited (per device)', 'req/s': f.limited.requestsPerSecond, 'p50 ms': f.limited.p50Ms, 'p99 ms': f.limited.p99Ms, 'server CPU µs/req': f.limited.serverCpuUsPerRequest, share: f.limitedShare },
    { what: 'bare Koa', 'req/s': f.bareKoa.requestsPerSecond, 'p50 ms': f.bareKoa.p50Ms, 'p99 ms': f.bareKoa.p99Ms, 'server CPU µs/req': f.bareKoa.serverCpuUsPerRequest, share: '100%' },
  ]);
  return f;
}
