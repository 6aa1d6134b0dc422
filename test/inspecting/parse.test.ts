import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Message } from '../../lib/codec/message.js';
import {
  buildRequestInfos,
  buildSensorInfos,
  parseInterfaceChanged,
  parseSensorListInform,
  parseSensorUpdates,
  parseTimeoutHintInform,
} from '../../lib/inspecting/parse.js';
import { KatcpError } from '../../lib/errors.js';

const m = (line: string): Message => Message.parse(line);

test('parse - #help and #request-timeout-hint informs become request descriptions', () => {
  const warnings: Error[] = [];
  const infos = buildRequestInfos(
    [m('#help[3] pick-fruit Pick\\_a\\_fruit.'), m('#help[3] add'), m('#help[3]')],
    [m('#request-timeout-hint[4] pick-fruit 10.5'), m('#request-timeout-hint[4] add 0'), m('#request-timeout-hint[4] bad x')],
    (e) => warnings.push(e),
  );
  assert.deepEqual(infos, [
    { name: 'pick-fruit', description: 'Pick a fruit.', timeoutHint: 10.5 },
    { name: 'add', description: '', timeoutHint: undefined },
  ]);
  assert.equal(warnings.length, 2);
  assert.ok(warnings.every((w) => w instanceof KatcpError));
});

test('parse - a negative timeout hint is malformed', () => {
  assert.throws(() => parseTimeoutHintInform(m('#request-timeout-hint x -1')), KatcpError);
  assert.throws(() => parseTimeoutHintInform(m('#request-timeout-hint x')), KatcpError);
});

test('parse - #sensor-list informs keep type and params as text', () => {
  assert.deepEqual(parseSensorListInform(m('#sensor-list[3] an.int An\\_integer. count integer -5 5')), {
    name: 'an.int', description: 'An integer.', units: 'count', type: 'integer', params: ['-5', '5'],
  });
  assert.deepEqual(parseSensorListInform(m('#sensor-list a.discrete A\\_discrete. \\@ discrete one two three')).params, ['one', 'two', 'three']);
  assert.equal(parseSensorListInform(m('#sensor-list a.discrete A\\_discrete. \\@ discrete')).units, '');
  assert.throws(() => parseSensorListInform(m('#sensor-list only.name desc')), /malformed #sensor-list/);
  const warnings: Error[] = [];
  assert.equal(buildSensorInfos([m('#sensor-list x'), m('#sensor-list y d u float')], (e) => warnings.push(e)).length, 1);
  assert.equal(warnings.length, 1);
});

test('parse - #sensor-status triples, v5 seconds and v4 milliseconds', () => {
  const v5 = parseSensorUpdates(m('#sensor-status 1700000000.250000 2 a nominal 3 b warn x'), 5);
  assert.equal(v5.length, 2);
  assert.equal(v5[0]!.timestamp, 1700000000.25);
  assert.equal(v5[1]!.status, 'warn');
  assert.equal(v5[1]!.raw.toString(), 'x');
  const v4 = parseSensorUpdates(m('#sensor-value 1700000000250 1 an.int nominal 3'), 4);
  assert.equal(v4[0]!.timestamp, 1700000000.25);
});

test('parse - #sensor-status with a wrong count or status is refused', () => {
  assert.throws(() => parseSensorUpdates(m('#sensor-status 1.0 2 a nominal 3'), 5), /count 2/);
  assert.throws(() => parseSensorUpdates(m('#sensor-status 1.0 1 a great 3'), 5), /unknown status/);
  assert.throws(() => parseSensorUpdates(m('#sensor-status soon 1 a nominal 3'), 5), /bad timestamp/);
});

test('parse - #interface-changed forms', () => {
  assert.deepEqual(parseInterfaceChanged(m('#interface-changed')), { scope: 'all' });
  assert.deepEqual(parseInterfaceChanged(m('#interface-changed sensor-list')), { scope: 'sensors' });
  assert.deepEqual(parseInterfaceChanged(m('#interface-changed request-list')), { scope: 'requests' });
  assert.deepEqual(parseInterfaceChanged(m('#interface-changed sensor x.y added')), { scope: 'sensor', name: 'x.y', change: 'added' });
  assert.deepEqual(parseInterfaceChanged(m('#interface-changed request pick-fruit removed')), { scope: 'request', name: 'pick-fruit', change: 'removed' });
  assert.deepEqual(parseInterfaceChanged(m('#interface-changed sensor x.y exploded')), { scope: 'all' });
  assert.deepEqual(parseInterfaceChanged(m('#device-changed sensor x.y added')), { scope: 'all' });
});
