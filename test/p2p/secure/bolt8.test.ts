// The generic Noise code must reproduce Lightning's BOLT 8 (Noise_XK_secp256k1_ChaChaPoly_SHA256)
// byte for byte: the three acts, the intermediate handshake hashes, the transport keys,
// the error cases, and the encrypted messages across two key rotations. BOLT 8's version
// byte, length-prefix framing and ck-based key rotation are not part of Noise; they are
// rebuilt here from the exported primitives, as BOLT 8 describes them.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { bytesToHex, hexToBytes } from '../../../src/primitives/index.js';
import {
  type Aead,
  CipherState,
  HandshakeState,
  NoiseError,
  XK,
  hash,
  hkdf2,
  keyPairFromSecret,
  nobleAead,
  nodeAead,
  protocolName,
} from '../../../src/p2p/secure/noise.js';

const V = JSON.parse(readFileSync(new URL('../../fixtures/bolt8/transport-vectors.json', import.meta.url), 'utf8'));
interface ErrCase {
  name: string;
  act1?: string;
  act2?: string;
  act3?: string;
  error: string;
}

const prologue = new TextEncoder().encode(V.prologue);

function initiator(aead: Aead): HandshakeState {
  return new HandshakeState({
    pattern: XK,
    initiator: true,
    prologue,
    s: keyPairFromSecret(hexToBytes(V.initiator['ls.priv'])),
    rs: hexToBytes(V.responder['ls.pub']),
    ephemeral: () => keyPairFromSecret(hexToBytes(V.initiator['e.priv'])),
    aead,
  });
}

function responder(aead: Aead): HandshakeState {
  return new HandshakeState({
    pattern: XK,
    initiator: false,
    prologue,
    s: keyPairFromSecret(hexToBytes(V.responder['ls.priv'])),
    ephemeral: () => keyPairFromSecret(hexToBytes(V.responder['e.priv'])),
    aead,
  });
}

/** BOLT 8 acts are a version byte (0) followed by the Noise message. */
const act = (noise: Uint8Array): string => '00' + bytesToHex(noise);
function unwrap(actHex: string, size: number, label: string): Uint8Array {
  const b = hexToBytes(actHex);
  if (b.length !== size) throw new Error(`${label}_READ_FAILED`);
  if (b[0] !== 0) throw new Error(`${label}_BAD_VERSION`);
  return b.subarray(1);
}
function classify(e: unknown, label: string): string {
  if (e instanceof NoiseError) {
    if (e.code === 'bad-key') return `${label}_BAD_PUBKEY`;
    if (e.code === 'bad-tag') return `${label}_BAD_TAG`;
  }
  return (e as Error).message;
}

describe.each([
  ['node:crypto', nodeAead],
  ['@noble/ciphers', nobleAead],
])('BOLT 8 handshake vectors (%s)', (_name, aead) => {
  it('uses the protocol name BOLT 8 hashes', () => {
    expect(protocolName(XK)).toBe(V.protocolName);
    expect(bytesToHex(keyPairFromSecret(hexToBytes(V.initiator['ls.priv'])).publicKey)).toBe(V.initiator['ls.pub']);
    expect(bytesToHex(keyPairFromSecret(hexToBytes(V.initiator['e.priv'])).publicKey)).toBe(V.initiator['e.pub']);
  });

  it('initiator produces act one and three and the transport keys', () => {
    const hs = initiator(aead);
    expect(act(hs.writeMessage())).toBe(V.act1);
    expect(bytesToHex(hs.handshakeHash)).toBe(V.intermediate['act1.h']);
    expect(hs.readMessage(unwrap(V.act2, 50, 'ACT2'))).toHaveLength(0);
    expect(bytesToHex(hs.handshakeHash)).toBe(V.intermediate['act2.h']);
    expect(act(hs.writeMessage())).toBe(V.act3);
    const r = hs.finish();
    // BOLT 8 lists h after the encrypted static key; Noise then also hashes the final tag.
    const tag = hexToBytes(V.act3).subarray(50);
    expect(bytesToHex(r.handshakeHash)).toBe(bytesToHex(hash(hexToBytes(V.intermediate['act3.h']), tag)));
    expect(bytesToHex(r.chainingKey)).toBe(V.intermediate['final.ck']);
    expect(bytesToHex(r.send.key!)).toBe(V['initiator.sk']);
    expect(bytesToHex(r.recv.key!)).toBe(V['initiator.rk']);
  });

  it('responder reads act one and three, produces act two, learns the initiator key', () => {
    const hs = responder(aead);
    expect(hs.readMessage(unwrap(V.act1, 50, 'ACT1'))).toHaveLength(0);
    expect(act(hs.writeMessage())).toBe(V.act2);
    hs.readMessage(unwrap(V.act3, 66, 'ACT3'));
    const r = hs.finish();
    expect(bytesToHex(r.remoteStatic)).toBe(V.initiator['ls.pub']);
    // The responder's keys mirror the initiator's.
    expect(bytesToHex(r.recv.key!)).toBe(V['initiator.sk']);
    expect(bytesToHex(r.send.key!)).toBe(V['initiator.rk']);
  });

  it.each<[string, ErrCase]>(V.initiatorErrors.map((c: ErrCase) => [c.name, c]))(
    'initiator refuses %s',
    (_n, c) => {
      const hs = initiator(aead);
      hs.writeMessage();
      let err = 'none';
      try {
        hs.readMessage(unwrap(c.act2!, 50, 'ACT2'));
      } catch (e) {
        err = classify(e, 'ACT2');
      }
      expect(err).toBe(c.error);
      expect(hs.done).toBe(false);
    },
  );

  it.each<[string, ErrCase]>(V.responderErrors.map((c: ErrCase) => [c.name, c]))(
    'responder refuses %s',
    (_n, c) => {
      const hs = responder(aead);
      let err = 'none';
      try {
        if (c.act1) {
          hs.readMessage(unwrap(c.act1, 50, 'ACT1'));
        } else {
          hs.readMessage(unwrap(V.act1, 50, 'ACT1'));
          expect(act(hs.writeMessage())).toBe(V.act2);
          const m = unwrap(c.act3!, 66, 'ACT3');
          // BOLT 8 reports a bad encrypted key (ACT3_BAD_CIPHERTEXT) apart from the final tag.
          try {
            hs.readMessage(m);
          } catch (e) {
            if (e instanceof NoiseError && e.code === 'bad-tag' && hs.remoteStatic === null) throw new Error('ACT3_BAD_CIPHERTEXT');
            throw e;
          }
        }
      } catch (e) {
        err = classify(e, c.act1 ? 'ACT1' : 'ACT3');
      }
      expect(err).toBe(c.error);
      expect(hs.done).toBe(false);
    },
  );
});

describe.each([
  ['node:crypto', nodeAead],
  ['@noble/ciphers', nobleAead],
])('BOLT 8 message encryption and key rotation (%s)', (_name, aead) => {
  /** BOLT 8's sender: encrypted 2-byte length, encrypted body, ck-based rotation at nonce 1000. */
  class Bolt8Sender {
    private ck: Uint8Array;
    readonly c: CipherState;
    readonly rotations: { ck: string; k: string }[] = [];
    constructor(ck: Uint8Array, k: Uint8Array) {
      this.ck = ck;
      this.c = new CipherState(aead, k);
    }
    private step(p: Uint8Array): Uint8Array {
      const out = this.c.encryptWithAd(new Uint8Array(0), p);
      if (this.c.n === 1000n) {
        const [ck, k] = hkdf2(this.ck, this.c.key!);
        this.ck = ck;
        this.c.initializeKey(k);
        this.rotations.push({ ck: bytesToHex(ck), k: bytesToHex(k) });
      }
      return out;
    }
    send(m: Uint8Array): string {
      const len = Uint8Array.of(m.length >> 8, m.length & 0xff);
      return bytesToHex(this.step(len)) + bytesToHex(this.step(m));
    }
  }

  it('matches outputs 0, 1, 500, 501, 1000, 1001 and both rotations', () => {
    const s = new Bolt8Sender(hexToBytes(V.intermediate['final.ck']), hexToBytes(V['initiator.sk']));
    const msg = hexToBytes(V.messages.plaintext);
    const seen: Record<string, string> = {};
    for (let i = 0; i < V.messages.count; i++) {
      const out = s.send(msg);
      if (V.messages.outputs[String(i)]) seen[String(i)] = out;
    }
    expect(seen).toEqual(V.messages.outputs);
    expect(s.rotations.slice(0, 2)).toEqual([V.messages.rotation1, V.messages.rotation2]);
  });
});
