import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupResults, GroupWaitResult, resolveQuorum } from '../../lib/resource/group.js';
import { KatcpError } from '../../lib/errors.js';

test('group - quorum: omitted means all, integers are counts, fractions round up (upstream ClientGroup.wait)', () => {
  assert.equal(resolveQuorum(undefined, 3), 3);
  assert.equal(resolveQuorum(1, 3), 1);
  assert.equal(resolveQuorum(2, 3), 2);
  assert.equal(resolveQuorum(0, 3), 0);
  assert.equal(resolveQuorum(0.1, 3), 1);
  assert.equal(resolveQuorum(0.5, 3), 2);
  assert.equal(resolveQuorum({ fraction: 1 }, 3), 3);
  assert.equal(resolveQuorum({ fraction: 0 }, 3), 0);
  assert.throws(() => resolveQuorum(1.1, 3), KatcpError);
  assert.throws(() => resolveQuorum(-1, 3), KatcpError);
  assert.throws(() => resolveQuorum({ fraction: 2 }, 3), KatcpError);
});

test('group - results are truthy only when every member succeeded', () => {
  assert.equal(new GroupResults([['a', { succeeded: true }], ['b', undefined]]).succeeded, false);
  assert.equal(new GroupResults([['a', { succeeded: true }], ['b', { succeeded: true }]]).succeeded, true);
  assert.equal(new GroupResults([['a', true], ['b', false]]).succeeded, false);
  const w = new GroupWaitResult([['a', true], ['b', false], ['c', false]]);
  w.quorum = 1;
  assert.equal(w.succeeded, true);
  w.quorum = 2;
  assert.equal(w.succeeded, false);
});
