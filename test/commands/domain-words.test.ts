import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REFUSALS, refusal, type RefusalReason } from '../../src/commands/refusals';
import { LEGACY_WORDS, wordsFor } from '../../src/api/envelopes/refusal-words';
import { classifyError } from '../../src/api/failure';

/**
 * The domain names its refusals and keeps to neutral facts; the surfaces choose codes and words.
 */

const COMMANDS = join(__dirname, '../../src/commands');

/** Han, CJK punctuation and full-width forms: the text of a surface, not of the domain. */
const CJK = /[\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]/u;
/** Fields that name one surface's result codes or payloads. */
const SURFACE_FIELDS = /\b(insightCode|wxCode|wxData|laravelStatus|bitanswerStatus)\b/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function surfaceText(source: string): string[] {
  return source.split('\n').flatMap((line, i) => (CJK.test(line) || SURFACE_FIELDS.test(line) ? [`${i + 1}: ${line.trim()}`] : []));
}

describe('the domain speaks no surface: src/commands has no surface words or codes', () => {
  it('the check itself finds Chinese text and surface-code fields', () => {
    assert.equal(surfaceText("throw new DomainError('not_found', '用户不存在');").length, 1);
    assert.equal(surfaceText("const x = { insightCode: 400 };").length, 1);
    assert.equal(surfaceText("details: { wxCode: 1002 }").length, 1);
    assert.equal(surfaceText("throw refusal('user_not_found', { field: 'unionid' });").length, 0);
  });

  it('no file under src/commands holds CJK text or a surface-code field', () => {
    const files = sourceFiles(COMMANDS);
    assert.ok(files.length > 50, `found ${files.length} files`);
    const offending = files.flatMap((file) => surfaceText(readFileSync(file, 'utf8')).map((line) => `${relative(COMMANDS, file)}:${line}`));
    assert.deepEqual(offending, []);
  });

  it('a refusal carries its stable reason and the general code to the surfaces, in neutral words', () => {
    const { failure } = classifyError(refusal('signed_in_elsewhere'));
    assert.deepEqual([failure.code, failure.reason, failure.message], ['unauthenticated', 'signed_in_elsewhere', REFUSALS.signed_in_elsewhere.message]);
    assert.equal(wordsFor(failure), '用户已在其他设备登录');
    for (const reason of Object.keys(REFUSALS) as RefusalReason[]) assert.doesNotMatch(REFUSALS[reason].message, CJK, reason);
  });

  it('the legacy words fill in details the domain gives as facts', () => {
    assert.equal(wordsFor(classifyError(refusal('role_names_unknown', { field: 'rolenames', names: ['a', 'b'] })).failure), '角色名不存在: a, b');
    assert.equal(wordsFor(classifyError(refusal('file_too_large', { limitBytes: 10 })).failure), '文件不能超过 10 字节');
    assert.equal(wordsFor(classifyError(refusal('wechat_grant_refused', { wechatErrcode: 40029 })).failure), '微信授权失败(errcode 40029)');
    assert.equal(wordsFor(classifyError(refusal('wechat_grant_refused')).failure), '微信授权失败');
    assert.ok(Object.keys(LEGACY_WORDS).every((reason) => reason in REFUSALS));
  });
});
