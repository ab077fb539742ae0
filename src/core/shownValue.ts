/**
 * A value from a file for an error message, at most 80 characters. JSON.stringify alone recurses (a value
 * nested ~10k deep throws RangeError) and would copy a huge array whole into the message; numbers are
 * printed as themselves because JSON prints NaN and Infinity as null.
 */
export function shownValue(x: unknown): string {
  if (typeof x === 'number') return String(x);
  let text: string | undefined;
  try {
    text = JSON.stringify(x);
  } catch {
    return Array.isArray(x) ? 'an array nested too deeply to show' : 'a value nested too deeply to show';
  }
  if (text === undefined) return String(x);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * What a value is, for "expected X, got Y" messages: `null`, `an array`, `an object`, `the string "…"`
 * (at most 40 characters shown), `number 42`, `boolean true`, `undefined`. Containers are named, never
 * printed (see {@link shownValue} for printing one).
 */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}
