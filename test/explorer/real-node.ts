// Real regtest cairnd processes behind the harness interfaces (harness.ts), so the browser
// tests see exactly what a user of the daemon sees. Everything goes through the public and
// admin HTTP API: blocks come from POST /api/admin/mine, payments are signed here with the
// test key the blocks pay to (ChainBuilder.spend) and sent to POST /api/tx, and a reorg is a
// longer competing branch built on an older active block and sent with POST /api/block.
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { regtestParams, type ConsensusParams } from '../../src/consensus/index.js';
import { addressToScript, encodeAddress } from '../../src/primitives/address.js';
import { bytesToHex, hexToBytes, hexToHash } from '../../src/primitives/bytes.js';
import { sha256 } from '../../src/primitives/hash.js';
import { BlockHeader } from '../../src/primitives/header.js';
import { opReturnScript } from '../../src/primitives/script.js';
import { taprootTweakPubkey, xOnlyPubkey } from '../../src/primitives/index.js';
import type { TxOut } from '../../src/primitives/tx.js';
import { admin, http, startDaemon, tempDatadir, until, type Daemon } from '../api/daemon.js';
import { ChainBuilder, TEST_SECRET, type Utxo } from '../support/chainbuilder.js';
import type { DevnetFactory, ExplorerTarget, TargetFactory } from './harness.js';

const params: ConsensusParams = regtestParams;
const OTHER_SECRET = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);

/** The address every block mined by these factories pays to: the test key's P2TR output. */
export const MINER_ADDRESS = encodeAddress(taprootTweakPubkey(xOnlyPubkey(TEST_SECRET)).outputKey, 'rcrn');

/** A valid regtest address for `label` whose key nobody holds: somewhere to send coins to. */
export function testAddress(label: string): string {
  return encodeAddress(sha256(new TextEncoder().encode(`key:${label}`)), 'rcrn');
}

/** A regtest daemon that serves `staticDir` as its explorer. */
async function startNode(staticDir: string, extra: string[] = [], datadir = tempDatadir()): Promise<Daemon> {
  return startDaemon(datadir, ['--explorer-dir', staticDir, ...extra]);
}

async function ok(d: Daemon, path: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await http(d, path);
  if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status} ${r.text}`);
  return r.json ?? r.text.trim();
}

async function mine(d: Daemon, n: number, address = MINER_ADDRESS): Promise<string[]> {
  const r = await admin(d, '/api/admin/mine', { blocks: n, address });
  if (r.status !== 200) throw new Error(`mine: HTTP ${r.status} ${r.text}`);
  return r.json as string[];
}

/**
 * Payments from MINER_ADDRESS's coins as the node reports them (/utxo already leaves out
 * outputs a mempool tx spends), skipping coinbases that are not yet mature.
 */
class Payer {
  private readonly builder = new ChainBuilder(params, TEST_SECRET);
  private readonly coinbase = new Map<string, boolean>();
  private counter = 0;

  constructor(private readonly d: Daemon) {}

  private async isCoinbase(txid: string): Promise<boolean> {
    let cb = this.coinbase.get(txid);
    if (cb === undefined) {
      cb = ((await ok(this.d, `/api/tx/${txid}`)) as { vin: Array<{ is_coinbase: boolean }> }).vin[0]!.is_coinbase;
      this.coinbase.set(txid, cb);
    }
    return cb;
  }

  private async pick(min: bigint): Promise<Utxo> {
    const tip = Number(await ok(this.d, '/api/blocks/tip/height'));
    const outs = (await ok(this.d, `/api/address/${MINER_ADDRESS}/utxo`)) as Array<{ txid: string; vout: number; value: number; status: { confirmed: boolean; block_height?: number } }>;
    // confirmed coins first and oldest first, so unconfirmed chains stay short
    outs.sort((a, b) => (a.status.block_height ?? Infinity) - (b.status.block_height ?? Infinity));
    for (const o of outs) {
      if (BigInt(o.value) < min) continue;
      const height = o.status.block_height ?? tip + 1;
      const cb = o.status.confirmed && (await this.isCoinbase(o.txid));
      if (cb && tip + 1 - height < params.coinbaseMaturity) continue;
      return { outpoint: { txid: hexToHash(o.txid), vout: o.vout }, coin: { value: BigInt(o.value), script: this.builder.script, height, coinbase: cb } };
    }
    throw new Error(`no spendable coin of ${min} for ${MINER_ADDRESS}`);
  }

  /** value to `to`, change back to the miner, and a short OP_RETURN note, at 2 sat/vB. */
  async pay(to: string, value: number): Promise<string> {
    const amount = BigInt(value);
    const input = await this.pick(amount + 10_000n);
    const note = opReturnScript(new TextEncoder().encode(`cairn explorer test ${this.counter++}`));
    const build = (fee: bigint) => {
      const outs: TxOut[] = [
        { value: amount, script: addressToScript(to, 'rcrn') },
        { value: input.coin.value - amount - fee, script: this.builder.script },
        { value: 0n, script: note },
      ];
      return this.builder.spend([input], outs);
    };
    const fee = BigInt(Math.ceil(build(0n).vsize * 2));
    const tx = build(fee);
    const r = await http(this.d, '/api/tx', { method: 'POST', body: bytesToHex(tx.encode()) });
    if (r.status !== 200) throw new Error(`POST /api/tx: HTTP ${r.status} ${r.text}`);
    return r.text.trim();
  }
}

/** Replaces the active chain's last `depth` blocks with depth+1 empty blocks on their parent. */
async function reorg(d: Daemon, depth: number): Promise<void> {
  const tip = Number(await ok(d, '/api/blocks/tip/height'));
  const forkHash = (await ok(d, `/api/block-height/${tip - depth}`)) as string;
  const header = BlockHeader.decode(hexToBytes((await ok(d, `/api/block/${forkHash}/header`)) as string));
  const info = (await ok(d, `/api/block/${forkHash}`)) as { height: number; mediantime: number };
  // another key's coinbases, so no block of the new branch can equal one of the old
  const builder = new ChainBuilder(params, OTHER_SECRET);
  // past the fork block's median time, so the first new block is valid whatever clock mined the old ones
  const time = Math.max(header.time, info.mediantime);
  const start = { hash: header.hash(), height: info.height, time, utxos: new Map() };
  const { blocks } = builder.chain(start, depth + 1);
  for (const b of blocks) {
    const r = await http(d, '/api/block', { method: 'POST', body: bytesToHex(b.encode()) });
    if (r.status !== 200) throw new Error(`POST /api/block: HTTP ${r.status} ${r.text}`);
  }
  const newTip = blocks[blocks.length - 1]!.hashHex();
  await until(async () => (await ok(d, '/api/blocks/tip/hash')) === newTip, 'the reorg to the new branch');
}

/**
 * One regtest cairnd with its explorer. It starts past coinbase maturity (a coin to spend for
 * each payment the tests make) so pay() works at once; tests read heights from the API.
 */
export const startRealTarget: TargetFactory = async (staticDir) => {
  const datadir = tempDatadir();
  let d = await startNode(staticDir, [], datadir);
  try {
    await mine(d, params.coinbaseMaturity + 40);
  } catch (e) {
    await d.stop();
    rmSync(datadir, { recursive: true, force: true });
    throw e;
  }
  let payer = new Payer(d);
  const baseUrl = d.base;
  return {
    baseUrl,
    minerAddress: MINER_ADDRESS,
    mine: (n) => mine(d, n),
    pay: (to, value) => payer.pay(to, value),
    reorg: (depth) => reorg(d, depth),
    stop: async () => {
      await d.stop();
    },
    start: async () => {
      d = await startNode(staticDir, ['--api-port', String(d.port)], datadir);
      payer = new Payer(d);
    },
    close: async () => {
      await d.stop();
      rmSync(datadir, { recursive: true, force: true });
    },
  } satisfies ExplorerTarget;
};

/** A free TCP port on 127.0.0.1 (closed again, so a child can bind it an instant later). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RealDevnet {
  readonly urls: string[];
  readonly daemons: Daemon[];
  mine(n: number): Promise<string[]>;
  /** Cuts node `i` off from the others on both sides, so it can build its own branch. */
  isolate(i: number): Promise<void>;
  mineOn(i: number, n: number): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * `count` regtest daemons, each told the others' API URLs (--sibling, which the explorer's
 * devnet page reads) and connected in a full mesh: node i dials every node after it.
 * API ports are chosen before start because each node's sibling list must name them.
 */
export async function startRealDevnet(staticDir: string, count: number): Promise<RealDevnet> {
  const ports: number[] = [];
  while (ports.length < count) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const urls = ports.map((p) => `http://127.0.0.1:${p}`);
  const daemons: Daemon[] = [];
  const close = async () => {
    await Promise.all(daemons.map((d) => d.stop()));
    for (const d of daemons) rmSync(d.datadir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < count; i++) {
      const siblings = urls.filter((_, j) => j !== i).flatMap((u) => ['--sibling', u]);
      daemons.push(await startNode(staticDir, ['--api-port', String(ports[i]), '--name', `node${i + 1}`, ...siblings]));
    }
    for (let i = 0; i < count; i++)
      for (let j = i + 1; j < count; j++) {
        const r = await admin(daemons[i]!, '/api/admin/peers', { url: daemons[j]!.banner.p2p_url });
        if (r.status !== 200) throw new Error(`connect ${i}→${j}: HTTP ${r.status} ${r.text}`);
      }
    await until(async () => {
      const counts = await Promise.all(daemons.map(async (d) => ((await ok(d, '/api/peers')) as unknown[]).length));
      return counts.every((c) => c === count - 1);
    }, 'every node to have the others as peers');
  } catch (e) {
    await close();
    throw e;
  }
  const tipsAgree = (hash: string, which: Daemon[]) =>
    until(async () => (await Promise.all(which.map((d) => ok(d, '/api/blocks/tip/hash')))).every((h) => h === hash), `all nodes at ${hash}`);
  return {
    urls,
    daemons,
    async mine(n) {
      const hashes = await mine(daemons[0]!, n);
      await tipsAgree(hashes[hashes.length - 1]!, daemons);
      return hashes;
    },
    async isolate(i) {
      const mine = daemons[i]!.banner.p2p_url as string;
      const others = daemons.filter((_, j) => j !== i);
      for (const d of others) await admin(d, '/api/admin/partition', { peers: [mine] });
      await admin(daemons[i]!, '/api/admin/partition', { peers: others.map((d) => d.banner.p2p_url as string) });
      await until(async () => ((await ok(daemons[i]!, '/api/peers')) as unknown[]).length === 0, `node ${i} to lose its peers`);
    },
    mineOn: (i, n) => mine(daemons[i]!, n),
    close,
  };
}

export const startRealDevnetTarget: DevnetFactory = async (staticDir, count) => startRealDevnet(staticDir, count);
