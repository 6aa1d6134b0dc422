/**
 * The live web monitor and Prometheus exporter behind `katcp monitor`.
 * @module
 */
export { Monitor, startMonitor, parseDeviceArgument } from './monitor.js';
export type { MonitorOptions } from './monitor.js';
export { MonitorModel, DeviceEntry } from './model.js';
export type { MonitorModelEvents, SensorEntry } from './model.js';
export { MonitorMetrics, MAX_LABEL_LENGTH } from './metrics.js';
export { LiveFeed } from './live-feed.js';
export type { DeviceJson, SensorJson, UpdateRow } from './live-feed.js';
export { telstateHistory, historyKey } from './history.js';
export type { HistoryStore, SensorHistory } from './history.js';
export { monitorCommand, parseMonitorArgs, MONITOR_USAGE } from './command.js';
export type { MonitorArgs } from './command.js';
export { STATUS_CODES, numericValue, jsonValue, valueText } from './values.js';
