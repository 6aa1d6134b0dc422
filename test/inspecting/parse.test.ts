import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Message } from '../../lib/codec/message.js';
import { buildRequestInfos, timeoutHintTable } from '../../lib/inspecting/parse.js';
import { KatcpError } from '../../lib/errors.js';

const m = (line: string): Message => Message.parse(line);

test('parse - #help and #request-timeout-hint informs become request descriptions', () => {
  const warnings: Error[] = [];
  const hints = timeoutHintTable(
    [m('#request-timeout-hint[4] pick-fruit 10.5'), m('#request-timeout-hint[4] add 0'), m('#request-timeout-hint[4] bad x')],
    (e) => warnings.push(e),
  );
  const infos = buildRequestInfos([m('#help[3] pick-fruit Pick\\_a\\_fruit.'), m('#help[3] add'), m('#help[3]')], hints, (e) => warnings.push(e));
  assert.deepEqual(infos, [
    { name: 'pick-fruit', description: 'Pick a fruit.', timeoutHint: 10.5 },
    { name: 'add', description: '', timeoutHint: undefined },
  ]);
  assert.equal(warnings.length, 2);
  assert.ok(warnings.every((w) => w instanceof KatcpError));
});

