/**
 * Duplicate object keys in a JSON text. `JSON.parse` silently keeps the last of `{"id": "a", "id": "b"}`,
 * so a file edited by hand or concatenated by a script can swap a question id or a paragraph's context
 * without any error (issue 21). Where identity matters (dataset ids and contexts, embeddings-file ids)
 * the parsers call this on text that `JSON.parse` has already accepted, and refuse the file naming the
 * JSON path. The safetensors reader does the same for its header's top-level keys.
 */

export interface DuplicateKey {
  /** JSON path of the object holding the key twice, e.g. `data[0].paragraphs[3].qas[1]` (`` for the root) */
  path: string;
  key: string;
  /** UTF-16 offset of the second occurrence in the text */
  offset: number;
}

type Frame = { kind: 'object'; keys: Set<string>; key: string | null } | { kind: 'array'; index: number };

const segment = (f: Frame): string => (f.kind === 'array' ? `[${f.index}]` : /^[A-Za-z_$][\w$]*$/.test(f.key ?? '') ? `.${f.key}` : `[${JSON.stringify(f.key)}]`);

/**
 * @param text a JSON text that `JSON.parse` accepts (behaviour on invalid JSON is unspecified, but it never throws)
 * @returns the first duplicated key in document order, or null
 */
export function findDuplicateKey(text: string): DuplicateKey | null {
  const stack: Frame[] = [];
  // true when the next string in the current object is a key (after "{" or ",")
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === 0x5c /* \ */) {
          escaped = true;
          i++;
        } else if (c === 0x22) break;
      }
      const top = stack[stack.length - 1];
      if (expectKey && top?.kind === 'object') {
        const raw = text.slice(start + 1, i);
        let key = raw;
        if (escaped) {
          try {
            key = JSON.parse(text.slice(start, i + 1)) as string;
          } catch {
            // invalid JSON: keep the raw text
          }
        }
        if (top.keys.has(key)) {
          return { path: stack.slice(0, -1).map(segment).join('').replace(/^\./, ''), key, offset: start };
        }
        top.keys.add(key);
        top.key = key;
        expectKey = false;
      }
    } else if (ch === 0x7b /* { */) {
      stack.push({ kind: 'object', keys: new Set(), key: null });
      expectKey = true;
    } else if (ch === 0x5b /* [ */) {
      stack.push({ kind: 'array', index: 0 });
      expectKey = false;
    } else if (ch === 0x7d /* } */ || ch === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (ch === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.kind === 'array') top.index++;
      expectKey = top?.kind === 'object';
    }
  }
  return null;
}

/** The JSON path of the duplicated key itself, for a DataFormatError field: `data[0].qas[1].id`. */
export function duplicateKeyField(d: DuplicateKey): string {
  const tail = segment({ kind: 'object', keys: new Set(), key: d.key });
  return d.path === '' ? tail.replace(/^\./, '') : `${d.path}${tail}`;
}
