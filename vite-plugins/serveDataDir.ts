import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import type { Connect, Plugin } from 'vite';
import { resolveDataDir } from '../src/cli/dataDir.ts';

/**
 * Serves the local dataset folder (XLIR_DATA_DIR, default ../shared/data) read-only under /data/
 * for the dev and preview servers, so the app can load datasets without copying them into the repo.
 */
export function serveDataDir(): Plugin {
  const root = resolveDataDir();
  const middleware: Connect.NextHandleFunction = (req, res, next) => {
    if (!root || !req.url?.startsWith('/data/')) return next();
    const rel = decodeURIComponent(req.url.slice('/data/'.length).split('?')[0] ?? '');
    const file = path.resolve(root, rel);
    if (!file.startsWith(root + path.sep)) {
      res.statusCode = 403;
      res.end('outside the data folder');
      return;
    }
    try {
      const st = statSync(file);
      if (!st.isFile()) return next();
      res.setHeader('Content-Type', file.endsWith('.json') ? 'application/json' : 'application/octet-stream');
      res.setHeader('Content-Length', String(st.size));
      res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
      createReadStream(file).pipe(res);
    } catch {
      res.statusCode = 404;
      res.end('not found');
    }
  };
  return {
    name: 'xlir-serve-data-dir',
    configureServer: (server) => void server.middlewares.use(middleware),
    configurePreviewServer: (server) => void server.middlewares.use(middleware),
  };
}
