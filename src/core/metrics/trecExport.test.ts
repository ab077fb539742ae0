import { describe, expect, it } from 'vitest';
import { tieBreakKeys } from './docIdOrder';
import { HAND_EN_DE } from './handDataset';
import { qrelsText, runLines, trecCells } from './trecExport';

const DS = HAND_EN_DE;

describe('trecCells / qrelsText', () => {
  it('names cells by language pair, skips queries without an answer in the pool language', () => {
    const cross = trecCells(DS, 'cross');
    expect(cross.map((c) => [c.name, c.key, c.queries.map((q) => q.id)])).toEqual([
      ['de-en', 'de->en', ['de:q1', 'de:q2']],
      ['en-de', 'en->de', ['en:q1', 'en:q2']],
    ]);
    expect(trecCells(DS, 'mono').map((c) => c.name)).toEqual(['de-de', 'en-en']);
    const multi = trecCells(DS, 'multi');
    expect(multi.map((c) => [c.name, c.key, c.poolLangs, c.queries.length])).toEqual([
      ['multi-de', 'de', ['de', 'en'], 2],
      ['multi-en', 'en', ['de', 'en'], 3],
    ]);
  });

  it('writes one line per relevant candidate with level 1', () => {
    expect(qrelsText(DS, trecCells(DS, 'cross')[1]!)).toBe('en:q1 0 de:0:0:1 1\nen:q2 0 de:0:0:0 1\n');
    expect(qrelsText(DS, trecCells(DS, 'multi')[1]!)).toBe('en:q1 0 de:0:0:1 1\nen:q1 0 en:0:0:0 1\nen:q2 0 de:0:0:0 1\nen:q2 0 en:0:0:2 1\nen:q3 0 en:0:0:1 1\n');
  });
});

describe('runLines', () => {
  // 150 candidates c000…c149; score of candidate j = −j, except ties at the top: c001 and c002 both score 5.
  const ids = Array.from({ length: 150 }, (_, j) => `c${String(j).padStart(3, '0')}`);
  const row = Float32Array.from(ids, (_, j) => (j === 1 || j === 2 ? 5 : -j));
  const base = { queryId: 'q', row, rowOffset: 0, pool: [[0, 150]] as [number, number][], tieKeys: tieBreakKeys(ids), candidateIds: ids, tag: 't' };
  const lines = ({ text, lines: n }: { text: string; lines: number }) => {
    const out = text.trimEnd().split('\n');
    expect(out).toHaveLength(n);
    return out;
  };

  it('writes trec_eval order with exact float32 scores: ties by the larger id first', () => {
    const out = lines(runLines({ ...base, relevant: [0], depth: 5 }));
    expect(out).toEqual(['q Q0 c002 1 5 t', 'q Q0 c001 2 5 t', 'q Q0 c000 3 0 t', 'q Q0 c003 4 -3 t', 'q Q0 c004 5 -4 t']);
    const third = Float32Array.of(1 / 3)[0]!;
    const r = runLines({ ...base, row: Float32Array.of(1 / 3), pool: [[0, 1]], relevant: [0], depth: 'all' });
    expect(Number(r.text.split(' ')[4])).toBe(third);
  });

  it('at depth exact goes down to the lowest relevant candidate and writes at least 100 lines', () => {
    expect(lines(runLines({ ...base, relevant: [0, 120], depth: 'exact' }))).toHaveLength(121);
    expect(lines(runLines({ ...base, relevant: [120, 0], depth: 'exact' })).at(-1)).toBe('q Q0 c120 121 -120 t');
    expect(lines(runLines({ ...base, relevant: [3], depth: 'exact' }))).toHaveLength(100);
    expect(lines(runLines({ ...base, relevant: [3], depth: 'all' }))).toHaveLength(150);
    expect(
      lines(
        runLines({
          ...base,
          pool: [
            [10, 40],
            [100, 110],
          ],
          relevant: [105],
          depth: 'exact',
        }),
      ),
    ).toHaveLength(40);
  });

  it('keeps trec_eval order across ties at the cut-off', () => {
    expect(lines(runLines({ ...base, relevant: [0], depth: 1 }))).toEqual(['q Q0 c002 1 5 t']);
    // all 150 scores tie: the relevant c149 is first, and the 100 lines run down the ids from c149 to c050
    const flat = lines(runLines({ ...base, row: new Float32Array(150), relevant: [149], depth: 'exact' }));
    expect(flat).toHaveLength(100);
    expect(flat[0]).toBe('q Q0 c149 1 0 t');
    expect(flat[99]).toBe('q Q0 c050 100 0 t');
  });
});
