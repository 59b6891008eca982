/**
 * `TRUSTED_PROXIES` read: the addresses and ranges of the proxies whose `X-Forwarded-For` the hub
 * believes (caller.ts). An item is an IPv4 or IPv6 address (`10.0.0.5`, `fd00::5`), or a range
 * in CIDR notation (`10.0.0.0/24`, `fd00::/64`): a pool of load balancers whose addresses change.
 *
 * The config module checks each item with {@link readProxyItem}, so that a typo is refused by name
 * when the hub starts rather than quietly leaving a proxy untrusted; {@link proxyList} makes the
 * list the hub asks. Matching is Node's `net.BlockList`, which compares addresses, not spellings:
 * `fd00:0::5` is `fd00::5`.
 */
import { BlockList, isIP } from 'node:net';

/** One item of `TRUSTED_PROXIES`, read. */
export interface ProxyItem {
  /** The address, or the range's first address, as written (lower case). */
  address: string;
  family: 'ipv4' | 'ipv6';
  /** The range's prefix length; undefined for one address. */
  prefix?: number;
}

/**
 * Reads one item: `{ ok: true, item }`, or `{ ok: false, why }` saying what is wrong with it.
 * A range must leave some bits of the network fixed: `0.0.0.0/0` (or `::/0`) would let every
 * client name any caller it likes, which is never what a list of proxies means.
 */
export function readProxyItem(text: string): { ok: true; item: ProxyItem } | { ok: false; why: string } {
  const [address = '', prefixText, ...rest] = text.toLowerCase().split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return { ok: false, why: 'not an IP address or a range of them' };
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (prefixText === undefined) return { ok: true, item: { address, family } };
  const bits = version === 4 ? 32 : 128;
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= bits)) return { ok: false, why: `a range's prefix length must be a whole number from 1 to ${bits}` };
  if (prefix === 0) return { ok: false, why: 'a range of every address would let any client name any caller' };
  if (/^::ffff:\d/.test(address)) return { ok: false, why: 'write a range of IPv4 addresses as IPv4 (10.0.0.0/24)' };
  return { ok: true, item: { address, family, prefix } };
}

/**
 * The trusted proxies of `items` (each read by {@link readProxyItem}; one that does not read
 * throws). An IPv4 address mapped into IPv6 (`::ffff:10.0.0.6`) is listed as the IPv4 address, as
 * the hub takes peers and header entries.
 */
export function proxyList(items: readonly string[]): BlockList {
  const list = new BlockList();
  for (const text of items) {
    const read = readProxyItem(text);
    if (!read.ok) throw new Error(`TRUSTED_PROXIES: ${JSON.stringify(text)}: ${read.why}`);
    const { address, family, prefix } = read.item;
    if (prefix !== undefined) list.addSubnet(address, prefix, family);
    else if (/^::ffff:\d/.test(address)) list.addAddress(address.slice('::ffff:'.length), 'ipv4');
    else list.addAddress(address, family);
  }
  return list;
}

/** Whether `list` holds `address` (an address as the hub reads it: IPv4 unmapped, lower case). */
export function listed(list: BlockList, address: string): boolean {
  const version = isIP(address);
  return version !== 0 && list.check(address, version === 4 ? 'ipv4' : 'ipv6');
}
