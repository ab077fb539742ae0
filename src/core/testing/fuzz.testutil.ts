/**
 * Shared pieces of the bad-input suite (issue 8): the outcome every malformed case and every fuzz input
 * must have, and fast-check arbitraries that damage a valid input (JSON-level edits and byte-level edits).
 *
 * The required outcome: the parser returns a value that passes its own schema (checked by the caller's
 * `accept`), or throws an {@link XlirError} whose message is `<file>: <field>: <reason>` with a non-empty
 * field. Anything else (TypeError, RangeError from a blown stack, a plain Error) fails the property.
 */
import fc from 'fast-check';
import { XlirError } from '../errors';

function describeThrown(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message.slice(0, 300)}`;
  return `a thrown ${typeof err}: ${String(err).slice(0, 300)}`;
}

/**
 * Asserts that `err` is an XlirError whose message starts with `<file>: <field>: ` (field non-empty).
 * @param file the file name the parser was given; several when an input spans files (tokenizer + config)
 * @param expected when given, a substring (or pattern) the message must also contain
 */
export function expectNamesFileAndField(err: unknown, file: string | readonly string[], expected?: string | RegExp): asserts err is XlirError {
  const files = typeof file === 'string' ? [file] : file;
  if (!(err instanceof XlirError)) throw new Error(`expected an XlirError naming ${files.join(' or ')}, got ${describeThrown(err)}`, { cause: err });
  const named = files.find((f) => err.message.startsWith(`${f}: `));
  if (named === undefined) throw new Error(`the error does not start with "${files.join('" or "')}: ": ${err.message.slice(0, 300)}`);
  const rest = err.message.slice(named.length + 2);
  if (rest.indexOf(': ') <= 0) throw new Error(`the error names no field after the file: ${err.message.slice(0, 300)}`);
  if (expected !== undefined) {
    const ok = typeof expected === 'string' ? err.message.includes(expected) : expected.test(err.message);
    if (!ok) throw new Error(`the error ${JSON.stringify(err.message.slice(0, 300))} does not contain ${String(expected)}`);
  }
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: XlirError };

/**
 * Runs a parser on one input: it must return a value `accept` agrees with (accept throws otherwise), or
 * throw a clean XlirError naming `file` and a field.
 */
export function expectCleanOutcome<T>(run: () => T, file: string | readonly string[], accept: (value: T) => void): Outcome<T> {
  let value: T;
  try {
    value = run();
  } catch (err) {
    expectNamesFileAndField(err, file);
    return { ok: false, error: err };
  }
  accept(value);
  return { ok: true, value };
}

/** {@link expectCleanOutcome} for async parsers. */
export async function expectCleanOutcomeAsync<T>(run: () => Promise<T>, file: string | readonly string[], accept: (value: T) => void | Promise<void>): Promise<Outcome<T>> {
  let value: T;
  try {
    value = await run();
  } catch (err) {
    expectNamesFileAndField(err, file);
    return { ok: false, error: err };
  }
  await accept(value);
  return { ok: true, value };
}

/** The input must be refused with a clean XlirError naming `file`, a field and (when given) `expected`. */
export function expectCleanRejection(run: () => unknown, file: string | readonly string[], expected?: string | RegExp): XlirError {
  try {
    run();
  } catch (err) {
    expectNamesFileAndField(err, file, expected);
    return err;
  }
  throw new Error(`expected ${String(file)} to be refused${expected === undefined ? '' : ` with ${String(expected)}`}, but it was accepted`);
}

/** {@link expectCleanRejection} for async parsers. */
export async function expectCleanRejectionAsync(run: () => Promise<unknown>, file: string | readonly string[], expected?: string | RegExp): Promise<XlirError> {
  try {
    await run();
  } catch (err) {
    expectNamesFileAndField(err, file, expected);
    return err;
  }
  throw new Error(`expected ${String(file)} to be refused${expected === undefined ? '' : ` with ${String(expected)}`}, but it was accepted`);
}

// ---------------------------------------------------------------------------------------------------------
// Inputs

/** Nesting depth of {@link DEEP_ARRAY}: past V8's recursion limits for JSON.stringify and naive recursive walks. */
export const DEEP = 20_000;
/** `[[[…]]]` nested {@link DEEP} levels: valid JSON that recursive code cannot walk. */
export const deepArrayText = (depth = DEEP): string => '['.repeat(depth) + ']'.repeat(depth);
/** The parsed form of {@link deepArrayText}; {@link toJsonText} writes it back without recursion. */
export const DEEP_ARRAY: unknown = JSON.parse(deepArrayText());
// fast-check prints counterexamples recursively; a name keeps a failure report from blowing the stack
Object.defineProperty(DEEP_ARRAY, fc.toStringMethod, { value: () => `DEEP_ARRAY(${DEEP})`, enumerable: false });

/** Strings that must never be treated as paths or escape a field: traversal, absolute paths, NUL, BOM. */
export const PATH_LIKE = ['../x', '../../etc/passwd', '/etc/passwd', 'C:\\Windows\\win.ini', 'a\u0000b', '\u0000', '\uFEFF', ''] as const;

/** JSON values chosen to hit limits: wrong types, huge and negative numbers, path-like strings, deep nesting. */
export const NASTY_VALUES: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  0.5,
  1.5,
  -0.5,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  1e9,
  1e15,
  1e300,
  -1e300,
  Number.MIN_VALUE,
  ...PATH_LIKE,
  'x'.repeat(5000),
  'NaN',
  'Infinity',
  '1',
  [],
  {},
  [0],
  [[]],
  JSON.parse('{"__proto__": {"polluted": true}}') as unknown,
  DEEP_ARRAY,
];

/** Numbers JSON cannot carry; only for parsers that take already-parsed values. */
export const NON_JSON_NUMBERS: readonly unknown[] = [NaN, Infinity, -Infinity, -0];

/** Any JSON value (small) or one of {@link NASTY_VALUES}. */
export function nastyJsonValue(options: { nonJsonNumbers?: boolean } = {}): fc.Arbitrary<unknown> {
  const pool = options.nonJsonNumbers ? [...NASTY_VALUES, ...NON_JSON_NUMBERS] : NASTY_VALUES;
  return fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(...pool));
}

/** Serialises like `JSON.stringify` but writes {@link DEEP_ARRAY} as text (stringify would blow the stack on it). */
export function toJsonText(value: unknown, space?: number): string {
  const marker = '\u0001DEEP\u0001';
  const text = JSON.stringify(value, (_k, v: unknown) => (v === DEEP_ARRAY ? marker : v), space);
  return text === undefined ? '' : text.split(JSON.stringify(marker)).join(deepArrayText());
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
/** Lenient decoding, as `File.text()` or `readFile(…, 'utf8')` give text to the text parsers. */
export const lenientText = (bytes: Uint8Array): string => new TextDecoder('utf-8').decode(bytes);

// ---------------------------------------------------------------------------------------------------------
// JSON-level mutations of a valid value

export type JsonPath = (string | number)[];

/** Paths to every node of a JSON value (root = `[]`), breadth-first, not below `maxDepth` (deep values stay opaque). */
export function jsonPaths(value: unknown, maxDepth = 12): JsonPath[] {
  const out: JsonPath[] = [];
  const queue: [unknown, JsonPath][] = [[value, []]];
  for (let i = 0; i < queue.length; i++) {
    const [node, path] = queue[i]!;
    out.push(path);
    if (path.length >= maxDepth || node === DEEP_ARRAY || typeof node !== 'object' || node === null) continue;
    if (Array.isArray(node)) node.forEach((child, k) => queue.push([child, [...path, k]]));
    else for (const [k, child] of Object.entries(node)) queue.push([child, [...path, k]]);
  }
  return out;
}

export type JsonMutation =
  /** remove an object member or an array element */
  | { op: 'delete'; at: number }
  /** put another value in its place */
  | { op: 'replace'; at: number; value: unknown }
  /** repeat an array element right after itself (duplicate ids, longer arrays) */
  | { op: 'duplicate'; at: number }
  /** rename an object member (path-like names, `__proto__`, NUL) */
  | { op: 'rename'; at: number; key: string };

function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  // defineProperty, like JSON.parse: `obj.__proto__ = v` would change the prototype instead
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Applies mutations to a deep copy of `valid`; each `at` picks a node among the current paths (modulo
 * their count). Mutations that do not apply to the node picked (deleting the root) do nothing.
 */
export function applyJsonMutations(valid: unknown, mutations: readonly JsonMutation[]): unknown {
  let root: unknown = structuredCloneSafe(valid);
  for (const m of mutations) {
    const paths = jsonPaths(root);
    const path = paths[m.at % paths.length]!;
    if (path.length === 0) {
      if (m.op === 'replace') root = m.value;
      continue;
    }
    let parent = root as Record<string | number, unknown>;
    for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
    const key = path[path.length - 1]!;
    const current = parent[key];
    if (Array.isArray(parent)) {
      const i = key as number;
      if (m.op === 'delete') parent.splice(i, 1);
      else if (m.op === 'replace') parent[i] = m.value;
      else if (m.op === 'duplicate') parent.splice(i + 1, 0, structuredCloneSafe(current));
      else if (m.op === 'rename' && typeof current === 'object' && current !== null && !Array.isArray(current)) {
        setOwn(current as Record<string, unknown>, m.key, null);
      }
    } else {
      const obj = parent as Record<string, unknown>;
      const k = String(key);
      if (m.op === 'delete') delete obj[k];
      else if (m.op === 'replace') setOwn(obj, k, m.value);
      else if (m.op === 'duplicate') {
        // DEEP_ARRAY is shared and must stay as it is
        if (Array.isArray(current) && current.length > 0 && current !== DEEP_ARRAY) current.push(structuredCloneSafe(current[0]));
      } else if (m.op === 'rename' && m.key !== k) {
        delete obj[k];
        setOwn(obj, m.key, current);
      }
    }
  }
  return root;
}

/** A deep copy that shares {@link DEEP_ARRAY} (structuredClone would recurse 20 000 levels) and keeps own `__proto__` keys. */
function structuredCloneSafe(v: unknown): unknown {
  if (v === DEEP_ARRAY || typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(structuredCloneSafe);
  const out: Record<string, unknown> = {};
  for (const [k, child] of Object.entries(v)) setOwn(out, k, structuredCloneSafe(child));
  return out;
}

/** 1–`max` JSON mutations; replacement values come from `values` (default {@link nastyJsonValue}). */
export function jsonMutationsArb(options: { max?: number; values?: fc.Arbitrary<unknown>; keys?: fc.Arbitrary<string> } = {}): fc.Arbitrary<JsonMutation[]> {
  const at = fc.nat({ max: 10_000 });
  const values = options.values ?? nastyJsonValue();
  const keys = options.keys ?? fc.oneof(fc.constantFrom(...PATH_LIKE, '__proto__', 'constructor', 'extra'), fc.string({ maxLength: 6 }));
  const mutation: fc.Arbitrary<JsonMutation> = fc.oneof(
    fc.record({ op: fc.constant('delete' as const), at }),
    { arbitrary: fc.record({ op: fc.constant('replace' as const), at, value: values }), weight: 3 },
    fc.record({ op: fc.constant('duplicate' as const), at }),
    fc.record({ op: fc.constant('rename' as const), at, key: keys }),
  );
  return fc.array(mutation, { minLength: 1, maxLength: options.max ?? 3 });
}

// ---------------------------------------------------------------------------------------------------------
// Byte-level mutations of a valid file

export type ByteMutation =
  | { op: 'truncate'; at: number }
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; byte: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; length: number }
  | { op: 'bom' };

/** Applies byte mutations in order; offsets are taken modulo the current length (+1 where the end is a valid spot). */
export function applyByteMutations(bytes: Uint8Array, mutations: readonly ByteMutation[]): Uint8Array {
  let b = bytes.slice();
  for (const m of mutations) {
    if (m.op === 'bom') {
      b = new Uint8Array([0xef, 0xbb, 0xbf, ...b]);
      continue;
    }
    const n = b.length;
    if (m.op === 'truncate') b = b.slice(0, m.at % (n + 1));
    else if (m.op === 'insert') {
      const at = m.at % (n + 1);
      b = new Uint8Array([...b.subarray(0, at), ...m.bytes, ...b.subarray(at)]);
    } else if (n === 0) continue;
    else if (m.op === 'flip') b[m.at % n]! ^= 1 << m.bit;
    else if (m.op === 'set') b[m.at % n] = m.byte;
    else if (m.op === 'delete') {
      const at = m.at % n;
      b = new Uint8Array([...b.subarray(0, at), ...b.subarray(at + m.length)]);
    }
  }
  return b;
}

/** Bytes that break UTF-8 or JSON when inserted: lone continuation / lead bytes, NUL, quotes, brackets. */
const HOSTILE_BYTES = [0x00, 0x22, 0x2c, 0x3a, 0x5b, 0x5d, 0x7b, 0x7d, 0x5c, 0x80, 0xbf, 0xc0, 0xc3, 0xe2, 0xed, 0xef, 0xf0, 0xf8, 0xff];

/** 1–`max` byte mutations; offsets range over `maxOffset` (use the valid input's length). */
export function byteMutationsArb(maxOffset: number, max = 3): fc.Arbitrary<ByteMutation[]> {
  const at = fc.nat({ max: Math.max(0, maxOffset) });
  const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...HOSTILE_BYTES));
  const mutation: fc.Arbitrary<ByteMutation> = fc.oneof(
    fc.record({ op: fc.constant('truncate' as const), at }),
    fc.record({ op: fc.constant('flip' as const), at, bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({ op: fc.constant('set' as const), at, byte }),
    fc.record({ op: fc.constant('insert' as const), at, bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
    fc.record({ op: fc.constant('insert' as const), at, bytes: fc.array(byte, { minLength: 1, maxLength: 3 }).map((a) => Uint8Array.from(a)) }),
    fc.record({ op: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 16 }) }),
    fc.constant({ op: 'bom' as const }),
  );
  return fc.array(mutation, { minLength: 1, maxLength: max });
}

/** Arbitrary byte strings (short), biased towards JSON-ish and UTF-8-breaking bytes. */
export function arbitraryBytes(maxLength = 64): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ maxLength }),
    fc.string({ unit: 'binary', maxLength }).map(utf8),
    fc.jsonValue({ maxDepth: 3 }).map((v) => utf8(JSON.stringify(v) ?? '')),
    fc.array(fc.constantFrom(...HOSTILE_BYTES), { maxLength }).map((a) => Uint8Array.from(a)),
  );
}

/** fast-check settings of the suite: a fixed seed so a failure replays, and a bounded run count. */
export const fuzzParams = (numRuns: number): fc.Parameters<unknown> => ({ numRuns, seed: 0x8e1f });

/**
 * Runs `check` on every case of a malformed-input table (`[label, ...]`); a failure is re-thrown with the
 * case's label (after `prefix`), so one test can cover a whole table and still say which case broke.
 */
export function forEachCase<T extends readonly [string, ...unknown[]]>(cases: readonly T[], check: (c: T) => void, prefix = ''): void {
  for (const c of cases) {
    try {
      check(c);
    } catch (err) {
      throw new Error(`${prefix}${c[0]}: ${(err as Error).message}`);
    }
  }
}
