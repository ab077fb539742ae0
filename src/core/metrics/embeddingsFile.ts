/**
 * The embeddings file of `xlir evaluate` / `xlir export-trec`:
 * `{"queries": {canonical_id: [floats]}, "candidates": {canonical_id: [floats]}}`, scored by dot product
 * (the caller normalises for cosine). Checked here, in core, so the app can read the same files.
 */
import { parseJsonText } from '../data/parseJsonText';
import type { RetrievalDataset } from '../data/types';
import { DataFormatError } from '../errors';
import type { RetrievalEmbeddings } from './evaluateRetrieval';
import { shownValue } from '../shownValue';

/**
 * @param json the parsed file
 * @param file name for error messages
 * @returns matrices in dataset order. Ids of a dataset language that is not loaded (e.g. `--languages en,de`)
 *   are skipped; any other id the dataset lacks is an error.
 * @throws DataFormatError naming the file and the field: a missing embedding (the first missing id in
 *   dataset order), an unknown id, a vector of another length, a value that is not a finite number
 */
export function embeddingsFromJson(json: unknown, file: string, dataset: RetrievalDataset, datasetLanguages: readonly string[]): RetrievalEmbeddings {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new DataFormatError(file, '(root)', 'expected an object {"queries": {...}, "candidates": {...}}');
  }
  const root = json as Record<string, unknown>;
  for (const key of Object.keys(root)) {
    if (key !== 'queries' && key !== 'candidates') {
      // a key like "" or "a: b" is quoted, so the message still shows which field it is
      const field = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
      throw new DataFormatError(file, field, 'unexpected key (expected only "queries" and "candidates")');
    }
  }
  let dim = -1;
  const loaded = new Set<string>(dataset.languages);
  const matrix = (field: 'queries' | 'candidates', items: readonly { id: string }[]): Float32Array => {
    const table = root[field];
    if (typeof table !== 'object' || table === null || Array.isArray(table)) {
      throw new DataFormatError(file, field, 'expected an object mapping canonical ids to arrays of numbers');
    }
    const vectors = table as Record<string, unknown>;
    const index = new Map(items.map((item, i) => [item.id, i]));
    for (const id of Object.keys(vectors)) {
      if (index.has(id)) continue;
      // without a ":" there is no language prefix (slice(0, -1) would take all but the last character)
      const colon = id.indexOf(':');
      const lang = colon < 0 ? '' : id.slice(0, colon);
      if (datasetLanguages.includes(lang) && !loaded.has(lang)) continue;
      throw new DataFormatError(file, `${field}["${id}"]`, `unknown id: not a ${field === 'queries' ? 'query' : 'candidate'} of ${dataset.name}`);
    }
    for (const item of items) {
      const v = vectors[item.id];
      if (v === undefined) throw new DataFormatError(file, `${field}["${item.id}"]`, 'missing embedding');
      if (!Array.isArray(v)) throw new DataFormatError(file, `${field}["${item.id}"]`, 'expected an array of numbers');
      if (dim < 0) {
        if (v.length === 0) throw new DataFormatError(file, `${field}["${item.id}"]`, 'empty vector');
        dim = v.length;
      }
      if (v.length !== dim) throw new DataFormatError(file, `${field}["${item.id}"]`, `vector has ${v.length} values, the first one had ${dim}`);
    }
    const out = new Float32Array(items.length * dim);
    items.forEach((item, i) => {
      const v = vectors[item.id] as unknown[];
      for (let k = 0; k < dim; k++) {
        const x = v[k];
        if (typeof x !== 'number' || !Number.isFinite(x)) throw new DataFormatError(file, `${field}["${item.id}"][${k}]`, `expected a finite number, got ${shownValue(x)}`);
        out[i * dim + k] = x;
        if (!Number.isFinite(out[i * dim + k]!)) throw new DataFormatError(file, `${field}["${item.id}"][${k}]`, `${x} is outside the float32 range`);
      }
    });
    return out;
  };
  const queries = matrix('queries', dataset.queries);
  const candidates = matrix('candidates', dataset.candidates);
  return { queries, candidates, dim };
}

/**
 * The embeddings file from its text: parsed, then refused when an object repeats a key (JSON.parse would keep
 * the last vector of `{"en:q1": [..], "en:q1": [..]}` silently, so which embedding is scored would depend on
 * the writer), then checked by {@link embeddingsFromJson}.
 * @throws DataFormatError naming the file and the line and column of a syntax error, or the repeated id
 */
export function embeddingsFromJsonText(text: string, file: string, dataset: RetrievalDataset, datasetLanguages: readonly string[]): RetrievalEmbeddings {
  return embeddingsFromJson(parseJsonText(text, file, { refuseDuplicateKeys: true }), file, dataset, datasetLanguages);
}
