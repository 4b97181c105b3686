// The devnet pieces that need no cairnd: topologies, the state file, miner placement,
// option parsing, partition sides, the status table and live view, cairnd's command
// line, spam pairing, and the CLI's refusals (exit codes and messages).
import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { cryptoRng, seededRng } from '../../src/primitives/rng.js';
import { DevnetError } from '../../devnet/errors.js';
import { minerIndexes, planDevnet } from '../../devnet/devnet.js';
import { addCut, partitionSides } from '../../devnet/faults.js';
import { cairndArgs, carryNiceness, ensurePortsFree } from '../../devnet/launcher.js';
import { parseUpOptions, runDevnet, type DevnetIo } from '../../devnet/program.js';
import { checkSpamOptions, pickPair } from '../../devnet/spam.js';
import { findNode, parseState, portsFor, readState, statePath, withNode, writeState } from '../../devnet/state.js';
import { LiveView, alignColumns, formatHashrate, renderStatus, tipsAgree, verdictOf, type DevnetStatus, type NodeStatus } from '../../devnet/status.js';
import { components, dialsOf, isConnected, neighboursOf, parseTopology, topologyEdges } from '../../devnet/topology.js';
import { repoRoot } from './helpers.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'cairn-devnet-unit-'));

describe('topology', () => {
  it('builds the named shapes', () => {
    const rng = seededRng(1);
    expect(topologyEdges(4, 'mesh', rng)).toEqual([[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]);
    expect(topologyEdges(4, 'line', rng)).toEqual([[0, 1], [1, 2], [2, 3]]);
    expect(topologyEdges(4, 'ring', rng)).toEqual([[0, 1], [0, 3], [1, 2], [2, 3]]);
    expect(topologyEdges(2, 'ring', rng)).toEqual([[0, 1]]);
    expect(topologyEdges(1, 'mesh', rng)).toEqual([]);
  });

  it('random topologies are connected, simple and reproducible from a seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer(), (n, seed) => {
        const e = topologyEdges(n, 'random', seededRng(seed));
        expect(isConnected(n, e)).toBe(true);
        expect(new Set(e.map(([a, b]) => `${a}-${b}`)).size).toBe(e.length);
        for (const [a, b] of e) expect(a < b && b < n).toBe(true);
        expect(topologyEdges(n, 'random', seededRng(seed))).toEqual(e);
      }),
    );
  });

  it('each link is dialed by exactly one end, the later-started one', () => {
    const e = topologyEdges(5, 'mesh', seededRng(2));
    const dials = Array.from({ length: 5 }, (_, i) => dialsOf(e, i));
    expect(dials[0]).toEqual([]);
    expect(dials[4]).toEqual([0, 1, 2, 3]);
    expect(dials.flat().length).toBe(e.length);
    expect(neighboursOf(e, 2)).toEqual([0, 1, 3, 4]);
  });

  it('finds components and refuses unknown kinds', () => {
    expect(components(5, [[0, 1], [3, 4]])).toEqual([[0, 1], [2], [3, 4]]);
    expect(isConnected(3, [[0, 1]])).toBe(false);
    expect(() => parseTopology('star')).toThrow(DevnetError);
    expect(() => topologyEdges(0, 'mesh', cryptoRng)).toThrow(/at least one node/);
  });
});

describe('state file', () => {
  it('round-trips, is written atomically with mode 0600, and finds nodes by name or number', () => {
    const dir = tmp();
    try {
      const s = planDevnet({ nodes: 3, dir, basePort: 20000 }, seededRng(3), 1700000000000);
      writeState(s, cryptoRng);
      expect(readdirSync(dir)).toEqual(['state.json']); // no temp file left behind
      expect(statSync(statePath(dir)).mode & 0o777).toBe(0o600);
      expect(readState(dir)).toEqual(s);
      expect(findNode(s, '2').name).toBe('node2');
      expect(findNode(s, 'NODE3').index).toBe(2);
      expect(() => findNode(s, 'node9')).toThrow(/no node "node9".*/);
      const s2 = withNode(s, 'node2', { pid: 1234 });
      expect(s2.nodes[1]!.pid).toBe(1234);
      expect(s.nodes[1]!.pid).toBeNull();
      expect(readState(join(dir, 'nothing-here'))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses damaged or wrong-shaped files with state-corrupt', () => {
    const dir = tmp();
    try {
      const good = planDevnet({ nodes: 2, dir, basePort: 20000 }, seededRng(4), 1);
      const bad: unknown[] = [
        '{not json',
        JSON.stringify({ ...good, version: 99 }),
        JSON.stringify({ ...good, network: 'main' }),
        JSON.stringify({ ...good, nodes: [] }),
        JSON.stringify({ ...good, edges: [[1, 0]] }),
        JSON.stringify({ ...good, edges: [[0, 5]] }),
        JSON.stringify({ ...good, nodes: [{ ...good.nodes[0], apiPort: 'x' }, good.nodes[1]] }),
        JSON.stringify({ ...good, nodes: [good.nodes[1], good.nodes[0]] }),
        JSON.stringify({ ...good, partitions: { node1: ['node7'] } }),
        JSON.stringify({ ...good, topology: 'star' }),
      ];
      for (const text of bad) {
        writeFileSync(statePath(dir), text as string);
        try {
          readState(dir);
          throw new Error(`accepted: ${text}`);
        } catch (e) {
          expect(e).toBeInstanceOf(DevnetError);
          expect((e as DevnetError).code).toBe('state-corrupt');
        }
      }
      expect(parseState(JSON.stringify(good), 'x')).toEqual(good);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives every node its own ports and datadir, and miners on both ends', () => {
    const s = planDevnet({ nodes: 4, miners: 2, dir: '/tmp/x', basePort: 20000 }, seededRng(5), 1);
    expect(s.nodes.map((n) => [n.p2pPort, n.apiPort])).toEqual([[20000, 20001], [20002, 20003], [20004, 20005], [20006, 20007]]);
    expect(new Set(s.nodes.map((n) => n.datadir)).size).toBe(4);
    expect(s.nodes.filter((n) => n.miner).map((n) => n.name)).toEqual(['node1', 'node4']);
    expect(s.walletPassphrase).toMatch(/^devnet-[0-9a-f]{24}$/);
    expect(() => portsFor(65534, 1)).toThrow(/out of range/);
    expect(minerIndexes(3, 2)).toEqual([0, 2]);
    expect(minerIndexes(5, 3)).toEqual([0, 2, 4]);
    expect(minerIndexes(3, 0)).toEqual([]);
    expect(minerIndexes(3, 3)).toEqual([0, 1, 2]);
    expect(() => minerIndexes(3, 4)).toThrow(/--miners/);
  });
});

describe('options and command lines', () => {
  it('parses up options with defaults and refuses nonsense', () => {
    const o = parseUpOptions({});
    expect(o).toMatchObject({ nodes: 3, miners: 2, topology: 'mesh', basePort: 18600, minerThreads: 1 });
    expect(parseUpOptions({ nodes: '5', miners: '1', topology: 'ring', basePort: '30000' })).toMatchObject({ nodes: 5, miners: 1, topology: 'ring', basePort: 30000 });
    for (const bad of [{ nodes: '0' }, { nodes: '2.5' }, { nodes: 'x' }, { miners: '4' }, { topology: 'star' }, { basePort: '80' }, { minerThreads: '0' }]) {
      expect(() => parseUpOptions(bad)).toThrow(DevnetError);
    }
  });

  it("builds cairnd's command line: own ports and address, dials lower neighbours, knows all siblings", () => {
    const s = planDevnet({ nodes: 3, dir: '/d', basePort: 20000 }, seededRng(6), 1);
    const n3 = { ...s.nodes[2]!, address: 'tcrn1pexample' };
    const args = cairndArgs(s, n3, { mine: true, minerThreads: 1 });
    const values = (flag: string): string[] => args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
    expect(values('--network')).toEqual(['devnet']);
    expect(values('--p2p-port')).toEqual(['20004']);
    expect(values('--api-port')).toEqual(['20005']);
    expect(values('--advertise')).toEqual(['ws://127.0.0.1:20004']);
    expect(values('--peer')).toEqual(['ws://127.0.0.1:20000', 'ws://127.0.0.1:20002']);
    expect(values('--sibling')).toEqual(['http://127.0.0.1:20001', 'http://127.0.0.1:20003']);
    expect(values('--miner-address')).toEqual(['tcrn1pexample']);
    expect(values('--datadir')).toEqual(['/d/node3']);
    // named as the devnet names it, so the explorer's devnet page shows node3, not host:port
    expect(values('--name')).toEqual(['node3']);
    expect(cairndArgs(s, s.nodes[0]!, {})).not.toContain('--peer');
    expect(cairndArgs(s, s.nodes[0]!, { dialAll: true }).filter((a) => a === '--peer').length).toBe(2);
    expect(() => cairndArgs(s, s.nodes[0]!, { mine: true })).toThrow(/no wallet address/);
  });

  it('splits partitions into two disjoint sides and records cuts symmetrically', () => {
    const s = planDevnet({ nodes: 4, dir: '/d', basePort: 20000 }, seededRng(7), 1);
    expect(partitionSides(s, ['node1', '2'])).toEqual([['node1', 'node2'], ['node3', 'node4']]);
    expect(partitionSides(s, ['node1'], ['node4'])).toEqual([['node1'], ['node4']]);
    expect(() => partitionSides(s, ['node1'], ['node1'])).toThrow(/both sides/);
    expect(() => partitionSides(s, ['node1', 'node2', 'node3', 'node4'])).toThrow(/both sides/);
    expect(() => partitionSides(s, ['node5'])).toThrow(/no node/);
    const cut = addCut(addCut(undefined, ['node1', 'node2'], ['node3']), ['node4'], ['node3']);
    expect(cut).toEqual({ node1: ['node3'], node2: ['node3'], node3: ['node1', 'node2', 'node4'], node4: ['node3'] });
  });

  it('spam pairs distinct wallets and checks its rate and duration', () => {
    const rng = seededRng(8);
    for (let k = 0; k < 200; k++) {
      const [a, b] = pickPair(rng, 3);
      expect(a).not.toBe(b);
      expect(Math.max(a, b)).toBeLessThan(3);
    }
    expect(() => pickPair(rng, 1)).toThrow(/two running nodes/);
    expect(() => checkSpamOptions({ rate: 0, durationS: 5 })).toThrow(/--tps/);
    expect(() => checkSpamOptions({ rate: 2, durationS: -1 })).toThrow(/--duration/);
  });
});

describe('status view', () => {
  const row = (name: string, tip: string | undefined, extra: Partial<NodeStatus> = {}): NodeStatus => ({
    name, pid: 100, running: true, miner: name === 'node1', p2p: 'ws://x', api: 'http://x', explorer: `http://${name}/`,
    ...(tip ? { height: 5, tip, peers: 2, mempool: 0, hashrate: 150_000 } : { error: 'unreachable' }), ...extra,
  });

  it('says whether all running nodes agree', () => {
    expect(tipsAgree([row('a', 'aa'), row('b', 'aa')])).toBe(true);
    expect(tipsAgree([row('a', 'aa'), row('b', 'bb')])).toBe(false);
    expect(tipsAgree([row('a', 'aa'), row('b', undefined)])).toBe(false); // running but unreachable
    expect(tipsAgree([row('a', 'aa'), row('b', undefined, { running: false })])).toBe(true); // stopped nodes don't count
    expect(tipsAgree([])).toBe(false);
  });

  it('tells stopped, killed and crashed nodes apart from forks', () => {
    const down = (name: string, state: 'stopped' | 'killed' | 'crashed'): NodeStatus => row(name, undefined, { running: false, state, error: state, pid: state === 'crashed' ? 7 : null });
    // all stopped: not "tips differ"
    expect(verdictOf([down('node1', 'stopped'), down('node2', 'stopped'), down('node3', 'stopped')])).toBe('no node is running (node1, node2, node3 stopped)');
    // one killed: not "all tips agree" alone
    expect(verdictOf([row('node1', 'aa'), row('node2', 'aa'), down('node3', 'killed')])).toBe('all 2 running nodes agree on the tip; node3 killed');
    expect(verdictOf([row('node1', 'aa'), row('node2', 'bb'), down('node3', 'crashed')])).toBe('tips differ among the 2 running nodes (forks, partitions or a node still syncing); node3 crashed');
    expect(verdictOf([row('node1', 'aa'), row('node2', undefined), down('node3', 'stopped'), down('node4', 'killed')])).toBe('node2 not answering; node3 stopped; node4 killed');
    expect(verdictOf([row('node1', 'aa'), row('node2', 'aa')])).toBe('all 2 running nodes agree on the tip');
    const s: DevnetStatus = { nodes: [row('node1', 'a'.repeat(64)), down('node2', 'killed')], tipsAgree: true, devnetPage: 'http://x/devnet' };
    const lines = renderStatus(s).split('\n');
    expect(lines[2]).toMatch(/^node2\s+-\s+killed\s/);
    expect(lines.at(-1)).toBe('one node running; node2 killed');
  });

  it('renders an aligned table and marks the minority tip', () => {
    const s: DevnetStatus = { nodes: [row('node1', 'a'.repeat(64)), row('node2', 'a'.repeat(64)), row('node3', 'b'.repeat(64))], tipsAgree: false, devnetPage: 'http://x/devnet' };
    const plain = renderStatus(s, { urls: true });
    const lines = plain.split('\n');
    expect(lines[0]).toMatch(/^node\s+pid\s+state\s+height\s+tip\s+peers\s+mempool\s+hashrate\s+explorer$/);
    expect(lines[1]).toContain('150 kH/s');
    expect(lines[1]).toContain('http://node1/');
    expect(lines[1]!.indexOf('aaaaaaaa')).toBe(lines[3]!.indexOf('bbbbbbbb'));
    expect(lines.at(-1)).toMatch(/tips differ/);
    expect(plain).not.toContain('\x1b[');
    const colored = renderStatus(s, { color: true });
    expect(colored).toContain('\x1b[33mbbbbbbbb'); // the odd one out in yellow
    expect(alignColumns([['a', 'bb'], ['ccc', 'd']])).toBe('a    bb\nccc  d');
    expect(formatHashrate(undefined)).toBe('-');
    expect(formatHashrate(999)).toBe('999 H/s');
    expect(formatHashrate(1_234_567)).toBe('1.2 MH/s');
  });

  it('redraws in place on a terminal and prints only changes elsewhere', () => {
    let tty = '';
    const v = new LiveView({ isTTY: true, write: (s) => (tty += s) });
    v.show('a\nb');
    v.show('c\nd');
    expect(tty).toBe('a\nb\n\x1b[2A\r\x1b[0Jc\nd\n');
    let pipe = '';
    const p = new LiveView({ isTTY: false, write: (s) => (pipe += s) });
    p.show('x');
    p.show('x');
    p.show('y');
    expect(pipe).toBe('x\n\ny\n\n');
  });
});

describe('ports', () => {
  it('refuses to start a node whose p2p or API port is taken, naming the port and the way out', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const taken = (srv.address() as { port: number }).port;
    try {
      const free = { name: 'node1', host: '127.0.0.1', p2pPort: 0, apiPort: 0 };
      await expect(ensurePortsFree(free)).resolves.toBeUndefined();
      for (const n of [{ ...free, apiPort: taken }, { ...free, p2pPort: taken }]) {
        const err = await ensurePortsFree(n).then(() => undefined, (e: unknown) => e);
        expect(err).toBeInstanceOf(DevnetError);
        expect((err as DevnetError).code).toBe('port-in-use');
        expect((err as DevnetError).message).toContain(`127.0.0.1:${taken}`);
        expect((err as DevnetError).hint).toMatch(/--base-port/);
      }
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });
});

describe('niceness', () => {
  it("a detached node's session gets the starter's niceness, so a niced devnet is nice to other sessions", async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { detached: true, stdio: 'ignore' });
    try {
      const pid = child.pid!;
      const group = `/proc/${pid}/autogroup`;
      carryNiceness(pid, 0); // a starter that is not niced changes nothing
      carryNiceness(pid, 7);
      if (existsSync(group)) expect(readFileSync(group, 'utf8')).toMatch(/nice 7\b/);
      else expect(() => carryNiceness(pid, 7)).not.toThrow(); // no autogroup here: nothing to carry
      expect(() => carryNiceness(2 ** 30, 7)).not.toThrow(); // a process that is gone
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('cairn-devnet CLI refusals', () => {
  const io = (): DevnetIo & { outText: () => string; errText: () => string } => {
    let out = '';
    let err = '';
    return { out: (s) => (out += s), err: (s) => (err += s), isTTY: false, rng: cryptoRng, interrupted: new Promise(() => {}), outText: () => out, errText: () => err };
  };

  it('refuses commands on a missing devnet with a hint, and bad usage with exit 2', async () => {
    const dir = tmp();
    try {
      const a = io();
      expect(await runDevnet(['status', '--dir', join(dir, 'none')], a, repoRoot)).toBe(1);
      expect(a.errText()).toMatch(/error: no devnet in .*none\nhint: start one with `cairn-devnet up`/);
      const b = io();
      expect(await runDevnet(['status', '--json', '--dir', join(dir, 'none')], b, repoRoot)).toBe(1);
      expect(JSON.parse(b.errText()).error.code).toBe('no-devnet');
      const c = io();
      expect(await runDevnet(['up', '--nodes', '0', '--dir', dir], c, repoRoot)).toBe(2);
      expect(c.errText()).toMatch(/--nodes must be an integer from 1 to 64/);
      expect(existsSync(join(dir, 'state.json'))).toBe(false); // refused before touching anything
      const d = io();
      expect(await runDevnet(['frobnicate'], d, repoRoot)).toBe(2);
      expect(d.errText()).toMatch(/unknown command/);
      const e = io();
      expect(await runDevnet(['tx', '--from', 'node1'], e, repoRoot)).toBe(2);
      expect(e.errText()).toMatch(/required option/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to act on unknown nodes of an existing devnet, leaving its state file as it was', async () => {
    const dir = tmp();
    try {
      writeState(planDevnet({ nodes: 2, dir, basePort: 20000 }, seededRng(9), 1), cryptoRng);
      const before = readFileSync(statePath(dir), 'utf8');
      for (const argv of [['kill', 'node7'], ['latency', 'node1', 'fast'], ['partition', 'node1', '--from', 'node1'], ['mine', 'node2', '--blocks', '0']]) {
        const x = io();
        expect(await runDevnet([...argv, '--dir', dir], x, repoRoot)).not.toBe(0);
        expect(x.errText()).toMatch(/^error: /);
      }
      const y = io();
      expect(await runDevnet(['kill', 'node1', '--dir', dir], y, repoRoot)).toBe(1);
      expect(y.errText()).toMatch(/node1 is not running/);
      expect(readFileSync(statePath(dir), 'utf8')).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

});
