import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';

/**
 * Where webhooks may go. A gateway sits inside its member's network, so an
 * app that picks the URL it POSTs to could otherwise reach the gateway's
 * loopback services, the cloud metadata endpoint (169.254.169.254) or
 * private hosts (server-side request forgery). Only public unicast
 * addresses are reachable, checked after DNS resolution, every address a
 * name resolves to; WEBHOOK_ALLOWED_HOSTS lists exceptions.
 */

/** NAT64's well-known prefix (RFC 6052): DNS64 gives IPv6-only hosts public IPv4 addresses under it. */
const NAT64 = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

/** How the refusal names each of ipaddr.js's ranges; any other range than `unicast` is `special-purpose`. */
const KINDS: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT',
  private: 'private',
  uniqueLocal: 'private',
};

/**
 * The kind of non-public address `address` is (loopback, private,
 * link-local…), or undefined for a public unicast one. IPv4-mapped IPv6
 * (::ffff:127.0.0.1) and NAT64 forms are judged by the IPv4 address they
 * carry; IPv4-compatible ones (::127.0.0.1, deprecated) are refused.
 */
export function nonPublicKind(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return 'not an address';
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6') {
    const v6 = ip as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress() || v6.match(NAT64)) ip = new ipaddr.IPv4(v6.toByteArray().slice(12));
    else if (v6.range() === 'unicast' && v6.parts.slice(0, 6).every((p) => p === 0)) return 'IPv4-compatible';
  }
  const range = ip.range();
  return range === 'unicast' ? undefined : (KINDS[range] ?? 'special-purpose');
}

/** The host of a URL as a lookup takes it: IPv6 without brackets, lower case, no trailing dot. */
export function urlHost(url: URL): string {
  return url.hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
}

/** An address in one spelling per address (IPv4-mapped IPv6 as IPv4), or undefined for a name. */
function addressKey(host: string): string | undefined {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  return ipaddr.isValid(bare) ? ipaddr.process(bare).toNormalizedString() : undefined;
}

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/**
 * WEBHOOK_ALLOWED_HOSTS: hosts a webhook may reach whatever their
 * addresses. It matches the URL's host as written, never what a name
 * resolves to: `127.0.0.1` allows http://127.0.0.1/ (and other spellings
 * of that address, 127.1 or [::ffff:127.0.0.1], which URLs and sockets
 * read as the same address), not http://localhost/, which resolves to it;
 * a listed name allows whatever it resolves to.
 */
export class AllowedHosts {
  private readonly hosts = new Set<string>();

  /** Throws on an entry that is neither a host name nor an address (a port or a URL, say). */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const host = entry.trim().toLowerCase().replace(/\.$/, '');
      const key = addressKey(host) ?? (HOST_NAME.test(host) ? host : undefined);
      if (!key) throw new Error(`"${entry}" is neither a host name nor an IP address`);
      this.hosts.add(key);
    }
  }

  allows(host: string): boolean {
    return this.hosts.size > 0 && this.hosts.has(addressKey(host) ?? host.toLowerCase().replace(/\.$/, ''));
  }
}

/** A webhook URL whose host is, or resolves to, an address webhooks may not reach. */
export class AddressRefused extends Error {
  constructor(readonly kind: string) {
    super(`resolves to a ${kind} address`);
  }
}

/** A host name that resolves to nothing. */
export class HostUnresolved extends Error {}

/** What a lookup of every address of a name looks like (dns.promises.lookup with all). */
export type ResolveAll = (host: string) => Promise<LookupAddress[]>;

export const resolveAll: ResolveAll = (host) => dnsLookup(host, { all: true, order: 'verbatim' });

/**
 * The addresses a webhook to `host` may connect to: the address itself, or
 * every address the name resolves to, each one checked (one internal
 * address among public ones refuses them all: the connection could pick
 * it). The caller connects to these and no others (pinning), so a DNS
 * answer that changes between this check and the connection (rebinding)
 * cannot take it elsewhere.
 */
export async function checkedAddresses(
  host: string,
  allowed: AllowedHosts,
  resolve: ResolveAll = resolveAll,
): Promise<LookupAddress[]> {
  const literal = addressKey(host) !== undefined;
  let addresses: LookupAddress[];
  if (literal) addresses = [{ address: host, family: host.includes(':') ? 6 : 4 }];
  else {
    try {
      addresses = await resolve(host);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA') throw new HostUnresolved(`"${host}" does not resolve`);
      throw err;
    }
    if (addresses.length === 0) throw new HostUnresolved(`"${host}" does not resolve`);
  }
  if (allowed.allows(host)) return addresses;
  for (const { address } of addresses) {
    const kind = nonPublicKind(address);
    if (kind) throw new AddressRefused(kind);
  }
  return addresses;
}
