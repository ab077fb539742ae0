import { describe, expect, it } from 'vitest';
import { cellTestLine, chanceWithoutOwnSentence, WITHOUT_OWN_COLUMNS, differenceHeatmapSpec, drilldownRows, mapHeatmapSpec, mapMatrix, perLanguageTable, rankDistanceTable, resultsTable, type ResultLike } from './resultFigures';
import { heatmapSvg } from './heatmapSvg';
import { countElements } from './xmlCheck.testutil';
import { tableLatex } from './table';

function result(shift: number): ResultLike {
  const cell = (map: number) => ({ map, recall_1: map / 2, n: 2 });
  return {
    dataset: 'xquad-r',
    languages: ['de', 'en'],
    mono: { map: 0.75 + shift, recall_1: 0.4, cells: { 'de->de': cell(0.7 + shift), 'en->en': cell(0.8 + shift) } },
    cross: { map: 0.55, recall_1: 0.3, cells: { 'de->en': cell(0.5), 'en->de': cell(0.6) } },
    multi: { map: 0.4, recall_10: 0.6, rank_distance: 12.5 - shift, per_language: { de: { map: 0.4, recall_10: 0.6, rank_distance: 10, n: 2 }, en: { map: 0.4, recall_10: 0.6, rank_distance: 15 - shift, n: 2 } } },
    per_query: {
      mono: { 'de->de': { 'de:q1': 1, 'de:q2': 0.5 }, 'en->en': { 'en:q1': 1, 'en:q2': 1 } },
      cross: { 'de->en': { 'de:q1': 0.5, 'de:q2': 0.25 + shift }, 'en->de': { 'en:q1': 1, 'en:q2': 0.2 } },
      multi: { de: { 'de:q1': 0.4, 'de:q2': 0.4 }, en: { 'en:q1': 0.4, 'en:q2': 0.4 } },
    },
  };
}

describe('result figures', () => {
  it('lays mono on the diagonal and cross off it, query language by row', () => {
    expect(mapMatrix(result(0))).toEqual([
      [0.7, 0.5],
      [0.6, 0.8],
    ]);
    const spec = mapHeatmapSpec(result(0), { title: 'hybrid', showMeans: true, showValues: true });
    // one scale: the caption prints mAP ×100 like the cells
    expect(spec.footnotes![0]).toMatch(/^mono 75\.0 · cross 55\.0 · multi 40\.0 {2}\(mAP ×100/);
    const svg = heatmapSvg(spec);
    expect(countElements(svg, 'rect', 'cell')).toBe(4);
    expect(svg).toContain('>70.0</text>');
  });

  it('states the pool’s query-blind level beside the heatmap and the tables, and each setting as a multiple of it', () => {
    const chance = { mono: 0.25, cross: 0.5, multi: 0.2, rank_distance: 4, per_language: { de: { map: 0.2, rank_distance: 4 }, en: { map: 0.2, rank_distance: 4 } } };
    const r = { ...result(0), chance };
    expect(mapHeatmapSpec(r, { title: 'h', showMeans: true, showValues: true }).footnotes![1]).toBe('query-blind chance: mono 25.0 · cross 50.0 · multi 20.0 (mAP ×100); here mono 3.0× · cross 1.1× · multi 2.0× chance');
    expect(mapHeatmapSpec(result(0), { title: 'h', showMeans: true, showValues: true }).footnotes).toHaveLength(1);
    const named = (x: ResultLike, name: string) => ({ name, result: x });
    const table = resultsTable([named(r, 'a'), named({ ...result(0.1), chance }, 'b')], 'Runs');
    expect(table.caption).toBe(
      'Runs. Query-blind chance (mAP × 100; a ranking that ignores the query, on the same pool): mono 25.00, cross 50.00, multi 20.00. Query-blind rank distance (a ranking that ignores the query): 4.0 (per query language: de 4, en 4).',
    );
    expect(rankDistanceTable([named(r, 'a')]).caption).toBe('Query-blind rank distance (a ranking that ignores the query): 4.0 (per query language: de 4, en 4).');
    // runs of different pools (or one without a recorded level) share no level: the caption alone
    expect(resultsTable([named(r, 'a'), named({ ...result(0), chance: { ...chance, mono: 0.3 } }, 'b')], 'Runs').caption).toBe('Runs');
    expect(perLanguageTable([named(r, 'a'), named(result(0), 'b')], 'Runs').caption).toBe('Runs');
  });

  it('colours the mAP heatmap over the shown values by default, or a fixed range, and says which in the legend', () => {
    const auto = mapHeatmapSpec(result(0), { title: 'hybrid', showMeans: false, showValues: true });
    expect(auto.colorScale).toEqual({ name: 'viridis', domain: [0.5, 0.8] });
    expect(auto.rangeLegend).toBe('colour range 50.0 to 80.0 mAP ×100 (auto: lowest to highest value shown)');
    expect(heatmapSvg(auto)).toContain('>colour range 50.0 to 80.0 mAP ×100 (auto: lowest to highest value shown)</text>');
    const fixed = mapHeatmapSpec(result(0), { title: 'hybrid', showMeans: false, showValues: true, colorRange: { mode: 'fixed', map: [0, 1], diff: 0.1 } });
    expect(fixed.colorScale.domain).toEqual([0, 1]);
    expect(fixed.rangeLegend).toBe('colour range 0.0 to 100.0 mAP ×100 (fixed)');
    const diff = differenceHeatmapSpec(result(0.25), result(0), null, { title: 'Δ', showMeans: false, showValues: true, colorRange: { mode: 'fixed', map: [0, 1], diff: 0.1 } });
    expect(diff.colorScale.domain).toEqual([-0.1, 0.1]);
  });

  it('subtracts b from a and marks only Holm-significant cells, with p and adjusted p per cell', () => {
    const comparison = {
      mono: { cells: { 'de->de': { p: 0.002, pHolm: 0.01, diff: 0.25 }, 'en->en': { p: 0.1, pHolm: 0.2, diff: 0.25 } } },
      cross: { cells: { 'de->en': { p: 0.02, pHolm: 0.049, diff: 0 }, 'en->de': { pHolm: 0.5, diff: 0 } } },
    };
    const spec = differenceHeatmapSpec(result(0.25), result(0), comparison, { title: 'Δ', showMeans: false, showValues: true });
    expect(spec.values).toEqual([
      [0.25, 0],
      [0, 0.25],
    ]);
    expect(spec.marks).toEqual([
      [true, true],
      [false, false],
    ]);
    expect(spec.colorScale).toEqual({ name: 'blueWhiteRed', domain: [-0.25, 0.25] });
    const svg = heatmapSvg(spec);
    expect(svg).toContain('>+25.0</text>');
    expect(countElements(svg, 'g', 'mark')).toBe(2);
    expect(svg).toContain('<title>de → de: Δ mAP ×100 = +25.0; p = 0.0020, Holm-adjusted p = 0.010 (significant)</title>');
    expect(svg).toContain('<title>en → de: Δ mAP ×100 = 0.0; p = –, Holm-adjusted p = 0.500 (not significant)</title>');
    expect(spec.footnotes![0]).toBe('Δ mono +25.0 · Δ cross 0.0 · Δ multi 0.0  (mAP ×100)');
    expect(spec.rangeLegend).toMatch(/^colour range -25\.0 to \+25\.0 Δ mAP ×100 \(auto: symmetric/);
    expect(cellTestLine(comparison, 'de', 'en')).toBe('paired randomization test: p = 0.020, Holm-adjusted p = 0.049 — significant at α = 0.05');
    expect(cellTestLine(comparison, 'en', 'en', 0.1)).toBe('paired randomization test: p = 0.100, Holm-adjusted p = 0.200 — not significant at α = 0.1');
    expect(cellTestLine(comparison, 'de', 'xx')).toBeNull();
    const other = { ...result(0), languages: ['de', 'es'] };
    expect(() => differenceHeatmapSpec(result(0), other, null, { title: '', showMeans: false, showValues: false })).toThrow(/cannot subtract/);
  });

  it('tabulates runs with the best value per column in bold', () => {
    const table = resultsTable([
      { name: 'a', strategy: 'hybrid', step: 100, result: result(0.1) },
      { name: 'b', strategy: 'x-y', step: 100, result: result(0) },
    ]);
    expect(table.rows[0]).toMatchObject({ mono_map: 0.85, rank_distance: 12.4 });
    const tex = tableLatex(table);
    expect(tex).toContain('a & -- & hybrid & 100 & \\textbf{0.850}');
    expect(tex).toContain('\\textbf{12.4} \\\\');
    const rd = rankDistanceTable([{ name: 'a', result: result(0) }]);
    expect(rd.rows.map((r) => [r.lang, r.r0])).toEqual([
      ['de', 10],
      ['en', 15],
      ['mean', 12.5],
    ]);
  });

  it('adds multi excl. own mAP and rank distance over the other languages when a run carries them, with their chance level', () => {
    const chance = { mono: 0.25, cross: 0.5, multi: 0.2, rank_distance: 4, multi_excluding_own: 0.125, rank_distance_others: 3.5, per_language: { de: { map: 0.2, rank_distance: 4 }, en: { map: 0.2, rank_distance: 4 } } };
    const plain = result(0);
    const withOwn = { ...result(0.1), multi: { ...result(0.1).multi, map_excluding_own: 0.3, rank_distance_others: 7.25 } };
    // no run carries them: the table is as before
    expect(resultsTable([{ name: 'a', result: plain }]).columns.map((c) => c.key)).not.toContain('multi_excl_own_map');
    const table = resultsTable(
      [
        { name: 'a', result: { ...plain, chance } },
        { name: 'b', result: { ...withOwn, chance } },
      ],
      'Runs',
    );
    const cols = table.columns.filter((c) => c.key === 'multi_excl_own_map' || c.key === 'rank_distance_others');
    expect(cols.map((c) => c.label)).toEqual(['multi excl. own mAP', 'rank distance, other languages']);
    // an older run without them shows –, the other its figures
    expect(table.rows.map((r) => [r.multi_excl_own_map, r.rank_distance_others])).toEqual([
      [null, null],
      [0.3, 7.25],
    ]);
    expect(table.caption).toBe(
      `Runs. Query-blind chance (mAP × 100; a ranking that ignores the query, on the same pool): mono 25.00, cross 50.00, multi 20.00. Query-blind rank distance (a ranking that ignores the query): 4.0 (per query language: de 4, en 4). ${WITHOUT_OWN_COLUMNS} Query-blind chance without the query-language answer: multi mAP × 100 12.50, rank distance over the other languages 3.5.`,
    );
    expect(chanceWithoutOwnSentence({})).toBeNull();
    // without a shared level the columns are still explained, with no chance sentence
    expect(resultsTable([{ name: 'b', result: withOwn }], 'Runs').caption).toBe(`Runs. ${WITHOUT_OWN_COLUMNS}`);
  });

  it('puts multilingual mAP per query language beside rank distance, per run', () => {
    const b = result(0);
    const perLang = { ...b.multi.per_language, de: { ...b.multi.per_language.de!, map: 0.45 }, en: { ...b.multi.per_language.en!, map: 0.35 } };
    const t = perLanguageTable([
      { name: 'a', result: result(0) },
      { name: 'b', result: { ...b, multi: { ...b.multi, per_language: perLang } } },
    ]);
    expect(t.columns.map((c) => c.label)).toEqual(['query language', 'a: multi mAP', 'a: rank distance', 'b: multi mAP', 'b: rank distance']);
    expect(t.rows.map((r) => [r.lang, r.map0, r.rd0, r.map1, r.rd1])).toEqual([
      ['de', 0.4, 10, 0.45, 10],
      ['en', 0.4, 15, 0.35, 15],
      ['mean', 0.4, 12.5, 0.4, 12.5],
    ]);
  });

  it('sorts a cell’s queries by AP difference, with gold ranks', () => {
    const rows = drilldownRows(result(0), result(0.25), 'de', 'en');
    expect(rows.map((r) => [r.queryId, r.diff, r.rankA, r.rankB])).toEqual([
      ['de:q2', -0.25, 4, 2],
      ['de:q1', 0, 2, 2],
    ]);
    expect(rows.map((r) => r.retrievedA)).toEqual([null, null]);
    const withTop = { ...result(0), top_retrieved: { mono: {}, cross: { 'de->en': { 'de:q2': 'en:0:0:3' } } } };
    expect(drilldownRows(withTop, null, 'de', 'en').map((r) => [r.queryId, r.retrievedA])).toEqual([
      ['de:q2', 'en:0:0:3'],
      ['de:q1', null],
    ]);
    const { per_query: _, ...bare } = result(0);
    expect(() => drilldownRows(bare, null, 'de', 'en')).toThrow(/no per-query APs for cell de->en/);
  });
});
