/**
 * Where a JSON text first stops being valid JSON (RFC 8259). `JSON.parse` reports the position in some
 * engines and versions only (Node 20 says "Unexpected token '}', ... is not valid JSON" without one), so
 * after a failed parse this scanner finds the offset itself. It is only run on text that failed to parse.
 */

/** A position in a text: 0-based UTF-16 `offset`, 1-based `line` and `column`. */
export interface TextPosition {
  offset: number;
  line: number;
  column: number;
}

/**
 * @param text the JSON text
 * @returns the position of the first character that makes `text` invalid (`text.length` when it ends
 *   too early), or null when `text` is valid JSON
 */
export function jsonErrorPosition(text: string): TextPosition | null {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  // Each parser returns false at the first bad character, leaving `i` on it.
  const literal = (word: string) => {
    for (const ch of word) {
      if (text[i] !== ch) return false;
      i++;
    }
    return true;
  };
  const digits = () => {
    const start = i;
    while (i < text.length && text[i]! >= '0' && text[i]! <= '9') i++;
    return i > start;
  };
  const number = () => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (!digits()) return false;
    if (text[i] === '.') {
      i++;
      if (!digits()) return false;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!digits()) return false;
    }
    return true;
  };
  const string = () => {
    if (text[i] !== '"') return false;
    i++;
    while (i < text.length) {
      const ch = text[i]!;
      if (ch === '"') {
        i++;
        return true;
      }
      if (ch < ' ') return false;
      if (ch === '\\') {
        i++;
        const esc = text[i];
        if (esc === 'u') {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) return ((i += k), false);
          i += 5;
        } else if (esc !== undefined && '"\\/bfnrt'.includes(esc)) i++;
        else return false;
      } else i++;
    }
    return false;
  };
  const member = () => {
    ws();
    if (!string()) return false;
    ws();
    if (text[i] !== ':') return false;
    i++;
    return true;
  };
  const scalar = (ch: string | undefined) => {
    if (ch === '"') return string();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return number();
    return false;
  };
  // An explicit stack of open containers instead of recursion: a file of 100k "[" would overflow the call stack.
  const value = (): boolean => {
    const open: ('{' | '[')[] = [];
    for (;;) {
      ws();
      const ch = text[i];
      if (ch === '{' || ch === '[') {
        i++;
        ws();
        if (text[i] === (ch === '{' ? '}' : ']')) i++;
        else {
          open.push(ch);
          if (ch === '{' && !member()) return false;
          continue;
        }
      } else if (!scalar(ch)) return false;
      // a value is complete: close containers, or take the separator before the next value
      for (;;) {
        const top = open[open.length - 1];
        if (top === undefined) return true;
        ws();
        if (text[i] === (top === '{' ? '}' : ']')) {
          i++;
          open.pop();
          continue;
        }
        if (text[i] !== ',') return false;
        i++;
        if (top === '{' && !member()) return false;
        break;
      }
    }
  };
  const ok = value() && (ws(), i === text.length);
  if (ok) return null;
  const before = text.slice(0, i);
  const line = before.split('\n').length;
  return { offset: i, line, column: i - before.lastIndexOf('\n') };
}
