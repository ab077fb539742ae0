/** Language codes of the LAReQA datasets (ISO 639-1), in canonical (alphabetical) order. */
export const XQUAD_R_LANGUAGES = ['ar', 'de', 'el', 'en', 'es', 'hi', 'ru', 'th', 'tr', 'vi', 'zh'] as const;
export const MLQA_R_LANGUAGES = ['ar', 'de', 'en', 'es', 'hi', 'vi', 'zh'] as const;

/** Every language any dataset of the tool knows; `ro` is XQuAD's 12th language (no sentence fields). */
export const LANGUAGES = ['ar', 'de', 'el', 'en', 'es', 'hi', 'ro', 'ru', 'th', 'tr', 'vi', 'zh'] as const;
export type Lang = (typeof LANGUAGES)[number];

export const DATASET_NAMES = ['xquad-r', 'mlqa-r'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export const DATASET_LANGUAGES: Record<DatasetName, readonly Lang[]> = {
  'xquad-r': XQUAD_R_LANGUAGES,
  'mlqa-r': MLQA_R_LANGUAGES,
};

export function isLang(x: unknown): x is Lang {
  return typeof x === 'string' && (LANGUAGES as readonly string[]).includes(x);
}
