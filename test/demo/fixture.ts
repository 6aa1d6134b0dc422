/**
 * Shared set-up for tests of the demo device.
 */
import type { DemoServerOptions } from '../../lib/demo/demo-server.js';
import { clockStateName } from '../../lib/server/adjtimex.js';

/** An adjtimex stand-in reporting a synchronised clock, so time-sync sensors are deterministic. */
export const fakeAdjtimex = (): ReturnType<NonNullable<DemoServerOptions['adjtimex']>> => ({
  code: 0,
  state: clockStateName(0),
  timex: {
    modes: 0, offset: 0, freq: 0, maxerror: 2000, esterror: 100, status: 0, constant: 0, precision: 0, tolerance: 0,
    time: { sec: 1700000000, usec: 500000 }, tick: 0, ppsfreq: 0, jitter: 0, shift: 0, stabil: 0, jitcnt: 0, calcnt: 0, errcnt: 0, stbcnt: 0, tai: 0,
  },
});
