import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runDemoTour } from '../../lib/cli/demo.js';

describe('cli/demo', () => {
  it('demo - the guided tour inspects, calls, waits, listens and resyncs after a restart', async () => {
    const lines: string[] = [];
    await runDemoTour({ print: (line) => lines.push(line), timeout: 30_000 });
    const text = lines.join('\n');
    assert.match(text, /^demo device listening on 127\.0\.0\.1:\d+$/m);
    assert.match(text, /resource 'demo' is synced; the device model:/);
    assert.match(text, /req\.pick_fruit\s+Pick a random fruit.*\(timeout hint 10 s\)/);
    assert.match(text, /sensor\.fruit_result\s+fruit\.result\s+discrete/);
    assert.match(text, /add -> succeeded\n\s+!add ok 9\.0/);
    assert.match(text, /pick-fruit -> succeeded\n\s+!pick-fruit ok \w+\n\s+#pick-fruit walking to the orchard/);
    assert.match(text, /fruit_result is nominal: \w+/);
    assert.match(text, /listener: add_result = 42 \(nominal\)/);
    assert.match(text, /resource is disconnected/);
    assert.match(text, /resource is synced again/);
    assert.match(text, /listener: add_result = 123 \(nominal\)/);
    assert.equal(lines.at(-1)?.trim(), 'tour complete');
  });
});
