import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '../../lib/client/client.js';
import type { DeviceServer } from '../../lib/server/device-server.js';
import { haveTmux, MAIN, startDemo, Tmux } from './cli-harness.js';

const skip = haveTmux() ? false : 'tmux is not installed (.ci/run installs it)';

describe('katcp shell (in a real terminal, through tmux)', { skip }, () => {
  let server: DeviceServer;
  let addr: string;
  let port: number;
  let home: string;

  before(async () => {
    ({ server, addr, port } = await startDemo());
    home = mkdtempSync(join(tmpdir(), 'katcp-shell-'));
  });
  after(async () => {
    await server.stop();
  });

  const start = (tmux: Tmux): void => tmux.start(`${process.execPath} --import tsx ${MAIN} shell ${addr}`, { HOME: home, XDG_STATE_HOME: join(home, 'state'), NO_COLOR: '1' });

  it('shell - Tab completes request and sensor names, runs requests, shows async informs above the prompt, Ctrl-D leaves', async () => {
    const tmux = new Tmux('shell1');
    try {
      start(tmux);
      await tmux.waitFor(/katcp 127\.0\.0\.1:\d+>\s*$/m);
      // Request names come from ?help once connected; a reply to a later request shows it has been answered.
      tmux.send(['watchdog'], true);
      tmux.send(['Enter']);
      await tmux.waitFor(/!watchdog ok/);
      for (let i = 0; ; i++) {
        tmux.send(['pick-f'], true);
        tmux.send(['Tab']);
        try {
          await tmux.waitFor(/> pick-fruit\s*$/m, 5000);
          break;
        } catch (err) {
          tmux.send(['C-u']);
          if (i >= 10) throw err;
        }
      }
      tmux.send(['Enter']);
      await tmux.waitFor(/#pick-fruit walking to the orchard[\s\S]*!pick-fruit (ok|fail)/);
      tmux.send(['?add 1 2'], true);
      tmux.send(['Enter']);
      await tmux.waitFor(/!add ok 3\.0/);
      tmux.send(['sensor-value type.int'], true);
      tmux.send(['Tab']);
      await tmux.waitFor(/> sensor-value type\.integer/);
      tmux.send(['Enter']);
      await tmux.waitFor(/type\.integer nominal 42\n!sensor-value ok 1/);
      // An asynchronous #log from another client appears above the half-typed line.
      tmux.send(['log-level trace'], true);
      tmux.send(['Enter']);
      await tmux.waitFor(/!log-level ok trace/);
      tmux.send(['hal'], true);
      // The half-typed line must be on screen before the inform arrives, or there is nothing to keep.
      await tmux.waitFor(/> hal$/m);
      const other = await Client.connect('127.0.0.1', port, { timeout: 10_000 });
      await other.request('log-message', 'info', 'hello from elsewhere');
      await other.close();
      await tmux.waitFor(/hello.*elsewhere\n.*katcp 127\.0\.0\.1:\d+> hal$/m);
      tmux.send(['C-u', 'help', 'Enter']);
      await tmux.waitFor(/connect ADDR +switch to another device/);
      tmux.send(['C-d']);
      await tmux.waitFor(/EXIT STATUS 0/);
      const history = readFileSync(join(home, 'state', 'katcp', 'history'), 'utf8');
      assert.match(history, /^watchdog\npick-fruit\n\?add 1 2\nsensor-value type\.integer\n/);
    } finally {
      tmux.kill();
    }
  });

  it('shell - history survives sessions; Ctrl-C cancels a running request; connect switches device', async () => {
    const tmux = new Tmux('shell2');
    try {
      start(tmux);
      await tmux.waitFor(/katcp 127\.0\.0\.1:\d+>\s*$/m);
      tmux.send(['Up']);
      await tmux.waitFor(/> help$/m);
      tmux.send(['C-u']);
      tmux.send(['slow 60'], true);
      tmux.send(['Enter']);
      tmux.send(['C-c']);
      await tmux.waitFor(/aborted|cancelled/);
      tmux.send(['connect 127.0.0.1:1'], true);
      tmux.send(['Enter']);
      await tmux.waitFor(/cannot connect to 127\.0\.0\.1:1/);
      tmux.send([`connect ${addr}`], true);
      tmux.send(['Enter']);
      await tmux.waitFor(/-- connected to 127\.0\.0\.1:\d+\n/);
      tmux.send(['quit', 'Enter']);
      await tmux.waitFor(/EXIT STATUS 0/);
    } finally {
      tmux.kill();
    }
  });
});
