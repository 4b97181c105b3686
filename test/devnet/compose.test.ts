// The compose file and Dockerfile checked for structure, without Docker (the container
// suite, `npm run test:containers`, runs them): every service runs cairnd on the devnet
// with ports that match its port mappings (short form, bound to 127.0.0.1 by default, as
// Compose v1 needs), dials only services that exist (earlier ones, by their p2p port),
// advertises its own service name, lists the other services' published APIs as siblings,
// keeps its chain in its own volume, has a healthcheck and no restart policy, and all use
// the one image node1 builds; and the Dockerfile builds and runs what the commands expect.
import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeSegwitAddress } from '../../src/primitives/address.js';
import { repoRoot } from './helpers.js';

interface Service {
  build?: { context: string; dockerfile: string; target?: string };
  image: string;
  restart?: string;
  healthcheck?: { test: string[] };
  command: string[];
  ports: string[];
  volumes: string[];
  depends_on?: string[];
}

/** Compose's `${VAR:-default}` with an empty environment: the defaults a user gets. */
const defaults = (v: unknown): unknown =>
  typeof v === 'string' ? v.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1') : Array.isArray(v) ? v.map(defaults) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, defaults(x)])) : v;

/** The compose file is JSON (which is YAML) after its leading comment lines. */
function loadCompose(): { services: Record<string, Service>; volumes: Record<string, unknown>; name?: string } {
  const text = readFileSync(join(repoRoot, 'devnet', 'docker-compose.yml'), 'utf8');
  return defaults(JSON.parse(text.split('\n').filter((l) => !l.startsWith('#')).join('\n'))) as ReturnType<typeof loadCompose>;
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

  it('works with Compose v1 and v2: no top-level name, short-form ports on 127.0.0.1, no restart policy, a healthcheck, one image built once', () => {
    expect(compose.name).toBeUndefined();
    const builders = names.filter((n) => compose.services[n]!.build);
    expect(builders).toEqual([names[0]]);
    const image = compose.services[names[0]!]!.image;
    expect(image).toBe('cairn:devnet');
    for (const name of names) {
      const s = compose.services[name]!;
      expect(s.image).toBe(image);
      expect(s.restart).toBeUndefined();
      expect(s.healthcheck?.test.join(' ')).toContain('http://127.0.0.1:18543/api/node');
      for (const p of s.ports) expect(p).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    }
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
      const maps = s.ports.map((p) => p.split(':').slice(1)); // [host port, container port]
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
      if (s.build) expect(existsSync(join(resolve(repoRoot, 'devnet', s.build.context), s.build.dockerfile))).toBe(true);
      if (cmd.includes('--mine')) {
        const dflt = one(cmd, '--miner-address');
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
  const stages = [...text.matchAll(/^FROM (\S+) AS (\S+)$/gm)].map((m) => ({ from: m[1]!, name: m[2]! }));
  it('takes the base image as a build argument, defaulting to the official Node 20 image', () => {
    expect(text).toMatch(/^ARG BASE_IMAGE=node:20[-a-z]*$/m);
    expect(stages.length).toBeGreaterThanOrEqual(3);
    for (const s of stages) expect(['${BASE_IMAGE}', 'runtime']).toContain(s.from);
  });
  it('installs with npm ci (trusting an optional CA bundle), builds, exposes the devnet ports and runs cairnd', () => {
    expect(text).toMatch(/^ARG CA_BUNDLE=""$/m);
    expect(text).toMatch(/NODE_EXTRA_CA_CERTS=/);
    expect(text).toMatch(/npm ci/);
    expect(text).toMatch(/npm run build/);
    expect(text).toMatch(/^EXPOSE 18544 18543$/m);
    expect(text).toMatch(/^HEALTHCHECK /m);
    expect(text).toMatch(/^USER node$/m);
    expect(text).toMatch(/^ENTRYPOINT \["node", "bin\/cairnd\.js"\]$/m);
    // every file the build needs is copied in
    for (const p of ['package-lock.json', 'tsconfig.build.json', 'src', 'wallet', 'devnet', 'explorer', 'bin']) expect(text).toContain(p);
    expect(existsSync(join(repoRoot, 'bin', 'cairnd.js'))).toBe(true);
  });
  it('has a prebuilt target before the network build, so the classic builder reaches it without npm ci', () => {
    const order = stages.map((s) => s.name);
    expect(order.indexOf('prebuilt')).toBeGreaterThan(-1);
    expect(order.indexOf('prebuilt')).toBeLessThan(order.indexOf('build'));
    expect(order.at(-1)).toBe('app'); // a plain `docker build .` gives the full image
  });
  it('has a .dockerignore that keeps host builds and git out of the context', () => {
    const ignored = readFileSync(join(repoRoot, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const p of ['.git', 'node_modules', 'dist', 'prebuilt']) expect(ignored).toContain(p);
  });
});
