import assert from 'node:assert/strict';
import { DomainError } from '../../src/commands/domain-error';
import { multipartFile, parseMultipart } from '../../src/api/multipart';

const boundary = 'xYzZY';
const type = `multipart/form-data; boundary=${boundary}`;
const part = (headers: string, content: string | Buffer) => Buffer.concat([Buffer.from(`--${boundary}\r\n${headers}\r\n\r\n`), Buffer.from(content), Buffer.from('\r\n')]);
const form = (...parts: Buffer[]) => Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]);

async function refusedWith(code: string, work: () => Promise<unknown>): Promise<void> {
  await assert.rejects(work(), (err: unknown) => err instanceof DomainError && err.code === code);
}

describe('multipart/form-data (busboy)', () => {
  it('reads text fields and a binary file with its UTF-8 name and type; the first of a repeated name counts', async () => {
    const bytes = Buffer.from([0, 1, 2, 13, 10, 45, 45, 255]);
    const body = form(
      part('Content-Disposition: form-data; name="tag"', '标签'),
      part('Content-Disposition: form-data; name="tag"', 'second'),
      part('Content-Disposition: form-data; name="__proto__"', 'x'),
      part('Content-Disposition: form-data; name="file"; filename="TIM截图.png"\r\nContent-Type: image/png', bytes),
    );
    const parsed = await parseMultipart(type, body);
    assert.equal(parsed.fields.tag, '标签');
    assert.equal(parsed.fields.__proto__, 'x');
    assert.deepEqual(parsed.files.file, { fileName: 'TIM截图.png', contentType: 'image/png', bytes });
    assert.equal((await multipartFile(type, body, 'file')).fileName, 'TIM截图.png');
  });

  it('refuses a body cut short or without its closing delimiter as validation_failed, and a missing boundary as unsupported_media_type', async () => {
    const whole = form(part('Content-Disposition: form-data; name="file"; filename="a.bin"', 'abc'));
    await refusedWith('validation_failed', () => parseMultipart(type, whole.subarray(0, whole.length - 12)));
    await refusedWith('validation_failed', () => parseMultipart(type, Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="a"\r\n\r\nno end`)));
    await refusedWith('unsupported_media_type', () => parseMultipart('multipart/form-data', whole));
    await refusedWith('unsupported_media_type', () => parseMultipart('text/plain', whole));
    await refusedWith('validation_failed', () => multipartFile(type, form(part('Content-Disposition: form-data; name="a"', 'text')), 'file'));
  });

  it('refuses a form of more parts than an upload has', async () => {
    const many = form(...Array.from({ length: 100 }, (_, i) => part(`Content-Disposition: form-data; name="f${i}"`, 'v')));
    await refusedWith('validation_failed', () => parseMultipart(type, many));
  });
});
