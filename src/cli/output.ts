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

/**
 * A plain-text table for the terminal: the first column left-aligned in `widths[0]` characters, the others
 * right-aligned in theirs (a width of 0 leaves the cell as it is), trailing spaces trimmed from each line.
 * @param rows the header row first
 */
export function textTable(widths: readonly number[], rows: readonly (readonly (string | number)[])[]): string {
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === 0 ? String(cell).padEnd(widths[0] ?? 0) : String(cell).padStart(widths[i] ?? 0)))
        .join('')
        .trimEnd(),
    )
    .join('\n');
}
