import { describe, expect, it } from 'vitest';
import { mergeSections } from './results';

describe('mergeSections', () => {
  const doc = ['# Old title', '', 'old intro', '', '## Evaluation', '', 'their table', '', '## Training', '', 'old numbers', '', '## Where the time goes', '', 'notes', ''].join('\n');

  it('replaces the preamble and owned sections and keeps the others verbatim, in the given order', () => {
    const out = mergeSections(doc, '# Benchmark results\n\nintro', [{ heading: 'Training', body: 'new numbers' }], ['Evaluation', 'Training', 'Where the time goes']);
    expect(out).toBe(['# Benchmark results', '', 'intro', '', '## Evaluation', '', 'their table', '', '## Training', '', 'new numbers', '', '## Where the time goes', '', 'notes', ''].join('\n'));
  });

  it('puts named sections first and keeps unnamed ones after them in document order', () => {
    const out = mergeSections(doc, '# T', [{ heading: 'Training', body: 'x' }], ['Training']);
    expect(out.indexOf('## Training')).toBeLessThan(out.indexOf('## Evaluation'));
    expect(out.indexOf('## Evaluation')).toBeLessThan(out.indexOf('## Where the time goes'));
  });

  it('appends sections that are not there yet, in the given order', () => {
    const out = mergeSections('# T\n', '# T', [
      { heading: 'A', body: 'a' },
      { heading: 'B', body: 'b' },
    ]);
    expect(out).toBe('# T\n\n## A\n\na\n\n## B\n\nb\n');
  });

  it('does not take a heading that merely starts with an owned one', () => {
    const out = mergeSections('# T\n\n## Training notes\n\nkeep\n', '# T', [{ heading: 'Training', body: 'x' }]);
    expect(out).toContain('## Training notes\n\nkeep');
    expect(out).toContain('## Training\n\nx');
  });
});
