import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { CallbackCryptoError, callbackKey, callbackSignature, decryptCallback, encryptCallback } from '../../src/wechat/crypto';
import { parseFlatXml, XmlRefused } from '../../src/wechat/xml';

/*
 * Published vectors (data only):
 * - OFFICIAL: Tencent's WXBizMsgCrypt sample for the Official Accounts Platform (Sample.py by
 *   jonyqin, 2014; as republished e.g. in github.com/charlesXu86/Chatbot_CN
 *   Chatbot_Web/impl/weixin/Sample.py and github.com/wegostudio/wego tests/crypto/tests.py).
 * - WECHATPY: the wechatpy SDK's test suite, github.com/wechatpy/wechatpy tests/test_crypto.py
 *   (WeCom vectors: check_signature, encrypt_message with a fixed random prefix, decrypt_message).
 */
const OFFICIAL = {
  token: 'spamtest',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  appId: 'wx2c2769f8efd9abc2',
  timestamp: '1409735669',
  nonce: '1320562132',
  msgSignature: '5d197aaffba7e9b25a30732f161a50dee96bd5fa',
  encrypt:
    'hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=',
};

const WECHATPY = {
  token: '123456',
  encodingAesKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR',
  corpId: 'wx49f0ab532d5d035a',
  echo: {
    signature: 'dd6b9c95b495b3f7e2901bfbc76c664930ffdb96',
    timestamp: '1411443780',
    nonce: '437374425',
    echoStr: '4ByGGj+sVCYcvGeQYhaKIk1o0pQRNbRjxybjTGblXrBaXlTXeOo1+bXFXDQQb1o6co6Yh9Bv41n7hOchLF6p+Q==',
  },
  decrypt: {
    signature: '74d92dfeb87ba7c714f89d98870ae5eb62dff26d',
    timestamp: '1411525903',
    nonce: '461056294',
    encrypt:
      'RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCPatfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1ef/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yCF2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54SNdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQVhDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=',
  },
  encrypt: {
    random: '1234567890123456',
    timestamp: '1411525903',
    nonce: '461056294',
    reply:
      '<xml>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[test]]></Content>\n<FromUserName><![CDATA[wx49f0ab532d5d035a]]></FromUserName>\n<ToUserName><![CDATA[messense]]></ToUserName>\n<AgentID>1</AgentID>\n<CreateTime>1411525903</CreateTime>\n</xml>',
    encrypt:
      '9s4gMv99m88kKTh/H8IdkOiMg6bisoy3ypwy9H4hvSPe9nsGaqyw5hhSjdYbcrKk+j3nba4HMOTzHrluLBYqxgNcBqGsL8GqxlhZgURnAtObvesEl5nZ+uBE8bviY0LWke8Zy9V/QYKxNV2FqllNXcfmstttyIkMKCCmVbCFM2JTF5wY0nFhHZSjPUL2Q1qvSUCUld+/WIXrx0oyKQmpB6o8NRrrNrsDf03oxI1p9FxUgMnwKKZeOA/uu+2IEvEBtb7muXsVbwbgX05UPPJvFurDXafG0RQyPR+mf1nDnAtQmmNOuiR5MIkdQ39xn1vWwi1O5oazPoQJz0nTYjxxEE8kv3kFxtAGVRe3ypD3WeK2XeFYFMNMpatF9XiKzHo3',
    msgSignature: '407518b7649e86ef23978113f92d27afa9296533',
  },
};

const refusedFor = (reason: string) => (err: unknown) => err instanceof CallbackCryptoError && err.reason === reason;

describe('WeChat callback crypto against published vectors', () => {
  describe("Tencent's official sample", () => {
    it('computes the published msg_signature over token, timestamp, nonce and ciphertext', () => {
      assert.equal(callbackSignature(OFFICIAL.token, OFFICIAL.timestamp, OFFICIAL.nonce, OFFICIAL.encrypt), OFFICIAL.msgSignature);
    });
    it('decrypts the published ciphertext to the text message it carries', () => {
      const xml = decryptCallback(callbackKey(OFFICIAL.encodingAesKey), OFFICIAL.encrypt, OFFICIAL.appId);
      const doc = parseFlatXml(xml);
      assert.equal(doc.Content, 'abcdteT');
      assert.equal(doc.MsgId, '6054768590064713728');
      assert.equal(doc.FromUserName, 'oyORnuP8q7ou2gfYjqLzSIWZf0rs');
    });
    it('refuses the same ciphertext for another appid', () => {
      assert.throws(() => decryptCallback(callbackKey(OFFICIAL.encodingAesKey), OFFICIAL.encrypt, 'wx0000000000000000'), refusedFor('wrong_appid'));
    });
  });

  describe("wechatpy's test suite", () => {
    it('verifies the echo-string signature and opens the echo string', () => {
      const { signature, timestamp, nonce, echoStr } = WECHATPY.echo;
      assert.equal(callbackSignature(WECHATPY.token, timestamp, nonce, echoStr), signature);
      assert.notEqual(callbackSignature(WECHATPY.token, timestamp, '437374424', echoStr), signature);
      assert.match(decryptCallback(callbackKey(WECHATPY.encodingAesKey), echoStr, WECHATPY.corpId), /^\d+$/);
    });
    it('decrypts the published message (Content "test" from "messense")', () => {
      const { signature, timestamp, nonce, encrypt } = WECHATPY.decrypt;
      assert.equal(callbackSignature(WECHATPY.token, timestamp, nonce, encrypt), signature);
      const doc = parseFlatXml(decryptCallback(callbackKey(WECHATPY.encodingAesKey), encrypt, WECHATPY.corpId));
      assert.equal(doc.Content, 'test');
      assert.equal(doc.FromUserName, 'messense');
    });
    it('encrypts a reply byte for byte as the SDK does, given the same random prefix', () => {
      const v = WECHATPY.encrypt;
      const ours = encryptCallback(callbackKey(WECHATPY.encodingAesKey), v.reply, WECHATPY.corpId, Buffer.from(v.random));
      assert.equal(ours, v.encrypt);
      assert.equal(callbackSignature(WECHATPY.token, v.timestamp, v.nonce, ours), v.msgSignature);
    });
  });

  describe('refusals', () => {
    const key = callbackKey(OFFICIAL.encodingAesKey);
    it('refuses a ciphertext whose padding bytes disagree, or a pad value of 0 or above 32', () => {
      const sealRaw = (plain: Buffer) => {
        const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
        c.setAutoPadding(false);
        return Buffer.concat([c.update(plain), c.final()]).toString('base64');
      };
      const withPad = (last: number, fill: number) => {
        const block = Buffer.alloc(64, fill);
        block[63] = last;
        return sealRaw(block);
      };
      assert.throws(() => decryptCallback(key, withPad(4, 9), OFFICIAL.appId), refusedFor('bad_padding'), 'pad bytes disagree');
      assert.throws(() => decryptCallback(key, withPad(0, 0), OFFICIAL.appId), refusedFor('bad_padding'), 'pad value 0');
      assert.throws(() => decryptCallback(key, withPad(33, 33), OFFICIAL.appId), refusedFor('bad_padding'), 'pad value above the 32-byte block');
    });
    it('refuses text that is not Base64 or not whole AES blocks', () => {
      assert.throws(() => decryptCallback(key, 'not base64!', OFFICIAL.appId), refusedFor('malformed'));
      assert.throws(() => decryptCallback(key, Buffer.alloc(20).toString('base64'), OFFICIAL.appId), refusedFor('malformed'));
    });
    it('refuses an EncodingAESKey that is not 43 Base64 characters', () => {
      assert.throws(() => callbackKey('short'), refusedFor('bad_key'));
    });
    it('round-trips messages of every padding length 1–32', () => {
      for (let n = 0; n < 40; n++) {
        const message = 'x'.repeat(n);
        assert.equal(decryptCallback(key, encryptCallback(key, message, OFFICIAL.appId), OFFICIAL.appId), message);
      }
    });
  });
});

describe('flat XML parsing', () => {
  it('reads text, CDATA, nested elements and repeated items', () => {
    const doc = parseFlatXml(
      '<?xml version="1.0"?><xml><A><![CDATA[a<b]]></A><N>12</N><E>x &amp; y &#x4e2d;</E><P><Count>2</Count><PicList><item><M>1</M></item><item><M>2</M></item></PicList></P></xml>',
    );
    assert.deepEqual(JSON.parse(JSON.stringify(doc)), { A: 'a<b', N: '12', E: 'x & y 中', P: { Count: '2', PicList: { item: [{ M: '1' }, { M: '2' }] } } });
    // Element names are the sender's: no field may be inherited (`constructor`, `__proto__`).
    assert.equal(Object.getPrototypeOf(doc), null);
  });
  for (const [name, xml] of [
    ['a DTD with an entity (XXE / billion laughs)', '<!DOCTYPE xml [<!ENTITY x "y">]><xml><A>&x;</A></xml>'],
    ['an undeclared entity', '<xml><A>&x;</A></xml>'],
    ['a comment', '<xml><!-- c --><A>1</A></xml>'],
    ['mismatched tags', '<xml><A>1</B></xml>'],
    ['unterminated input', '<xml><A>1</A>'],
    ['trailing content', '<xml></xml><xml></xml>'],
    ['attributes', '<xml a="1"><A>1</A></xml>'],
    ['duplicated fields', '<xml><A>1</A><A>2</A></xml>'],
    ['too large', `<xml><A>${'x'.repeat(70_000)}</A></xml>`],
  ] as const) {
    it(`refuses ${name}`, () => assert.throws(() => parseFlatXml(xml), XmlRefused));
  }
});
