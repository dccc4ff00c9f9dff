import { createHmac, webcrypto } from 'node:crypto';
import { parseMultipart } from '../src/api/multipart';
import { signJwt, verifyJwt } from '../src/secrets/jwt';
import { parseFlatXml } from '../src/wechat/xml';
import { round } from './measure';

/**
 * `npx tsx bench/libraries.ts [jwt,xml,multipart]`: the pieces issue 17 moved onto libraries (or
 * kept, where a library measured slower), measured alone: single-threaded, awaited one after
 * another, the cost one request pays. Figures in docs/performance.md, "Libraries".
 * BENCH_SECONDS sets each measurement's length (default 3), after 1 s of warm-up.
 */
const seconds = Number(process.env.BENCH_SECONDS ?? 3);

async function rate(label: string, op: () => unknown): Promise<void> {
  const run = async (ms: number) => {
    const deadline = performance.now() + ms;
    let n = 0;
    while (performance.now() < deadline) {
      for (let i = 0; i < 100; i++) await op();
      n += 100;
    }
    return n;
  };
  await run(1000);
  const start = performance.now();
  const n = await run(seconds * 1000);
  const s = (performance.now() - start) / 1000;
  console.log(`${label}: ${Math.round(n / s)} ops/s (${round((s * 1e6) / n, 2)} µs each)`);
}

/** jose beside node:crypto's synchronous HMAC (what verifyJwt uses, and what signJwt used before jose). */
async function benchJwt(): Promise<void> {
  const { jwtVerify } = await import('jose');
  const secret = 'bench-secret-of-at-least-32-chars!!';
  const key = await webcrypto.subtle.importKey('raw', Buffer.from(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  const iat = Math.floor(Date.now() / 1000);
  const claims = { sub: 'f'.repeat(32), iss: 'laravel', iat, nbf: iat, exp: iat + 3600, jti: 'a'.repeat(32) };
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const hmacSign = () => {
    const body = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
  };
  const token = await signJwt(claims, secret);
  if (token !== hmacSign()) throw new Error('jose and the HMAC signer disagree');
  await rate('jwt sign, jose (signJwt)', () => signJwt(claims, secret));
  await rate('jwt sign, node:crypto HMAC', hmacSign);
  await rate('jwt verify, jose jwtVerify', () => jwtVerify(token, key, { algorithms: ['HS256'], issuer: 'laravel', requiredClaims: ['sub', 'iat', 'exp'] }));
  await rate('jwt verify, ours (verifyJwt)', () => verifyJwt(token, secret, { issuer: 'laravel' }));
}

/** Callback bodies as WeChat sends them: the encrypted envelope, and decrypted ticket and event pushes. */
export const callbackXml = {
  envelope:
    '<xml>\n    <AppId><![CDATA[wx0000000000000000]]></AppId>\n    <Encrypt><![CDATA[' +
    'A'.repeat(512) +
    ']]></Encrypt>\n</xml>',
  ticket:
    '<xml><AppId><![CDATA[wx0000000000000000]]></AppId><CreateTime>1413192605</CreateTime><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[ticket@@@' +
    'x'.repeat(80) +
    ']]></ComponentVerifyTicket></xml>',
  scan:
    '<xml><ToUserName><![CDATA[gh_e136c6e50636]]></ToUserName><FromUserName><![CDATA[oMgHVjngRipVsoxg6TuX3vz6glDg]]></FromUserName><CreateTime>1408090502</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[scancode_push]]></Event><EventKey><![CDATA[6]]></EventKey><ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType><ScanResult><![CDATA[1]]></ScanResult></ScanCodeInfo></xml>',
  pics:
    '<xml><ToUserName><![CDATA[gh_e136c6e50636]]></ToUserName><FromUserName><![CDATA[oMgHVjngRipVsoxg6TuX3vz6glDg]]></FromUserName><CreateTime>1408090816</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[pic_weixin]]></Event><EventKey><![CDATA[6]]></EventKey><SendPicsInfo><Count>2</Count><PicList><item><PicMd5Sum><![CDATA[5a75aaca956d97be686719218f275c6b]]></PicMd5Sum></item><item><PicMd5Sum><![CDATA[1b5f7c23b5bf75682a53e7b6d163e185]]></PicMd5Sum></item></PicList></SendPicsInfo></xml>',
};

async function benchXml(): Promise<void> {
  for (const [name, xml] of Object.entries(callbackXml)) await rate(`xml parse ${name} (${xml.length} B)`, () => parseFlatXml(xml));
}

/** Uploads of 2 KB, 100 KB and 2 MB with three text fields, through what the Laravel upload route calls. */
async function benchMultipart(): Promise<void> {
  const boundary = '----formdata-bench-0123456789';
  for (const size of [2 * 1024, 100 * 1024, 2 * 1024 * 1024]) {
    const file = Buffer.alloc(size, 7);
    const body = Buffer.concat([
      Buffer.from(
        ['tag', 'title', 'comment'].map((n) => `--${boundary}\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${n}-value\r\n`).join('') +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`,
      ),
      file,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const cpu = process.cpuUsage();
    let n = 0;
    await rate(`multipart parse ${size} B upload`, async () => {
      n++;
      const form = await parseMultipart(`multipart/form-data; boundary=${boundary}`, body);
      if (form.files.file?.bytes.length !== size) throw new Error('bad parse');
    });
    const used = process.cpuUsage(cpu);
    console.log(`  CPU ${round((used.user + used.system) / n, 1)} µs each`);
  }
}

async function main() {
  const parts = (process.argv[2] ?? 'jwt,xml,multipart').split(',');
  if (parts.includes('jwt')) await benchJwt();
  if (parts.includes('xml')) await benchXml();
  if (parts.includes('multipart')) await benchMultipart();
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
