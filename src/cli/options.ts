import { InvalidArgumentError } from 'commander';

/** A commander argument parser that accepts one of a closed vocabulary and names the flag when it refuses. */
export function parseChoice<T extends string>(flag: string, choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`${flag} must be one of ${choices.join(', ')} (got "${value}")`);
    }
    return value as T;
  };
}

export function parsePositiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a positive integer (got "${value}")`);
    return n;
  };
}
