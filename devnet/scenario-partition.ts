// `npm run scenario:partition`: a 3-node devnet (node1 and node3 mine) is split 2|1, each
// side confirms a payment and mines on, the split heals, and every node must end on the
// same most-work tip with the same UTXO digest. Prints a timeline from each node's
// /api/ws events (blocks, and reorgs with their depth) and exits 1 if a check fails.
// Usage: node dist/devnet/scenario-partition.js [--dir D] [--base-port P] [--keep]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { cryptoRng } from '../src/primitives/rng.js';
import * as dn from './devnet.js';
import { heal, partition } from './faults.js';
import { toolsAt } from './launcher.js';
import { sleep } from './proc.js';
import { apiUrl, findNode, type DevnetState } from './state.js';
import { shortHash } from './status.js';

export interface TimelineEvent {
  t: number;
  node: string;
  text: string;
}

/** Watches every node's live events and keeps a timeline, plus the deepest reorg per node. */
export class Timeline {
  readonly events: TimelineEvent[] = [];
  readonly reorgDepth = new Map<string, number>();
  private readonly sockets: WebSocket[] = [];
  constructor(
    private readonly t0: number,
    private readonly print: (line: string) => void,
  ) {}

  note(node: string, text: string): void {
    const e = { t: (Date.now() - this.t0) / 1000, node, text };
    this.events.push(e);
    this.print(`${`+${e.t.toFixed(1)}s`.padStart(8)}  ${node.padEnd(6)} ${text}`);
  }

  watch(state: DevnetState): void {
    for (const n of state.nodes) {
      const ws = new WebSocket(apiUrl(n).replace(/^http/, 'ws') + '/api/ws');
      ws.on('message', (data) => {
        let m: { type?: string; depth?: number; old_tip?: string; new_tip?: string; old_height?: number; new_height?: number; block?: { height?: number; id?: string; hash?: string } };
        try {
          m = JSON.parse(String(data));
        } catch {
          return;
        }
        if (m.type === 'reorg') {
          const d = m.depth ?? 0;
          this.reorgDepth.set(n.name, Math.max(this.reorgDepth.get(n.name) ?? 0, d));
          this.note(n.name, `REORG depth ${d}: ${shortHash(m.old_tip)} (${m.old_height}) → ${shortHash(m.new_tip)} (${m.new_height})`);
        } else if (m.type === 'block') {
          this.note(n.name, `block ${m.block?.height} ${shortHash(m.block?.id ?? m.block?.hash)}`);
        }
      });
      ws.on('error', () => undefined);
      this.sockets.push(ws);
    }
  }

  close(): void {
    for (const s of this.sockets) s.terminate();
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const arg = (f: string): string | undefined => (args.includes(f) ? args[args.indexOf(f) + 1] : undefined);
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const dir = arg('--dir') ?? mkdtempSync(join(tmpdir(), 'cairn-scenario-'));
  const basePort = Number(arg('--base-port') ?? 18700);
  const t0 = Date.now();
  const say = (s: string): void => void process.stdout.write(s + '\n');
  const env: dn.Env = { tools: toolsAt(root), rng: cryptoRng, progress: (l) => say(`${`+${((Date.now() - t0) / 1000).toFixed(1)}s`.padStart(8)}  devnet ${l}`) };
  const tl = new Timeline(t0, say);
  let state: DevnetState | undefined;
  let failed = false;
  const check = (ok: boolean, what: string): void => {
    tl.note('check', `${ok ? 'OK  ' : 'FAIL'} ${what}`);
    if (!ok) failed = true;
  };
  try {
    tl.note('devnet', `starting 3 nodes in ${dir} (node1 and node3 mine)`);
    state = await dn.up({ nodes: 3, miners: 2, dir, basePort }, env);
    const base = await dn.waitTipsAgree(state, env, 60_000);
    tl.note('devnet', `all tips agree at height ${base.height}; watching live events`);
    tl.watch(state);
    await sleep(500);

    state = (await partition(state, ['node1', 'node2'], ['node3'], env)).state;
    tl.note('devnet', 'PARTITION node1 node2 | node3');
    const a = await dn.pay(state, 'node1', 'node2', '2', env);
    tl.note('node1', `payment A ${shortHash(a.txid)} (node1 → node2, 2 coins)`);
    const b = await dn.pay(state, 'node3', 'node1', '3', env);
    tl.note('node3', `payment B ${shortHash(b.txid)} (node3 → node1, 3 coins)`);
    const c = (n: string) => dn.client(findNode(state!, n), env);
    const confirmed = async (n: string, txid: string): Promise<boolean> => (await c(n).tx(txid).catch(() => undefined))?.status.confirmed === true;
    for (let k = 0; k < 600 && !((await confirmed('node1', a.txid)) && (await confirmed('node3', b.txid))); k++) await sleep(200);
    // let both sides build on their payment for a few blocks
    const h = await Promise.all([c('node1').tipHeight(), c('node3').tipHeight()]);
    for (let k = 0; k < 600; k++) {
      const now = await Promise.all([c('node1').tipHeight(), c('node3').tipHeight()]);
      if (now[0]! >= h[0]! + 1 && now[1]! >= h[1]! + 1) break;
      await sleep(200);
    }
    const [ia, ib] = await Promise.all([c('node1').node(), c('node3').node()]);
    tl.note('devnet', `before heal: side A at ${ia.tip_height} ${shortHash(ia.tip_hash)}, side B at ${ib.tip_height} ${shortHash(ib.tip_hash)}`);

    state = await heal(state, env);
    tl.note('devnet', 'HEAL');
    const final = await dn.waitTipsAgree(state, env, 120_000);
    await sleep(1000);
    tl.note('devnet', `converged at height ${final.height} ${shortHash(final.hash)}`);
    const infos = await Promise.all(state.nodes.map((n) => c(n.name).utxoSetInfo()));
    check(infos.every((i) => i.digest === infos[0]!.digest && i.bestblock === infos[0]!.bestblock), `identical UTXO digests ${shortHash(infos[0]!.digest)} at ${shortHash(infos[0]!.bestblock)}`);
    const aIn = await confirmed('node2', a.txid);
    const bIn = await confirmed('node2', b.txid);
    const winner = final.hash === ia.tip_hash || aIn ? 'A' : 'B';
    check(winner === 'A' ? aIn : bIn, `payment ${winner} of the winning side (${winner === 'A' ? 'node1 node2' : 'node3'}) is confirmed on the final chain`);
    const loser = winner === 'A' ? b : a;
    const loserTx = await c('node2').tx(loser.txid).catch(() => undefined);
    check(loserTx !== undefined, `payment ${winner === 'A' ? 'B' : 'A'} of the losing side is ${loserTx?.status.confirmed ? 're-confirmed' : 'back in the mempool'}, not lost`);
    say('\nReorg depth per node:');
    for (const n of state.nodes) say(`  ${n.name}: ${tl.reorgDepth.get(n.name) ?? 0}`);
  } catch (e) {
    tl.note('devnet', `ERROR ${(e as Error).message}`);
    failed = true;
  } finally {
    tl.close();
    if (!args.includes('--keep')) {
      await dn.down(dir, env).catch(() => undefined);
      if (!arg('--dir')) rmSync(dir, { recursive: true, force: true });
    }
  }
  say(failed ? '\nscenario FAILED' : '\nscenario passed');
  return failed ? 1 : 0;
}

process.exit(await main());
