// Serves the explorer's static build (dist/explorer) at '/'. Unknown non-/api paths get
// index.html so the single-page app's own router can handle deep links. Paths are
// resolved inside the root only; anything escaping it is a 404. Without a build (no
// index.html there) every page path answers 503 with a short HTML page saying how to build it.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

export function staticHandler(rootDir: string): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const root = resolve(rootDir);
  const serve = async (file: string, res: ServerResponse, head: boolean): Promise<boolean> => {
    let data: Buffer;
    try {
      if (!(await stat(file)).isFile()) return false;
      data = await readFile(file);
    } catch {
      return false;
    }
    const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    res.writeHead(200, {
      'content-type': type,
      'content-length': String(data.length),
      'x-content-type-options': 'nosniff',
      'cache-control': file.endsWith('index.html') ? 'no-cache' : 'public, max-age=300',
    });
    res.end(head ? undefined : data);
    return true;
  };
  return async (req, res) => {
    const head = req.method === 'HEAD';
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      return false;
    }
    if (path.includes('\0')) return false;
    const file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) return false;
    if (path !== '/' && (await serve(file, res, head))) return true;
    // SPA fallback: a path with a file extension that does not exist stays a 404
    if (path !== '/' && extname(path) !== '') return false;
    return serve(join(root, 'index.html'), res, head);
  };
}

/** Whether `dir` holds an explorer build (its index.html). */
export function hasExplorerBuild(dir: string): boolean {
  return existsSync(join(dir, 'index.html'));
}

export const BUILD_COMMAND = 'npm run build';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Answers page paths (not files, not /api) with a 503 HTML page on how to build the explorer. */
export function missingExplorerHandler(dir: string): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const body = Buffer.from(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cairn explorer not built</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}code,pre{font-family:ui-monospace,monospace;background:#8882;padding:.1rem .3rem;border-radius:4px}pre{padding:.6rem}</style>
</head><body>
<h1>The explorer has not been built</h1>
<p>This cairnd serves its block explorer from <code>${escapeHtml(dir)}</code>, which holds no build (no <code>index.html</code>).</p>
<p>Build it from the Cairn source directory, then reload this page (no restart needed):</p>
<pre>${BUILD_COMMAND}</pre>
<p>(<code>node explorer/build.mjs</code> builds only the explorer; <code>cairnd --explorer-dir DIR</code> serves a build kept elsewhere.)</p>
<p>The node itself is running: its REST API is under <a href="/api/blocks/tip/height"><code>/api/</code></a>.</p>
</body></html>
`);
  const build = staticHandler(dir);
  return async (req, res) => {
    // built since the node started: serve it
    if (hasExplorerBuild(dir)) return build(req, res);
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      return false;
    }
    if (extname(path) !== '') return false;
    res.writeHead(503, { 'content-type': 'text/html; charset=utf-8', 'content-length': String(body.length), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
