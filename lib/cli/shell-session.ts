/**
 * The device side of `katcp shell`: the current connection, the request and sensor names used
 * for completion (from `?help` and `?sensor-list`, refreshed on `#interface-changed`), and
 * running one typed request.
 * @module
 */
import type { Client } from '../client/client.js';
import { parseSensorListInform } from '../client/sensor-informs.js';
import type { Message } from '../codec/message.js';
import { NotConnectedError } from '../errors.js';
import type { CliAddress } from './common.js';
import { firstConnection, makeClient } from './connect.js';

/** Requests whose first argument is a sensor name (completed from `?sensor-list`). */
export const SENSOR_REQUESTS: ReadonlySet<string> = new Set(['sensor-value', 'sensor-list', 'sensor-sampling', 'sensor-sampling-clear']);

/** What the session tells the prompt. */
export interface SessionView {
  /** Print a line above the prompt (asynchronous informs, connection news). */
  notify(text: string): void;
  /** Print an asynchronous inform. */
  inform(msg: Message): void;
}

/** One device connection of the shell, replaced by `connect ADDR`. */
export class ShellSession {
  readonly #view: SessionView;
  readonly #debug: boolean;
  #client: Client | undefined;
  #addr: CliAddress | undefined;
  #requestNames: string[] = [];
  #sensorNames: string[] = [];

  constructor(view: SessionView, debug: boolean) {
    this.#view = view;
    this.#debug = debug;
  }

  /** The device address, when there is one. */
  get address(): CliAddress | undefined {
    return this.#addr;
  }

  get requestNames(): readonly string[] {
    return this.#requestNames;
  }

  get sensorNames(): readonly string[] {
    return this.#sensorNames;
  }

  /** Connect to `addr` (closing any previous connection); reconnects by itself afterwards. */
  async connect(addr: CliAddress, timeout: number): Promise<void> {
    await this.close();
    const client = makeClient(addr, { reconnect: 'after-first', debug: this.#debug });
    this.#client = client;
    this.#addr = addr;
    let first = true;
    client.on('connected', () => {
      if (!first) this.#view.notify(`reconnected to ${addr.label}`);
      first = false;
      void this.#refresh(client);
    });
    client.on('disconnected', (cause) => {
      if (this.#client === client) this.#view.notify(`lost ${addr.label}${cause === undefined ? '' : ` (${cause.message})`}; reconnecting`);
    });
    client.on('inform', (msg) => {
      // The connection banner is not news to the user.
      if (msg.name === 'version-connect') return;
      this.#view.inform(msg);
      if (msg.name === 'interface-changed') void this.#refresh(client);
    });
    try {
      await firstConnection(client, addr, timeout);
    } catch (err) {
      this.#client = undefined;
      this.#addr = undefined;
      throw err;
    }
  }

  async #refresh(client: Client): Promise<void> {
    try {
      const [help, sensors] = await Promise.all([client.request('help'), client.request('sensor-list')]);
      if (client !== this.#client) return;
      this.#requestNames = help.informs.map((m) => m.arg(0)).filter((n) => n !== '').sort();
      this.#sensorNames = sensors.informs.map((m) => parseSensorListInform(m).name).sort();
    } catch {
      // Completion just stays as it was; the user sees errors on the requests they type.
    }
  }

  /**
   * Send one request; informs go to `onInform` as they arrive.
   * @throws NotConnectedError when there is no device; request errors as Client.requestRaw
   */
  async request(name: string, args: readonly string[], onInform: (msg: Message) => void, signal: AbortSignal): Promise<Message> {
    const client = this.#client;
    if (client === undefined) throw new NotConnectedError('not connected: type connect HOST:PORT');
    const { reply } = await client.requestRaw(name, ...args, { signal, onInform });
    return reply;
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    this.#requestNames = [];
    this.#sensorNames = [];
    await client?.close();
  }
}
