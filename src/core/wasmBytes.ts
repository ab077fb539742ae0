/**
 * The encodings for assembling small WebAssembly modules from opcodes (no toolchain, no binary blob): used by
 * the rank-counting kernel (metrics/countKernel.ts) and the product kernel (model/wasmGemm.ts).
 */

/** unsigned LEB128 */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** signed LEB128 (i32.const) */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** a module section: id, byte length, content */
export const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
/** a vector: count, then the items */
export const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
/** a name: byte length, then its characters (ASCII) */
export const name = (text: string) => [...uleb(text.length), ...Array.from(text, (ch) => ch.charCodeAt(0))];

/** value types */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
