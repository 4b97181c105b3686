// The devnet as a Swarm stack (devnet/docker-stack.yml) on a one-machine swarm: the suite
// makes this engine a swarm manager (on 127.0.0.1) unless it already is one, deploys the
// stack, and checks that the tasks find each other through Swarm's DNS (tasks.<service>),
// link into one network, mine and agree on a tip; then `docker service scale` adds two
// nodes, which sync the chain and join. Everything it created (stack, volumes, and the
// swarm if it made it) is removed at the end; a failing step prints the tasks' logs.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { DOCKER, IMAGE, buildImage, docker, execNodeView, logsOf, repoRoot, requireEngine, run, until, type NodeView } from './docker.js';

const STACK = process.env.CAIRN_STEST_STACK ?? 'cairn-stest';
const FILE = join(repoRoot, 'devnet', 'docker-stack.yml');
let madeSwarm = false;
let deployed = false;

const containersOf = async (service: 'miner' | 'node'): Promise<string[]> =>
  (await docker(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${STACK}_${service}`, '--filter', 'status=running'])).split('\n').filter(Boolean).sort();

const allTasks = async (): Promise<string[]> => [...(await containersOf('miner')), ...(await containersOf('node'))];

async function step(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    const parts: string[] = [];
    const ids = (await docker(['ps', '-aq', '--filter', `label=com.docker.stack.namespace=${STACK}`]).catch(() => '')).split('\n').filter(Boolean);
    for (const id of ids) {
      const name = await docker(['inspect', '--format', '{{.Name}} {{.State.Status}} exit={{.State.ExitCode}}', id]).catch(() => id);
      parts.push(`----- ${name.trim()} -----\n${await logsOf(id)}`);
    }
    const ps = await run(DOCKER, ['stack', 'ps', '--no-trunc', STACK]).catch(() => undefined);
    process.stderr.write(`\nswarm tasks after a failed step:\n${ps?.stdout ?? ''}\n${parts.join('\n')}\n`);
    throw e;
  }
}

/** The view of every running task, or undefined while one does not answer yet. */
async function views(): Promise<Map<string, NodeView> | undefined> {
  const m = new Map<string, NodeView>();
  for (const id of await allTasks()) {
    const v = await execNodeView(id).catch(() => undefined);
    if (!v) return undefined;
    m.set(id, v);
  }
  return m;
}

/** True when the peer links (by authenticated identity) connect every task into one network. */
function connected(vs: NodeView[]): boolean {
  const ids = new Set(vs.map((v) => v.identity));
  const adj = new Map<string, Set<string>>([...ids].map((i) => [i, new Set<string>()]));
  for (const v of vs) {
    for (const p of v.peers) {
      if (!p.identity || !ids.has(p.identity)) continue;
      adj.get(v.identity)!.add(p.identity);
      adj.get(p.identity)!.add(v.identity);
    }
  }
  const seen = new Set([vs[0]!.identity]);
  const todo = [vs[0]!.identity];
  while (todo.length) for (const n of adj.get(todo.pop()!)!) if (!seen.has(n)) (seen.add(n), todo.push(n));
  return seen.size === ids.size;
}

/** Waits for `count` tasks that are all peered into one network on one tip at least minHeight high. */
async function converged(count: number, minHeight: number, timeoutMs: number): Promise<NodeView[]> {
  return until(`${count} tasks linked into one network on one tip ≥ ${minHeight}`, timeoutMs, async () => {
    const m = await views();
    if (!m || m.size !== count) return undefined;
    const vs = [...m.values()];
    if (vs.some((v) => v.peers.length === 0) || !connected(vs)) return undefined;
    if (new Set(vs.map((v) => v.tip_hash)).size !== 1 || vs[0]!.tip_height < minHeight) return undefined;
    return vs;
  }, 2_000);
}

async function removeStack(): Promise<void> {
  await run(DOCKER, ['stack', 'rm', STACK], { timeoutMs: 120_000 });
  await until('the stack to be gone', 180_000, async () => (await docker(['ps', '-aq', '--filter', `label=com.docker.stack.namespace=${STACK}`])).trim() === '' && !(await docker(['network', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${STACK}`])).trim(), 2_000);
  const vols = (await docker(['volume', 'ls', '-q', '--filter', `name=^${STACK}_`])).split('\n').filter(Boolean);
  if (vols.length) await docker(['volume', 'rm', ...vols]);
}

beforeAll(async () => {
  await requireEngine();
  await buildImage();
  const state = (await docker(['info', '--format', '{{.Swarm.LocalNodeState}}'])).trim();
  if (state === 'inactive') {
    await docker(['swarm', 'init', '--advertise-addr', '127.0.0.1', '--listen-addr', '127.0.0.1:2377']);
    madeSwarm = true;
  } else if (state !== 'active') {
    throw new Error(`this engine's swarm is "${state}": make it a manager or leave the swarm first`);
  }
  await removeStack(); // what an aborted earlier run left
  deployed = true;
  await docker(['stack', 'deploy', '--resolve-image', 'never', '-c', FILE, STACK], { env: { CAIRN_IMAGE: IMAGE }, timeoutMs: 180_000 });
}, 25 * 60_000);

afterAll(async () => {
  if (deployed) await removeStack().catch((e: Error) => process.stderr.write(`removing the stack failed: ${e.message}\n`));
  if (madeSwarm) await run(DOCKER, ['swarm', 'leave', '--force'], { timeoutMs: 120_000 });
}, 400_000);

describe('devnet as a Swarm stack', () => {
  it('runs a miner and two nodes that find each other through tasks.<service> DNS, mine and agree on a tip', () =>
    step(async () => {
      await until('1 miner and 2 node tasks running', 240_000, async () => (await containersOf('miner')).length === 1 && (await containersOf('node')).length === 2, 2_000);
      const vs = await converged(3, 1, 300_000);
      // Swarm's DNS answers tasks.node with the addresses of exactly the running node tasks,
      // and each task advertises the address it is reached at
      const nodes = await containersOf('node');
      const miner = (await containersOf('miner'))[0]!;
      const answer = (await docker(['exec', miner, 'getent', 'ahostsv4', 'tasks.node'])).split('\n').map((l) => l.split(/\s+/)[0]!).filter(Boolean);
      const advertised = await Promise.all(nodes.map(async (id) => new URL((await execNodeView(id)).p2p_url).hostname));
      expect([...new Set(answer)].sort()).toEqual(advertised.sort());
      for (const v of vs) expect(v.p2p_url).toMatch(/^ws:\/\/\d+\.\d+\.\d+\.\d+:18544$/);
      expect(new Set(vs.map((v) => v.identity)).size).toBe(3);
    }),
  );

  it('adds nodes with docker service scale: they sync the chain and join the network', () =>
    step(async () => {
      const before = await converged(3, 1, 300_000);
      const height = before[0]!.tip_height;
      const old = new Set(await containersOf('node'));
      await docker(['service', 'scale', '--detach', `${STACK}_node=4`], { timeoutMs: 120_000 });
      await until('4 node tasks running', 240_000, async () => (await containersOf('node')).length === 4, 2_000);
      const vs = await converged(5, height, 300_000);
      const fresh = (await containersOf('node')).filter((id) => !old.has(id));
      expect(fresh).toHaveLength(2);
      for (const id of fresh) {
        const v = await execNodeView(id);
        expect(v.tip_height).toBeGreaterThanOrEqual(height); // synced the chain it joined
        expect(v.peers.length).toBeGreaterThan(0);
      }
      expect(new Set(vs.map((v) => v.identity)).size).toBe(5);
    }),
  );
});
