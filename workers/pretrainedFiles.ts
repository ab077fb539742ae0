// The pretrained built-in models' files, fetched from the app's own origin (Vite serves `public/` in dev and
// preview and copies it into the build), never from elsewhere. Fetched once per worker and kept, so a run
// resumed in the same worker, or a second request, does not download them again.
import { NetworkError } from '../src/core/errors';
import { PRETRAINED_FOLDERS, type PretrainedModel } from '../src/core/model/builtinConfigs';
import { memorySource, type CheckpointSource } from '../src/core/model/checkpointSource';

const cache = new Map<PretrainedModel, Promise<Map<string, Uint8Array>>>();

/** `/models/multilingual/config.json` under the app's base URL. */
export function pretrainedFileUrl(name: PretrainedModel, file: string): string {
  return `${import.meta.env.BASE_URL}${PRETRAINED_FOLDERS[name].path}/${file}`;
}

async function fetchFile(name: PretrainedModel, file: string): Promise<Uint8Array> {
  const url = pretrainedFileUrl(name, file);
  const where = `${PRETRAINED_FOLDERS[name].path}/${file}`;
  const attempt = async (init: RequestInit): Promise<Uint8Array> => {
    const response = await fetch(url, init);
    if (!response.ok) throw new NetworkError(where, `the built-in "${name}" model's file could not be fetched from ${url} (HTTP ${response.status})`);
    // the body is read inside the attempt: a failure while streaming it rejects here, not in fetch()
    return new Uint8Array(await response.arrayBuffer());
  };
  try {
    return await attempt({});
  } catch (first) {
    if (first instanceof NetworkError) throw first;
    // Two workers fetching the same large file at once can make Chromium's HTTP cache fail the second
    // (net::ERR_CACHE_WRITE_FAILURE, seen with two runs launched together): fetch it again past the cache.
    try {
      return await attempt({ cache: 'no-store' });
    } catch (err) {
      if (err instanceof NetworkError) throw err;
      throw new NetworkError(where, `the built-in "${name}" model's file could not be fetched from ${url} (${err instanceof Error ? err.message : String(err)})`);
    }
  }
}

async function fetchAll(name: PretrainedModel): Promise<Map<string, Uint8Array>> {
  const files = PRETRAINED_FOLDERS[name].files;
  const bytes = await Promise.all(files.map((f) => fetchFile(name, f)));
  return new Map(files.map((f, i) => [f, bytes[i]!]));
}

/**
 * @returns the model's files as a source for `TrainingEncoderSources.pretrained` or the checkpoint loader
 * @throws NetworkError naming the file that could not be fetched (a later call tries again)
 */
export async function pretrainedSource(name: PretrainedModel): Promise<CheckpointSource> {
  let files = cache.get(name);
  if (!files) {
    files = fetchAll(name);
    cache.set(name, files);
    files.catch(() => cache.delete(name));
  }
  return memorySource(`built-in ${name} (${PRETRAINED_FOLDERS[name].path})`, await files);
}
