/**
 * Gets the pinned Debian packages of the corpus manifest: `apt-get download name=version` into a cache
 * folder (skipped when the .deb is already there), SHA-256 check against the manifest, and `dpkg-deb -x`
 * into `<cache>/extracted/<name>_<version>/` (reused while its marker names the same hash).
 * The build takes a {@link PackageFetcher}, so tests inject extracted folders and need no network.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { makeDirs } from '../diskWrites';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ManifestPackage } from '../../core/corpus/corpusManifest';
import { ConfigError } from '../../core/errors';

const run = promisify(execFile);

/** Turns a pinned package into a folder holding its extracted files. */
export interface PackageFetcher {
  /** @returns the root of the extracted package (paths inside it as in the .deb, e.g. `usr/share/...`) */
  fetch(pkg: ManifestPackage): Promise<string>;
}

/** SHA-256 of a file, as 64 lower-case hex digits (streamed). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The file name prefix apt gives a .deb (`:` in the version becomes `%3a`). */
function debPrefix(pkg: ManifestPackage): string {
  return `${pkg.name}_${pkg.version.replace(/:/g, '%3a')}_`;
}

async function findDeb(cacheDir: string, pkg: ManifestPackage): Promise<string | null> {
  const prefix = debPrefix(pkg);
  const names = (await readdir(cacheDir)).filter((n) => n.startsWith(prefix) && n.endsWith('.deb')).sort();
  return names.length ? path.join(cacheDir, names[0]!) : null;
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('W:'));
  return lines.at(-1) ?? 'no message';
}

/**
 * @param cacheDir where .deb files and extracted folders are kept
 * @param manifestFile named in errors
 * @param log progress lines
 */
export function aptPackageFetcher(cacheDir: string, manifestFile: string, log: (line: string) => void): PackageFetcher {
  return {
    async fetch(pkg) {
      const pinned = `${pkg.name}=${pkg.version}`;
      await makeDirs(cacheDir);
      let deb = await findDeb(cacheDir, pkg);
      if (deb === null) {
        log(`downloading ${pinned}`);
        try {
          await run('apt-get', ['download', '-q', pinned], { cwd: cacheDir, maxBuffer: 16 * 1024 * 1024 });
        } catch (err) {
          const e = err as { stderr?: string; message: string };
          throw new ConfigError(`cannot download ${pinned} pinned in ${manifestFile}: ${lastLine(e.stderr ?? e.message)}`);
        }
        deb = await findDeb(cacheDir, pkg);
        if (deb === null) throw new ConfigError(`apt-get download ${pinned} (pinned in ${manifestFile}) left no ${debPrefix(pkg)}*.deb in ${cacheDir}`);
      }
      const sha = await sha256File(deb);
      if (sha !== pkg.sha256) {
        throw new ConfigError(`${pinned}: ${deb} has sha256 ${sha}, but ${manifestFile} pins ${pkg.sha256} (delete the file to download it again)`);
      }
      const dir = path.join(cacheDir, 'extracted', `${pkg.name}_${pkg.version.replace(/:/g, '%3a')}`);
      const marker = path.join(dir, '.xlir-extracted');
      const done = await readFile(marker, 'utf8').catch(() => '');
      if (done.trim() === sha) return dir;
      log(`extracting ${pinned}`);
      const tmp = `${dir}.tmp-${process.pid}`;
      await rm(tmp, { recursive: true, force: true });
      await makeDirs(tmp);
      try {
        await run('dpkg-deb', ['-x', deb, tmp], { maxBuffer: 16 * 1024 * 1024 });
      } catch (err) {
        await rm(tmp, { recursive: true, force: true });
        throw new ConfigError(`cannot extract ${deb} (${pinned}): ${lastLine((err as { stderr?: string }).stderr ?? String(err))}`);
      }
      await writeFile(path.join(tmp, '.xlir-extracted'), `${sha}\n`);
      await rm(dir, { recursive: true, force: true });
      await rename(tmp, dir);
      return dir;
    },
  };
}
