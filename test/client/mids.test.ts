import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MidTable } from '../../lib/client/mids.js';

interface Entry {
  mid: number;
}

type Op = { op: 'set'; mid: number } | { op: 'delete'; mid: number } | { op: 'clear' };

// Ids that share slots (multiples of the slot count apart) as well as neighbours.
const mids = fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 4 }).map((k) => k * 1024 + 1), fc.constant(2 ** 31 - 1));

test('mids - the table behaves as a Map of entries by id, also when ids share a slot (overflow)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.record({ op: fc.constant('set' as const), mid: mids }), fc.record({ op: fc.constant('delete' as const), mid: mids }), fc.record({ op: fc.constant('clear' as const) })), { maxLength: 60 }),
      (ops: Op[]) => {
        const table = new MidTable<Entry>();
        const model = new Map<number, Entry>();
        for (const o of ops) {
          if (o.op === 'set') {
            if (model.has(o.mid)) continue; // the tracker never adds an id in use
            const e = { mid: o.mid };
            table.set(o.mid, e);
            model.set(o.mid, e);
          } else if (o.op === 'delete') {
            assert.equal(table.delete(o.mid), model.delete(o.mid));
          } else {
            table.clear();
            model.clear();
          }
          assert.equal(table.size, model.size);
          for (const m of [1, 2, 3, 4, 5, 1025, 2049, 3073, 4097, 2 ** 31 - 1]) {
            assert.equal(table.get(m), model.get(m));
            assert.equal(table.has(m), model.has(m));
          }
          assert.deepEqual(new Set(table.values()), new Set(model.values()));
        }
      },
    ),
    { numRuns: 300 },
  );
});
