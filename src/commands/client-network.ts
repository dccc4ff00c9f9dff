import { isIPv4, isIPv6 } from 'node:net';

/**
 * Where a client is counted by sign-in lockouts and rate limits: an IPv4 address as it is; an
 * IPv6 address by its /64, because one subscriber usually holds a whole /64 and could otherwise
 * step to a fresh address per request. An IPv4 client seen through a dual-stack listener
 * (`::ffff:a.b.c.d`) is its IPv4 address, not the one /64 every such client shares. A zone (`%eth0`) is
 * dropped; no address is `unknown`.
 */
export function clientNetwork(ip: string | null): string {
  if (!ip) return 'unknown';
  const bare = ip.split('%')[0]!;
  if (!isIPv6(bare)) return bare;
  const mapped = /^::ffff:(.+)$/i.exec(bare)?.[1];
  if (mapped && isIPv4(mapped)) return mapped;
  const [head = '', tail] = bare.split('::');
  const groupsOf = (part: string | undefined) => (part ? part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : []);
  const left = groupsOf(head);
  const right = groupsOf(tail);
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g || '0', 16).toString(16))
    .join(':')}::/64`;
}
