/**
 * A tiny well-formedness check for the SVG builders' tests: balanced tags, quoted attributes, no stray
 * `<` or `&`. Not a full XML parser, but enough to catch a broken builder.
 */
export function checkWellFormed(xml: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(xml); m; m = tag.exec(xml)) {
    const between = xml.slice(last, m.index);
    if (between.includes('<')) problems.push(`stray "<" before offset ${m.index}`);
    if (/&(?!(amp|lt|gt|quot|apos);)/.test(between)) problems.push(`unescaped "&" before offset ${m.index}`);
    last = tag.lastIndex;
    const [, close, name, , selfClose] = m;
    if (selfClose) continue;
    if (close) {
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open ?? 'nothing'}>`);
    } else stack.push(name!);
  }
  if (xml.slice(last).trim()) problems.push('text after the last tag');
  if (stack.length) problems.push(`unclosed: ${stack.join(', ')}`);
  return problems;
}

/** Counts elements by tag name (and optional class). */
export function countElements(xml: string, name: string, cls?: string): number {
  const re = new RegExp(`<${name}\\b[^>]*>`, 'g');
  return [...xml.matchAll(re)].filter((m) => cls === undefined || new RegExp(`class="${cls}"`).test(m[0])).length;
}
