import { describe, expect, it } from 'vitest';
import { bestRows, escapeLatex, tableCsv, tableJson, tableLatex, type TableSpec } from './table';

const spec: TableSpec = {
  columns: [
    { key: 'run', label: 'run' },
    { key: 'mono', label: 'mono mAP', digits: 3, best: 'max' },
    { key: 'rd', label: 'rank distance', digits: 1, best: 'min' },
  ],
  rows: [
    { run: 'hybrid (α=0.5)', mono: 0.79812, rd: 286.6 },
    { run: 'x-y, "fast"', mono: 0.7554, rd: 295.4 },
    { run: 'adv_λ=1 & 50%', mono: null, rd: 410.2 },
  ],
  caption: 'Mean mAP, XQuAD-R',
  label: 'tab:map',
};

describe('tables', () => {
  it('writes CSV with quoting and full precision', () => {
    expect(tableCsv(spec)).toBe('run,mono mAP,rank distance\r\nhybrid (α=0.5),0.79812,286.6\r\n"x-y, ""fast""",0.7554,295.4\r\nadv_λ=1 & 50%,,410.2\r\n');
  });
  it('writes booktabs LaTeX with escapes, rounding and the best value in bold', () => {
    const tex = tableLatex(spec);
    expect(tex).toContain('\\begin{tabular}{lrr}');
    expect(tex).toContain('\\toprule\nrun & mono mAP & rank distance \\\\\n\\midrule');
    expect(tex).toContain('hybrid ($\\alpha$=0.5) & \\textbf{0.798} & \\textbf{286.6} \\\\');
    expect(tex).toContain('adv\\_$\\lambda$=1 \\& 50\\% & -- & 410.2 \\\\');
    expect(tex).toContain('\\caption{Mean mAP, XQuAD-R}\n\\label{tab:map}');
    expect(tex.trim().endsWith('\\end{table}')).toBe(true);
  });
  it('bolds every tie after rounding', () => {
    const ties: TableSpec = { columns: [{ key: 'v', label: 'v', digits: 2, best: 'max' }], rows: [{ v: 0.501 }, { v: 0.499 }, { v: 0.3 }] };
    expect([...bestRows(ties).get('v')!]).toEqual([0, 1]);
  });
  it('writes JSON keyed by column, nulls kept', () => {
    const json = JSON.parse(tableJson(spec));
    expect(json.rows[2]).toEqual({ run: 'adv_λ=1 & 50%', mono: null, rd: 410.2 });
    expect(json.columns.map((c: { key: string }) => c.key)).toEqual(['run', 'mono', 'rd']);
  });
  it('writes pure ASCII that plain pdflatex compiles, and says which package it needs', () => {
    const tex = tableLatex({ ...spec, caption: 'Δ mAP ×100 – mean ± sd, α = 0.05, “Zürich” café, naïve, ß, 中' });
    expect(tex.split('\n')[0]).toBe('% Needs \\usepackage{booktabs}; compiles with plain pdflatex (the text is pure ASCII: non-ASCII characters are written as LaTeX commands).');
    expect(/^[\x20-\x7e\n]*$/.test(tex)).toBe(true);
    expect(tex).toContain("\\caption{$\\Delta$ mAP $\\times$100 -- mean $\\pm$ sd, $\\alpha$ = 0.05, ``Z\\\"{u}rich'' caf\\'{e}, na\\\"{\\i}ve, \\ss{}, ?}");
  });
  it('spells Greek, symbols and accents as LaTeX, merging adjacent math', () => {
    expect(escapeLatex('λmax=1')).toBe('$\\lambda$max=1');
    expect(escapeLatex('α×β')).toBe('$\\alpha{}\\times{}\\beta$');
    expect(escapeLatex('ω Ω ς Σ Α')).toBe('$\\omega$ $\\Omega$ $\\varsigma$ $\\Sigma$ A');
    expect(escapeLatex('de → en, a<b')).toBe('de $\\to$ en, a$<$b');
    expect(escapeLatex('Ångström, Łódź, Dvořák')).toBe("\\AA{}ngstr\\\"{o}m, \\L{}\\'{o}d\\'{z}, Dvo\\v{r}\\'{a}k");
    expect(escapeLatex('a\tb\nc')).toBe('a b c');
  });
  it('escapes every LaTeX special', () => {
    expect(escapeLatex('a\\b{c}~^#$')).toBe('a\\textbackslash{}b\\{c\\}\\textasciitilde{}\\textasciicircum{}\\#\\$');
  });
  it('rejects duplicate column keys', () => {
    expect(() =>
      tableCsv({
        columns: [
          { key: 'a', label: 'a' },
          { key: 'a', label: 'b' },
        ],
        rows: [],
      }),
    ).toThrow(/appears twice/);
  });
});
