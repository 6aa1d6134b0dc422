import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Message } from '../../lib/codec/message.js';
import { readSensor } from '../../lib/client/sensor-reading.js';
import type { SensorRequester } from '../../lib/client/sensor-reading.js';
import type { SensorInfo } from '../../lib/client/sensor-informs.js';
import { MalformedInformError } from '../../lib/errors.js';

/** A requester answering `?sensor-value` with the given inform line (and `?sensor-list` with a float sensor). */
function answering(valueLine: string, protocolMajor = 5): SensorRequester {
  return {
    codecContext: { protocolMajor },
    request: (name) =>
      Promise.resolve({
        reply: [Buffer.from('ok')],
        informs: [Message.parse(name === 'sensor-list' ? '#sensor-list temp Temperature degC float' : valueLine)],
      }),
  };
}

test('sensor reading - the first good triple of the inform is the reading, decoded by the listed type', async () => {
  const r = await readSensor(answering('#sensor-value 1234.5 2 temp bogus 1 temp warn 3.25'), new Map(), 'temp');
  assert.deepEqual({ ...r }, { timestamp: 1234.5, status: 'warn', value: 3.25 });
  assert.ok(Object.isFrozen(r));
  const v4 = await readSensor(answering('#sensor-value 1234500 1 temp nominal 7', 4), new Map(), 'temp');
  assert.deepEqual({ ...v4 }, { timestamp: 1234.5, status: 'nominal', value: 7 });
});

test('sensor reading - an inform without a good triple fails with its first error, or says there is no reading', async () => {
  const cache = new Map<string, SensorInfo>();
  await assert.rejects(readSensor(answering('#sensor-value 1 2 temp bogus 1 temp worse 2'), cache, 'temp'), (e: unknown) => e instanceof MalformedInformError && /unknown status "bogus"/.test(e.message));
  await assert.rejects(readSensor(answering('#sensor-value 1 0'), cache, 'temp'), (e: unknown) => e instanceof MalformedInformError && /no reading for temp/.test(e.message));
  await assert.rejects(readSensor(answering('#sensor-value 1 2 temp nominal 1'), cache, 'temp'), /count "2" does not match 3 arguments/);
});
