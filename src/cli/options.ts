import { InvalidArgumentError } from 'commander';
import { isLang, type Lang } from '../core/data/languages';
import { ConfigError } from '../core/errors';

/** A commander argument parser that accepts one of a closed vocabulary and names the flag when it refuses. */
export function parseChoice<T extends string>(flag: string, choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`${flag} must be one of ${choices.join(', ')} (got "${value}")`);
    }
    return value as T;
  };
}

/**
 * A commander parser for a comma-separated list of codes (`--languages en,de`), each checked by `isCode`.
 * @param expected what the codes are, for the message (`language codes`)
 */
export function parseCodeList<T extends string>(flag: string, isCode: (s: string) => s is T, expected: string) {
  return (value: string): T[] => {
    const codes = value.split(',').map((s) => s.trim());
    const bad = codes.find((c) => !isCode(c));
    if (bad !== undefined) throw new InvalidArgumentError(`${flag} takes comma-separated ${expected} (got "${bad}" in "${value}")`);
    return codes as T[];
  };
}

/** Parses `--languages en,de` into language codes (each command checks them against its dataset). */
export const parseLanguageList: (value: string) => Lang[] = parseCodeList('--languages', isLang, 'language codes');

export function parsePositiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a positive integer (got "${value}")`);
    return n;
  };
}

/**
 * Runs `task`, turning a core ConfigError about `flag` (its message starts with the flag, e.g. core's
 * "--max-length 65 is more than the 64 tokens …") into a usage error (exit 2), like any bad option value.
 */
export async function flagErrorsAsUsage<T>(flag: string, task: () => Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (err) {
    if (err instanceof ConfigError && err.message.startsWith(`${flag} `)) throw new InvalidArgumentError(err.message);
    throw err;
  }
}
