/**
 * A parser for the small subset of Python literals found in `.npy` headers: dicts, lists,
 * tuples, strings, integers, `True`, `False` and `None`. Nothing is evaluated.
 * @module
 */
import { Tuple } from './values.js';

/** A parsed literal: tuples become {@link Tuple}, dicts `Map`s with string keys. */
export type PyLiteral = string | number | boolean | null | PyLiteral[] | Tuple | Map<string, PyLiteral>;

/** Thrown on any syntax the subset does not allow. */
export class PyLiteralError extends Error {
  override name = 'PyLiteralError';
}

const MAX_DEPTH = 64;

/** Parse one literal that must span the whole text (surrounding whitespace allowed). */
export function parsePyLiteral(text: string): PyLiteral {
  const p = new Parser(text);
  const value = p.value(0);
  p.skipSpace();
  if (!p.atEnd) p.fail('unexpected text after the value');
  return value;
}

class Parser {
  readonly #s: string;
  #i = 0;

  constructor(s: string) {
    this.#s = s;
  }

  get atEnd(): boolean {
    return this.#i >= this.#s.length;
  }

  fail(what: string): never {
    throw new PyLiteralError(`${what} at offset ${this.#i}`);
  }

  skipSpace(): void {
    while (this.#i < this.#s.length && ' \t\n\r'.includes(this.#s[this.#i] ?? '')) this.#i++;
  }

  value(depth: number): PyLiteral {
    if (depth > MAX_DEPTH) this.fail('literal nested too deeply');
    this.skipSpace();
    const c = this.#s[this.#i];
    if (c === '{') return this.dict(depth);
    if (c === '[') return this.sequence(']', depth);
    if (c === '(') {
      const { items, trailingComma } = this.items(')', depth);
      // (x) is just x in Python; (x,) and () are tuples.
      if (items.length === 1 && !trailingComma) return items[0] ?? null;
      return new Tuple(items);
    }
    if (c === "'" || c === '"') return this.string();
    const word = /^(True|False|None|[-+]?\d+L?)/.exec(this.#s.slice(this.#i, this.#i + 40));
    if (word === null) this.fail('unexpected character');
    this.#i += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    const n = Number(word[0].replace('L', ''));
    if (!Number.isSafeInteger(n)) this.fail('integer out of range');
    return n;
  }

  sequence(close: string, depth: number): PyLiteral[] {
    return this.items(close, depth).items;
  }

  items(close: string, depth: number): { items: PyLiteral[]; trailingComma: boolean } {
    this.#i++; // opening bracket
    const items: PyLiteral[] = [];
    let trailingComma = false;
    for (;;) {
      this.skipSpace();
      if (this.#s[this.#i] === close) {
        this.#i++;
        return { items, trailingComma };
      }
      items.push(this.value(depth + 1));
      this.skipSpace();
      trailingComma = false;
      if (this.#s[this.#i] === ',') {
        this.#i++;
        trailingComma = true;
      } else if (this.#s[this.#i] !== close) this.fail(`expected ',' or '${close}'`);
    }
  }

  dict(depth: number): Map<string, PyLiteral> {
    this.#i++;
    const map = new Map<string, PyLiteral>();
    for (;;) {
      this.skipSpace();
      if (this.#s[this.#i] === '}') {
        this.#i++;
        return map;
      }
      const key = this.value(depth + 1);
      if (typeof key !== 'string') this.fail('dict keys must be strings');
      this.skipSpace();
      if (this.#s[this.#i] !== ':') this.fail("expected ':'");
      this.#i++;
      map.set(key, this.value(depth + 1));
      this.skipSpace();
      if (this.#s[this.#i] === ',') this.#i++;
      else if (this.#s[this.#i] !== '}') this.fail("expected ',' or '}'");
    }
  }

  string(): string {
    const quote = this.#s[this.#i];
    this.#i++;
    let out = '';
    for (;;) {
      const c = this.#s[this.#i];
      if (c === undefined || c === '\n') this.fail('unterminated string');
      this.#i++;
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.#s[this.#i++];
      const simple: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', r: '\r', t: '\t', '0': '\0' };
      if (e !== undefined && e in simple) out += simple[e];
      else if (e === 'x' || e === 'u' || e === 'U') {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = this.#s.slice(this.#i, this.#i + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail('bad escape');
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff) this.fail('bad escape');
        out += String.fromCodePoint(cp);
        this.#i += len;
      } else this.fail('unsupported escape');
    }
  }
}
