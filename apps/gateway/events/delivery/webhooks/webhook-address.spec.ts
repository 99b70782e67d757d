import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import {
  AddressRefused,
  AllowedHosts,
  checkedAddresses,
  HostUnresolved,
  nonPublicKind,
  urlHost,
} from './webhook-address.js';

const none = new AllowedHosts([]);
const resolver =
  (answers: Record<string, string[]>) =>
  (host: string): Promise<LookupAddress[]> => {
    const found = answers[host];
    if (!found) return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));
    return Promise.resolve(found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };

/** The host a URL's parser leaves, as webhooks see it: every spelling of an address becomes one. */
const hostOf = (url: string) => urlHost(new URL(url));

describe('webhook addresses', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['::7f00:1', 'IPv4-compatible'],
    ['192.0.2.1', 'special-purpose'],
    ['240.0.0.1', 'special-purpose'],
    ['2001:db8::1', 'special-purpose'],
    ['fe80::1%eth0', 'link-local'],
  ])('refuses %s (%s)', (address, kind) => {
    expect(nonPublicKind(address)).toBe(kind);
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
  ])('takes the public address %s', (address) => {
    expect(nonPublicKind(address)).toBeUndefined();
  });

  it('reads every spelling of an address in a URL as the one address', () => {
    expect(hostOf('http://127.1:8080/x')).toBe('127.0.0.1');
    expect(hostOf('http://0x7f000001/')).toBe('127.0.0.1');
    expect(hostOf('http://2130706433/')).toBe('127.0.0.1');
    expect(hostOf('http://0177.0.0.1/')).toBe('127.0.0.1');
    expect(hostOf('http://[::ffff:127.0.0.1]/')).toBe('::ffff:7f00:1');
    expect(hostOf('http://LocalHost./')).toBe('localhost');
    for (const url of ['http://127.1/', 'http://0x7f000001/', 'http://[::ffff:127.0.0.1]/', 'http://[0:0::1]/'])
      expect(nonPublicKind(hostOf(url)), url).toBe('loopback');
  });

  it('refuses a name when any address it resolves to is not public, and says nothing of which', async () => {
    const resolve = resolver({
      'hooks.example': ['93.184.216.34', '2606:2800::1'],
      'mixed.example': ['93.184.216.34', '10.0.0.5'],
      'metadata.example': ['169.254.169.254'],
      localhost: ['127.0.0.1', '::1'],
    });
    expect((await checkedAddresses('hooks.example', none, resolve)).map((a) => a.address)).toEqual([
      '93.184.216.34',
      '2606:2800::1',
    ]);
    await expect(checkedAddresses('mixed.example', none, resolve)).rejects.toBeInstanceOf(AddressRefused);
    await expect(checkedAddresses('metadata.example', none, resolve)).rejects.toThrow(
      'resolves to a link-local address',
    );
    await expect(checkedAddresses('localhost', none, resolve)).rejects.toBeInstanceOf(AddressRefused);
    await expect(checkedAddresses('nowhere.example', none, resolve)).rejects.toBeInstanceOf(HostUnresolved);
    await expect(checkedAddresses('127.0.0.1', none, resolve)).rejects.toBeInstanceOf(AddressRefused);
    expect(await checkedAddresses('8.8.8.8', none, resolve)).toEqual([{ address: '8.8.8.8', family: 4 }]);
  });

  it('allows what WEBHOOK_ALLOWED_HOSTS lists by the host as written, never by what a name resolves to', async () => {
    const resolve = resolver({ localhost: ['127.0.0.1'], 'hooks.internal': ['10.0.0.7'] });
    const allowed = new AllowedHosts(['127.0.0.1', 'Hooks.Internal.', '::1']);
    expect(await checkedAddresses('127.0.0.1', allowed, resolve)).toEqual([{ address: '127.0.0.1', family: 4 }]);
    // Another spelling of the listed address is that address.
    expect(allowed.allows(hostOf('http://127.1/'))).toBe(true);
    expect(allowed.allows(hostOf('http://[::ffff:127.0.0.1]/'))).toBe(true);
    expect(allowed.allows('0:0:0:0:0:0:0:1')).toBe(true);
    // A name resolving to it is not listed, nor another loopback address.
    await expect(checkedAddresses('localhost', allowed, resolve)).rejects.toBeInstanceOf(AddressRefused);
    await expect(checkedAddresses('127.0.0.2', allowed, resolve)).rejects.toBeInstanceOf(AddressRefused);
    expect((await checkedAddresses('hooks.internal', allowed, resolve)).map((a) => a.address)).toEqual(['10.0.0.7']);
  });

  it('refuses an allow-list entry that is neither a name nor an address', () => {
    for (const entry of ['127.0.0.1:8080', 'http://hooks.internal', '10.0.0.0/8', 'a b'])
      expect(() => new AllowedHosts([entry]), entry).toThrow('neither a host name nor an IP address');
  });
});
