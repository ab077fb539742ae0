/** Saving files from the page: a Blob offered as a download under a chosen name. */
import { fileSlug } from '../../core/figures/fileName';

export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // The download has started once click() returns; revoke on the next task to be safe in every browser.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

export const MIME = {
  svg: 'image/svg+xml',
  png: 'image/png',
  csv: 'text/csv;charset=utf-8',
  json: 'application/json',
  tex: 'application/x-tex;charset=utf-8',
  zip: 'application/zip',
} as const;

export function downloadText(text: string, fileName: string, mime: string): void {
  downloadBlob(new Blob([text], { type: mime }), fileName);
}

/** A file-name-safe slug of a label ("hybrid α=0.5" → "hybrid-alpha-0.5"); see `core/figures/fileName.ts`. */
export const slug = fileSlug;
