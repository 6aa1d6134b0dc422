/**
 * The `?sensor-list` / `?sensor-value` name filter: nothing (all sensors), an exact name, or a
 * `/regex/` searched anywhere in the name. Regexes run on RE2 (`re2js`), which matches in time
 * linear in the name length, so a pathological pattern such as `/(a+)+$/` cannot stall the server.
 * @module
 */
import { RE2JS } from 're2js';
import { FailReply } from '../errors.js';

/** Something with a name (a sensor). */
export interface Named {
  readonly name: string;
}

/** True when `filter` is a `/regex/` (starts and ends with `/` and is longer than one character). */
export function isRegexFilter(filter: string): boolean {
  return filter.length > 1 && filter.startsWith('/') && filter.endsWith('/');
}

/**
 * Selects items from `sorted` (already sorted by name) by `filter`.
 * @param lookup finds an item by exact name
 * @throws FailReply `Unknown sensor '<name>'` for an unknown exact name (the wording katcp-python
 *   clients look for) or the regex engine's message for an invalid pattern
 */
export function filterByName<T extends Named>(
  sorted: readonly T[],
  filter: string | undefined,
  lookup: (name: string) => T | undefined,
): readonly T[] {
  if (filter === undefined) return sorted;
  if (!isRegexFilter(filter)) {
    const item = lookup(filter);
    if (item === undefined) throw new FailReply(`Unknown sensor '${filter}'`);
    return [item];
  }
  const source = filter.slice(1, -1);
  if (source === '') return sorted;
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (err) {
    throw new FailReply((err as Error).message, { cause: err });
  }
  return sorted.filter((item) => re.test(item.name));
}
