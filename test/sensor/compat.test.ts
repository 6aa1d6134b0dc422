import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compatibilityWarnings } from '../../lib/sensor/compat.js';
import { Sensor } from '../../lib/sensor/sensor.js';
import { deviceStatusSensor } from '../../lib/sensor/device-status.js';

describe('compatibilityWarnings', () => {
  it('warns about a timestamp sensor with units', () => {
    const w = compatibilityWarnings(Sensor.timestamp({ name: 'type.timestamp', units: 's' }));
    assert.equal(w.length, 1);
    assert.match(w[0]!, /sensor type\.timestamp: katcp-python clients reject timestamp sensors with units \("s"\)/);
  });

  it('warns about a discrete sensor without values (and treats an empty list as none)', () => {
    for (const values of [undefined, []]) {
      const s = new Sensor({ type: 'discrete', name: 'd', values });
      assert.equal(s.values, undefined);
      s.setValue('any-token');
      assert.match(compatibilityWarnings(s).join(), /reject discrete sensors without values/);
    }
  });

  it('has nothing to say about well-formed sensors', () => {
    const fine = [
      Sensor.timestamp({ name: 't' }),
      Sensor.discrete({ name: 'd', values: ['a'] }),
      Sensor.float({ name: 'f', units: 'V', range: { nominal: [0, 1], warn: [-1, 2] } }),
      Sensor.string({ name: 's', units: 's' }),
      Sensor.lru({ name: 'l' }),
      deviceStatusSensor(),
    ];
    for (const s of fine) assert.deepEqual(compatibilityWarnings(s), [], s.name);
  });
});
