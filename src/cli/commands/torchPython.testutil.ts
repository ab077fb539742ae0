/**
 * Test support (not a test): the Python with PyTorch that the export-torch tests run the exported project
 * with. Policy as for ../shared (issue 22): a test that needs it never skips; without it the test fails,
 * naming the package to install. `XLIR_PYTHON` names one interpreter; otherwise `python3` on PATH, then
 * Debian's /usr/bin/python3 (a pyenv or venv python3 first on PATH does not see Debian's python3-torch).
 */
import { execFile, spawnSync } from 'node:child_process';

/** What a machine without PyTorch must install (.ci/run does it). */
export const TORCH_INSTALL_HINT = 'apt-get install python3-torch python3-numpy (Debian), or set XLIR_PYTHON to a python with torch';

/**
 * @param env where `XLIR_PYTHON` is read (default process.env)
 * @returns the first interpreter that imports torch
 * @throws Error naming {@link TORCH_INSTALL_HINT} when none does
 */
export function findTorchPython(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = env.XLIR_PYTHON ? [env.XLIR_PYTHON] : ['python3', '/usr/bin/python3'];
  const tried: string[] = [];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return python;
    tried.push(`${python}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`)}`);
  }
  throw new Error(`the PyTorch export tests need Python with PyTorch and none was found (${tried.join('; ')}): ${TORCH_INSTALL_HINT}`);
}

/** Runs a Python script in `cwd` (with `env` added to the environment); rejects with its stderr when it fails. */
export function runPython(python: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(python, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${python} ${args.join(' ')} failed in ${cwd}: ${err.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}
