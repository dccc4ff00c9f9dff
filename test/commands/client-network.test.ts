import assert from 'node:assert/strict';
import { clientNetwork } from '../../src/commands/client-network';

describe('the network a client is counted as (lockouts, rate limits)', () => {
  it('is an IPv4 address itself, an IPv6 address’s /64 however it is written, and one shared bucket without an address', () => {
    assert.equal(clientNetwork('198.51.100.7'), '198.51.100.7');
    assert.equal(clientNetwork('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
    assert.equal(clientNetwork('2001:0DB8:0001:0002::1'), '2001:db8:1:2::/64');
    assert.equal(clientNetwork('2001:0DB8:0001:0002:ffff::1%eth0'), '2001:db8:1:2::/64');
    assert.equal(clientNetwork('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(clientNetwork('::1'), '0:0:0:0::/64');
    assert.equal(clientNetwork(null), 'unknown');
  });

  it('is the IPv4 address of a client a dual-stack listener reports as ::ffff:a.b.c.d, so IPv4 clients are not one bucket', () => {
    assert.equal(clientNetwork('::ffff:203.0.113.9'), '203.0.113.9');
    assert.equal(clientNetwork('::FFFF:203.0.113.10'), '203.0.113.10');
    assert.notEqual(clientNetwork('::ffff:203.0.113.9'), clientNetwork('::ffff:198.51.100.1'));
  });
});
