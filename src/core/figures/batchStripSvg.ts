/**
 * The batch-composition strip: one column per training step, coloured by the batch's kind (mono, cross,
 * mixed), as a standalone SVG. Each column is `<rect class="step" data-step data-kind>` whose `<title>`
 * lists the batch's query→passage pair counts, so the notebook can show them on hover and open a step on
 * click.
 */
import { BATCH_KIND_COLORS, BATCH_KINDS, type BatchKind } from './palette';
import { escapeXml, px } from './svgText';

export interface BatchStripStep {
  step: number;
  kind: BatchKind;
  pairs: Readonly<Record<string, number>>;
}

export interface BatchStripSpec {
  steps: readonly BatchStripStep[];
  title?: string;
  /** px per step (default 4, at least 1) */
  stepWidth?: number;
  /** px (default 26) */
  height?: number;
  /** the step drawn with an outline (the one being inspected) */
  selectedStep?: number | null;
}

/** `"en->de 3, de->en 2"` ordered by count, then key. */
export function describePairs(pairs: Readonly<Record<string, number>>): string {
  return Object.entries(pairs)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k.replace('->', '→')} ${n}`)
    .join(', ');
}

/** @returns the strip as an SVG document; width = max(240, steps × stepWidth) + margins */
export function batchStripSvg(spec: BatchStripSpec): string {
  const sw = Math.max(1, spec.stepWidth ?? 4);
  const h = spec.height ?? 26;
  const left = 4;
  const top = spec.title ? 20 : 4;
  const n = spec.steps.length;
  const stripW = Math.max(240, n * sw);
  const legendY = top + h + 16;
  const width = left + stripW + 4;
  const height = legendY + 8;
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${px(width)}" height="${px(height)}" viewBox="0 0 ${px(width)} ${px(height)}" font-family="Helvetica, Arial, sans-serif" font-size="10">`];
  if (spec.title) out.push(`<text x="${left}" y="13" font-size="11" font-weight="bold">${escapeXml(spec.title)}</text>`);
  out.push('<g class="steps">');
  spec.steps.forEach((s, i) => {
    const tip = `step ${s.step} · ${s.kind}${describePairs(s.pairs) ? ` · ${describePairs(s.pairs)}` : ''}`;
    const sel = spec.selectedStep === s.step;
    out.push(
      `<rect class="step" x="${px(left + i * sw)}" y="${top}" width="${px(sw)}" height="${h}" fill="${BATCH_KIND_COLORS[s.kind]}"${sel ? ' stroke="#000000" stroke-width="1.5"' : ''} data-step="${s.step}" data-kind="${s.kind}"><title>${escapeXml(tip)}</title></rect>`,
    );
  });
  out.push('</g>');
  const counts = Object.fromEntries(BATCH_KINDS.map((k) => [k, spec.steps.filter((s) => s.kind === k).length]));
  let x = left;
  out.push('<g class="legend">');
  for (const k of BATCH_KINDS) {
    out.push(`<circle cx="${px(x + 4)}" cy="${legendY - 3}" r="4" fill="${BATCH_KIND_COLORS[k]}"/>`);
    const label = `${k} ${counts[k]}`;
    out.push(`<text x="${px(x + 11)}" y="${legendY}">${escapeXml(label)}</text>`);
    x += 16 + label.length * 6;
  }
  out.push(`<text x="${px(x + 6)}" y="${legendY}" fill="#555">${n} steps</text>`);
  out.push('</g></svg>');
  return out.join('');
}
