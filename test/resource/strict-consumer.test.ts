// A consumer file compiled with `strict` and `noUncheckedIndexedAccess` (the project's tsconfig):
// the README idioms must type-check without casts or `!`. Running it checks they also work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KATCPClientResource } from '../../lib/resource/resource.js';
import { KatcpReply } from '../../lib/resource/reply.js';
import { Message } from '../../lib/codec/message.js';
import type { ResourceReading } from '../../lib/resource/resource-sensor.js';
import { Device, quietClient } from '../inspecting/fixtures.js';

test('strict consumer - wait predicates are typed, getSensor/getRequest need no "!", reply.int() is a number', async (t) => {
  const device = await Device.start();
  const dev = new KATCPClientResource({ name: 'demo', address: device.address, controlled: true, client: quietClient, logger: quietClient.logger });
  t.after(async () => {
    await dev.stop();
    await device.stop();
  });
  dev.start();
  await dev.untilSynced({ timeout: 15_000 });
  const reply = await dev.getRequest('add')(3, 6);
  const sum: number = reply.float(0) + 1;
  assert.equal(sum, 10);
  const sensor = dev.getSensor('type.integer');
  await sensor.setStrategy('event');
  // TS7006 before: `r` was implicitly any.
  const reading = await sensor.wait((r) => r.status === 'nominal', { timeout: 10_000 });
  const typed: ResourceReading<unknown> = reading;
  assert.equal(typed.status, 'nominal');
  const viaResource = await dev.wait('type.integer', (r) => r.status === 'nominal', { timeout: 10_000 });
  assert.equal(viaResource.status, 'nominal');
  const byName = await dev.call('add', 1, 2);
  assert.equal(byName.float(), 3);
  const count: number = new KatcpReply(Message.parse('!count ok 41')).int(0) + 1;
  assert.equal(count, 42);
});
