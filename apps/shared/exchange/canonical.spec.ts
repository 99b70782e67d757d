import { getHashes } from 'node:crypto';
import { keccak256, toUtf8Bytes } from 'ethers';
import { describe, expect, it } from 'vitest';
import { canonicalJson, hashText, parseCanonical, processContext } from './canonical.js';

describe('canonicalJson', () => {
  it('writes the same text whatever the key order', () => {
    const a = canonicalJson({ b: 1, a: 'x', c: { z: true, y: null } });
    const b = canonicalJson({ c: { y: null, z: true }, a: 'x', b: 1 });
    expect(a).toBe('{"a":"x","b":1,"c":{"y":null,"z":true}}');
    expect(b).toBe(a);
  });

  it('drops undefined properties at every level but keeps null', () => {
    expect(canonicalJson({ a: undefined, b: 1, c: { d: undefined, e: null } })).toBe('{"b":1,"c":{"e":null}}');
  });

  it('keeps array order and sorts keys of objects inside nested arrays', () => {
    const value = { list: [{ b: 2, a: 1 }, [3, { d: [{ z: 0, y: 1 }], c: 4 }], 'last'] };
    expect(canonicalJson(value)).toBe('{"list":[{"a":1,"b":2},[3,{"c":4,"d":[{"y":1,"z":0}]}],"last"]}');
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });

  it('writes primitives as JSON does', () => {
    expect(canonicalJson('text')).toBe('"text"');
    expect(canonicalJson(42)).toBe('42');
    expect(canonicalJson(null)).toBe('null');
  });

  it('hashes equal messages to equal hashes regardless of key order', () => {
    expect(hashText(canonicalJson({ x: 1, y: 2 }))).toBe(hashText(canonicalJson({ y: 2, x: 1 })));
    expect(hashText('a')).not.toBe(hashText('b'));
  });
});

describe('hashText', () => {
  // OpenSSL has keccak-256 from 3.2 on: Node 24 (the project's .nvmrc) bundles 3.5, Node 22 3.0.
  const [major, minor] = process.versions.openssl.split('.').map(Number);
  it.runIf(major > 3 || (major === 3 && minor >= 2))(
    "hashes with this Node's OpenSSL keccak-256 (the fast path)",
    () => {
      expect(getHashes()).toContain('keccak-256');
    },
  );

  it('gives the keccak-256 ethers gives, for any text', () => {
    const texts = [
      '',
      'a',
      canonicalJson({ amount: 12.5, note: 'Grüße, 東京 🚢', nested: [{ z: 1, a: '\u0000' }] }),
      'x'.repeat(135),
      'x'.repeat(136), // keccak-256's block is 136 bytes: either side of one block
      'é'.repeat(10_000),
    ];
    for (const text of texts) expect(hashText(text)).toBe(keccak256(toUtf8Bytes(text)));
  });

  it('refuses text that is not well-formed UTF-16, as ethers does', () => {
    expect(() => hashText('lone \ud800 surrogate')).toThrow(/surrogate/);
  });
});

describe('processContext', () => {
  it('is a stable keccak-256 of the process id', () => {
    // Pinned value: a change here breaks the context of every process already on chain.
    expect(processContext('p-1')).toBe('0x3a5fb59de56a9e0022fc7c8fb83bc2bd36cfa9bf61b89ce1d4f01fe27d56e706');
    expect(processContext('p-1')).toBe(processContext('p-1'));
  });

  it('differs between processes and is a 32-byte hex hash', () => {
    expect(processContext('p-2')).not.toBe(processContext('p-1'));
    expect(processContext('p-1')).toMatch(/^0x[0-9a-f]{64}$/);
  });
});

describe('parseCanonical', () => {
  const named = (value: unknown) =>
    typeof (value as { name?: unknown } | null)?.name === 'string' ? undefined : 'needs a name';

  it('reads canonical JSON of the expected shape', () => {
    expect(parseCanonical(canonicalJson({ name: 'a', n: 1 }), named)).toEqual({ ok: true, value: { n: 1, name: 'a' } });
  });

  it('refuses, in this order: text that is not JSON, the wrong shape, any other form than the canonical one', () => {
    expect(parseCanonical('{', named)).toEqual({
      ok: false,
      code: 'malformed-message',
      message: 'the message is not JSON',
    });
    expect(parseCanonical('{ "n": 1 }', named)).toEqual({
      ok: false,
      code: 'malformed-message',
      message: 'needs a name',
    });
    expect(parseCanonical('{"name":"a","n":1}', named)).toMatchObject({ ok: false, code: 'non-canonical-message' });
  });
});
