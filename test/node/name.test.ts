// cairnd --name: a node's name (the devnet's node1, node2, …) for /api/node and the
// explorer's devnet page; from the command line or cairn.conf, and a bad one is refused.
import { describe, expect, it } from '@jest/globals';
import { parseConfig } from '../../src/node/index.js';

const none = (): string | undefined => undefined;

describe('--name', () => {
  it('is taken from the command line or cairn.conf, and absent by default', () => {
    expect(parseConfig(['--datadir', '/x', '--name', 'node2'], { readFile: none }).name).toBe('node2');
    const files: Record<string, string> = { '/x/cairn.conf': 'network=regtest\nname=miner-1.eu\n' };
    expect(parseConfig(['--datadir', '/x'], { readFile: (p) => files[p] }).name).toBe('miner-1.eu');
    expect(parseConfig(['--datadir', '/x'], { readFile: none }).name).toBeUndefined();
  });

  it('refuses names that are empty, too long or not letters, digits, . _ -', () => {
    for (const bad of ['', 'a b', 'node<1>', 'x'.repeat(65), 'ünï']) {
      expect(() => parseConfig(['--datadir', '/x', '--name', bad], { readFile: none })).toThrow(/--name must be 1-64 letters, digits/);
    }
    expect(parseConfig(['--datadir', '/x', '--name', 'x'.repeat(64)], { readFile: none }).name).toHaveLength(64);
  });
});
