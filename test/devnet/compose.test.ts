// Docker is not available where tests run, so the compose file and Dockerfile are checked
// for structure: every service runs cairnd on the devnet with ports that match its port
// mappings, dials only services that exist (earlier ones, by their p2p port), advertises
// its own service name, lists the other services' published APIs as siblings, keeps its
// chain in its own volume; and the Dockerfile builds and runs what the commands expect.
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeSegwitAddress } from '../../src/primitives/address.js';
import { repoRoot } from './helpers.js';

interface Service {
  build: { context: string; dockerfile: string };
  command: string[];
  ports: string[];
  volumes: string[];
  depends_on?: string[];
}

/** The compose file is JSON (which is YAML) after its leading comment lines. */
function loadCompose(): { services: Record<string, Service>; volumes: Record<string, unknown> } {
  const text = readFileSync(join(repoRoot, 'devnet', 'docker-compose.yml'), 'utf8');
  return JSON.parse(text.split('\n').filter((l) => !l.startsWith('#')).join('\n'));
}

const values = (cmd: string[], flag: string): string[] => cmd.flatMap((a, i) => (a === flag ? [cmd[i + 1]!] : []));
const one = (cmd: string[], flag: string): string => {
  const v = values(cmd, flag);
  expect(v).toHaveLength(1);
  return v[0]!;
};

describe('devnet/docker-compose.yml', () => {
  const compose = loadCompose();
  const names = Object.keys(compose.services);

  it('has at least three nodes and at least one miner', () => {
    expect(names.length).toBeGreaterThanOrEqual(3);
    expect(names.filter((n) => compose.services[n]!.command.includes('--mine')).length).toBeGreaterThanOrEqual(1);
  });

  it('keeps each service consistent with its ports, peers, siblings and volume', () => {
    const published = new Map<string, number>(); // service → host port of its API
    const seenHostPorts = new Set<string>();
    for (const name of names) {
      const s = compose.services[name]!;
      const cmd = s.command;
      expect(one(cmd, '--network')).toBe('devnet');
      const p2p = one(cmd, '--p2p-port');
      const api = one(cmd, '--api-port');
      expect(one(cmd, '--api-host')).toBe('0.0.0.0');
      expect(one(cmd, '--p2p-host')).toBe('0.0.0.0');
      expect(one(cmd, '--advertise')).toBe(`ws://${name}:${p2p}`);
      const maps = s.ports.map((p) => p.split(':'));
      for (const [host] of maps) {
        expect(seenHostPorts.has(host!)).toBe(false); // two services can't publish one host port
        seenHostPorts.add(host!);
      }
      expect(maps.some(([, c]) => c === p2p)).toBe(true);
      const apiMap = maps.find(([, c]) => c === api);
      expect(apiMap).toBeDefined();
      published.set(name, Number(apiMap![0]));
      const datadir = one(cmd, '--datadir');
      const vol = s.volumes.map((v) => v.split(':')).find(([, mount]) => mount === datadir);
      expect(vol).toBeDefined();
      expect(compose.volumes).toHaveProperty(vol![0]!);
      expect(existsSync(join(resolve(repoRoot, 'devnet', s.build.context), s.build.dockerfile))).toBe(true);
      if (cmd.includes('--mine')) {
        const addr = one(cmd, '--miner-address');
        const dflt = /^\$\{MINER_ADDRESS:-(.+)\}$/.exec(addr)?.[1] ?? addr;
        expect(dflt.startsWith('tcrn1p')).toBe(true);
        expect(decodeSegwitAddress(dflt).version).toBe(1);
        expect(one(cmd, '--miner-threads')).toBe('1');
      }
    }
    const volumesUsed = names.map((n) => compose.services[n]!.volumes[0]!.split(':')[0]);
    expect(new Set(volumesUsed).size).toBe(names.length);
    for (const name of names) {
      const s = compose.services[name]!;
      for (const peer of values(s.command, '--peer')) {
        const m = /^ws:\/\/([a-z0-9-]+):(\d+)$/.exec(peer);
        expect(m).not.toBeNull();
        const target = compose.services[m![1]!];
        expect(target).toBeDefined();
        expect(m![1]).not.toBe(name);
        expect(one(target!.command, '--p2p-port')).toBe(m![2]);
        expect(s.depends_on ?? []).toContain(m![1]);
      }
      const siblings = values(s.command, '--sibling');
      const others = names.filter((n) => n !== name).map((n) => `http://localhost:${published.get(n)}`);
      expect(siblings.sort()).toEqual(others.sort());
    }
    // every node is reachable from node1 through the peer links
    const linked = new Set([names[0]!]);
    for (let k = 0; k < names.length; k++) {
      for (const n of names) {
        for (const p of values(compose.services[n]!.command, '--peer')) {
          const t = /^ws:\/\/([a-z0-9-]+):/.exec(p)![1]!;
          if (linked.has(n) || linked.has(t)) {
            linked.add(n);
            linked.add(t);
          }
        }
      }
    }
    expect([...linked].sort()).toEqual([...names].sort());
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
  it('installs with npm ci, builds, exposes the devnet ports and runs cairnd', () => {
    expect(text).toMatch(/^FROM node:20/m);
    expect(text).toMatch(/RUN npm ci/);
    expect(text).toMatch(/npm run build/);
    expect(text).toMatch(/^EXPOSE 18544 18543$/m);
    expect(text).toMatch(/^ENTRYPOINT \["node", "bin\/cairnd\.js"\]$/m);
    // every file the build needs is copied in
    for (const p of ['package-lock.json', 'tsconfig.build.json', 'src', 'wallet', 'devnet', 'explorer', 'bin']) expect(text).toContain(p);
    expect(existsSync(join(repoRoot, 'bin', 'cairnd.js'))).toBe(true);
  });
});
