import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SyncWork } from '../../lib/inspecting/work.js';

test('work - named changes accumulate, the last change of a name wins', () => {
  const w = new SyncWork();
  assert.equal(w.empty, true);
  w.add({ scope: 'sensor', name: 'x', change: 'added' });
  w.add({ scope: 'sensor', name: 'x', change: 'removed' });
  w.add({ scope: 'request', name: 'r', change: 'modified' });
  assert.deepEqual([...w.sensors], [['x', 'removed']]);
  assert.deepEqual([...w.requests], [['r', 'modified']]);
});

test('work - a full listing of a kind absorbs its named changes', () => {
  const w = new SyncWork();
  w.add({ scope: 'sensor', name: 'x', change: 'added' });
  w.add({ scope: 'sensors' });
  w.add({ scope: 'sensor', name: 'y', change: 'added' });
  assert.equal(w.sensorsAll, true);
  assert.equal(w.sensors.size, 0);
  assert.equal(w.requestsAll, false);
  w.add({ scope: 'all' });
  assert.equal(w.requestsAll, true);
});

test('work - take() empties the work and merge() puts failed work back without overriding newer changes', () => {
  const w = new SyncWork();
  w.add({ scope: 'sensor', name: 'x', change: 'added' });
  w.add({ scope: 'request', name: 'r', change: 'added' });
  const taken = w.take();
  assert.equal(w.empty, true);
  w.add({ scope: 'sensor', name: 'x', change: 'removed' });
  w.merge(taken);
  assert.deepEqual([...w.sensors], [['x', 'removed']]);
  assert.deepEqual([...w.requests], [['r', 'added']]);
  const all = new SyncWork();
  all.all();
  w.merge(all.take());
  assert.equal(w.sensorsAll && w.requestsAll, true);
  assert.equal(w.sensors.size, 0);
});

test('work - lookups never override an announced change', () => {
  const w = new SyncWork();
  w.add({ scope: 'sensor', name: 'x', change: 'removed' });
  w.lookupSensor('x');
  w.lookupSensor('y');
  w.lookupRequest('r');
  assert.deepEqual([...w.sensors], [['x', 'removed'], ['y', 'lookup']]);
  assert.deepEqual([...w.requests], [['r', 'lookup']]);
});
