import { describe, expect, it } from '@jest/globals';
import { formatLogLine } from '../../src/node/logformat.js';

describe('pretty log lines', () => {
  it('turns a pino JSON line into time, level, message and key=value pairs', () => {
    const line = JSON.stringify({ level: 40, time: Date.UTC(2026, 0, 1, 12, 0, 1), network: 'regtest', msg: 'peer dropped', peer: 3, reason: 'stalling' });
    expect(formatLogLine(line, false)).toBe('12:00:01 WARN  peer dropped  peer=3 reason=stalling\n');
    expect(formatLogLine(line, true)).toContain('\x1b[33mWARN ');
  });

  it('passes through anything that is not JSON', () => {
    expect(formatLogLine('plain text', false)).toBe('plain text');
  });
});
