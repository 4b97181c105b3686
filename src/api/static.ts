// Serves the explorer's static build (dist/explorer) at '/'. Unknown non-/api paths get
// index.html so the single-page app's own router can handle deep links. Paths are
// resolved inside the root only; anything escaping it is a 404.
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
