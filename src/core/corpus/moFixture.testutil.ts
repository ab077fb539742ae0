/** Test helper: `.mo` bytes for parser and CLI tests. */
import { MO_MAGIC } from './parseMo';

/** Builds a .mo file from [key, value] pairs the way msgfmt lays it out (hash table omitted). */
export function buildMo(pairs: [string, string][], little = true): Uint8Array {
  const enc = new TextEncoder();
  const keys = pairs.map(([k]) => enc.encode(k));
  const values = pairs.map(([, v]) => enc.encode(v));
  const n = pairs.length;
  const headerSize = 28;
  const origTable = headerSize;
  const transTable = origTable + 8 * n;
  let at = transTable + 8 * n;
  const total = at + [...keys, ...values].reduce((s, b) => s + b.length + 1, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, MO_MAGIC, little);
  view.setUint32(4, 0, little);
  view.setUint32(8, n, little);
  view.setUint32(12, origTable, little);
  view.setUint32(16, transTable, little);
  const put = (table: number, i: number, b: Uint8Array) => {
    view.setUint32(table + 8 * i, b.length, little);
    view.setUint32(table + 8 * i + 4, at, little);
    out.set(b, at);
    at += b.length + 1;
  };
  keys.forEach((b, i) => put(origTable, i, b));
  values.forEach((b, i) => put(transTable, i, b));
  return out;
}
