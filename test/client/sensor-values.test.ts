import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Message } from '../../lib/codec/message.js';
import { Address } from '../../lib/codec/address.js';
import { clientSensorType, decodeSensorValue } from '../../lib/client/sensor-informs.js';
import { parseSensorInform } from '../../lib/client/sensor-informs.js';
import type { SensorInfo } from '../../lib/client/sensor-informs.js';
import { defaultSensorFactory } from '../../lib/inspecting/sensor-values.js';
import { isUnknownItemReply } from '../../lib/inspecting/inspector.js';
import { KatcpTypeError } from '../../lib/errors.js';

const info = (type: string, params: string[] = [], units = ''): SensorInfo => ({ name: 's.x', description: 'd', units, type, params });
const upd = (line: string, major = 5) => {
  const body = parseSensorInform(Message.parse(line), { protocolMajor: major });
  return { ...body.readings[0]!, major };
};
const decodeUpdate = (i: SensorInfo, u: ReturnType<typeof upd>, major: number) => ({ value: decodeSensorValue(i, u.value, { protocolMajor: major }) });

test('sensor values - each KATCP type decodes to its JS value', () => {
  assert.equal(decodeUpdate(info('integer'), upd('#sensor-status 1.5 1 s.x nominal -3'), 5).value, -3);
  assert.equal(decodeUpdate(info('float'), upd('#sensor-status 1.5 1 s.x nominal 2.5'), 5).value, 2.5);
  assert.equal(decodeUpdate(info('boolean'), upd('#sensor-status 1.5 1 s.x nominal 1'), 5).value, true);
  assert.equal(decodeUpdate(info('lru'), upd('#sensor-status 1.5 1 s.x error error'), 5).value, 'error');
  assert.equal(decodeUpdate(info('string'), upd('#sensor-status 1.5 1 s.x nominal hello\\_world'), 5).value, 'hello world');
  assert.equal(decodeUpdate(info('timestamp'), upd('#sensor-status 1.5 1 s.x nominal 1700000000.250000'), 5).value, 1700000000.25);
  assert.equal(decodeUpdate(info('timestamp'), upd('#sensor-status 1500 1 s.x nominal 1700000000250', 4), 4).value, 1700000000.25);
  const addr = decodeUpdate(info('address'), upd('#sensor-status 1.5 1 s.x nominal 127.0.0.1:7147'), 5).value;
  assert.ok(addr instanceof Address && addr.port === 7147);
});

test('sensor values - discrete values outside the listed ones are still decoded', () => {
  assert.equal(decodeUpdate(info('discrete', ['a', 'b']), upd('#sensor-status 1.5 1 s.x nominal c'), 5).value, 'c');
});

test('sensor values - a value that does not decode is a KatcpTypeError', () => {
  assert.throws(() => decodeUpdate(info('integer'), upd('#sensor-status 1.5 1 s.x nominal 1.5'), 5), KatcpTypeError);
});

test('sensor values - unknown listed types are handled as strings (katcp-python retries such a sync forever)', () => {
  assert.equal(clientSensorType('mystery'), 'string');
  assert.equal(decodeUpdate(info('mystery'), upd('#sensor-status 1.5 1 s.x nominal x'), 5).value, 'x');
  assert.equal(defaultSensorFactory(info('mystery')).type, 'string');
});

test('sensor values - a timestamp sensor listed with units still gets a sensor object (katcp-python stays stuck syncing)', () => {
  const s = defaultSensorFactory(info('timestamp', [], 's'));
  assert.equal(s.type, 'timestamp');
  assert.equal(s.units, 's');
});

test('sensor values - the default factory keeps discrete values and a valid default', () => {
  const s = defaultSensorFactory(info('discrete', ['one', 'two']));
  assert.deepEqual(s.values, ['one', 'two']);
  assert.equal(s.value, 'one');
  assert.equal(s.status, 'unknown');
  const dup = defaultSensorFactory(info('discrete', ['x', 'x']));
  assert.equal(dup.type, 'discrete');
});

test('inspector - "unknown" failure replies mean "no such item" for named lookups', () => {
  assert.equal(isUnknownItemReply(Message.parse("!sensor-list[3] fail Unknown\\_sensor\\_'x'")), true);
  assert.equal(isUnknownItemReply(Message.parse('!help fail Unknown\\_request\\_x')), true);
  assert.equal(isUnknownItemReply(Message.parse('!help fail no\\_such\\_request')), true);
  assert.equal(isUnknownItemReply(Message.parse('!help fail Help\\_is\\_broken')), false);
  assert.equal(isUnknownItemReply(Message.parse('!help invalid Unknown')), false);
});

test('sensor values - a string sensor whose bytes are not UTF-8 keeps its exact bytes as a Buffer (lossless)', () => {
  const raw = Buffer.from([0x61, 0xff, 0xfe, 0x00, 0x62]);
  const value = decodeSensorValue(info('string'), raw, {});
  assert.ok(Buffer.isBuffer(value));
  assert.deepEqual(value, raw);
  assert.notEqual(value, raw, 'a copy: message arguments may be views into the parser buffer');
  assert.equal(decodeSensorValue(info('string'), Buffer.from('héllo'), {}), 'héllo');
});
