// The devnet's identities and allow-lists, checked against cairnd's own reader (the files
// the devnet seeds must be exactly what the node loads) and against an independent
// secp256k1 implementation; and the command lines and state that carry them.
import { describe, expect, it } from '@jest/globals';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex, hexToBytes } from '../../src/primitives/bytes.js';
import { seededRng } from '../../src/primitives/rng.js';
import { loadOrCreateIdentity, parseAllowList } from '../../src/p2p/secure/identity.js';
import { parsePeerUrl } from '../../src/p2p/secure/transport.js';
import { planDevnet, prepareIdentities } from '../../devnet/devnet.js';
import { DevnetError } from '../../devnet/errors.js';
import { allowListPath, allowListText, ensureIdentity, IDENTITY_FILE } from '../../devnet/identity.js';
import { cairndArgs } from '../../devnet/launcher.js';
import { parseState, peerUrl } from '../../devnet/state.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'cairn-devnet-id-'));

describe('node identities', () => {
  it("creates identity.key in cairnd's format (0600, hex secret) and cairnd loads the same identity", async () => {
    const d = tmp();
    try {
      const id = ensureIdentity(join(d, 'node1'), seededRng(1));
      const path = join(d, 'node1', IDENTITY_FILE);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const text = readFileSync(path, 'utf8');
      expect(text).toMatch(/^[0-9a-f]{64}\n$/);
      expect(id).toBe(bytesToHex(secp256k1.getPublicKey(hexToBytes(text.trim()), true)));
      const loaded = await loadOrCreateIdentity(join(d, 'node1'), seededRng(99));
      expect(loaded.id).toBe(id);
      // a second call reads, never replaces
      expect(ensureIdentity(join(d, 'node1'), seededRng(2))).toBe(id);
      expect(readFileSync(path, 'utf8')).toBe(text);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it("reads a key cairnd made itself, and refuses damaged or world-readable files without touching them", async () => {
    const d = tmp();
    try {
      const made = await loadOrCreateIdentity(join(d, 'a'), seededRng(3));
      expect(ensureIdentity(join(d, 'a'), seededRng(4))).toBe(made.id);
      const bad = join(d, 'b', IDENTITY_FILE);
      ensureIdentity(join(d, 'b'), seededRng(5));
      writeFileSync(bad, 'not a key\n', { mode: 0o600 });
      expect(() => ensureIdentity(join(d, 'b'), seededRng(6))).toThrow(expect.objectContaining({ code: 'state-corrupt' }));
      expect(readFileSync(bad, 'utf8')).toBe('not a key\n');
      const open = join(d, 'a', IDENTITY_FILE);
      chmodSync(open, 0o644);
      expect(() => ensureIdentity(join(d, 'a'), seededRng(7))).toThrow(/readable by other users/);
      // the curve order is not a valid secret
      writeFileSync(bad, 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141\n', { mode: 0o600 });
      expect(() => ensureIdentity(join(d, 'b'), seededRng(8))).toThrow(DevnetError);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it("writes allow-lists cairnd parses to exactly the listed identities, and refuses malformed ones", () => {
    const d = tmp();
    const ids = [ensureIdentity(join(d, 'x'), seededRng(10)), ensureIdentity(join(d, 'y'), seededRng(11))];
    rmSync(d, { recursive: true, force: true });
    const text = allowListText([{ name: 'node2', identity: ids[0]! }, { name: 'node3', identity: ids[1]! }]);
    expect([...parseAllowList(text)].sort()).toEqual([...ids].sort());
    expect(parseAllowList(allowListText([])).size).toBe(0);
    expect(() => allowListText([{ name: 'node2', identity: 'abc' }])).toThrow(/malformed identity/);
  });
});

describe('a private devnet carries identities into command lines and state', () => {
  it("gives each node an allow-list of its neighbours and pinned --peer URLs cairnd's parser accepts", () => {
    const d = tmp();
    try {
      const planned = planDevnet({ nodes: 3, topology: 'line', dir: d, basePort: 20000 }, seededRng(12), 1);
      expect(planned.private).toBe(true);
      const s = prepareIdentities(planned, seededRng(13));
      const [n1, n2, n3] = s.nodes;
      for (const n of s.nodes) expect(n.identity).toMatch(/^0[23][0-9a-f]{64}$/);
      // line 1-2-3: node1 and node3 accept only node2; node2 accepts both ends
      const listed = (n: typeof n1): string[] => [...parseAllowList(readFileSync(allowListPath(n!), 'utf8'))].sort();
      expect(listed(n1)).toEqual([n2!.identity]);
      expect(listed(n3)).toEqual([n2!.identity]);
      expect(listed(n2)).toEqual([n1!.identity!, n3!.identity!].sort());
      const args = cairndArgs(s, n3!, {});
      const values = (flag: string): string[] => args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
      expect(values('--peer')).toEqual([`ws://127.0.0.1:20002#${n2!.identity}`]);
      expect(parsePeerUrl(values('--peer')[0]!)).toEqual({ url: 'ws://127.0.0.1:20002', identity: n2!.identity });
      expect(values('--allow-peers')).toEqual([allowListPath(n3!)]);
      expect(peerUrl({ host: '10.0.0.1', p2pPort: 1 })).toBe('ws://10.0.0.1:1');

      const pub = prepareIdentities(planDevnet({ nodes: 2, dir: join(d, 'pub'), basePort: 21000, private: false }, seededRng(14), 1), seededRng(15));
      expect(pub.private).toBeUndefined();
      expect(cairndArgs(pub, pub.nodes[1]!, {})).not.toContain('--allow-peers');
      expect(existsSync(allowListPath(pub.nodes[0]!))).toBe(false);
      expect(cairndArgs(pub, pub.nodes[1]!, {})).toContain(`ws://127.0.0.1:21000#${pub.nodes[0]!.identity}`);

      // the state file keeps them, and refuses malformed ones
      const back = parseState(JSON.stringify(s), 'state.json');
      expect(back.nodes.map((n) => n.identity)).toEqual(s.nodes.map((n) => n.identity));
      const broken = { ...s, nodes: s.nodes.map((n, i) => (i === 1 ? { ...n, identity: 'zz' } : n)) };
      expect(() => parseState(JSON.stringify(broken), 'state.json')).toThrow(/nodes\[1\]\.identity/);
      expect(() => parseState(JSON.stringify({ ...s, private: 'yes' }), 'state.json')).toThrow(/private must be a boolean/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
