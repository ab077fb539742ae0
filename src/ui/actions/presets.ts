/** The run presets shipped in `experiments/*.json`, validated once at start-up. */
import { parseRunConfig, type RunConfig } from '../../core/experiment/runConfig';

const files = import.meta.glob('../../../experiments/*.json', { eager: true, import: 'default' });

/** The preset a new notebook's run form starts from: the pretrained built-in model, a short fine-tuning run. */
const DEFAULT_NAME = 'multilingual';
/** Listed right after the default: the random-init smoke run. */
const SMOKE_NAME = 'tiny';

const rank = (name: string) => (name === DEFAULT_NAME ? 0 : name === SMOKE_NAME ? 1 : 2);

/** name (file name without `.json`) → config, sorted with `multilingual` first, then `tiny`, then by name */
export const PRESETS: ReadonlyMap<string, RunConfig> = new Map(
  Object.entries(files)
    .map(([path, raw]) => {
      const name = path
        .split('/')
        .pop()!
        .replace(/\.json$/, '');
      return [name, parseRunConfig(raw, `experiments/${name}.json`)] as const;
    })
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b)),
);

export const DEFAULT_PRESET = PRESETS.has(DEFAULT_NAME) ? DEFAULT_NAME : [...PRESETS.keys()][0]!;
