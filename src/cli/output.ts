/** How a command prints: human text or one JSON document on stdout (`--json`). */
export interface Output {
  json: boolean;
  /** Print a result: `value` as JSON with --json, else the text produced by `human`. */
  result<T>(value: T, human: (value: T) => string): void;
  /** Progress and notes go to stderr so stdout stays machine-readable. */
  info(line: string): void;
}

export function createOutput(json: boolean, stdout = process.stdout, stderr = process.stderr): Output {
  return {
    json,
    result(value, human) {
      stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human(value)}\n`);
    },
    info(line) {
      stderr.write(`${line}\n`);
    },
  };
}
