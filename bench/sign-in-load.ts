import { createHash, randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { readFileSync } from 'node:fs';
import { runClosedLoop } from './measure';

/**
 * Full Insight sign-ins (GET tokens/codes, then POST tokens with the signature) as a client fleet
 * would send them, each from a new device: run as its own process by bench/insight.ts, so the
 * client's work does not share the server's event loop. Prints the figures as one JSON line.
 */
export interface SignInSpec {
  base: string;
  appId: string;
  accounts: string[];
  passwordMd5: string;
  concurrency: number;
  seconds: number;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

function call(agent: Agent, url: URL, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers: body ? { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function main() {
  const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as SignInSpec;
  const agent = new Agent({ keepAlive: true, maxSockets: spec.concurrency });
  let failures = 0;
  const figures = await runClosedLoop(spec.concurrency, spec.seconds, async (_w, i) => {
    const account = spec.accounts[i % spec.accounts.length]!;
    const device = randomUUID();
    const code = await call(agent, new URL(`${spec.base}/tokens/codes?account=${encodeURIComponent(account)}`), 'GET', { 'x-device-id': device });
    const signature = md5(md5(account + spec.passwordMd5) + String(code.json.data));
    const token = await call(agent, new URL(`${spec.base}/tokens`), 'POST', { 'x-device-id': device }, JSON.stringify({ appId: spec.appId, account, signature, deviceId: device }));
    if (token.json?.code !== 200) failures++;
  });
  agent.destroy();
  process.stdout.write(`${JSON.stringify({ ...figures, failures })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`sign-in load failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
