/**
 * Static screening of an untrusted `tokenizer.json` regex (the `pattern.Regex` of a Split pre-tokenizer
 * or a Replace normalizer / pre-tokenizer / decoder) before `@huggingface/tokenizers` compiles it into a
 * JS RegExp (issue 21). JS regexes backtrack and cannot be interrupted, so a pattern such as `(a+)+$`
 * would hang the tab or the CLI on the first long run of `a`s in a dataset text. We refuse the shapes
 * that make backtracking exponential (or high-degree polynomial) instead of bounding time at run time:
 *
 * - a repeated group (`*`, `+`, `{n,}`, `{n,m}` with m > 1) holding a quantifier of variable count:
 *   `(a+)+`, `(.*)*`, `(a?b?)*`, `(\d{1,3})+` (star height > 1);
 * - a repeated group holding an alternation whose branches may start with the same character:
 *   `(a|a)*`, `(a|ab)+`, `(\s|x)*` (a branch that does not start with a literal counts as "may");
 * - backreferences and subexpression calls (`\1`, `\k<n>`, `\g<n>`): not regular, and unbounded work;
 * - a pattern longer than {@link MAX_PATTERN_LENGTH}.
 *
 * The published patterns (GPT-2/RoBERTa ByteLevel, Llama 3, o200k, `" {2,}"`) pass; see regexSafety.test.ts.
 * The check is deliberately conservative: a safe pattern with an unusual shape may be refused, naming why.
 */

/** Real tokenizer patterns are under 300 characters. */
export const MAX_PATTERN_LENGTH = 2000;

interface Quantifier {
  min: number;
  /** Infinity when unbounded */
  max: number;
}

type Node = { kind: 'char'; char: string; q: Quantifier | null } | { kind: 'set'; q: Quantifier | null } | { kind: 'group'; branches: Node[][]; lookaround: boolean; q: Quantifier | null };

class Unsafe extends Error {}

/** Parses the Oniguruma-flavoured syntax far enough to see groups, alternation and quantifiers. */
function parse(p: string): Node[][] {
  let i = 0;
  const readQuantifier = (): Quantifier | null => {
    let q: Quantifier | null = null;
    const c = p[i];
    if (c === '*') q = { min: 0, max: Infinity };
    else if (c === '+') q = { min: 1, max: Infinity };
    else if (c === '?') q = { min: 0, max: 1 };
    else if (c === '{') {
      const m = /^\{(\d*)(,?)(\d*)\}/.exec(p.slice(i));
      if (!m || (m[1] === '' && m[3] === '')) return null; // a literal "{"
      const min = m[1] === '' ? 0 : Number(m[1]);
      const max = m[2] === '' ? min : m[3] === '' ? Infinity : Number(m[3]);
      i += m[0].length - 1;
      q = { min, max };
    }
    if (q === null) return null;
    i++;
    if (p[i] === '?' || p[i] === '+') i++; // lazy / possessive: same shape for our purpose
    return q;
  };
  const readClass = () => {
    // i at "["; Oniguruma classes nest ([a[b]]) and may hold "]" first
    let depth = 0;
    for (; i < p.length; i++) {
      const c = p[i];
      if (c === '\\') i++;
      else if (c === '[') depth++;
      else if (c === ']' && p[i - 1] !== '[' && !(p[i - 1] === '^' && p[i - 2] === '[')) {
        depth--;
        if (depth === 0) {
          i++;
          return;
        }
      }
    }
  };
  const readBranches = (inGroup: boolean): Node[][] => {
    const branches: Node[][] = [[]];
    while (i < p.length) {
      const c = p[i]!;
      let node: Node;
      if (c === ')') {
        if (inGroup) return branches;
        i++;
        continue;
      } else if (c === '|') {
        branches.push([]);
        i++;
        continue;
      } else if (c === '(') {
        const head = /^\((\?(<[=!]|[=!:>]|<[A-Za-z_]\w*>|'[A-Za-z_]\w*'|[imx-]*:)?)?/.exec(p.slice(i))![0];
        const lookaround = /^\(\?(<[=!]|[=!])/.test(head);
        i += head.length;
        const inner = readBranches(true);
        i++; // ")"
        node = { kind: 'group', branches: inner, lookaround, q: null };
      } else if (c === '[') {
        readClass();
        node = { kind: 'set', q: null };
      } else if (c === '\\') {
        const next = p[i + 1] ?? '';
        if (/[1-9]/.test(next)) throw new Unsafe(`backreference \\${next} at index ${i} (not allowed: unbounded matching work)`);
        if (next === 'k' || next === 'g') throw new Unsafe(`${next === 'k' ? 'named backreference' : 'subexpression call'} \\${next} at index ${i} (not allowed: unbounded matching work)`);
        const m = /^\\([pP]\{[^}]*\}|x\{[^}]*\}|x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|c.|.)/su.exec(p.slice(i));
        const esc = m ? m[1]! : next;
        i += 1 + esc.length;
        // a single escaped punctuation or control character is a literal; \d, \s, \p{..} are sets
        node = /^[^A-Za-z0-9]$/.test(esc) ? { kind: 'char', char: esc, q: null } : /^[ntrfv]$/.test(esc) ? { kind: 'char', char: `\\${esc}`, q: null } : { kind: 'set', q: null };
      } else if (c === '.' || c === '^' || c === '$') {
        i++;
        node = c === '.' ? { kind: 'set', q: null } : { kind: 'group', branches: [[]], lookaround: true, q: null };
      } else {
        const ch = String.fromCodePoint(p.codePointAt(i)!);
        i += ch.length;
        node = { kind: 'char', char: ch, q: null };
      }
      node.q = readQuantifier();
      branches[branches.length - 1]!.push(node);
    }
    return branches;
  };
  return readBranches(false);
}

const isVariable = (q: Quantifier | null) => q !== null && q.max > q.min;
const isRepeated = (q: Quantifier | null) => q !== null && q.max > 1;

function containsVariableQuantifier(branches: Node[][]): boolean {
  return branches.some((b) => b.some((n) => isVariable(n.q) || (n.kind === 'group' && !n.lookaround && containsVariableQuantifier(n.branches))));
}

/** The literal a branch must start with, or null when it may start with more than one character. */
function firstLiteral(branch: Node[]): string | null {
  for (const n of branch) {
    if (n.kind === 'group' && n.lookaround) continue;
    if (n.kind !== 'char' || (n.q !== null && n.q.min === 0)) return null;
    return n.char;
  }
  return null;
}

/** Alternations at any depth inside a group body (outside lookarounds) whose branches may overlap. */
function overlappingAlternation(branches: Node[][]): boolean {
  if (branches.length > 1) {
    const seen = new Set<string>();
    for (const b of branches) {
      const first = firstLiteral(b);
      if (first === null || seen.has(first)) return true;
      seen.add(first);
    }
  }
  return branches.some((b) => b.some((n) => n.kind === 'group' && !n.lookaround && overlappingAlternation(n.branches)));
}

function check(branches: Node[][]): void {
  for (const branch of branches) {
    for (const n of branch) {
      if (n.kind !== 'group') continue;
      if (isRepeated(n.q) && !n.lookaround) {
        if (containsVariableQuantifier(n.branches)) throw new Unsafe('nested quantifier: a repeated group holds a quantifier of variable count, as in (a+)+ or (.*)* (exponential backtracking)');
        if (overlappingAlternation(n.branches)) throw new Unsafe('a repeated group holds an alternation whose branches may match the same text, as in (a|a)* (exponential backtracking)');
      }
      check(n.branches);
    }
  }
}

/**
 * @param pattern the `Regex` string of a tokenizer.json pattern (Oniguruma syntax)
 * @returns why the pattern is refused, or null when it passes the screen
 */
export function unsafeRegexReason(pattern: string): string | null {
  if (pattern.length > MAX_PATTERN_LENGTH) return `is ${pattern.length} characters long, more than ${MAX_PATTERN_LENGTH}`;
  try {
    check(parse(pattern));
    return null;
  } catch (err) {
    if (err instanceof Unsafe) return err.message;
    throw err;
  }
}
