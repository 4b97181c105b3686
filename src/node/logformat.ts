// Human-readable logs for a terminal. pino writes one JSON object per line (what scripts,
// tests and log collectors want); at a TTY this turns each into
// "12:00:01 INFO  cairnd 0.1.0 on regtest: tip 0 …  key=value …" so a person can read it.
import { pino } from 'pino';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const COLORS: Record<number, string> = { 10: '90', 20: '90', 30: '32', 40: '33', 50: '31', 60: '31' };
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'network']);

export function formatLogLine(line: string, color: boolean): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = Number(rec.level);
  const time = new Date(Number(rec.time)).toISOString().slice(11, 19);
  const tag = LEVELS[level] ?? String(rec.level);
  const extras = Object.entries(rec)
    .filter(([k, v]) => !SKIP.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const head = color ? `\x1b[${COLORS[level] ?? '0'}m${tag}\x1b[0m` : tag;
  const tail = !extras ? '' : color ? `  \x1b[2m${extras}\x1b[0m` : `  ${extras}`;
  return `${time} ${head} ${String(rec.msg ?? '')}${tail}\n`;
}

/** A pino destination that pretty-prints to stdout. */
export function prettyDestination(color = process.stdout.isTTY === true): pino.DestinationStream {
  return {
    write(chunk: string): void {
      for (const line of chunk.split('\n')) if (line) process.stdout.write(formatLogLine(line, color));
    },
  };
}
