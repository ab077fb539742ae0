/**
 * Reader of Java-style `.properties` files as Mozilla uses them (`key = value`, `#`/`!` comments, a trailing
 * backslash continues the line, `\uXXXX` and `\n`/`\t` escapes).
 */

function unescapeProperty(text: string): string {
  return text.replace(/\\(u[0-9a-fA-F]{4}|.)/gs, (_, e: string) => {
    if (e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    return e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e === 'f' ? '\f' : e;
  });
}

/** True if `line` ends with an odd number of backslashes (the escape of a line break). */
function continues(line: string): boolean {
  let n = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

/**
 * @param text the content of a `.properties` file
 * @returns key → unescaped value, in file order (a repeated key keeps its last value)
 */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    let logical = lines[i]!.replace(/^[ \t\f]+/, '');
    if (logical === '' || logical.startsWith('#') || logical.startsWith('!')) continue;
    while (continues(logical) && i + 1 < lines.length) {
      logical = logical.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, '');
    }
    if (continues(logical)) logical = logical.slice(0, -1);
    const sep = /^((?:[^\\=: \t\f]|\\.)+)[ \t\f]*[=:]?[ \t\f]*/s.exec(logical);
    if (!sep) continue;
    out.set(unescapeProperty(sep[1]!), unescapeProperty(logical.slice(sep[0].length)));
  }
  return out;
}
