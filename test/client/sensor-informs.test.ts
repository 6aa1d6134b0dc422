import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Message } from '../../lib/codec/message.js';
import { forEachSensorReading, parseSensorInform, parseSensorListInform, parseSensorListInforms, statusFromBytes } from '../../lib/client/sensor-informs.js';
import { KatcpError, MalformedInformError } from '../../lib/errors.js';

const status = (ts: string, ...rest: string[]) => new Message('#', 'sensor-status', [ts, ...rest].map((x) => Buffer.from(x, 'latin1')));

test('sensor informs - the fast timestamp path equals Number() for every plain decimal', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^\d{1,18}(\.\d{1,14})?$/), (t) => parseSensorInform(status(t, '1', 'x', 'nominal', '1'), {}).timestamp === Number(t)),
    { numRuns: 20_000 },
  );
});

test('sensor informs - other timestamp forms go through the codec; v4 timestamps are milliseconds', () => {
  assert.equal(parseSensorInform(status('1.5e3', '0'), {}).timestamp, 1500);
  assert.equal(parseSensorInform(status('-2.5', '0'), {}).timestamp, -2.5);
  assert.equal(parseSensorInform(status('1700000000250', '0'), { protocolMajor: 4 }).timestamp, 1700000000.25);
  assert.throws(() => parseSensorInform(status('abc', '0'), {}), KatcpError);
  assert.equal(parseSensorInform(status('1.', '0'), {}).timestamp, 1); // Python float() accepts it
});

test('sensor informs - counts must match the triples; bad statuses are reported, the rest delivered', () => {
  assert.throws(() => parseSensorInform(status('1', '2', 'a', 'nominal', '1'), {}), /count "2" does not match 3 arguments/);
  assert.throws(() => parseSensorInform(status('1', '-1'), {}), KatcpError);
  assert.throws(() => parseSensorInform(status('1', '1x', 'a', 'nominal', '1'), {}), KatcpError);
  assert.throws(() => parseSensorInform(new Message('#', 'sensor-status', []), {}), KatcpError);
  const got: string[] = [];
  const errors: string[] = [];
  const ts = forEachSensorReading(
    status('7', '3', 'a', 'nominal', '1', 'b', 'bogus', '2', 'c', 'WARN', '3'),
    {},
    (m, at, st, t) => got.push(`${m.arg(at)} ${st} ${m.argBytes(at + 2)!.toString()} ${t}`),
    (e) => errors.push(e.message),
  );
  assert.equal(ts, 7);
  assert.deepEqual(got, ['a nominal 1 7', 'c warn 3 7']);
  assert.equal(errors.length, 1);
});

test('sensor informs - a count is read whatever its spelling: leading zeros, large counts, and a wrong one is reported', () => {
  const triples = (n: number): string[] => Array.from({ length: n }, (_, i) => [`s${i}`, 'nominal', `${i}`]).flat();
  assert.equal(parseSensorInform(status('1', '01', 'a', 'nominal', '1'), {}).readings.length, 1);
  assert.equal(parseSensorInform(status('1', '000'), {}).readings.length, 0);
  assert.equal(parseSensorInform(status('1', '100', ...triples(100)), {}).readings.length, 100);
  assert.equal(parseSensorInform(status('1', '63', ...triples(63)), {}).readings.length, 63);
  assert.throws(() => parseSensorInform(status('1', '64', ...triples(63)), {}), /count "64" does not match 189 arguments/);
  assert.throws(() => parseSensorInform(status('1', '+1', 'a', 'nominal', '1'), {}), MalformedInformError);
  assert.throws(() => parseSensorInform(status('1', '1', 'a', 'nominal'), {}), /count "1" does not match 2 arguments/);
  for (const st of ['unknown', 'nominal', 'warn', 'error', 'failure', 'unreachable', 'inactive']) {
    assert.equal(parseSensorInform(Message.parse(`#sensor-status 1 1 a ${st} 1`), {}).readings[0]!.status, st);
  }
});

test('sensor informs - statusFromBytes knows all seven statuses and nothing else', () => {
  for (const s of ['unknown', 'nominal', 'warn', 'error', 'failure', 'unreachable', 'inactive']) assert.equal(statusFromBytes(Buffer.from(s)), s);
  for (const s of ['', 'n', 'nominax', 'warm', 'errors', 'unreachabl']) assert.equal(statusFromBytes(Buffer.from(s)), undefined);
});

test('sensor informs - #sensor-list descriptions', () => {
  const info = parseSensorListInform(Message.parse('#sensor-list temp The\\_temperature degC float -10 50'));
  assert.deepEqual(info, { name: 'temp', description: 'The temperature', units: 'degC', type: 'float', params: ['-10', '50'] });
  assert.throws(() => parseSensorListInform(Message.parse('#sensor-list temp x y')), KatcpError);
});

test('sensor informs - #sensor-list descriptions keep type and params as text, frozen', () => {
  const info = parseSensorListInform(Message.parse('#sensor-list[3] an.int An\\_integer. count integer -5 5'));
  assert.deepEqual(info, { name: 'an.int', description: 'An integer.', units: 'count', type: 'integer', params: ['-5', '5'] });
  assert.ok(Object.isFrozen(info) && Object.isFrozen(info.params));
  assert.deepEqual(parseSensorListInform(Message.parse('#sensor-list a.discrete A\\_discrete. \\@ discrete one two three')).params, ['one', 'two', 'three']);
  assert.equal(parseSensorListInform(Message.parse('#sensor-list a.discrete A\\_discrete. \\@ discrete')).units, '');
  assert.throws(() => parseSensorListInform(Message.parse('#sensor-list only.name desc')), /malformed #sensor-list/);
  const warnings: Error[] = [];
  assert.equal(parseSensorListInforms([Message.parse('#sensor-list x'), Message.parse('#sensor-list y d u float')], (e) => warnings.push(e)).length, 1);
  assert.equal(warnings.length, 1);
});

test('sensor informs - every malformed sensor inform is a MalformedInformError with code KATCP_ERR_BAD_INFORM', () => {
  const isBad = (e: unknown): boolean => e instanceof MalformedInformError && e.code === 'KATCP_ERR_BAD_INFORM';
  assert.throws(() => parseSensorListInform(Message.parse('#sensor-list x')), isBad);
  assert.throws(() => parseSensorInform(status('soon', '1', 'a', 'nominal', '3'), {}), isBad);
  assert.throws(() => parseSensorInform(status('1.0', '2', 'a', 'nominal', '3'), {}), isBad);
  const body = parseSensorInform(status('1.0', '2', 'a', 'great', '3', 'b', 'nominal', '4'), {});
  assert.equal(body.readings.length, 1, 'a bad entry does not hide the good one next to it (the inspecting client used to drop the whole inform)');
  assert.ok(body.errors.every(isBad));
});

test('sensor informs - parsed (zero-copy) informs read in place give the same readings, escaped names and values included', () => {
  const line = '#sensor-status 1700000000.5 3 a.b nominal 1 with\\_space WARN x\\_y c error \\@';
  const got: string[] = [];
  const errors: string[] = [];
  const ts = forEachSensorReading(
    Message.parse(line),
    {},
    (m, at, st, t) => got.push(`${m.arg(at)}|${st}|${m.argBytes(at + 2)!.toString()}|${t}`),
    (e) => errors.push(e.message),
  );
  assert.equal(ts, 1700000000.5);
  assert.deepEqual(got, ['a.b|nominal|1|1700000000.5', 'with space|warn|x y|1700000000.5', 'c|error||1700000000.5']);
  assert.deepEqual(errors, []);
  assert.deepEqual(parseSensorInform(Message.parse(line), {}), parseSensorInform(new Message('#', 'sensor-status', Message.parse(line).arguments), {}));
  assert.equal(parseSensorInform(Message.parse('#sensor-value 1700000000250 0'), { protocolMajor: 4 }).timestamp, 1700000000.25);
  assert.throws(() => parseSensorInform(Message.parse('#sensor-status nan\\_x 0'), {}), (e: unknown) => e instanceof MalformedInformError && /bad timestamp/.test(e.message));
});

test('sensor informs - a parsed #sensor-list with an empty (\\@) name is malformed', () => {
  assert.throws(() => parseSensorListInform(Message.parse('#sensor-list \\@ d u integer')), /no sensor name/);
  assert.equal(parseSensorListInform(Message.parse('#sensor-list n\\_1 d\\_e \\@ integer')).name, 'n 1');
});

test('sensor informs - a description parsed like the previous one shares its params array and reads the same as without it', () => {
  const lines = [
    '#sensor-list a.1 First deg\u00b0C integer -5 5',
    '#sensor-list a.2 Second deg\u00b0C integer -5 5',
    '#sensor-list a.3 Third \\@ integer -5 6',
    '#sensor-list a.4 Fourth \\@ float',
    '#sensor-list a.5 Fifth V\\_dc float',
    '#sensor-list a.6 Sixth V\\_dc discrete on off',
    '#sensor-list a.7 Seventh V\\_dc discrete on off',
  ];
  let prev: ReturnType<typeof parseSensorListInform> | undefined;
  const got = lines.map((line) => {
    const msg = Message.parse(line);
    const info = parseSensorListInform(msg, prev);
    assert.deepEqual(info, parseSensorListInform(msg));
    assert.ok(Object.isFrozen(info) && Object.isFrozen(info.params));
    const shared = prev !== undefined && info.params === prev.params;
    prev = info;
    return shared;
  });
  // a.2 and a.7 repeat the previous params; a.5 has none, like a.4 (one shared empty array).
  assert.deepEqual(got, [false, true, false, false, true, false, true]);
});
