/**
 * The pinned package list of the pretraining corpus (`corpus/manifest.json`): which Debian packages the
 * pairs come from, at which version, with the SHA-256 of each `.deb` and its licence.
 */
import { z } from 'zod';
import { validate } from '../zodMessage';

/** Languages paired with English, as ISO 639-1 codes (zh is Simplified Chinese). */
export const CORPUS_LANGUAGES = ['ar', 'de', 'el', 'es', 'hi', 'ru', 'th', 'tr', 'vi', 'zh'] as const;
export type CorpusLanguage = (typeof CORPUS_LANGUAGES)[number];

/** What a package holds, which decides how pairs are read from it. */
export const PACKAGE_KINDS = ['libreoffice-ui', 'cldr', 'libreoffice-help', 'firefox', 'iso-codes'] as const;
export type PackageKind = (typeof PACKAGE_KINDS)[number];

/** Where a pair came from; reported per language. Ordered by priority: dedupe keeps the first source. */
export const PAIR_SOURCES = ['libreoffice-ui', 'cldr-annotations', 'cldr-display-names', 'libreoffice-help', 'firefox', 'iso-codes', 'cldr-keywords'] as const;
export type PairSource = (typeof PAIR_SOURCES)[number];

export const ManifestPackageSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, 'must be a Debian package name'),
  version: z.string().regex(/^[A-Za-z0-9.+~:-]+$/, 'must be a Debian version'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
  licence: z.string().min(1),
  licenceName: z.string().min(1),
  /** where the licence text lives inside the .deb */
  licenceFile: z.string().min(1),
  kind: z.enum(PACKAGE_KINDS),
  /** languages whose text the package holds (`en` for the English side) */
  languages: z.array(z.enum(['en', ...CORPUS_LANGUAGES])).min(1),
});
export type ManifestPackage = z.infer<typeof ManifestPackageSchema>;

export const CorpusManifestSchema = z.object({
  schemaVersion: z.literal(1),
  description: z.string().optional(),
  distribution: z.string().optional(),
  packages: z.array(ManifestPackageSchema).min(1),
});
export type CorpusManifest = z.infer<typeof CorpusManifestSchema>;

/**
 * @param raw the parsed JSON of a manifest
 * @param file named in errors
 * @throws DataFormatError naming the file and the field
 */
export function parseCorpusManifest(raw: unknown, file: string): CorpusManifest {
  return validate(CorpusManifestSchema, raw, file);
}

export function isCorpusLanguage(x: unknown): x is CorpusLanguage {
  return typeof x === 'string' && (CORPUS_LANGUAGES as readonly string[]).includes(x);
}
