/**
 * `katcp/monitor`: the live web monitor and Prometheus exporter behind `katcp monitor`.
 *
 * ```ts
 * import { startMonitor } from 'katcp/monitor';
 * const monitor = await startMonitor({ devices: ['demo=127.0.0.1:7147'], port: 8080 });
 * console.log(monitor.describe().join('\n'));   // the page, /metrics and /healthz URLs
 * await monitor.close();
 * ```
 * @module
 */
export { Monitor, startMonitor } from './monitor.js';
export { parseDeviceArgument } from './device-argument.js';
export type { MonitorOptions } from './monitor.js';
export { MonitorModel, DeviceEntry } from './model.js';
export type { MonitorModelEvents, SensorEntry } from './model.js';
export { MonitorMetrics, MAX_LABEL_LENGTH } from './metrics.js';
export { telstateHistory, historyKey } from './history.js';
export type { HistoryStore, SensorHistory } from './history.js';
export { monitorCommand, parseMonitorArgs, MONITOR_USAGE } from './command.js';
export type { MonitorArgs } from './command.js';
export { STATUS_CODES } from './values.js';
