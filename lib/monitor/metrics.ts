/**
 * {@link MonitorMetrics}: the monitor's Prometheus exposition (prom-client), built from the
 * model at every scrape so that sensors removed on `#interface-changed` are gone at once.
 *
 * Per sensor (labels `device`, `sensor`):
 * - `katcp_sensor_value`: integer, float, timestamp; boolean as 0/1; discrete and lru as the
 *   index of the value, whose names are in `katcp_sensor_value_info{index, value}`;
 * - `katcp_sensor_string_info{value}`: string, bytes and address sensors, the value as a label
 *   (cut to {@link MAX_LABEL_LENGTH} characters);
 * - `katcp_sensor_status{status}`: the status as katcp-python numbers it (unknown 0, nominal 1,
 *   warn 2, error 3, failure 4, unreachable 5, inactive 6); `unreachable` while the device is
 *   disconnected.
 *
 * Per device (label `device`): `katcp_device_connected`, `katcp_device_synced`,
 * `katcp_device_reconnects_total`, `katcp_device_messages_received_total`, `katcp_device_sensors`.
 * @module
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { SensorStatus } from '../sensor/status.js';
import type { MonitorModel } from './model.js';
import { STATUS_CODES, allowedValues, isNumericType, numericValue, truncate, valueText } from './values.js';

/** Longest label value of a string sensor (longer values are cut, with an ellipsis). */
export const MAX_LABEL_LENGTH = 200;

const SENSOR = ['device', 'sensor'] as const;
const STATUS_HELP = Object.entries(STATUS_CODES)
  .map(([name, code]) => `${code} ${name}`)
  .join(', ');

/** The Prometheus side of the monitor. */
export class MonitorMetrics {
  /** The registry (only the monitor's metrics; no process defaults). */
  readonly registry = new Registry();
  readonly #model: MonitorModel;
  readonly #value: Gauge<(typeof SENSOR)[number]>;
  readonly #valueInfo: Gauge<'device' | 'sensor' | 'index' | 'value'>;
  readonly #stringInfo: Gauge<'device' | 'sensor' | 'value'>;
  readonly #status: Gauge<'device' | 'sensor' | 'status'>;
  readonly #connected: Gauge<'device'>;
  readonly #synced: Gauge<'device'>;
  readonly #sensors: Gauge<'device'>;
  readonly #reconnects: Counter<'device'>;
  readonly #messages: Counter<'device'>;

  constructor(model: MonitorModel) {
    this.#model = model;
    const registers = [this.registry];
    this.#value = new Gauge({
      name: 'katcp_sensor_value',
      help: 'Sensor value: integer, float, timestamp (seconds); boolean as 0/1; discrete and lru as the index of the value (names in katcp_sensor_value_info)',
      labelNames: SENSOR,
      registers,
    });
    this.#valueInfo = new Gauge({
      name: 'katcp_sensor_value_info',
      help: 'The allowed values of discrete and lru sensors: one series per value, with its index in katcp_sensor_value',
      labelNames: ['device', 'sensor', 'index', 'value'],
      registers,
    });
    this.#stringInfo = new Gauge({
      name: 'katcp_sensor_string_info',
      help: `Value of a string, bytes or address sensor as the value label (at most ${MAX_LABEL_LENGTH} characters); always 1`,
      labelNames: ['device', 'sensor', 'value'],
      registers,
    });
    this.#status = new Gauge({
      name: 'katcp_sensor_status',
      help: `Sensor status as a number (${STATUS_HELP}), its name in the status label`,
      labelNames: ['device', 'sensor', 'status'],
      registers,
    });
    this.#connected = new Gauge({ name: 'katcp_device_connected', help: '1 while the monitor is connected to the device', labelNames: ['device'], registers });
    this.#synced = new Gauge({ name: 'katcp_device_synced', help: '1 while the monitor is synced with the device (its requests and sensors are known)', labelNames: ['device'], registers });
    this.#sensors = new Gauge({ name: 'katcp_device_sensors', help: 'Sensors the device lists', labelNames: ['device'], registers });
    this.#reconnects = new Counter({ name: 'katcp_device_reconnects_total', help: 'Connections to the device after the first one', labelNames: ['device'], registers });
    this.#messages = new Counter({
      name: 'katcp_device_messages_received_total',
      help: 'Asynchronous messages (sensor updates, logs, interface changes) received from the device',
      labelNames: ['device'],
      registers,
    });
  }

  /** The exposition text (refreshed from the model). */
  async render(): Promise<string> {
    this.#refresh();
    return this.registry.metrics();
  }

  /** The `Content-Type` of {@link render}'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  #refresh(): void {
    for (const m of [this.#value, this.#valueInfo, this.#stringInfo, this.#status, this.#connected, this.#synced, this.#sensors, this.#reconnects, this.#messages]) m.reset();
    const counts = new Map<string, number>();
    for (const d of this.#model.devices) {
      const device = d.name;
      this.#connected.set({ device }, d.state === 'disconnected' ? 0 : 1);
      this.#synced.set({ device }, d.state === 'synced' ? 1 : 0);
      this.#reconnects.inc({ device }, d.reconnects);
      this.#messages.inc({ device }, d.messagesReceived);
      counts.set(device, 0);
    }
    for (const { device, sensor } of this.#model.sensors) {
      counts.set(device, (counts.get(device) ?? 0) + 1);
      const labels = { device, sensor: sensor.name };
      const connected = this.#model.device(device)?.state !== 'disconnected';
      const status: SensorStatus = connected ? sensor.status : 'unreachable';
      this.#status.set({ ...labels, status }, STATUS_CODES[status]);
      const { type, value } = sensor;
      if (isNumericType(type)) {
        const allowed = allowedValues(type, sensor.params);
        allowed.forEach((name, index) => this.#valueInfo.set({ ...labels, index: String(index), value: truncate(name, MAX_LABEL_LENGTH) }, 1));
        const n = numericValue(type, value, allowed);
        if (n !== undefined) this.#value.set(labels, n);
      } else if (value !== undefined) {
        this.#stringInfo.set({ ...labels, value: truncate(valueText(value), MAX_LABEL_LENGTH) }, 1);
      }
    }
    for (const [device, n] of counts) this.#sensors.set({ device }, n);
  }
}
