/**
 * Redis glob patterns (the `KEYS` filter) matched against key bytes, with Redis's own rules:
 * `*`, `?`, `\x` escapes, `[...]` classes with `^` negation, ranges whose ends may be reversed,
 * escapes inside classes, and an unterminated class that still applies (`[]` never matches,
 * `[^]` matches any byte). Used by the memory backend so it filters exactly like Redis.
 * @module
 */

type Token = { kind: 'star' } | { kind: 'byte'; test: (b: number) => boolean };

/** A compiled glob pattern. */
export class GlobPattern {
  readonly #tokens: Token[];
  readonly #matchAll: boolean;

  /** @param pattern the pattern bytes (e.g. `Buffer.from('ns_*')`) */
  constructor(pattern: Uint8Array) {
    this.#tokens = compile(pattern);
    this.#matchAll = this.#tokens.length === 1 && this.#tokens[0]?.kind === 'star';
  }

  /** True if the whole of `subject` matches the pattern. */
  matches(subject: Uint8Array): boolean {
    if (this.#matchAll) return true;
    const tokens = this.#tokens;
    let t = 0;
    let s = 0;
    let starT = -1;
    let starS = 0;
    // Greedy matching with one backtrack point: every token but '*' consumes exactly one byte,
    // so remembering the last star is enough (linear in practice, never exponential).
    while (s < subject.length) {
      const tok = tokens[t];
      if (tok?.kind === 'star') {
        starT = t++;
        starS = s;
      } else if (tok !== undefined && tok.test(subject[s] ?? 0)) {
        t++;
        s++;
      } else if (starT >= 0) {
        t = starT + 1;
        s = ++starS;
      } else {
        return false;
      }
    }
    while (tokens[t]?.kind === 'star') t++;
    return t === tokens.length;
  }
}

function compile(p: Uint8Array): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < p.length) {
    const c = p[i] ?? 0;
    if (c === 0x2a /* * */) {
      if (tokens[tokens.length - 1]?.kind !== 'star') tokens.push({ kind: 'star' });
      i++;
    } else if (c === 0x3f /* ? */) {
      tokens.push({ kind: 'byte', test: () => true });
      i++;
    } else if (c === 0x5b /* [ */) {
      i = compileClass(p, i + 1, tokens);
    } else {
      if (c === 0x5c /* \ */ && i + 1 < p.length) i++;
      const lit = p[i] ?? 0;
      tokens.push({ kind: 'byte', test: (b) => b === lit });
      i++;
    }
  }
  return tokens;
}

/** Compile a class starting just after `[`; returns the index after its closing `]` (or the end). */
function compileClass(p: Uint8Array, start: number, tokens: Token[]): number {
  let i = start;
  const negate = p[i] === 0x5e; /* ^ */
  if (negate) i++;
  const singles = new Set<number>();
  const ranges: [number, number][] = [];
  for (;;) {
    const c = p[i];
    if (c === 0x5c && i + 1 < p.length) {
      i++;
      singles.add(p[i] ?? 0);
    } else if (c === 0x5d /* ] */) {
      i++;
      break;
    } else if (c === undefined) {
      break;
    } else if (i + 2 < p.length && p[i + 1] === 0x2d /* - */) {
      const a = c;
      const b = p[i + 2] ?? 0;
      ranges.push(a <= b ? [a, b] : [b, a]);
      i += 2;
    } else {
      singles.add(c);
    }
    i++;
  }
  const inClass = (b: number): boolean => singles.has(b) || ranges.some(([lo, hi]) => b >= lo && b <= hi);
  tokens.push({ kind: 'byte', test: negate ? (b) => !inClass(b) : inClass });
  return i;
}
