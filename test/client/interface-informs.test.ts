import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Message } from '../../lib/codec/message.js';
import { parseHelpInform, parseInterfaceChanged, parseTimeoutHintInform } from '../../lib/client/interface-informs.js';
import { MalformedInformError } from '../../lib/errors.js';

const m = (line: string): Message => Message.parse(line);

test('interface informs - #help gives name and description; no name is malformed', () => {
  assert.deepEqual(parseHelpInform(m('#help pick-fruit Pick\\_a\\_fruit.')), { name: 'pick-fruit', description: 'Pick a fruit.' });
  assert.throws(() => parseHelpInform(m('#help')), MalformedInformError);
});

test('interface informs - a negative or missing timeout hint is malformed (one class, one code)', () => {
  assert.deepEqual(parseTimeoutHintInform(m('#request-timeout-hint x 2.5')), { name: 'x', timeoutHint: 2.5 });
  assert.deepEqual(parseTimeoutHintInform(m('#request-timeout-hint x 0')), { name: 'x', timeoutHint: undefined });
  for (const line of ['#request-timeout-hint x -1', '#request-timeout-hint x', '#request-timeout-hint x soon']) {
    assert.throws(
      () => parseTimeoutHintInform(m(line)),
      (e: unknown) => e instanceof MalformedInformError && e.code === 'KATCP_ERR_BAD_INFORM' && e.informName === 'request-timeout-hint',
    );
  }
});

test('interface informs - #interface-changed forms, one parser for the monitor and the inspecting client', () => {
  assert.deepEqual(parseInterfaceChanged(m('#interface-changed')), [{ scope: 'all' }]);
  assert.deepEqual(parseInterfaceChanged(m('#interface-changed sensor-list')), [{ scope: 'sensors' }]);
  assert.deepEqual(parseInterfaceChanged(m('#interface-changed request-list')), [{ scope: 'requests' }]);
  assert.deepEqual(parseInterfaceChanged(m('#interface-changed sensor x.y added')), [{ scope: 'sensor', name: 'x.y', change: 'added' }]);
  assert.deepEqual(parseInterfaceChanged(m('#interface-changed request pick-fruit removed')), [{ scope: 'request', name: 'pick-fruit', change: 'removed' }]);
  assert.deepEqual(parseInterfaceChanged(m('#interface-changed sensor a added request b modified')), [
    { scope: 'sensor', name: 'a', change: 'added' },
    { scope: 'request', name: 'b', change: 'modified' },
  ]);
  assert.deepEqual(parseInterfaceChanged(m('#interface-changed sensor x.y exploded')), [{ scope: 'all' }]);
  assert.deepEqual(parseInterfaceChanged(m('#interface-changed sensor a added sensor b')), [{ scope: 'all' }]);
  assert.deepEqual(parseInterfaceChanged(m('#device-changed sensor x.y added')), [{ scope: 'sensor', name: 'x.y', change: 'added' }]);
  assert.deepEqual(parseInterfaceChanged(m('#device-changed')), [{ scope: 'all' }]);
});
