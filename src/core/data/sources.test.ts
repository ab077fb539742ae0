import { describe, expect, it } from 'vitest';
import { ConfigError, DataFormatError } from '../errors';
import { DATASET_LANGUAGES, DATASET_NAMES } from './languages';
import { DATASET_SHA256, datasetFileUrl, expectedSha256, fetchDatasetFiles, type FetchFn } from './sources';

const bytesResponse = (bytes: Uint8Array) => ({
  ok: true,
  status: 200,
  statusText: 'OK',
  arrayBuffer: async () => bytes.slice().buffer,
});

describe('dataset sources', () => {
  it('has a URL and a full SHA-256 for every language of every dataset, and no others', () => {
    for (const name of DATASET_NAMES) {
      expect(Object.keys(DATASET_SHA256[name]).sort()).toEqual([...DATASET_LANGUAGES[name]]);
      for (const lang of DATASET_LANGUAGES[name]) {
        expect(expectedSha256(name, lang)).toMatch(/^[0-9a-f]{64}$/);
        expect(datasetFileUrl(name, lang)).toMatch(new RegExp(`^https://raw\\.githubusercontent\\.com/google-research-datasets/lareqa/[0-9a-z]+/${name}/${lang}\\.json$`));
      }
    }
    expect(datasetFileUrl('xquad-r', 'th')).toBe('https://raw.githubusercontent.com/google-research-datasets/lareqa/master/xquad-r/th.json');
    expect(datasetFileUrl('mlqa-r', 'vi')).toBe('https://raw.githubusercontent.com/google-research-datasets/lareqa/354d67d1cd066854cdfbf5ad0e6105528976141d/mlqa-r/vi.json');
    expect(() => datasetFileUrl('mlqa-r', 'th')).toThrow(ConfigError);
  });

  it('names the file whose download hashes differently', async () => {
    const requested: string[] = [];
    const fetchFn: FetchFn = async (url) => {
      requested.push(url);
      return bytesResponse(new TextEncoder().encode('{"data": []}'));
    };
    const run = fetchDatasetFiles('mlqa-r', ['de'], fetchFn);
    await expect(run).rejects.toThrow(DataFormatError);
    await expect(run).rejects.toThrow(/^mlqa-r\/de\.json: sha256: downloaded 12 bytes from https:\/\/\S+\/mlqa-r\/de\.json hash to [0-9a-f]{64}, expected ce9454dc5aa6f2d85c23cd6e49cb367fbb7c4c6e62d7f71e355c6b5dae4d0886$/);
    expect(requested).toEqual([datasetFileUrl('mlqa-r', 'de')]);
  });

  it('names the file whose download fails, by HTTP status or by a network error', async () => {
    const notFound: FetchFn = async () => ({ ok: false, status: 404, statusText: 'Not Found', arrayBuffer: async () => new ArrayBuffer(0) });
    await expect(fetchDatasetFiles('xquad-r', ['el'], notFound)).rejects.toThrow('xquad-r/el.json: download: GET https://raw.githubusercontent.com/google-research-datasets/lareqa/master/xquad-r/el.json failed: HTTP 404 Not Found');
    const offline: FetchFn = async () => {
      throw new TypeError('Failed to fetch');
    };
    await expect(fetchDatasetFiles('xquad-r', ['en'], offline)).rejects.toThrow(/^xquad-r\/en\.json: download: GET \S+ failed: Failed to fetch$/);
  });

  it('refuses languages the dataset does not have, before fetching anything', async () => {
    let calls = 0;
    const fetchFn: FetchFn = async () => {
      calls++;
      return bytesResponse(new Uint8Array());
    };
    await expect(fetchDatasetFiles('mlqa-r', ['en', 'th'], fetchFn)).rejects.toThrow('mlqa-r has no language "th"');
    await expect(fetchDatasetFiles('mlqa-r', ['en', 'en'], fetchFn)).rejects.toThrow('requested twice');
    expect(calls).toBe(0);
  });
});
