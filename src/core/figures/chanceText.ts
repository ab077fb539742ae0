/**
 * The query-blind level of a result (`RetrievalResult.chance`, `metrics/chanceLevel.ts`) in words, for the
 * captions and footnotes that must state it beside every table and heatmap.
 */
import type { ChanceLevels } from '../metrics/chanceLevel';
import { formatValue } from './svgText';

type MapLevels = Pick<ChanceLevels, 'mono' | 'cross' | 'multi'>;

const pct = (x: number) => formatValue(x, { scale: 100, digits: 2 });

/** "Query-blind chance (mAP × 100; …): mono 0.65, cross 0.65, multi 0.98." */
export function chanceMapSentence(chance: MapLevels): string {
  const cross = chance.cross === null ? '' : `, cross ${pct(chance.cross)}`;
  return `Query-blind chance (mAP × 100; a ranking that ignores the query, on the same pool): mono ${pct(chance.mono)}${cross}, multi ${pct(chance.multi)}.`;
}

/** "Query-blind rank distance (…): 10846.0 (per query language: ar 10846, …)." */
export function chanceRankDistanceSentence(chance: Pick<ChanceLevels, 'rank_distance' | 'per_language'>): string {
  const langs = Object.keys(chance.per_language).sort();
  const per = langs.map((l) => `${l} ${chance.per_language[l]!.rank_distance.toFixed(0)}`).join(', ');
  return `Query-blind rank distance (a ranking that ignores the query): ${chance.rank_distance.toFixed(1)}${langs.length > 1 ? ` (per query language: ${per})` : ''}.`;
}

/** A caption with a sentence appended (either may be absent). */
export const withSentence = (caption: string | undefined, sentence: string | null): string | undefined => (sentence === null ? caption : caption ? `${caption}. ${sentence}` : sentence);

/** `query-blind chance: mono 0.7 · cross 0.7 · multi 1.0 (mAP ×100); here mono 12.3× · cross 8.1× · multi 9.0× chance` */
export function chanceFootnote(chance: MapLevels, result: { mono: { map: number | null }; cross: { map: number | null }; multi: { map: number } }): string {
  const f = (v: number | null) => formatValue(v, { scale: 100, digits: 1 });
  const x = (v: number | null, c: number | null) => (v === null || !c ? '–' : `${(v / c).toFixed(1)}×`);
  return `query-blind chance: mono ${f(chance.mono)} · cross ${f(chance.cross)} · multi ${f(chance.multi)} (mAP ×100); here mono ${x(result.mono.map, chance.mono)} · cross ${x(result.cross.map, chance.cross)} · multi ${x(result.multi.map, chance.multi)} chance`;
}
