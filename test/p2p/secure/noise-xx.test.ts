// Noise XX as Cairn uses it, checked for self-consistency and against independent code:
// both sides derive crossed transport keys and the same handshake hash, static keys are
// learned only encrypted, any flipped byte of a handshake message is refused, and the
// pieces (HKDF, REKEY, the two AEAD backends) agree with @noble's implementations.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, seededRng } from '../../../src/primitives/index.js';
import {
  CipherState,
  HandshakeState,
  NoiseError,
  XX,
  generateKeyPair,
  hkdf2,
  nobleAead,
  nodeAead,
  noiseNonce,
  protocolName,
} from '../../../src/p2p/secure/noise.js';
import { indexOf } from './tap.js';

const prologue = new TextEncoder().encode('cairn-test');

function pair(seed: number) {
  const rng = seededRng(seed);
  const si = generateKeyPair(rng);
  const sr = generateKeyPair(rng);
  const i = new HandshakeState({ pattern: XX, initiator: true, prologue, s: si, ephemeral: () => generateKeyPair(rng) });
  const r = new HandshakeState({ pattern: XX, initiator: false, prologue, s: sr, ephemeral: () => generateKeyPair(rng) });
  return { i, r, si, sr };
}

describe('Noise XX handshake', () => {
  it('derives crossed transport keys, one handshake hash and each side learns the other static key', () => {
    const { i, r, si, sr } = pair(1);
    const m1 = i.writeMessage();
    expect(m1).toHaveLength(33);
    r.readMessage(m1);
    const p2 = new TextEncoder().encode('responder payload');
    const m2 = r.writeMessage(p2);
    expect(m2).toHaveLength(33 + 49 + p2.length + 16);
    // The responder's static key and payload travel encrypted.
    expect(indexOf(m2, sr.publicKey)).toBe(-1);
    expect(indexOf(m2, p2)).toBe(-1);
    expect(i.readMessage(m2)).toEqual(p2);
    expect(i.remoteStatic).toEqual(sr.publicKey);
    const m3 = i.writeMessage();
    expect(m3).toHaveLength(65);
    expect(indexOf(m3, si.publicKey)).toBe(-1);
    r.readMessage(m3);
    const a = i.finish();
    const b = r.finish();
    expect(b.remoteStatic).toEqual(si.publicKey);
    expect(bytesToHex(a.handshakeHash)).toBe(bytesToHex(b.handshakeHash));
    expect(a.send.key).toEqual(b.recv.key);
    expect(a.recv.key).toEqual(b.send.key);
    expect(a.send.key).not.toEqual(a.recv.key);
    const c = a.send.encryptWithAd(new Uint8Array(0), Uint8Array.of(1, 2, 3));
    expect(b.recv.decryptWithAd(new Uint8Array(0), c)).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('gives different sessions different keys (fresh ephemerals)', () => {
    const run = (seed: number) => {
      const { i, r } = pair(seed);
      r.readMessage(i.writeMessage());
      i.readMessage(r.writeMessage());
      r.readMessage(i.writeMessage());
      return bytesToHex(i.finish().handshakeHash);
    };
    expect(run(2)).not.toBe(run(3));
  });

  it('refuses every single flipped byte of message two and message three', () => {
    const base = (() => {
      const { i, r } = pair(4);
      const m1 = i.writeMessage();
      r.readMessage(m1);
      const m2 = r.writeMessage();
      i.readMessage(m2);
      return { m1, m2, m3: i.writeMessage() };
    })();
    for (let k = 0; k < base.m2.length; k++) {
      const { i, r } = pair(4);
      r.readMessage(i.writeMessage());
      const m2 = r.writeMessage();
      m2[k]! ^= 0x01;
      expect(() => i.readMessage(m2)).toThrow(NoiseError);
      expect(i.done).toBe(false);
    }
    for (let k = 0; k < base.m3.length; k++) {
      const { i, r } = pair(4);
      r.readMessage(i.writeMessage());
      i.readMessage(r.writeMessage());
      const m3 = i.writeMessage();
      m3[k]! ^= 0x80;
      expect(() => r.readMessage(m3)).toThrow(NoiseError);
      expect(r.done).toBe(false);
    }
  });

  it('refuses a different prologue (the handshake binds it)', () => {
    const rng = seededRng(5);
    const i = new HandshakeState({ pattern: XX, initiator: true, prologue, s: generateKeyPair(rng), ephemeral: () => generateKeyPair(rng) });
    const r = new HandshakeState({
      pattern: XX,
      initiator: false,
      prologue: new TextEncoder().encode('other-network'),
      s: generateKeyPair(rng),
      ephemeral: () => generateKeyPair(rng),
    });
    r.readMessage(i.writeMessage());
    expect(() => i.readMessage(r.writeMessage())).toThrow(expect.objectContaining({ code: 'bad-tag' }));
  });

  it('refuses out-of-turn and post-handshake use', () => {
    const { i, r } = pair(6);
    expect(() => r.writeMessage()).toThrow(NoiseError);
    r.readMessage(i.writeMessage());
    i.readMessage(r.writeMessage());
    r.readMessage(i.writeMessage());
    expect(() => i.writeMessage()).toThrow(NoiseError);
    expect(protocolName(XX)).toBe('Noise_XX_secp256k1_ChaChaPoly_SHA256');
  });
});

describe('Noise primitives against independent implementations', () => {
  it('hkdf2 equals RFC 5869 HKDF (empty info, 64 bytes) from @noble/hashes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 64 }), (ck, ikm) => {
        const [a, b] = hkdf2(ck, ikm);
        const ref = hkdf(sha256, ikm, ck, new Uint8Array(0), 64);
        expect(bytesToHex(a) + bytesToHex(b)).toBe(bytesToHex(ref));
      }),
      { numRuns: 50 },
    );
  });

  it('the node:crypto and @noble/ciphers AEADs agree, and both refuse any flipped bit', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.uint8Array({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.nat(),
        (key, n, ad, pt, flip) => {
          const nonce = noiseNonce(n);
          const a = nodeAead.encrypt(key, nonce, ad, pt);
          const b = nobleAead.encrypt(key, nonce, ad, pt);
          expect(bytesToHex(a)).toBe(bytesToHex(b));
          expect(nodeAead.decrypt(key, nonce, ad, b)).toEqual(pt);
          expect(nobleAead.decrypt(key, nonce, ad, a)).toEqual(pt);
          const bad = a.slice();
          bad[flip % bad.length]! ^= 1 << flip % 8;
          expect(nodeAead.decrypt(key, nonce, ad, bad)).toBeNull();
          expect(nobleAead.decrypt(key, nonce, ad, bad)).toBeNull();
        },
      ),
      { numRuns: 100 },
    );
  });

  it('REKEY() is the first 32 bytes of ENCRYPT(k, 2^64-1, "", zeros) and keeps the nonce', () => {
    const k = new Uint8Array(32).fill(9);
    const c = new CipherState(nodeAead, k);
    c.encryptWithAd(new Uint8Array(0), new Uint8Array(5));
    c.rekey();
    const nonce = new Uint8Array(12).fill(0xff, 4);
    const expected = chacha20poly1305(k, nonce, new Uint8Array(0)).encrypt(new Uint8Array(32)).subarray(0, 32);
    expect(bytesToHex(c.key!)).toBe(bytesToHex(expected));
    expect(c.n).toBe(1n);
  });

  it('a failed decryption leaves the nonce where it was', () => {
    const c = new CipherState(nodeAead, new Uint8Array(32).fill(1));
    const d = new CipherState(nodeAead, new Uint8Array(32).fill(1));
    const ct = c.encryptWithAd(new Uint8Array(0), Uint8Array.of(7));
    const bad = ct.slice();
    bad[0]! ^= 1;
    expect(() => d.decryptWithAd(new Uint8Array(0), bad)).toThrow(expect.objectContaining({ code: 'bad-tag' }));
    expect(d.n).toBe(0n);
    expect(d.decryptWithAd(new Uint8Array(0), ct)).toEqual(Uint8Array.of(7));
  });
});
