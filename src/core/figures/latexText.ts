/**
 * Plain text → LaTeX that plain `pdflatex` compiles with no package for the text itself (issue 20, item
 * 11): the output is pure ASCII. Specials are escaped; Greek letters and math symbols go to math mode
 * (`α` → `$\alpha$`); accented Latin letters to accent commands (`é` → `\'{e}`); typographic dashes and
 * quotes to their TeX ligatures. A character with no such spelling (e.g. CJK) becomes `?` rather than
 * break the compile — labels in this app are run names, language codes and metric names.
 */

/** LaTeX's ten special characters, plus `<`, `>` and `|`, which the default OT1 font prints as other glyphs. */
const SPECIALS: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '&': '\\&',
  '%': '\\%',
  $: '\\$',
  '#': '\\#',
  _: '\\_',
  '{': '\\{',
  '}': '\\}',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
  '<': '$<$',
  '>': '$>$',
  '|': '$|$',
};

const GREEK = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa', 'lambda', 'mu', 'nu', 'xi', 'omicron', 'pi', 'rho', 'sigma', 'tau', 'upsilon', 'phi', 'chi', 'psi', 'omega'] as const;
/** Capitals that differ from Latin ones have a math command; the rest print as the Latin letter. */
const GREEK_CAPITALS: Record<string, string> = { gamma: '\\Gamma', delta: '\\Delta', theta: '\\Theta', lambda: '\\Lambda', xi: '\\Xi', pi: '\\Pi', sigma: '\\Sigma', upsilon: '\\Upsilon', phi: '\\Phi', psi: '\\Psi', omega: '\\Omega' };
const GREEK_LATIN_CAPITALS: Record<string, string> = { alpha: 'A', beta: 'B', epsilon: 'E', zeta: 'Z', eta: 'H', iota: 'I', kappa: 'K', mu: 'M', nu: 'N', omicron: 'O', rho: 'P', tau: 'T', chi: 'X' };

function greekTable(): Record<string, string> {
  const out: Record<string, string> = {};
  GREEK.forEach((name, i) => {
    // U+03B1.. lower case (U+03C2 final sigma is skipped by the alphabet), U+0391.. capitals (U+03A2 unassigned)
    const offset = i >= 17 ? i + 1 : i;
    out[String.fromCodePoint(0x3b1 + offset)] = name === 'omicron' ? 'o' : `$\\${name}$`;
    out[String.fromCodePoint(0x391 + offset)] = GREEK_CAPITALS[name] ? `$${GREEK_CAPITALS[name]}$` : GREEK_LATIN_CAPITALS[name]!;
  });
  out.ς = '$\\varsigma$';
  return out;
}

/** Symbols, punctuation and letters without a combining-mark decomposition. */
const SYMBOLS: Record<string, string> = {
  ...greekTable(),
  '×': '$\\times$',
  '±': '$\\pm$',
  '−': '$-$',
  '·': '$\\cdot$',
  '→': '$\\to$',
  '←': '$\\leftarrow$',
  '↔': '$\\leftrightarrow$',
  '≤': '$\\leq$',
  '≥': '$\\geq$',
  '≠': '$\\neq$',
  '≈': '$\\approx$',
  '∞': '$\\infty$',
  '√': '$\\surd$',
  '°': '$^\\circ$',
  '●': '$\\bullet$',
  '•': '$\\bullet$',
  '∼': '$\\sim$',
  '…': '\\ldots{}',
  '–': '--',
  '—': '---',
  '‘': '`',
  '’': "'",
  '“': '``',
  '”': "''",
  '«': '<<',
  '»': '>>',
  '\u00a0': '~',
  '§': '\\S{}',
  '¶': '\\P{}',
  '©': '\\copyright{}',
  ß: '\\ss{}',
  æ: '\\ae{}',
  Æ: '\\AE{}',
  œ: '\\oe{}',
  Œ: '\\OE{}',
  ø: '\\o{}',
  Ø: '\\O{}',
  å: '\\aa{}',
  Å: '\\AA{}',
  ł: '\\l{}',
  Ł: '\\L{}',
  ı: '\\i{}',
  '¿': '?`',
  '¡': '!`',
  '✓': '$\\surd$',
  '✗': 'x',
  '²': '$^2$',
  '³': '$^3$',
  '¹': '$^1$',
  '½': '$\\frac{1}{2}$',
  '€': 'EUR',
  '£': '\\pounds{}',
};

/** Combining marks (from NFD) → the LaTeX accent command that draws them on the base letter. */
const ACCENTS: Record<string, string> = {
  '\u0300': '\\`',
  '\u0301': "\\'",
  '\u0302': '\\^',
  '\u0303': '\\~',
  '\u0304': '\\=',
  '\u0306': '\\u',
  '\u0307': '\\.',
  '\u0308': '\\"',
  '\u030a': '\\r',
  '\u030b': '\\H',
  '\u030c': '\\v',
  '\u0327': '\\c',
  '\u0323': '\\d',
  '\u0331': '\\b',
};

function escapeAscii(ch: string): string {
  return SPECIALS[ch] ?? ch;
}

/** One non-ASCII character: a known symbol, an accented letter, or `?`. */
function escapeOther(ch: string): string {
  const known = SYMBOLS[ch];
  if (known !== undefined) return known;
  const [base, ...marks] = [...ch.normalize('NFD')];
  if (base && /^[A-Za-z]$/.test(base) && marks.length > 0 && marks.every((m) => ACCENTS[m])) {
    // dotless i and j under an accent, as in the TeXbook
    const letter = base === 'i' ? '\\i' : base === 'j' ? '\\j' : base;
    return marks.reduce((inner, m) => `${ACCENTS[m]}{${inner}}`, letter);
  }
  const compat = ch.normalize('NFKD');
  if (compat !== ch && /^[\x20-\x7e]+$/.test(compat)) return [...compat].map(escapeAscii).join('');
  return '?';
}

/**
 * Escapes plain text for LaTeX's text mode.
 * @returns pure ASCII (code points 0x20–0x7e; newlines and tabs become spaces) that plain pdflatex compiles
 */
export function escapeLatex(text: string): string {
  // Adjacent math pieces are merged (`α×` → `$\alpha\times$`): `$…$$…$` would open display math.
  let out = '';
  let math = '';
  const flush = () => {
    if (math) out += `$${math}$`;
    math = '';
  };
  for (const ch of text.normalize('NFC')) {
    const code = ch.codePointAt(0)!;
    const piece = code < 0x20 || code === 0x7f ? ' ' : code < 0x80 ? escapeAscii(ch) : escapeOther(ch);
    const inMath = /^\$[^$]+\$$/.exec(piece);
    if (inMath)
      math += (math ? '{}' : '') + piece.slice(1, -1); // `{}`: `^\circ^2` would be a double superscript
    else {
      flush();
      out += piece;
    }
  }
  flush();
  return out;
}

/** The preamble line of an exported LaTeX file, saying what it needs. */
export const LATEX_REQUIREMENTS = '% Needs \\usepackage{booktabs}; compiles with plain pdflatex (the text is pure ASCII: non-ASCII characters are written as LaTeX commands).';
