import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../lib/util/clock.js';

test('clock - the system clock unreferences and references its timers again (Node timers hasRef), and an unreferenced timer still fires', async () => {
  let fired = false;
  const handle = systemClock.setTimer(() => (fired = true), 5);
  const timer = handle as unknown as NodeJS.Timeout;
  assert.equal(timer.hasRef(), true);
  systemClock.refTimer?.(handle, false);
  assert.equal(timer.hasRef(), false);
  systemClock.refTimer?.(handle, true);
  assert.equal(timer.hasRef(), true);
  systemClock.refTimer?.(handle, false);
  // Something else keeps the process alive meanwhile, as a client's socket does.
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(fired, true);
});
