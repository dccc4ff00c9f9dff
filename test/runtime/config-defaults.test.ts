import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config';

describe('configuration: development defaults reported at start-up', () => {
  const secretsOf = (c: ReturnType<typeof loadConfig>['config']) => ({
    JWT_SECRET: c.jwtSecret,
    ADMIN_PASSWORD: c.adminPassword,
    WECOM_CORP_SECRET: c.wecom.corpSecret,
    WECHAT_COMPONENT_SECRET: c.wechatComponent.secret,
    WECHAT_COMPONENT_TOKEN: c.wechatComponent.token,
    WECHAT_COMPONENT_AES_KEY: c.wechatComponent.encodingAesKey,
  });

  it('given no variables at all, names every secret left at its development default without printing its value', () => {
    const { config, defaultsUsed } = loadConfig({});
    const printed = JSON.stringify(defaultsUsed);
    for (const [name, value] of Object.entries(secretsOf(config))) {
      assert.ok(!printed.includes(value), `${name}'s value is in the start-up report`);
      assert.ok(defaultsUsed.includes(`${name} (development default)`), `${name} is not reported as a default`);
    }
    assert.ok(defaultsUsed.includes('DATA_KEY (development default)'));
    assert.ok(!printed.includes('development-data-key'), "DATA_KEY's value is in the start-up report");
    assert.ok(defaultsUsed.includes('PORT=8080'), 'plain settings still show the value in use');
  });

  it('given secrets set in the environment, neither their names nor their values are reported', () => {
    const env = { ADMIN_PASSWORD: 'an-operator-password', JWT_SECRET: 'an-operator-jwt-secret-0123' };
    const { defaultsUsed } = loadConfig(env);
    const printed = JSON.stringify(defaultsUsed);
    assert.ok(!printed.includes('ADMIN_PASSWORD') && !printed.includes('JWT_SECRET'));
    assert.ok(!printed.includes(env.ADMIN_PASSWORD) && !printed.includes(env.JWT_SECRET));
  });
});
