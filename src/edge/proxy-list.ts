/**
 * `TRUSTED_PROXIES` read: the addresses and ranges of the proxies whose `X-Forwarded-For` the hub
 * believes (caller.ts). An item is an IPv4 or IPv6 address (`10.0.0.5`, `fd00::5`), or a range
 * in CIDR notation (`10.0.0.0/24`, `fd00::/64`): a pool of load balancers whose addresses change.
 *
 * The config module checks each item with {@link readProxyItem}, so that a typo is refused by name
 * when the hub starts rather than quietly leaving a proxy untrusted, or trusting far more than a
 * proxy; {@link proxyList} makes the list the hub asks. Matching is Node's `net.BlockList`, which
 * compares addresses, not spellings: `fd00:0::5` is `fd00::5`.
 */
import { BlockList, isIP, SocketAddress } from 'node:net';

/** The widest range taken, per family (wider ones hold far more than any pool of proxies), and the address's bits. */
const PREFIX = { ipv4: { widest: 8, bits: 32 }, ipv6: { widest: 16, bits: 128 } } as const;

/** Where IPv4 addresses sit inside IPv6 (`::ffff:10.0.0.5`): Node reports IPv4 peers of a dual-stack socket there. */
const MAPPED_IPV4 = new BlockList();
MAPPED_IPV4.addSubnet('::ffff:0.0.0.0', 96, 'ipv6');

/** One item of `TRUSTED_PROXIES`, read. */
export interface ProxyItem {
  /** The address, in its usual spelling; for a range, any address in it. IPv4 mapped into IPv6 is IPv4. */
  address: string;
  family: 'ipv4' | 'ipv6';
  /** The range's prefix length: the range is every address that shares that many leading bits with `address`. Undefined for one address. */
  prefix?: number;
}

/**
 * Reads one item: `{ ok: true, item }`, or `{ ok: false, why }` saying what is wrong with it.
 *
 * Refused, besides what is not an address: a zone index (`fe80::1%eth0`: the list would match it
 * on every interface), a range wider than /8 (IPv4) or /16 (IPv6), and an IPv6 range that holds
 * IPv4 addresses mapped into IPv6, however it is spelt (`::ffff:a00:0/104`, `::/80`): written as
 * IPv4 it is checked as IPv4.
 */
export function readProxyItem(text: string): { ok: true; item: ProxyItem } | { ok: false; why: string } {
  const [written = '', prefixText, ...rest] = text.toLowerCase().split('/');
  if (written.includes('%')) return { ok: false, why: 'a zone index (%eth0) is not taken: list the address without it' };
  const version = isIP(written);
  if (version === 0 || rest.length > 0) return { ok: false, why: 'not an IP address or a range of them' };
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const address = family === 'ipv4' ? written : new SocketAddress({ address: written, family }).address;
  const mapped = family === 'ipv6' && MAPPED_IPV4.check(address, 'ipv6');
  if (prefixText === undefined) return { ok: true, item: mapped ? { address: address.slice('::ffff:'.length), family: 'ipv4' } : { address, family } };
  const { widest, bits } = PREFIX[family];
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= widest && prefix <= bits)) return { ok: false, why: `a range's prefix length must be a whole number from ${widest} to ${bits}: a wider range holds far more than a pool of proxies` };
  if (family === 'ipv6') {
    // The range and the mapped IPv4 space overlap when either holds the other's first address.
    const range = new BlockList();
    range.addSubnet(address, prefix, 'ipv6');
    if (mapped || range.check('::ffff:0.0.0.0', 'ipv6')) return { ok: false, why: 'it holds IPv4 addresses (mapped into IPv6): write an IPv4 range, 10.0.0.0/24' };
  }
  return { ok: true, item: { address, family, prefix } };
}

/** The trusted proxies of `items`, each read by {@link readProxyItem}; one that does not read throws. */
export function proxyList(items: readonly string[]): BlockList {
  const list = new BlockList();
  for (const text of items) {
    const read = readProxyItem(text);
    if (!read.ok) throw new Error(`TRUSTED_PROXIES: ${JSON.stringify(text)}: ${read.why}`);
    const { address, family, prefix } = read.item;
    if (prefix !== undefined) list.addSubnet(address, prefix, family);
    else list.addAddress(address, family);
  }
  return list;
}

/** Whether `list` holds `address` (an address as the hub reads it: IPv4 unmapped, lower case). */
export function listed(list: BlockList, address: string): boolean {
  const version = isIP(address);
  return version !== 0 && list.check(address, version === 4 ? 'ipv4' : 'ipv6');
}
