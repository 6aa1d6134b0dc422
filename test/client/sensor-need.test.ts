import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RemoteSensor } from '../../lib/client/sensor-entry.js';
import { NeedSet } from '../../lib/client/sensor-need.js';

const sensor = (name: string): RemoteSensor => new RemoteSensor(Object.freeze({ name, description: '', units: '', type: 'integer', params: [] }));
const names = (set: NeedSet): string[] => [...set].map((s) => s.info.name);

test('need set - behaves like a Set of sensors: size, has, join order, taken-out ones skipped, re-added ones listed once (in their first place until a walk forgot them)', () => {
  const set = new NeedSet();
  const [a, b, c] = [sensor('a'), sensor('b'), sensor('c')];
  set.add(a);
  set.add(b);
  set.add(b);
  set.add(c);
  assert.equal(set.size, 3);
  set.delete(b);
  set.delete(b);
  assert.equal(set.size, 2);
  assert.equal(set.has(b), false);
  assert.deepEqual(names(set), ['a', 'c']);
  set.add(b);
  assert.deepEqual(names(set), ['a', 'c', 'b']);
  set.delete(a);
  set.add(a);
  assert.equal(set.size, 3);
  assert.deepEqual(names(set), ['a', 'c', 'b']);
  set.clear();
  assert.equal(set.size, 0);
  assert.deepEqual(names(set), []);
  set.add(c);
  assert.deepEqual(names(set), ['c']);
});

test('need set - a walk visits sensors added during it and skips those taken out during it', () => {
  const set = new NeedSet();
  const [a, b, c] = [sensor('a'), sensor('b'), sensor('c')];
  set.add(a);
  set.add(b);
  const seen: string[] = [];
  for (const s of set) {
    seen.push(s.info.name);
    if (s === a) {
      set.delete(b);
      set.add(c);
    }
  }
  assert.deepEqual(seen, ['a', 'c']);
});

test('need set - many sensors taken out and never added again leave it with only its members', () => {
  const set = new NeedSet();
  const keep = sensor('keep');
  set.add(keep);
  for (let i = 0; i < 5000; i++) {
    const s = sensor(`s${i}`);
    set.add(s);
    set.delete(s);
  }
  assert.equal(set.size, 1);
  assert.deepEqual(names(set), ['keep']);
});
