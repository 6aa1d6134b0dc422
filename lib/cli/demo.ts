/**
 * `katcp demo`: the guided tour behind `npm start`. It starts the embedded demo device,
 * connects a `KATCPClientResource` to it and walks through what a control engineer does every
 * day: inspect the device model, call requests as methods, set a sampling strategy and wait on a
 * sensor, listen to updates, and ride out a device restart.
 * @module
 */
import { createDemoServer } from '../demo/demo-server.js';
import type { DeviceServer } from '../server/device-server.js';
import { KATCPClientResource } from '../resource/resource.js';
import type { ResourceSensor } from '../resource/resource-sensor.js';
import type { KatcpReply } from '../resource/reply.js';
import { KatcpError } from '../errors.js';

/** Options of {@link runDemoTour}. */
export interface DemoTourOptions {
  /** Where the tour prints (default `console.log`). */
  print?: (line: string) => void;
  /** Timeout of every wait in the tour, in ms (default 15 000). */
  timeout?: number;
}

function lookup<T>(ns: Readonly<Record<string, T>>, name: string): T {
  const item = ns[name];
  if (item === undefined) throw new KatcpError(`the demo device has no '${name}'`, 'KATCP_ERR_DEMO');
  return item;
}

function showReply(print: (line: string) => void, label: string, reply: KatcpReply): void {
  print(`${label} -> ${reply.succeeded ? 'succeeded' : 'failed'}`);
  for (const line of reply.toReadableString().split('\n')) print(`    ${line}`);
}

function describeSensor(s: ResourceSensor): string {
  const units = s.units === '' ? '' : ` [${s.units}]`;
  const params = s.params.length === 0 ? '' : ` (${s.params.join(' ')})`;
  return `${s.name.padEnd(24)} ${s.type}${params}${units}: ${s.description}`;
}

async function startDevice(port = 0): Promise<DeviceServer> {
  const server = createDemoServer({ host: '127.0.0.1', port });
  await server.start();
  return server;
}

/**
 * Run the tour; resolves when everything has been shown and shut down again.
 * @throws KatcpError (or a request/timeout error) when a step does not behave as expected
 */
export async function runDemoTour(opts: DemoTourOptions = {}): Promise<void> {
  const print = opts.print ?? ((line: string) => console.log(line));
  const timeout = opts.timeout ?? 15_000;
  let server = await startDevice();
  const { host, port } = server.address;
  print(`demo device listening on ${host}:${port}`);

  const dev = new KATCPClientResource({ name: 'demo', address: [host, port], controlled: true });
  try {
    dev.start();
    await dev.untilSynced({ timeout });
    print(`\nresource '${dev.name}' is ${dev.state}; the device model:`);
    print('requests:');
    for (const [id, req] of Object.entries(dev.req)) {
      const hint = req.timeoutHint === undefined ? '' : ` (timeout hint ${req.timeoutHint} s)`;
      print(`  req.${id.padEnd(22)} ${req.description.split('\n')[0] ?? ''}${hint}`);
    }
    print('sensors:');
    for (const [id, s] of Object.entries(dev.sensor)) print(`  sensor.${id.padEnd(20)} ${describeSensor(s)}`);

    print('\n> await dev.req.add(3, 6)');
    showReply(print, 'add', await lookup(dev.req, 'add')(3, 6));

    print('\n> dev.req.pick_fruit()   (not awaited), then an event strategy on fruit_result');
    const fruit = lookup(dev.sensor, 'fruit_result');
    let picking = lookup(dev.req, 'pick_fruit')();
    // The request runs on the device while the strategy is set; a failure surfaces below.
    picking.catch(() => undefined);
    await fruit.setStrategy('event');
    const nominal = fruit.wait({ status: 'nominal' }, { timeout });
    nominal.catch(() => undefined);
    print(`fruit_result strategy: ${JSON.stringify(fruit.samplingStrategy)}; waiting for it to turn nominal...`);
    for (;;) {
      const reply = await picking;
      showReply(print, 'pick-fruit', reply);
      if (reply.succeeded) break;
      print('the tree was bare; picking again');
      picking = lookup(dev.req, 'pick_fruit')();
    }
    const reading = await nominal;
    print(`fruit_result is ${reading.status}: ${String(reading.value)}`);

    print('\n> a listener on add_result (event strategy), then two more additions');
    const addResult = lookup(dev.sensor, 'add_result');
    const seen: string[] = [];
    const unregister = addResult.registerListener((_s, r) => {
      seen.push(String(r.value));
      print(`  listener: add_result = ${String(r.value)} (${r.status})`);
    });
    await addResult.setStrategy('event');
    await lookup(dev.req, 'add')(1, 1);
    await lookup(dev.req, 'add')(20, 22);
    await addResult.wait(42, { timeout });

    print('\n> restarting the device (same port); the resource resyncs by itself');
    const notSynced = dev.untilNotSynced({ timeout });
    await server.stop();
    await notSynced;
    print(`resource is ${dev.state}`);
    server = await startDevice(port);
    await dev.untilSynced({ timeout });
    print(`resource is ${dev.state} again; strategies and listeners were re-applied`);
    await lookup(dev.req, 'add')(100, 23);
    await addResult.wait(123, { timeout });
    unregister();
    print(`the listener saw: ${seen.join(', ')}`);
    print('\ntour complete');
  } finally {
    await dev.stop();
    await server.stop();
  }
}

/** CLI entry: `katcp demo`. Resolves to the process exit code. */
export async function demoCommand(argv: string[]): Promise<number> {
  if (argv.length > 0) {
    console.error('usage: katcp demo');
    return 2;
  }
  await runDemoTour();
  return 0;
}
