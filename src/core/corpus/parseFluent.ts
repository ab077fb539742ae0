/**
 * Reader of Project Fluent resources (`.ftl`, https://projectfluent.org/fluent/guide/): messages
 * `id = pattern` with indented continuation lines and attributes `.name = pattern`, terms `-id = pattern`,
 * comments `#`. Patterns are kept raw by {@link parseFluent}; {@link resolveFluentPattern} turns one into
 * plain text (placeables resolved, select expressions reduced to their default variant).
 */

/** The raw patterns of one `.ftl` file. */
export interface FluentEntries {
  /** `id` (the value) or `id.attr` (an attribute) → raw pattern; messages without a value have only attributes */
  messages: Map<string, string>;
  /** `-id` → raw pattern of the term's value (term attributes are skipped) */
  terms: Map<string, string>;
}

const ENTRY_START = /^(-?[a-zA-Z][\w-]*)[ \t]*=[ \t]*(.*)$/;
const ATTRIBUTE_START = /^[ \t]+\.([a-zA-Z][\w-]*)[ \t]*=[ \t]*(.*)$/;

/**
 * Index of the `}` closing the `{` at `open`, skipping nested placeables and string literals; -1 if none.
 * @param text a pattern
 * @param open index of a `{`
 */
function closingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"' && depth > 0) {
      for (i++; i < text.length && text[i] !== '"' && text[i] !== '\n'; i++) if (text[i] === '\\') i++;
    } else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

/** How many placeables are still open at the end of `text` (0 when balanced). */
function openPlaceables(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' && depth > 0) {
      for (i++; i < text.length && text[i] !== '"' && text[i] !== '\n'; i++) if (text[i] === '\\') i++;
    } else if (c === '{') depth++;
    else if (c === '}' && depth > 0) depth--;
  }
  return depth;
}

/**
 * @param text the content of an `.ftl` file
 * @returns the raw patterns of its messages and terms; junk lines are skipped
 */
export function parseFluent(text: string): FluentEntries {
  const messages = new Map<string, string>();
  const terms = new Map<string, string>();
  let id: string | null = null;
  let key: string | null = null; // the entry's value (`id`) or attribute (`id.attr`) being read
  let lines: string[] = [];
  const flush = () => {
    if (id !== null && key !== null) {
      const pattern = lines.join('\n').trim();
      if (pattern !== '') {
        if (id.startsWith('-')) {
          if (key === id) terms.set(id, pattern);
        } else messages.set(key, pattern);
      }
    }
    key = null;
    lines = [];
  };
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    const inPlaceable: boolean = key !== null && openPlaceables(lines.join('\n')) > 0;
    const entry: RegExpExecArray | null = inPlaceable ? null : ENTRY_START.exec(line);
    if (entry) {
      flush();
      id = entry[1]!;
      key = id;
      lines = [entry[2]!];
      continue;
    }
    if (line.trim() === '') {
      if (key !== null) lines.push('');
      continue;
    }
    if (!/^[ \t]/.test(line)) {
      // a comment or junk at column 0 ends the entry
      flush();
      id = null;
      continue;
    }
    if (id === null) continue;
    const attribute: RegExpExecArray | null = inPlaceable ? null : ATTRIBUTE_START.exec(line);
    if (attribute) {
      flush();
      key = `${id}.${attribute[1]!}`;
      lines = [attribute[2]!];
    } else if (key !== null) {
      lines.push(line.trim());
    }
  }
  flush();
  return { messages, terms };
}

function unescapeStringLiteral(body: string): string {
  return body.replace(/\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{6}|.)/g, (_, e: string) => (e.length > 1 ? String.fromCodePoint(parseInt(e.slice(1), 16)) : e));
}

interface Variant {
  isDefault: boolean;
  pattern: string;
}

/** Splits the variant list after `->` into variants (`*[key] pattern` or `[key] pattern`). */
function splitVariants(text: string): Variant[] {
  const variants: Variant[] = [];
  let current: { isDefault: boolean; start: number } | null = null;
  let lineStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '{') {
      const end = closingBrace(text, i);
      if (end < 0) return [];
      i = end;
      lineStart = false;
      continue;
    }
    if (c === '\n') {
      lineStart = true;
      continue;
    }
    if (lineStart && (c === '[' || (c === '*' && text[i + 1] === '['))) {
      const close = text.indexOf(']', i);
      if (close < 0) return [];
      if (current) variants.push({ isDefault: current.isDefault, pattern: text.slice(current.start, i).trim() });
      current = { isDefault: c === '*', start: close + 1 };
      i = close;
      lineStart = false;
      continue;
    }
    if (!/\s/.test(c)) lineStart = false;
  }
  if (current) variants.push({ isDefault: current.isDefault, pattern: text.slice(current.start).trim() });
  return variants;
}

/** Index of `->` outside nested placeables and string literals; -1 if none. */
function selectArrow(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '{') {
      const end = closingBrace(text, i);
      if (end < 0) return -1;
      i = end;
    } else if (c === '-' && text[i + 1] === '>') return i;
  }
  return -1;
}

/** A Fluent variable as a placeholder that the pair normaliser removes (`$name`, `-` as `_`). */
function variablePlaceholder(name: string): string {
  return `$${name.replace(/-/g, '_')}`;
}

const MAX_TERM_DEPTH = 8;

function resolveExpression(inner: string, terms: ReadonlyMap<string, string>, depth: number): string | null {
  const arrow = selectArrow(inner);
  if (arrow >= 0) {
    const chosen = splitVariants(inner.slice(arrow + 2)).find((v) => v.isDefault);
    return chosen === undefined ? null : resolvePattern(chosen.pattern, terms, depth);
  }
  const e = inner.trim();
  const literal = /^"((?:[^"\\]|\\.)*)"$/.exec(e);
  if (literal) return unescapeStringLiteral(literal[1]!);
  if (/^-?\d+(\.\d+)?$/.test(e)) return e;
  const variable = /^\$([a-zA-Z][\w-]*)$/.exec(e);
  if (variable) return variablePlaceholder(variable[1]!);
  const call = /^[A-Z][A-Z0-9_-]*\(\s*\$([a-zA-Z][\w-]*)/.exec(e); // NUMBER($n, …), DATETIME($d)
  if (call) return variablePlaceholder(call[1]!);
  const term = /^(-[a-zA-Z][\w-]*)(\.[a-zA-Z][\w-]*)?\s*(\([^)]*\))?$/.exec(e);
  if (term && term[2] === undefined) {
    const value = terms.get(term[1]!);
    return value === undefined || depth >= MAX_TERM_DEPTH ? null : resolvePattern(value, terms, depth + 1);
  }
  return null; // a message reference, a term attribute or something unsupported
}

function resolvePattern(pattern: string, terms: ReadonlyMap<string, string>, depth: number): string | null {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c !== '{') {
      out += c;
      continue;
    }
    const end = closingBrace(pattern, i);
    if (end < 0) return null;
    const text = resolveExpression(pattern.slice(i + 1, end), terms, depth);
    if (text === null) return null;
    out += text;
    i = end;
  }
  return out;
}

/**
 * Plain text of a raw pattern. Variables become `$name` placeholders, terms are replaced by their resolved
 * value (e.g. `{ -brand-short-name }` → `Firefox`), select expressions by their default variant (`*[other]`).
 * @param pattern a raw pattern from {@link parseFluent}
 * @param terms `-id` → raw pattern, for term references
 * @returns the text with whitespace collapsed, or null when the pattern is only placeables, or refers to a
 *   message, a term attribute or an unknown term
 */
export function resolveFluentPattern(pattern: string, terms: ReadonlyMap<string, string>): string | null {
  let outside = '';
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '{') {
      const end = closingBrace(pattern, i);
      if (end < 0) return null;
      i = end;
    } else outside += pattern[i];
  }
  if (!/\p{L}/u.test(outside) && !/^\s*\{[^{}]*->/s.test(pattern)) return null; // only placeables (a whole-pattern select is kept)
  const text = resolvePattern(pattern, terms, 0);
  return text === null ? null : text.replace(/\s+/g, ' ').trim();
}
