/**
 * File names of exports (issue 20, item 11): built from what the figure shows (runs, metric, dataset) and
 * kept meaningful — `Hybrid α=0.5` becomes `hybrid-alpha-0.5`, not `hybrid-0-5` — while staying safe on
 * every file system and in a URL: lowercase ASCII letters, digits, `-`, and `.` only inside a number.
 */

/** Greek letters (and a few symbols) the labels use, spelled out so they survive the ASCII filter. */
const SPELLED: Record<string, string> = {
  α: 'alpha',
  β: 'beta',
  γ: 'gamma',
  δ: 'delta',
  Δ: 'delta',
  ε: 'epsilon',
  η: 'eta',
  θ: 'theta',
  κ: 'kappa',
  λ: 'lambda',
  μ: 'mu',
  ν: 'nu',
  π: 'pi',
  ρ: 'rho',
  σ: 'sigma',
  τ: 'tau',
  φ: 'phi',
  χ: 'chi',
  ψ: 'psi',
  ω: 'omega',
  '×': 'x',
  '±': 'pm',
  '→': 'to',
  '−': '-',
  '–': '-',
  '—': '-',
};

/** The longest slug kept (file systems allow 255 bytes; leave room for parts and extensions). */
const MAX_SLUG = 60;
/** The longest file name stem kept. */
const MAX_NAME = 160;

/**
 * @returns a file-name-safe slug of a label (`"Hybrid α=0.5"` → `"hybrid-alpha-0.5"`, `"Ñandú ×2"` → `"nandu-x2"`);
 *   `"figure"` when nothing is left
 */
export function fileSlug(label: string): string {
  const spelled = [...label].map((ch) => SPELLED[ch] ?? ch).join('');
  const ascii = spelled
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  const kept = ascii
    .replace(/(\d)\.(?=\d)/g, '$1\u0000')
    .replace(/[^a-z0-9\u0000]+/g, '-')
    .replace(/\u0000/g, '.');
  return (
    kept
      .replace(/^-+|-+$/g, '')
      .slice(0, MAX_SLUG)
      .replace(/[-.]+$/, '') || 'figure'
  );
}

/**
 * A file name stem from the parts of what a figure shows, e.g. `["Hybrid α=0.5", "minus", "X-X-mono",
 * "xquad-r", "delta mAP"]` → `hybrid-alpha-0.5_minus_x-x-mono_xquad-r_delta-map`: parts slugged and joined
 * by `_` (so a part's own hyphens stay readable), empty parts dropped.
 */
export function figureFileName(parts: readonly (string | null | undefined)[]): string {
  const slugs = parts.filter((p): p is string => !!p && p.trim() !== '').map(fileSlug);
  const joined = slugs.join('_');
  // many runs make a long name: keep it under common file-system limits (255 bytes) with room for `@2x.png`
  return joined.length > MAX_NAME ? joined.slice(0, MAX_NAME).replace(/[-._]+$/, '') : joined || 'figure';
}
