// `cairn-devnet hosts …`: each node in its own Linux network namespace with its own
// address, so faults can be made at the network level. Layout for a devnet with id ID:
//   bridge  cb-ID            (in the root namespace, address 10.X.Y.1/24 so this command can
//                             reach the nodes' APIs; created and removed by us)
//   node i  netns cairn-ID-i, interface eth0 = 10.X.Y.(10+i)/24, lo up
//           veth pair cv-ID-i (root side, on the bridge) <-> eth0 (inside the namespace)
// Nothing else on the host is touched: no routes, no NAT, no firewall rules. Needs Linux,
// root and iproute2; anything else is refused up front with 'not-root' or 'unsupported'.
// Every step that creates something is undone by teardown, which tolerates half-made
// layouts (it runs on exit, on errors, and from `hosts down`).
import { execFileSync, spawnSync } from 'node:child_process';
import { DevnetError } from './errors.js';

export interface HostsPlan {
  readonly id: string;
  readonly bridge: string;
  readonly gateway: string;
  readonly prefix: string;
  readonly nodes: readonly { netns: string; veth: string; host: string }[];
}

export interface Capability {
  ok: boolean;
  reason?: string;
}

type Run = (args: string[]) => { status: number; stderr: string };

const ipRun: Run = (args) => {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.error) return { status: 127, stderr: r.error.message };
  return { status: r.status ?? 1, stderr: r.stderr };
};

/** Can this process make namespaces? Tries for real (a throwaway namespace), then removes it. */
export function hostsCapability(run: Run = ipRun, platform = process.platform, uid = process.getuid?.()): Capability {
  if (platform !== 'linux') return { ok: false, reason: `hosts mode needs Linux network namespaces (this is ${platform})` };
  if (uid !== 0) return { ok: false, reason: 'hosts mode needs root (it creates network namespaces, veth pairs and a bridge); run it with sudo, or use the default mode, whose faults need no root' };
  const probe = `cairn-probe-${process.pid}`;
  const r = run(['netns', 'add', probe]);
  if (r.status !== 0) return { ok: false, reason: `\`ip netns add\` failed here: ${r.stderr.trim() || `exit ${r.status}`}` };
  run(['netns', 'del', probe]);
  return { ok: true };
}

export function requireHosts(cap: Capability): void {
  if (cap.ok) return;
  throw new DevnetError(cap.reason?.includes('root') ? 'not-root' : 'unsupported', cap.reason ?? 'hosts mode is not supported here', 'plain `cairn-devnet up` runs the same scenarios with faults enforced inside each node');
}

/** Names fit Linux's 15-character interface limit; `net` is the 10.X.Y third and second octets. */
export function planHosts(id: string, n: number, net: readonly [number, number] = [213, 0]): HostsPlan {
  if (!/^[a-z0-9]{1,5}$/.test(id)) throw new DevnetError('bad-usage', `hosts id must be 1-5 lowercase letters or digits (got ${id})`);
  if (!Number.isInteger(n) || n < 1 || n > 200) throw new DevnetError('bad-usage', 'hosts mode supports 1 to 200 nodes');
  const prefix = `10.${net[0]}.${net[1]}`;
  return {
    id, bridge: `cb-${id}`, gateway: `${prefix}.1`, prefix,
    nodes: Array.from({ length: n }, (_, i) => ({ netns: `cairn-${id}-${i + 1}`, veth: `cv-${id}-${i + 1}`, host: `${prefix}.${10 + i}` })),
  };
}

function ip(args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new DevnetError('unsupported', `ip ${args.join(' ')}: ${err.stderr?.toString().trim() || err.message}`);
  }
}

/** Creates the bridge, namespaces and veth pairs. On failure, removes what it made. */
export function setupHosts(plan: HostsPlan): void {
  try {
    ip(['link', 'add', plan.bridge, 'type', 'bridge']);
    ip(['addr', 'add', `${plan.gateway}/24`, 'dev', plan.bridge]);
    ip(['link', 'set', plan.bridge, 'up']);
    for (const n of plan.nodes) {
      const inner = `${n.veth}p`;
      ip(['netns', 'add', n.netns]);
      ip(['link', 'add', n.veth, 'type', 'veth', 'peer', 'name', inner]);
      ip(['link', 'set', inner, 'netns', n.netns]);
      ip(['-n', n.netns, 'link', 'set', inner, 'name', 'eth0']);
      ip(['-n', n.netns, 'addr', 'add', `${n.host}/24`, 'dev', 'eth0']);
      ip(['-n', n.netns, 'link', 'set', 'eth0', 'up']);
      ip(['-n', n.netns, 'link', 'set', 'lo', 'up']);
      ip(['link', 'set', n.veth, 'master', plan.bridge]);
      ip(['link', 'set', n.veth, 'up']);
    }
  } catch (e) {
    teardownHosts(plan);
    throw e;
  }
}

/** Removes everything setupHosts made; ignores parts that are already gone. */
export function teardownHosts(plan: HostsPlan, run: Run = ipRun): void {
  for (const n of plan.nodes) {
    run(['link', 'del', n.veth]);
    run(['netns', 'del', n.netns]);
  }
  run(['link', 'del', plan.bridge]);
}

/** Network-level cut: the node's link goes down (it can reach nobody, nobody reaches it). */
export function cutLink(plan: HostsPlan, index: number, down: boolean): void {
  const n = plan.nodes[index];
  if (!n) throw new DevnetError('unknown-node', `no node ${index + 1} in the hosts plan`);
  ip(['link', 'set', n.veth, down ? 'down' : 'up']);
}

/** What exists now of a plan (for status and tests). */
export function hostsPresent(plan: HostsPlan): { bridge: boolean; netns: string[] } {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  const names = new Set(list.split('\n').map((l) => l.split(' ')[0]!).filter(Boolean));
  const bridge = spawnSync('ip', ['link', 'show', plan.bridge], { encoding: 'utf8' }).status === 0;
  return { bridge, netns: plan.nodes.map((n) => n.netns).filter((x) => names.has(x)) };
}
