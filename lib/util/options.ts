/**
 * Checking option objects: every public call that takes options rejects unknown keys (a typo such
 * as `timout` would otherwise run silently with the default) and bad durations, naming the key and
 * the accepted ones. One helper, so the message and the error classes are the same everywhere.
 * @module
 */
import { KatcpRangeError, KatcpTypeError } from '../errors.js';

/** The keys of per-call options (`CallOptions`). */
export const CALL_OPTION_KEYS: readonly string[] = ['timeout', 'signal'];

/** What {@link checkOptions} validates beyond the set of keys. */
export interface OptionRules {
  /** Keys whose value, when present, is a duration in ms: a number ≥ 0 (Infinity allowed). Default `['timeout']`. */
  durations?: readonly string[];
  /** Keys whose value, when present, must be an AbortSignal. Default `['signal']`. */
  signals?: readonly string[];
}

/**
 * Throw `KatcpTypeError` for an unknown key, a non-number duration or a non-AbortSignal signal,
 * and `KatcpRangeError` for a negative or NaN duration. `where` names the call in the message
 * (e.g. `req.add`). Keys whose value is `undefined` are accepted like absent ones.
 */
export function checkOptions(opts: object, accepted: readonly string[], where: string, rules: OptionRules = {}): void {
  const { durations = ['timeout'], signals = ['signal'] } = rules;
  const record = opts as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!accepted.includes(key)) {
      const hint = nearest(key, accepted);
      throw new KatcpTypeError(
        'options',
        `${where}: unknown option '${key}'${hint === undefined ? '' : ` (did you mean '${hint}'?)`}; accepted: ${accepted.join(', ')}`,
      );
    }
    const value = record[key];
    if (value === undefined) continue;
    if (durations.includes(key)) checkDuration(value, key, where);
    else if (signals.includes(key) && !(value instanceof AbortSignal)) {
      throw new KatcpTypeError('options', `${where}: option '${key}' must be an AbortSignal, got ${describe(value)}`);
    }
  }
}

/** Throw unless `value` is a duration in ms: a number ≥ 0, or Infinity for "no limit". */
export function checkDuration(value: unknown, key: string, where: string): asserts value is number {
  if (typeof value !== 'number') {
    throw new KatcpTypeError('options', `${where}: option '${key}' must be a number of milliseconds, got ${describe(value)}`);
  }
  if (Number.isNaN(value) || value < 0) {
    throw new KatcpRangeError(key, `${where}: option '${key}' must be ≥ 0 ms, got ${String(value)}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${value}`;
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return `an object (${Object.prototype.toString.call(value)})`;
  return `a ${typeof value}`;
}

/**
 * The candidate closest to `word` by edit distance, when it is close enough to be a likely typo
 * (at most a third of the word's length, and at least 1). Used for "did you mean" hints.
 */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, two rows. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
