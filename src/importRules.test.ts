/**
 * The import directions of style.md rule 1 are enforced by biome.jsonc's `noRestrictedImports` (run by
 * `npm run lint`). This proves the rule fires: a scratch tree with the project's config and files that
 * break it, and one that does not, linted by the installed Biome.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIOME = path.join(ROOT, 'node_modules', '.bin', 'biome');

const FILES: Record<string, string> = {
  // refused: core importing the page, the workers and the CLI, and UI libraries
  'src/core/data/badUi.ts': "import { useStore } from '../../ui/store/store';\nexport const a = useStore;\n",
  'src/core/badWorker.ts': "import { x } from '../../workers/opfsCheckpoints';\nexport const a = x;\n",
  'src/core/experiment/badCli.ts': "import { main } from '../../cli/main';\nexport const a = main;\n",
  'src/core/model/badStorage.ts': "import { readCheckpointFolder } from '../../storage/opfsCheckpoints';\nexport const a = readCheckpointFolder;\n",
  'src/core/figures/badReact.ts': "import { useState } from 'react';\nimport { create } from 'zustand';\nexport const a = [useState, create];\n",
  // refused: the page importing the top-level workers/ folder
  'src/ui/actions/badWorker.ts': "import { x } from '../../../workers/opfsCheckpoints';\nexport const a = x;\n",
  // allowed: core importing core, the page importing its own src/ui/workers/, the CLI importing anything
  'src/core/figures/ok.ts': "import { XlirError } from '../errors';\nexport const a = XlirError;\n",
  'src/ui/actions/ok.ts': "import { queue } from '../workers/statsQueue';\nimport { parseRunConfig } from '../../core/experiment/runConfig';\nexport const a = [queue, parseRunConfig];\n",
  'src/ui/actions/okStorage.ts': "import { readCheckpointFolder } from '../../storage/opfsCheckpoints';\nexport const a = readCheckpointFolder;\n",
  'src/cli/ok.ts': "import { useStore } from '../ui/store/store';\nexport const a = useStore;\n",
};

const ReportSchema = z.object({
  diagnostics: z.array(z.object({ category: z.string(), location: z.object({ path: z.string() }) })),
});

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function lintScratchTree(): Map<string, string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'xlir-lint-'));
  dirs.push(dir);
  copyFileSync(path.join(ROOT, 'biome.jsonc'), path.join(dir, 'biome.jsonc'));
  for (const [name, text] of Object.entries(FILES)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  let out: string;
  try {
    out = execFileSync(BIOME, ['lint', '--vcs-enabled=false', '--reporter=json', '--max-diagnostics=none', '.'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    // biome exits 1 when it reports an error; the report is still on stdout
    out = String((err as { stdout?: unknown }).stdout ?? '');
  }
  const byFile = new Map<string, string[]>();
  for (const d of ReportSchema.parse(JSON.parse(out)).diagnostics) byFile.set(d.location.path, [...(byFile.get(d.location.path) ?? []), d.category]);
  return byFile;
}

describe('biome.jsonc import directions', () => {
  const found = lintScratchTree();
  it.each(Object.keys(FILES).filter((f) => path.basename(f).startsWith('bad')))('refuses %s', (file) => {
    expect(found.get(file)).toContain('lint/style/noRestrictedImports');
  });
  it('refuses react and zustand in core, one error each', () => {
    expect(found.get('src/core/figures/badReact.ts')?.filter((c) => c === 'lint/style/noRestrictedImports')).toHaveLength(2);
  });
  it.each(Object.keys(FILES).filter((f) => path.basename(f).startsWith('ok')))('allows %s', (file) => {
    expect(found.get(file) ?? []).not.toContain('lint/style/noRestrictedImports');
  });
});
