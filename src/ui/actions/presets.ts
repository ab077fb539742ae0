/** The run presets shipped in `experiments/*.json`, validated once at start-up. */
import { parseRunConfig, type RunConfig } from '../../core/experiment/runConfig';

const files = import.meta.glob('../../../experiments/*.json', { eager: true, import: 'default' });

/** name (file name without `.json`) → config, sorted with `tiny` first */
export const PRESETS: ReadonlyMap<string, RunConfig> = new Map(
  Object.entries(files)
    .map(([path, raw]) => {
      const name = path.split('/').pop()!.replace(/\.json$/, '');
      return [name, parseRunConfig(raw, `experiments/${name}.json`)] as const;
    })
    .sort(([a], [b]) => (a === 'tiny' ? -1 : b === 'tiny' ? 1 : a.localeCompare(b))),
);

export const DEFAULT_PRESET = PRESETS.has('tiny') ? 'tiny' : [...PRESETS.keys()][0]!;
