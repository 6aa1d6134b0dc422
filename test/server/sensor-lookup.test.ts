import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Sensor } from '../../lib/sensor/sensor.js';
import { SensorSet } from '../../lib/sensor/sensor-set.js';
import { FailReply } from '../../lib/errors.js';
import { lookupSensors } from '../../lib/server/sensor-lookup.js';

function device(n: number): { set: SensorSet; sorted: Sensor[] } {
  const sorted = Array.from({ length: n }, (_, i) => Sensor.integer({ name: `s.${String(i).padStart(3, '0')}` }));
  return { set: new SensorSet([...sorted].reverse()), sorted };
}

const names = (sensors: readonly Sensor[]): string[] => sensors.map((s) => s.name);

describe('sensor lookup', () => {
  it('lookup - names in the listing order, with gaps, in any order, or without the sorted sensors give the same sensors', () => {
    const { set, sorted } = device(50);
    const cases = [
      ['s.000', 's.001', 's.002', 's.003'],
      ['s.010', 's.011', 's.020', 's.021', 's.049'],
      ['s.049', 's.000', 's.025', 's.013', 's.014', 's.002'],
      ['s.030', 's.031', 's.001', 's.032', 's.033'],
    ];
    for (const list of cases) {
      const want = list.map((n) => set.get(n)!);
      assert.deepEqual(names(lookupSensors(list, set, sorted)), list);
      assert.ok(lookupSensors(list, set, sorted).every((s, i) => s === want[i]));
      assert.ok(lookupSensors(list, set, undefined).every((s, i) => s === want[i]));
    }
  });

  it('lookup - an unknown name fails with its name, wherever it comes', () => {
    const { set, sorted } = device(20);
    const cases = [
      ['nosuch'],
      ['s.000', 's.001', 'nosuch'],
      ['s.000', 's.001', 's.0015', 's.002'],
      ['s.019', 's.003', 'nosuch', 's.004'],
    ];
    for (const list of cases) {
      for (const at of [sorted, undefined]) {
        assert.throws(
          () => lookupSensors(list, set, at),
          (err: unknown) => err instanceof FailReply && err.message === `Unknown sensor '${list.find((n) => set.get(n) === undefined)!}'`,
        );
      }
    }
  });
});
