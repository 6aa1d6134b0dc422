/**
 * The behavioural suite of the store (katsdptelstate's conformance scenarios), run unchanged
 * against every backend by memory.test.ts and redis.test.ts. Waits are in behaviour-wait.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Complex,
  DecodeError,
  EncodeError,
  Float64,
  ImmutableKeyError,
  InvalidTimestampError,
  KeyNotFoundError,
  KeyType,
  MemoryBackend,
  NdArray,
  TelescopeState,
  Tuple,
  encodeValue,
  loadRdb,
  saveRdb,
} from '../../lib/telstate/index.js';
import type { BackendHarness } from './harness.js';
import { useCtx } from './harness.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const structured = (): NdArray => NdArray.from([{ x: 1.0, y: 2 }, { x: 3.0, y: 4 }], { dtype: [['x', '<f8'], ['y', '<i8']] });

export function behaviourSuite(h: BackendHarness): void {
  describe(`telstate store on the ${h.name} backend`, () => {
    const ctx = useCtx(h);

    it('views build prefix lists: view, nested bytes view, root, exclusive', () => {
      const { ts, ns } = ctx();
      assert.deepEqual(ts.prefixes, ['']);
      assert.deepEqual(ns.prefixes, ['ns_', '']);
      assert.deepEqual(ns.view(Buffer.from('ns_child_grandchild')).prefixes, ['ns_child_grandchild_', 'ns_', '']);
      assert.deepEqual(ns.root().prefixes, ['']);
      assert.deepEqual(ns.view('exclusive', { exclusive: true }).prefixes, ['exclusive_']);
      assert.deepEqual(ts.view('x_').prefixes, ['x_', '']);
      assert.deepEqual(ts.view('x', { addSeparator: false }).prefixes, ['x', '']);
      assert.deepEqual(ts.view('').prefixes, ['', '']);
      assert.equal(TelescopeState.join('a', 'b'), 'a_b');
    });

    it('adds, reads and deletes a key; a deleted key reads as the default', async () => {
      const { ts } = ctx();
      await ts.add('test_key', 1234.5);
      assert.equal(await ts.get('test_key'), 1234.5);
      assert.ok(await ts.exists('test_key'));
      await ts.delete('test_key');
      await ts.delete('test_key');
      assert.equal(await ts.get('test_key'), undefined);
      assert.equal(await ts.get('test_key', 'bar'), 'bar');
      assert.ok(!(await ts.exists('test_key')));
    });

    it('writes through a view go to its first prefix; reads fall back to later ones', async () => {
      const { ts, ns } = ctx();
      await ns.add('test_key', 1234.5);
      assert.equal(await ns.get('test_key'), 1234.5);
      assert.equal(await ts.get('ns_test_key'), 1234.5);
      assert.equal(await ts.get('test_key'), undefined);
      await ts.set('parent_immutable', 1);
      await ns.set('child_immutable', 2);
      assert.equal(await ns.get('parent_immutable'), 1);
      assert.equal(await ts.get('child_immutable'), undefined);
    });

    it('delete removes the key under every prefix of the view; clear removes everything', async () => {
      const { ts, ns } = ctx();
      await ts.add('parent_key', 1);
      await ns.add('child_key', 2);
      await ns.delete('parent_key');
      await ns.delete('child_key');
      assert.deepEqual(await ts.keys(), []);
      await ts.set('a', 1);
      await ns.set('b', 2);
      await ns.clear();
      assert.deepEqual(await ts.keys(), []);
    });

    it('keeps a stored None (null) distinct from a missing key', async () => {
      const { ts } = ctx();
      await ts.set('test_none', null);
      assert.equal(await ts.get('test_none', 'default'), null);
    });

    it('returns encoded values on request', async () => {
      const { ts } = ctx();
      const x = structured();
      await ts.set('test_key', x);
      assert.ok((await ts.get('test_key') as NdArray).equals(x));
      assert.deepEqual(await ts.getEncoded('test_key'), encodeValue(x));
      for (let i = 0; i < 5; i++) await ts.add('mutable', `Test Value: ${i}`, { ts: i });
      assert.deepEqual((await ts.getRange('mutable', { st: 0 }))[2], ['Test Value: 2', 2]);
      assert.deepEqual((await ts.getRangeEncoded('mutable', { st: 0 }))[2], [encodeValue('Test Value: 2'), 2]);
      assert.ok((await ts.getRange('mutable', { st: 0 })).every(([, t], i) => t === i));
      assert.equal(await ts.getEncoded('missing'), undefined);
    });

    it('refuses to change an immutable or its type, and accepts an equal re-set', async () => {
      const { ts } = ctx();
      await ts.add('test_immutable', 1234.5, { immutable: true });
      await ts.set('test_immutable', 1234.5);
      await assert.rejects(ts.add('test_immutable', 1), /Attempt to change key 'test_immutable' to mutable/);
      await assert.rejects(ts.set('test_immutable', 5432.1), (e: unknown) => e instanceof ImmutableKeyError && /from 1234\.5 to 5432\.1/.test(e.message));
      await assert.rejects(ts.setIndexed('test_immutable', 'k', 1), /to indexed immutable/);
      await ts.add('test_mutable', 5);
      await assert.rejects(ts.set('test_mutable', 5), /Attempt to change key 'test_mutable' to immutable/);
      await ts.setIndexed('test_indexed', 'k', 5);
      await assert.rejects(ts.set('test_indexed', 5), ImmutableKeyError);
      assert.equal(await ts.get('test_immutable'), 1234.5);
    });

    it('treats str and UTF-8 bytes as the same immutable value, nothing looser', async () => {
      const { ts, backend } = ctx();
      await ts.set('cafe', Buffer.from('café'));
      await ts.set('cafe', Buffer.from('café'));
      await ts.set('cafe', 'café');
      await assert.rejects(ts.set('cafe', 'cafe'), ImmutableKeyError);
      await assert.rejects(ts.set('cafe', Buffer.from('cafe')), ImmutableKeyError);
      await ts.set('umlaut', 'ümlaut');
      await ts.set('umlaut', Buffer.from('ümlaut'));
      await ts.set('int', 1);
      await assert.rejects(ts.set('int', new Float64(1)), ImmutableKeyError, '1 and 1.0 differ, as in Python');
      await backend.setImmutable(Buffer.from('empty'), new Uint8Array());
      await assert.rejects(ts.set('empty', ''), /failed to decode the previous value/);
      await backend.setImmutable(Buffer.from('pickled'), Buffer.from("S'hello'\np1\n.", 'latin1'));
      await assert.rejects(ts.set('pickled', 'hello'), /failed to decode the previous value.*pickled values/s);
      await assert.rejects(ts.get('pickled'), DecodeError);
    });

    it('reports key types under the first prefix that has the key', async () => {
      const { ts, ns } = ctx();
      await ts.set('parent_immutable', 1);
      await ts.add('parent_mutable', 1);
      await ts.setIndexed('parent_indexed', 'a', 1);
      await ns.set('child_immutable', 1);
      await ns.add('child_mutable', 1);
      await ns.setIndexed('child_indexed', 'a', 1);
      assert.equal(await ts.keyType('parent_immutable'), KeyType.Immutable);
      assert.equal(await ts.keyType('parent_mutable'), KeyType.Mutable);
      assert.equal(await ts.keyType('parent_indexed'), KeyType.Indexed);
      assert.equal(await ts.keyType('child_mutable'), undefined);
      assert.equal(await ns.keyType('child_indexed'), KeyType.Indexed);
      assert.equal(await ns.keyType('parent_mutable'), KeyType.Mutable);
      assert.equal(await ns.keyType('missing'), undefined);
    });

    it('lists full key names sorted, filtered by a Redis glob', async () => {
      const { ts, ns } = ctx();
      await ts.add('key1', 'foo');
      await ns.add('key2', 'bar');
      await ns.add(Buffer.from('key2'), 'baz');
      await ts.set('immutable', 1);
      assert.deepEqual(await ts.keys(), ['immutable', 'key1', 'ns_key2']);
      assert.deepEqual(await ts.keys('ns_*'), ['ns_key2']);
      assert.deepEqual(await ts.keys('key[0-9]'), ['key1']);
    });

    it('round-trips a mutable structured array, complex numbers, tuples and Float64', async () => {
      const { ts } = ctx();
      const x = structured();
      await ts.add('arr', x, { ts: 1 });
      assert.ok((await ts.get('arr') as NdArray).equals(x));
      await ts.set('mixed', Tuple.of(new Complex(1, -1), [new Float64(2), 3n]));
      assert.deepEqual(await ts.get('mixed'), Tuple.of(new Complex(1, -1), [2, 3]));
      const exact = new TelescopeState(ts.backend, { decode: { wrapFloats: true } });
      assert.deepEqual(await exact.get('mixed'), Tuple.of(new Complex(1, -1), [new Float64(2), 3]));
    });

    it('validates timestamps: NaN, infinities and negatives are refused, -0 is stored as 0', async () => {
      const { ts, clock } = ctx();
      await assert.rejects(ts.add('k', 1, { ts: NaN }), InvalidTimestampError);
      await assert.rejects(ts.add('k', 1, { ts: Infinity }), /Non-finite timestamps/);
      await assert.rejects(ts.add('k', 1, { ts: -1 }), /Negative timestamps/);
      assert.ok(!(await ts.exists('k')));
      await ts.add('k', 1, { ts: -0 });
      assert.ok(Object.is((await ts.getRange('k', { st: 0 }))[0]![1], 0));
      await ts.add('now', 'x');
      assert.deepEqual(await ts.getRange('now'), [['x', clock.now()]], 'the default timestamp comes from the clock');
      await assert.rejects(ts.getRange('k', { st: NaN }), /cannot use NaN start or end time/);
    });

    it('writes nothing when a value cannot be encoded', async () => {
      const { ts } = ctx();
      await assert.rejects(ts.add('k', new Set([1])), EncodeError);
      await assert.rejects(ts.set('k', undefined), EncodeError);
      assert.ok(!(await ts.exists('k')));
    });

    it('drops exact duplicate samples and breaks timestamp ties by value bytes', async () => {
      const { ts } = ctx();
      await ts.add('dup', 'value', { ts: 1234.5 });
      await ts.add('dup', 'value', { ts: 1234.5 });
      assert.deepEqual(await ts.getRange('dup', { st: 0 }), [['value', 1234.5]]);
      for (const v of ['a', 'b', 'B']) await ts.add('tie', v, { ts: 5 });
      assert.equal(await ts.get('tie'), 'b');
      assert.deepEqual(await ts.getRange('tie', { st: 0 }), [['B', 5], ['a', 5], ['b', 5]]);
    });

    it('answers every time-range query of the reference table', async () => {
      const { ts } = ctx();
      for (const [v, t] of [[8192, 1], [16384, 2], [4096, 3], [2048, 4]]) await ts.add('k', v, { ts: t });
      const all = [[8192, 1], [16384, 2], [4096, 3], [2048, 4]];
      const cases: [object, unknown[]][] = [
        [{}, [[2048, 4]]],
        [{ et: 3 }, [[16384, 2]]],
        [{ et: 1.5 }, [[8192, 1]]],
        [{ st: 2, et: 4, includePrevious: true }, all.slice(0, 3)],
        [{ st: 0 }, all],
        [{ st: 0, et: 3.5 }, all.slice(0, 3)],
        [{ st: -1, et: 1.5 }, [[8192, 1]]],
        [{ st: 2 }, all.slice(1)],
        [{ st: 3.5, et: 1.5 }, []],
        [{ et: -0 }, []],
        [{ st: 1.5, includePrevious: true }, all],
        [{ st: 5, et: 6, includePrevious: true }, [[2048, 4]]],
        [{ st: 2, et: 2, includePrevious: true }, [[8192, 1]]],
        [{ st: 2, et: 2, includeEnd: true }, [[16384, 2]]],
        [{ st: 2, et: 2, includePrevious: true, includeEnd: true }, [[8192, 1], [16384, 2]]],
        [{ st: Infinity }, []],
        [{ st: Infinity, includePrevious: true }, [[2048, 4]]],
        [{ et: -Infinity }, []],
        [{ st: 4, et: 4, includeEnd: true }, [[2048, 4]]],
        [{ st: 4, et: Infinity, includeEnd: true }, [[2048, 4]]],
        [{ st: 0.5, et: 0.7, includePrevious: true }, []],
        // Chosen behaviour where Python's backends disagree: start > end keeps the previous sample.
        [{ st: 3.5, et: 1.5, includePrevious: true }, [[4096, 3]]],
        [{ st: 10, et: 1, includePrevious: true }, [[2048, 4]]],
      ];
      for (const [opts, expected] of cases) assert.deepEqual(await ts.getRange('k', opts), expected, JSON.stringify(opts));
      await ts.add('k', 1234, { ts: 0 });
      const withZero: [object, unknown[]][] = [
        [{ st: 1.5, et: 1.5, includeEnd: true }, []],
        [{ st: 0, et: 0, includeEnd: true }, [[1234, 0]]],
        [{ st: 0, et: -0, includeEnd: true }, [[1234, 0]]],
        [{ st: 3, et: 4, includeEnd: true }, [[4096, 3], [2048, 4]]],
        [{ et: 2, includeEnd: true }, [[8192, 1], [16384, 2]]],
        [{ st: 2, et: 3, includePrevious: true, includeEnd: true }, [[8192, 1], [16384, 2], [4096, 3]]],
      ];
      for (const [opts, expected] of withZero) assert.deepEqual(await ts.getRange('k', opts), expected, JSON.stringify(opts));
    });

    it('getRange reports missing keys and non-mutable keys, even when no range would be read', async () => {
      const { ts, ns } = ctx();
      await assert.rejects(ts.getRange('missing'), KeyNotFoundError);
      await ts.set('imm', 1);
      await ts.setIndexed('idx', 'a', 1);
      for (const opts of [{}, { st: Infinity }, { et: -1 }, { st: 0, et: 0 }]) {
        await assert.rejects(ts.getRange('imm', opts), /'imm' is immutable, cannot use get_range/);
        await assert.rejects(ts.getRange('idx', opts), ImmutableKeyError);
      }
      await ns.add('imm', 5, { ts: 1 });
      assert.deepEqual(await ns.getRange('imm'), [[5, 1]], 'the first prefix holding the key decides');
    });

    it('stores indexed keys: sub-keys of any hashable type, defaults, the decoded map', async () => {
      const { ts } = ctx();
      await ts.setIndexed('test_indexed', 'a', 1);
      await ts.setIndexed('test_indexed', Tuple.of(2, new Complex(0, 3)), 2);
      assert.equal(await ts.getIndexed('test_indexed', 'a'), 1);
      assert.equal(await ts.getIndexed('test_indexed', Tuple.of(2, new Complex(0, 3))), 2);
      assert.equal(await ts.getIndexed('test_indexed', 'missing'), undefined);
      assert.equal(await ts.getIndexed('test_indexed', 'missing', 'dflt'), 'dflt');
      assert.equal(await ts.getIndexed('not_a_key', 'a', 'dflt'), 'dflt');
      assert.deepEqual(await ts.get('test_indexed'), new Map<unknown, unknown>([['a', 1], [Tuple.of(2, new Complex(0, 3)), 2]]));
      assert.deepEqual(await ts.getIndexedEncoded('test_indexed', 'a'), encodeValue(1));
      assert.deepEqual(await ts.getEncoded('test_indexed'), [[encodeValue('a'), encodeValue(1)], [encodeValue(Tuple.of(2, new Complex(0, 3))), encodeValue(2)]]);
    });

    it('treats each sub-key as immutable and refuses unhashable sub-keys and wrong key types', async () => {
      const { ts } = ctx();
      await ts.setIndexed('idx', 'a', 1);
      await ts.setIndexed('idx', 'a', 1);
      await assert.rejects(ts.setIndexed('idx', 'a', 2), /Attempt to change value of immutable key 'idx'\['a'\]/);
      assert.equal(await ts.getIndexed('idx', 'a'), 1);
      for (const bad of [[1], new Map(), { a: 1 }, NdArray.from([1]), Tuple.of([1])]) await assert.rejects(ts.setIndexed('idx', bad, 1), /unhashable/);
      await ts.set('imm', 1);
      await ts.add('mut', 1);
      for (const k of ['imm', 'mut']) {
        await assert.rejects(ts.setIndexed(k, 'a', 1), ImmutableKeyError);
        await assert.rejects(ts.getIndexed(k, 'a'), ImmutableKeyError);
      }
    });

    it('shadows an indexed key completely from lower prefixes', async () => {
      const { ts, ns } = ctx();
      await ts.setIndexed('test_indexed', 'a', 1);
      assert.equal(await ns.getIndexed('test_indexed', 'a'), 1);
      await ns.setIndexed('test_indexed', 'b', 2);
      assert.deepEqual(await ns.get('test_indexed'), new Map([['b', 2]]));
      assert.equal(await ns.getIndexed('test_indexed', 'a'), undefined);
    });

    it('accepts str and bytes names interchangeably, and keys that are not UTF-8', async () => {
      const { ts } = ctx();
      for (const [view, key] of [['ns', Buffer.from('a')], [Buffer.from('ns'), 'b']] as const) {
        const v = ts.view(view);
        await v.set(key, 'x');
        assert.equal(await v.get(key.toString()), 'x');
        assert.ok(await v.exists(Buffer.from(key)));
        assert.equal(await v.keyType(key), KeyType.Immutable);
        await v.delete(key.toString());
        await v.add(key, 1, { ts: 1 });
        assert.deepEqual(await v.getRange(Buffer.from(key)), [[1, 1]]);
      }
      const raw = Buffer.from('undecodable\xff', 'latin1');
      await ts.backend.setImmutable(raw, encodeValue('v'));
      const [name] = await ts.keys('undecodable*');
      assert.equal(name, 'undecodable\udcff');
      assert.equal(await ts.get(name ?? ''), 'v');
      assert.equal(await ts.get(raw), 'v');
      assert.equal(await ts.get(raw.subarray(0, raw.length - 1)), undefined);
    });

    it('exports to an RDB file and loads it back into a memory store', async () => {
      const { ts } = ctx();
      await ts.set('immutable', ['some value']);
      await ts.add('mutable', 'first', { ts: 12 });
      await ts.add('mutable', 'second', { ts: 15.5 });
      await ts.setIndexed('indexed', 'a', new Complex(0, 1));
      await ts.setIndexed('indexed', 'b', 'z');
      for (let i = 0; i < 200; i++) await ts.add('big', i, { ts: i });
      const dir = mkdtempSync(join(tmpdir(), 'telstate-rdb-'));
      try {
        const file = join(dir, 'out.rdb');
        const result = await saveRdb(ts, file, ['immutable', 'mutable', 'indexed', 'big', 'missing']);
        assert.deepEqual(result, { keysWritten: 4, keysFailed: 1, failures: [{ key: 'missing', reason: 'Key not found in Redis' }] });
        const copy = new TelescopeState(new MemoryBackend());
        assert.equal(await copy.loadFromFile(file), 4);
        assert.deepEqual(await copy.get('immutable'), ['some value']);
        assert.deepEqual(await copy.getRange('mutable', { st: 0 }), [['first', 12], ['second', 15.5]]);
        assert.deepEqual(await copy.get('indexed'), new Map<unknown, unknown>([['a', new Complex(0, 1)], ['b', 'z']]));
        assert.equal((await copy.getRange('big', { st: 0 })).length, 200);
        assert.equal(await loadRdb(copy.backend, file), 4, 'loading again replaces the keys');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
