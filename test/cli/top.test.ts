import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { haveTmux, MAIN, startDemo, Tmux } from './cli-harness.js';
import { nextView } from '../../lib/cli/top.js';
import type { ViewState } from '../../lib/cli/top.js';

const skip = haveTmux() ? false : 'tmux is not installed (.ci/run installs it)';

describe('katcp top', () => {
  it('top - the view state: typing filters, Tab sorts, Space pauses, ? starts a request that Enter sends', () => {
    const none = { tab: false, escape: false, backspace: false, delete: false, return: false, ctrl: false, meta: false, shift: false };
    const sent: string[] = [];
    const send = (l: string): number => sent.push(l);
    let v: ViewState = { filter: '', sort: 'name', paused: false, request: undefined };
    for (const ch of 'type.') v = nextView(v, ch, none, send);
    assert.equal(v.filter, 'type.');
    v = nextView(v, '', { ...none, backspace: true }, send);
    assert.equal(v.filter, 'type');
    v = nextView(v, '', { ...none, tab: true }, send, ['name', 'status', 'age']);
    assert.equal(v.sort, 'status');
    v = nextView(v, ' ', none, send);
    assert.equal(v.paused, true);
    v = nextView(v, '?', none, send);
    for (const ch of 'add 1 2') v = nextView(v, ch, none, send);
    assert.equal(v.request, 'add 1 2');
    v = nextView(v, '', { ...none, return: true }, send);
    assert.deepEqual([v.request, sent], [undefined, ['add 1 2']]);
    v = nextView(v, '', { ...none, escape: true }, send);
    assert.equal(v.filter, '');
  });

  it('top - live table of two devices in a real terminal: filter, sort, request, resize, quit restoring the screen', { skip }, async () => {
    const a = await startDemo();
    const b = await startDemo();
    const tmux = new Tmux('top');
    try {
      tmux.start(`${process.execPath} --import tsx ${MAIN} top ${a.addr} ${b.addr}`, {});
      let screen = await tmux.waitFor(/connected, synced[\s\S]*connected, synced/);
      assert.match(screen, /katcp top +\d+ sensors/);
      tmux.send(['type.float'], true);
      screen = await tmux.waitFor(/2 sensors matching "type\.float"/);
      assert.match(screen, new RegExp(`${a.addr.replace(/\./g, '\\.')} +type\\.float +3\\.25 V +nominal`));
      assert.match(screen, new RegExp(`${b.addr.replace(/\./g, '\\.')} +type\\.float +3\\.25 V +nominal`));
      tmux.send(['Tab']);
      await tmux.waitFor(/sort: device/);
      tmux.send(['?add 20 22'], true);
      tmux.send(['Enter']);
      screen = await tmux.waitFor(/!add ok 42\.0[\s\S]*!add ok 42\.0/);
      tmux.resize(60, 14);
      screen = await tmux.waitFor(/Esc …\n/);
      assert.match(screen, /^katcp top +2 sensors/m);
      assert.ok(screen.split('\n').every((l) => l.length <= 60), screen);
      tmux.send(['C-c']);
      screen = await tmux.waitFor(/EXIT STATUS 0/);
      assert.doesNotMatch(screen, /katcp top/);
    } finally {
      tmux.kill();
      await a.server.stop();
      await b.server.stop();
    }
  });
});
