/**
 * Round trips with client and server in one process, as the cross-library suite runs them
 * (`bench/peers`): one client awaiting each `?watchdog` in turn, and ten clients doing so side by
 * side, for our Client against our DeviceServer and, in the same run, for bare Node sockets that
 * only echo a fixed reply line (no parsing, no protocol). The bare figures are the ceiling any
 * Node KATCP stack has for these two rows on the machine: each round trip is two socket writes
 * and two reads on one thread, and most of that time is the kernel's loopback TCP and Node's
 * stream layer.
 */
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { Client } from '../lib/client/client.js';
import { silentLogger } from '../lib/client/logger.js';
import { DeviceServer } from '../lib/server/device-server.js';
import { fmt } from './format.js';

/** `clients` workers each doing `each` awaited round trips; best rate of `reps` runs. */
async function bestRate(reps: number, clients: number, each: number, roundTrip: (worker: number) => Promise<unknown>): Promise<number> {
  let best = 0;
  for (let rep = 0; rep < reps; rep++) {
    const t = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async (_, w) => {
        for (let i = 0; i < each; i++) await roundTrip(w);
      }),
    );
    best = Math.max(best, (clients * each) / ((performance.now() - t) / 1000));
  }
  return best;
}

/** A bare echo server and `n` bare clients whose round trip is one line out, one chunk back. */
async function bareSockets(n: number): Promise<{ roundTrip: (w: number) => Promise<unknown>; close: () => Promise<void> }> {
  const server: Server = createServer((s) => {
    s.setNoDelay(true);
    s.on('data', () => s.write('!watchdog ok\n'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const sockets: Socket[] = [];
  for (let i = 0; i < n; i++) {
    const s = connect(port, '127.0.0.1');
    s.setNoDelay(true);
    await new Promise((r) => s.once('connect', r));
    sockets.push(s);
  }
  return {
    roundTrip: (w) =>
      new Promise((resolve) => {
        const s = sockets[w]!;
        s.once('data', resolve);
        s.write('?watchdog\n');
      }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Prints ours beside bare sockets, one client and ten, in one process. */
export async function inProcessRoundTrips(): Promise<void> {
  const server = new DeviceServer({ version: 'bench-1.0', buildState: 'bench-1.0' });
  await server.start();
  const clients: Client[] = [];
  for (let i = 0; i < 10; i++) clients.push(await Client.connect('127.0.0.1', server.address.port, { logger: silentLogger }));
  const ours = (w: number): Promise<unknown> => clients[w]!.request('watchdog');
  await bestRate(1, 10, 500, ours);
  const oursOne = await bestRate(3, 1, 5000, ours);
  const oursTen = await bestRate(3, 10, 500, ours);
  for (const c of clients) await c.close();
  await server.stop();
  const bare = await bareSockets(10);
  await bestRate(1, 10, 500, bare.roundTrip);
  const bareOne = await bestRate(3, 1, 5000, bare.roundTrip);
  const bareTen = await bestRate(3, 10, 500, bare.roundTrip);
  await bare.close();
  console.log(`in one process, ?watchdog awaited in turn: one client ${fmt(oursOne)}/s, 10 clients ${fmt(oursTen)}/s`);
  console.log(`  bare Node sockets echoing a fixed line, same run: one ${fmt(bareOne)}/s, 10 ${fmt(bareTen)}/s; ours = ${Math.round((100 * oursOne) / bareOne)} % and ${Math.round((100 * oursTen) / bareTen)} %`);
}
