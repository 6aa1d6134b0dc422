import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Namespace, escapeName } from '../../lib/resource/namespace.js';

test('namespace - escapeName replaces dots and dashes only (upstream test_escape_name)', () => {
  assert.equal(escapeName('blah-bal'), 'blah_bal');
  assert.equal(escapeName('bief_bof.ba32f-blief'), 'bief_bof_ba32f_blief');
  assert.equal(escapeName('already_escape_name'), 'already_escape_name');
  assert.equal(escapeName('pick-fruit'), 'pick_fruit');
});

test('namespace - items are reachable by escaped name and, not enumerable, by original name', () => {
  const ns = new Namespace<{ id: string }>();
  const item = { id: 'pf' };
  ns.set('pick-fruit', item);
  assert.equal(ns.object.pick_fruit, item);
  assert.equal(ns.object['pick-fruit'], item);
  assert.deepEqual(Object.keys(ns.object), ['pick_fruit']);
  ns.delete('pick-fruit');
  assert.equal(ns.object.pick_fruit, undefined);
  assert.equal(ns.object['pick-fruit'], undefined);
  assert.deepEqual(Object.keys(ns.object), []);
});

test('namespace - clashes: the exact escaped name wins, otherwise the smallest name; losers stay reachable and listed by original name', () => {
  const ns = new Namespace<string>();
  ns.set('a.b', 'dot');
  assert.equal(ns.object.a_b, 'dot');
  ns.set('a-b', 'dash');
  // '-' (0x2d) sorts before '.' (0x2e), whatever the arrival order.
  assert.equal(ns.object.a_b, 'dash');
  assert.deepEqual(Object.keys(ns.object).sort(), ['a.b', 'a_b']);
  ns.set('a_b', 'underscore');
  assert.equal(ns.object.a_b, 'underscore');
  assert.equal(ns.object['a-b'], 'dash');
  assert.equal(ns.object['a.b'], 'dot');
  assert.deepEqual(Object.keys(ns.object).sort(), ['a-b', 'a.b', 'a_b']);
  ns.delete('a_b');
  assert.equal(ns.object.a_b, 'dash');
});

test('namespace - prototype and reserved names are plain keys of a null-prototype object', () => {
  const ns = new Namespace<string>();
  assert.equal(Object.getPrototypeOf(ns.object), null);
  assert.equal(Reflect.get(ns.object, 'constructor'), undefined);
  assert.equal(Reflect.get(ns.object, 'toString'), undefined);
  assert.equal(Reflect.get(ns.object, 'hasOwnProperty'), undefined);
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'delete', 'class', 'then']) ns.set(name, `item ${name}`);
  assert.equal(Reflect.get(ns.object, '__proto__'), 'item __proto__');
  assert.equal(Reflect.get(ns.object, 'constructor'), 'item constructor');
  assert.equal(Reflect.get(ns.object, 'toString'), 'item toString');
  assert.equal(Reflect.get(ns.object, 'hasOwnProperty'), 'item hasOwnProperty');
  assert.equal(ns.object.delete, 'item delete');
  assert.equal(ns.object.class, 'item class');
  assert.equal(Object.getPrototypeOf(ns.object), null);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.keys(ns.object).length, 8);
  ns.delete('__proto__');
  assert.equal(Reflect.get(ns.object, '__proto__'), undefined);
});

test('namespace - properties cannot be assigned by users', () => {
  const ns = new Namespace<string>();
  ns.set('x', 'one');
  assert.throws(() => {
    (ns.object as Record<string, string>).x = 'two';
  }, TypeError);
  assert.equal(ns.object.x, 'one');
});

test('namespace - a custom key (container prefixes) replaces the escaped name', () => {
  const ns = new Namespace<string>();
  ns.set('dev.fruit.result', 'fr', 'dev_fruit_result');
  assert.equal(ns.object.dev_fruit_result, 'fr');
  assert.equal(ns.object['dev.fruit.result'], 'fr');
  assert.equal(ns.keyOf('dev.fruit.result'), 'dev_fruit_result');
});

test('namespace - the result never depends on the order items arrive in', () => {
  const names = fc.uniqueArray(fc.constantFrom('a.b', 'a-b', 'a_b', 'a.c', 'b', 'b-c', 'b_c', 'toString', '__proto__', 'x-y.z'), { maxLength: 10 });
  fc.assert(
    fc.property(names, fc.func(fc.integer()), (list, rnd) => {
      const shuffled = [...list].sort((a, b) => rnd(a) - rnd(b) || (a < b ? -1 : 1));
      const one = new Namespace<string>();
      const two = new Namespace<string>();
      for (const n of list) one.set(n, n);
      for (const n of shuffled) two.set(n, n);
      const snapshot = (ns: Namespace<string>): [string, string, boolean][] =>
        Reflect.ownKeys(ns.object)
          .map((k) => String(k))
          .sort()
          .map((k) => [k, String(Reflect.get(ns.object, k)), Object.getOwnPropertyDescriptor(ns.object, k)!.enumerable === true]);
      assert.deepEqual(snapshot(one), snapshot(two));
      for (const n of list) assert.equal(Reflect.get(one.object, n), n);
      // every item is enumerable exactly once
      const listed = Object.keys(one.object).map((k) => one.object[k]);
      assert.deepEqual([...listed].sort(), [...list].sort());
    }),
  );
});
