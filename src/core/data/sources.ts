/**
 * Where the dataset files come from when there is no local folder, and what their bytes must hash to.
 * XQuAD-R is read at the `master` of `google-research-datasets/lareqa`; MLQA-R was deleted from that
 * repository (commit b91469b, "Removed MLQA-R") and is read at the last commit that holds it
 * (see `shared/data/PROVENANCE.md` §1–§2). The hashes were computed with `sha256sum` over those files.
 */
import { ConfigError, DataFormatError, NetworkError } from '../errors';
import { DATASET_LANGUAGES, type DatasetName, type Lang } from './languages';
import type { DatasetFileBytes } from './parseDataset';
import { sha256Hex } from './sha256';

/** URL of a file, with `{lang}` standing for the language code. */
export const DATASET_URL_TEMPLATES: Record<DatasetName, string> = {
  'xquad-r': 'https://raw.githubusercontent.com/google-research-datasets/lareqa/master/xquad-r/{lang}.json',
  'mlqa-r': 'https://raw.githubusercontent.com/google-research-datasets/lareqa/354d67d1cd066854cdfbf5ad0e6105528976141d/mlqa-r/{lang}.json',
};

/** Expected lower-case hex SHA-256 of each published file. */
export const DATASET_SHA256: Record<DatasetName, Partial<Record<Lang, string>>> = {
  'xquad-r': {
    ar: 'c52922d3b8ac1ae03ed5ac38647ad59870dca3dda2beefe18ecdc30729acb69d',
    de: '16fb0f4bf4916154b585a20c24c66074591c9718a1affe764ff4697572328949',
    el: '163fd43ee785a30eb534ae2061e9eaa766a7ee4e8ffce5e4b422480c150f64b6',
    en: '7b0954f39297c27a31fef610f0883337dd2907fa8699151dc922afdd0fa12ffe',
    es: 'f8e836b2d91009c4363e04315f7ede363eedbbb49c67dda60de6c4aa782f58de',
    hi: 'ea45ba8ae4513d1533b222bebdc02a90bc319c055d3aeea68584a053d2e92872',
    ru: '7f4dff853538b9a5fcc28c070b8bb983a5c5d190ac747b8e005a1ada9cab18f1',
    th: 'c3a041864c3a9fb0b4dd91cfdf99cf36b411b3e704c58a303c97bc6dc786cfe4',
    tr: 'f3e8c13002bbce154a4578f535f7533cb70f3da08840e6b62735935baec7bd94',
    vi: 'e35926bf5cc6fc6ecbdfca49467aabeb454f08d152d7818143a906bd31dde995',
    zh: '80c2cde7b9c2fb134c303cbb52f2ba396ead9eb0014aec43993543d2ba9e93ed',
  },
  'mlqa-r': {
    ar: '2132fbc03208535c0fe01f2e2c5121d06f9c2aa799af93b0a719dbc105bdf137',
    de: 'ce9454dc5aa6f2d85c23cd6e49cb367fbb7c4c6e62d7f71e355c6b5dae4d0886',
    en: 'fedd9a5cc0848dda80caf84aa36f482adaae230526a3f6e9e86926a93ef3b1e4',
    es: '70ecba276b8c96a692b120693a595d076ce94ad21d4b28311538a9fcbfe0f9d7',
    hi: '4dd0fb3c06f737a5481d705bc1dcac7876712a5815c9265908fbb3a0696cb654',
    vi: '9d3baff6ba03e6793b25594217265ea59a136b9733833dca8a9582a84a78ff85',
    zh: '57f01d2fff50cf3392805635b01445339f225ad5bf28ba8443b12f8dbd1e69dc',
  },
};

/** @returns the public URL of one dataset file */
export function datasetFileUrl(name: DatasetName, lang: Lang): string {
  checkLanguage(name, lang);
  return DATASET_URL_TEMPLATES[name].replace('{lang}', lang);
}

/** @returns the expected SHA-256 (lower-case hex) of one dataset file */
export function expectedSha256(name: DatasetName, lang: Lang): string {
  checkLanguage(name, lang);
  return DATASET_SHA256[name][lang]!;
}

function checkLanguage(name: DatasetName, lang: Lang): void {
  if (!DATASET_LANGUAGES[name].includes(lang)) {
    throw new ConfigError(`${name} has no language "${lang}" (it has ${DATASET_LANGUAGES[name].join(', ')})`);
  }
}

/** The part of the `fetch` Response that downloading needs; the browser's `fetch` satisfies it. */
export interface FetchResponse {
  ok: boolean;
  status: number;
  statusText: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** An injected `fetch`: the browser passes `fetch` (caching is the caller's concern), tests pass a fake. */
export type FetchFn = (url: string) => Promise<FetchResponse>;

/**
 * Downloads the files of a dataset and checks each against its published SHA-256.
 *
 * @param languages languages to fetch, each of the dataset; the result follows this order
 * @param fetchFn the fetch to use (no global is read, so core stays free of network access)
 * @returns one `{ name: '<dataset>/<lang>.json', bytes }` per language, ready for `parseDataset`
 * @throws DataFormatError naming the file when a download fails or its bytes hash differently
 */
export async function fetchDatasetFiles(name: DatasetName, languages: readonly Lang[], fetchFn: FetchFn): Promise<DatasetFileBytes[]> {
  for (const lang of languages) checkLanguage(name, lang);
  if (new Set(languages).size !== languages.length) throw new ConfigError(`${name}: a language is requested twice (${languages.join(', ')})`);
  return Promise.all(
    languages.map(async (lang) => {
      const file = `${name}/${lang}.json`;
      const url = datasetFileUrl(name, lang);
      let bytes: Uint8Array;
      try {
        const response = await fetchFn(url);
        if (!response.ok) throw new Error(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
        bytes = new Uint8Array(await response.arrayBuffer());
      } catch (err) {
        throw new NetworkError(file, `download: GET ${url} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      const expected = expectedSha256(name, lang);
      const actual = await sha256Hex(bytes);
      if (actual !== expected) {
        throw new DataFormatError(file, 'sha256', `downloaded ${bytes.length} bytes from ${url} hash to ${actual}, expected ${expected}`);
      }
      return { name: file, bytes };
    }),
  );
}
