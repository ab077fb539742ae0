#!/usr/bin/env node
/**
 * Builds `xlir`'s OpenBLAS products addon (openblasProducts.c) into build/native/. `npm install` runs it with
 * --optional: a machine without a C compiler or Node's headers keeps installing, and `xlir` then keeps its
 * products on wasm (the CLI says why). `npm run build:native` runs it strictly. No node-gyp: one cc call, and
 * OpenBLAS itself is opened when the addon loads, so only its runtime library is needed (libopenblas0-pthread).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const source = path.join(here, 'openblasProducts.c');
const output = path.resolve(here, '../../../build/native/openblasProducts.node');
const optional = process.argv.includes('--optional');
// Node's own headers: next to the running binary (Debian, NodeSource and nvm all install them there)
const headers = path.resolve(path.dirname(process.execPath), '../include/node');
const compiler = process.env.CC || 'cc';

function fail(reason) {
  const message = `xlir: the OpenBLAS products addon was not built: ${reason}`;
  if (!optional) {
    console.error(message);
    process.exit(1);
  }
  console.warn(`${message}\nxlir: its products stay on wasm; to build it later: npm run build:native`);
  process.exit(0);
}

if (!existsSync(path.join(headers, 'node_api.h'))) fail(`Node's headers are not at ${headers} (node_api.h)`);
mkdirSync(path.dirname(output), { recursive: true });
try {
  execFileSync(compiler, ['-O2', '-Wall', '-Wextra', '-Werror', '-shared', '-fPIC', `-I${headers}`, source, '-o', output, '-ldl'], { stdio: ['ignore', 'inherit', 'pipe'] });
} catch (error) {
  fail(`${compiler} failed: ${error.stderr?.toString().trim() || error.message}`);
}
console.log(`xlir: built ${path.relative(process.cwd(), output)}`);
