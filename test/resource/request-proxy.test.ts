import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionClosedError, KatcpError, KatcpTypeError, NotConnectedError } from '../../lib/errors.js';
import { ResourceRequester } from '../../lib/resource/request-proxy.js';
import type { RequestInfo } from '../../lib/inspecting/model.js';

const add: RequestInfo = { name: 'add', description: 'adds', timeoutHint: undefined };

test('request proxy - a requester without a client rejects NotConnectedError naming the resource', async () => {
  const r = new ResourceRequester('dev');
  await assert.rejects(r.issue(add, [1, 2]), (e: unknown) => e instanceof NotConnectedError && /resource dev not started/.test(e.message));
});

test('request proxy - after stopped() every request rejects the stop error until reopen()', async () => {
  const r = new ResourceRequester('dev');
  const err = new ConnectionClosedError('resource dev stopped');
  r.stopped(err);
  assert.equal(r.closedError, err);
  await assert.rejects(r.issue(add, []), (e: unknown) => e === err);
  await assert.rejects(r.raw('add', []), (e: unknown) => e === err);
  r.reopen();
  assert.equal(r.closedError, undefined);
  await assert.rejects(r.issue(add, []), NotConnectedError);
});

test('request proxy - an inactive requester refuses real and dummy requests; active again, the dummy answers !fake ok', async () => {
  const r = new ResourceRequester('dev');
  r.setActive(false);
  assert.equal(r.active, false);
  await assert.rejects(r.issue(add, []), (e: unknown) => e instanceof KatcpError && e.code === 'KATCP_ERR_RESOURCE_INACTIVE');
  const dummy = r.dummy('nothing_here');
  assert.equal(dummy.name, 'nothing_here');
  await assert.rejects(dummy(), (e: unknown) => e instanceof KatcpError && e.code === 'KATCP_ERR_RESOURCE_INACTIVE');
  r.setActive(true);
  const reply = await dummy(1, 2);
  assert.equal(reply.succeeded, true);
  assert.equal(reply.reply.name, 'fake');
});

test('request proxy - unknown keys in the trailing options are a KatcpTypeError naming the request', async () => {
  const r = new ResourceRequester('dev');
  await assert.rejects(r.issue(add, [1, { timeout: 5, tiemout: 3 }]), (e: unknown) => e instanceof KatcpTypeError && /dev\.req\.add/.test(e.message) && /tiemout/.test(e.message));
});
