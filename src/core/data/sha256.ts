/**
 * SHA-256 through Web Crypto (`crypto.subtle`), which Node 20 and browsers provide as a global; this is
 * why dataset parsing is async.
 */

/**
 * @param bytes the data to hash (any length)
 * @returns the digest as 64 lower-case hex characters
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // digest() wants a BufferSource backed by an ArrayBuffer; a view over a SharedArrayBuffer is copied.
  const input = bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', input));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}
