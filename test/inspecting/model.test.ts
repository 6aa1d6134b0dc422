import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ModelIndex, mergeModelChanges, modelChanges, sameRequest, sameSensor } from '../../lib/inspecting/model.js';
import type { RequestInfo, SensorInfo } from '../../lib/inspecting/model.js';

const req = (name: string, description = `${name} help`, timeoutHint?: number): RequestInfo => ({ name, description, timeoutHint });
const sensor = (name: string, description = 'd', params: string[] = []): SensorInfo => ({ name, description, units: '', type: 'integer', params });

function indexOf(...names: string[]): ModelIndex<RequestInfo> {
  const idx = new ModelIndex<RequestInfo>(sameRequest);
  idx.apply(idx.planFull(names.map((n) => req(n))));
  return idx;
}

test('model - difference: a new name is added and known names stay (upstream _difference add)', () => {
  const idx = indexOf('B', 'C');
  const u = idx.planFull(['B', 'C', 'D'].map((n) => req(n)));
  assert.deepEqual([...u.changes.added], ['D']);
  assert.deepEqual([...u.changes.removed], []);
  idx.apply(u);
  assert.deepEqual(idx.names().sort(), ['B', 'C', 'D']);
});

test('model - difference: a missing name is removed and deleted (upstream _difference remove)', () => {
  const idx = indexOf('A', 'B', 'C');
  const u = idx.planFull(['B', 'C'].map((n) => req(n)));
  assert.deepEqual([...u.changes.removed], ['A']);
  idx.apply(u);
  assert.equal(idx.has('A'), false);
  assert.deepEqual(idx.names().sort(), ['B', 'C']);
});

test('model - named lookup of an unknown name removes nothing (upstream _difference named remove)', () => {
  const idx = indexOf('B', 'C');
  const u = idx.planNamed(['A'], []);
  assert.equal(u.changes.removed.size, 0);
  idx.apply(u);
  assert.deepEqual(idx.names().sort(), ['B', 'C']);
});

test('model - named lookup of a vanished name removes only that name', () => {
  const idx = indexOf('A', 'B');
  const u = idx.planNamed(['A'], []);
  assert.deepEqual([...u.changes.removed], ['A']);
  idx.apply(u);
  assert.deepEqual(idx.names(), ['B']);
});

test('model - a changed item is in both added and removed and stays in the index (upstream _difference changed)', () => {
  const idx = indexOf('A', 'B');
  const u = idx.planFull([req('A'), req('B', 'new text')]);
  assert.deepEqual([...u.changes.added], ['B']);
  assert.deepEqual([...u.changes.removed], ['B']);
  idx.apply(u);
  assert.equal(idx.get('B')?.description, 'new text');
});

test('model - re-listing an identical item is no change (upstream _update_index)', () => {
  const idx = indexOf('A');
  const u = idx.planFull([req('A')]);
  assert.equal(modelChanges(u.changes, undefined), undefined);
  const hint = idx.planFull([req('A', 'A help', 2.5)]);
  assert.deepEqual([...hint.changes.added], ['A']);
});

test('model - sensors differ by params, units and type', () => {
  assert.equal(sameSensor(sensor('x', 'd', ['1', '2']), sensor('x', 'd', ['1', '2'])), true);
  assert.equal(sameSensor(sensor('x', 'd', ['1', '2']), sensor('x', 'd', ['1', '3'])), false);
  assert.equal(sameSensor(sensor('x'), { ...sensor('x'), units: 's' }), false);
  assert.equal(sameSensor(sensor('x'), { ...sensor('x'), type: 'float' }), false);
});

test('model - a plan that is not applied leaves the index untouched (rollback is free)', () => {
  const idx = indexOf('A', 'B');
  idx.planFull([req('C')]);
  assert.deepEqual(idx.names(), ['A', 'B']);
});

test('model - modelChanges is undefined when nothing changed and always has both kinds otherwise', () => {
  const empty = { added: new Set<string>(), removed: new Set<string>() };
  assert.equal(modelChanges(empty, empty), undefined);
  const c = modelChanges(undefined, { added: new Set(['x']), removed: new Set() });
  assert.ok(c);
  assert.equal(c.requests.added.size, 0);
  assert.deepEqual([...c.sensors.added], ['x']);
});

test('model - undelivered changes merge with later ones, dropping additions of vanished names', () => {
  const earlier = modelChanges({ added: new Set(['r1', 'r2']), removed: new Set() }, { added: new Set(['s1']), removed: new Set(['s0']) });
  const later = modelChanges(undefined, { added: new Set(['s2']), removed: new Set(['s1']) });
  const merged = mergeModelChanges(earlier, later, { requests: (n) => n === 'r1', sensors: (n) => n === 's2' });
  assert.ok(merged);
  assert.deepEqual([...merged.requests.added], ['r1']);
  assert.deepEqual([...merged.sensors.added], ['s2']);
  assert.deepEqual([...merged.sensors.removed].sort(), ['s0', 's1']);
  assert.equal(mergeModelChanges(undefined, later, { requests: () => true, sensors: () => true }), later);
});

test('model - applying a full plan always yields exactly the listing, and the changes explain the difference', () => {
  const names = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { maxLength: 6 });
  fc.assert(
    fc.property(names, names, fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), (before, after, tweak) => {
      const idx = new ModelIndex<RequestInfo>(sameRequest);
      idx.apply(idx.planFull(before.map((n) => req(n))));
      const listing = after.map((n, i) => req(n, tweak[i] === true ? 'changed' : `${n} help`));
      const u = idx.planFull(listing);
      idx.apply(u);
      assert.deepEqual(idx.names().sort(), [...after].sort());
      for (const n of after) {
        const wasThere = before.includes(n);
        const changed = wasThere && idx.get(n)!.description === 'changed';
        assert.equal(u.changes.added.has(n), !wasThere || changed, `added ${n}`);
        assert.equal(u.changes.removed.has(n), changed, `removed ${n}`);
      }
      for (const n of before) if (!after.includes(n)) assert.ok(u.changes.removed.has(n) && !u.changes.added.has(n));
    }),
  );
});
