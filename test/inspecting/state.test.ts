import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InspectingState, formatState, isAllowedTransition, stateFromFlags } from '../../lib/inspecting/state.js';

test('state - exactly five of the sixteen flag combinations are valid', () => {
  let valid = 0;
  for (let i = 0; i < 16; i++) {
    const flags = { connected: (i & 1) !== 0, synced: (i & 2) !== 0, modelChanged: (i & 4) !== 0, dataSynced: (i & 8) !== 0 };
    if (stateFromFlags(flags) !== undefined) valid++;
  }
  assert.equal(valid, 5);
  assert.equal(stateFromFlags({ connected: true, synced: true, modelChanged: true, dataSynced: true }), undefined);
  assert.equal(stateFromFlags({ connected: true, synced: false, modelChanged: true, dataSynced: true }), InspectingState.DataSyncedChanged);
});

test('state - string form matches katcp-python', () => {
  assert.equal(formatState(InspectingState.DataSyncedChanged), '[connected !synced model_changed data_synced]');
  assert.equal(formatState(InspectingState.Disconnected), '[!connected !synced !model_changed !data_synced]');
  assert.equal(formatState(InspectingState.Synced), '[connected synced !model_changed data_synced]');
});

test('state - transitions follow the katcp-python loop', () => {
  const { Disconnected: S0, Connected: S1, DataSyncedChanged: S2a, DataSynced: S2b, Synced: S3 } = InspectingState;
  const allowed: [typeof S0, typeof S0][] = [
    [S0, S1], [S1, S0], [S1, S2a], [S1, S2b], [S1, S3], [S2a, S3], [S2b, S3], [S2a, S0], [S2b, S0], [S2a, S1], [S2b, S1], [S3, S1], [S3, S0],
  ];
  const all = Object.values(InspectingState);
  for (const from of all) {
    for (const to of all) {
      const expected = allowed.some(([a, b]) => a === from && b === to);
      assert.equal(isAllowedTransition(from, to), expected, `${from.name} -> ${to.name}`);
    }
  }
});

test('state - values are frozen', () => {
  assert.ok(Object.isFrozen(InspectingState.Synced));
});
