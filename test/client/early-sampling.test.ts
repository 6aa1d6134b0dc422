import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EarlySampling } from '../../lib/client/early-sampling.js';
import type { SamplingPlan } from '../../lib/client/early-sampling.js';
import { BULK_CHUNK_BYTES, BULK_CHUNK_NAMES } from '../../lib/client/sampling.js';
import { RemoteSensor } from '../../lib/client/sensor-entry.js';
import type { WantedStrategy } from '../../lib/client/sensor-entry.js';

const AUTO: WantedStrategy = { args: ['auto'], key: 'auto' };
const EVENT: WantedStrategy = { args: ['event'], key: 'event' };
const NONE: WantedStrategy = { args: ['none'], key: 'none' };

const sensor = (name: string): RemoteSensor => new RemoteSensor({ name, description: '', units: '', type: 'integer', params: [] });

function recorder(fail?: (plan: SamplingPlan) => Error | undefined): { plans: [string, string[]][]; early: EarlySampling } {
  const plans: [string, string[]][] = [];
  const early = new EarlySampling(async (plan) => {
    plans.push([plan.args.join(' '), plan.sensors.map((s) => s.info.name)]);
    const err = fail?.(plan);
    if (err !== undefined) throw err;
  });
  return { plans, early };
}

test('early sampling - a chunk goes out as soon as it is full, per strategy; flush sends the rest sorted', () => {
  const { plans, early } = recorder();
  const names = Array.from({ length: BULK_CHUNK_NAMES + 2 }, (_, i) => `s${String(i).padStart(5, '0')}`).reverse();
  for (const n of names) early.add(sensor(n), AUTO);
  early.add(sensor('e2'), EVENT);
  early.add(sensor('e1'), EVENT);
  early.add(sensor('x'), NONE);
  assert.equal(plans.length, 1, 'one full chunk so far');
  assert.equal(plans[0]![1].length, BULK_CHUNK_NAMES);
  assert.deepEqual(plans[0]![1], [...plans[0]![1]].sort(), 'sorted by name');
  early.flush();
  assert.deepEqual(plans.slice(1), [
    ['auto', ['s00000', 's00001']],
    ['event', ['e1', 'e2']],
  ]);
  assert.equal(early.started, 3);
  early.flush();
  assert.equal(early.started, 3, 'nothing left to send');
});

test('early sampling - a chunk in name order goes out in that order; one name out of order anywhere gets the chunk sorted', () => {
  const { plans, early } = recorder();
  for (const n of ['a', 'b', 'd']) early.add(sensor(n), AUTO);
  for (const n of ['a', 'c', 'e', 'b']) early.add(sensor(n), EVENT);
  early.flush();
  for (const n of ['f', 'g']) early.add(sensor(n), AUTO);
  early.flush();
  assert.deepEqual(plans, [
    ['auto', ['a', 'b', 'd']],
    ['event', ['a', 'b', 'c', 'e']],
    ['auto', ['f', 'g']],
  ]);
});

test('early sampling - chunks keep under the byte bound, counting UTF-8 bytes', () => {
  const { plans, early } = recorder();
  const long = 'y'.repeat(20_000);
  for (const i of [0, 1, 2, 3]) early.add(sensor(`${long}${i}`), AUTO);
  early.flush();
  assert.deepEqual(
    plans.map(([, names]) => names.length),
    [3, 1],
  );
  assert.ok(plans.every(([, names]) => names.join(',').length <= BULK_CHUNK_BYTES));
  // 'é' is two bytes: 21,000 of them do not fit three to a chunk.
  const wide = recorder();
  for (const i of [0, 1, 2]) wide.early.add(sensor(`${'é'.repeat(11_000)}${i}`), AUTO);
  wide.early.flush();
  assert.deepEqual(
    wide.plans.map(([, names]) => names.length),
    [2, 1],
  );
});

test('early sampling - settle waits for every chunk and reports the first failure', async () => {
  const boom = new Error('connection lost');
  const { early } = recorder((plan) => (plan.args[0] === 'event' ? boom : undefined));
  early.add(sensor('a'), AUTO);
  early.add(sensor('b'), EVENT);
  early.flush();
  assert.equal(await early.settle(), boom);
  const ok = recorder();
  ok.early.add(sensor('a'), AUTO);
  ok.early.flush();
  assert.equal(await ok.early.settle(), undefined);
  assert.equal(await new EarlySampling(async () => undefined).settle(), undefined, 'nothing requested');
});
