/**
 * The re-inspection work the inspecting client owes: everything, all requests, all sensors, or
 * named items. Interface-change informs add to it; the sync loop takes it as a whole.
 * @module
 */
import type { InterfaceChange } from '../client/interface-informs.js';

/** How a named item changed, as announced by the device (or `lookup` for a client-side lookup). */
export type ItemChange = 'added' | 'removed' | 'modified' | 'lookup';

/** Pending re-inspection work. */
export class SyncWork {
  /** Re-list every request. */
  requestsAll = false;
  /** Re-list every sensor. */
  sensorsAll = false;
  /** Named requests to look up (or drop, for `removed`); the last change of a name wins. */
  readonly requests = new Map<string, ItemChange>();
  /** Named sensors to look up (or drop, for `removed`). */
  readonly sensors = new Map<string, ItemChange>();

  /** True when nothing is owed. */
  get empty(): boolean {
    return !this.requestsAll && !this.sensorsAll && this.requests.size === 0 && this.sensors.size === 0;
  }

  /** Owe a complete inspection. */
  all(): void {
    this.requestsAll = true;
    this.sensorsAll = true;
    this.requests.clear();
    this.sensors.clear();
  }

  /** Record what an `#interface-changed` / `#device-changed` inform asks for. */
  addAll(changes: readonly InterfaceChange[]): void {
    for (const c of changes) this.add(c);
  }

  /** Record one change an `#interface-changed` / `#device-changed` inform announces. */
  add(change: InterfaceChange): void {
    switch (change.scope) {
      case 'all':
        this.all();
        return;
      case 'sensors':
        this.sensorsAll = true;
        this.sensors.clear();
        return;
      case 'requests':
        this.requestsAll = true;
        this.requests.clear();
        return;
      case 'sensor':
        if (!this.sensorsAll) this.sensors.set(change.name, change.change);
        return;
      case 'request':
        if (!this.requestsAll) this.requests.set(change.name, change.change);
        return;
    }
  }

  /** Owe a lookup of one sensor (client side: an update or a `getSensor` for an unknown name). */
  lookupSensor(name: string): void {
    if (!this.sensorsAll && !this.sensors.has(name)) this.sensors.set(name, 'lookup');
  }

  /** Owe a lookup of one request. */
  lookupRequest(name: string): void {
    if (!this.requestsAll && !this.requests.has(name)) this.requests.set(name, 'lookup');
  }

  /** Move everything owed into a new object and clear this one. */
  take(): SyncWork {
    const w = new SyncWork();
    w.merge(this);
    this.requestsAll = false;
    this.sensorsAll = false;
    this.requests.clear();
    this.sensors.clear();
    return w;
  }

  /**
   * Add `other` (work taken earlier that failed) to what is owed now. Changes recorded since
   * then are newer, so they win for the same name.
   */
  merge(other: SyncWork): void {
    if (other.requestsAll) {
      this.requestsAll = true;
      this.requests.clear();
    } else if (!this.requestsAll) {
      for (const [name, c] of other.requests) if (!this.requests.has(name)) this.requests.set(name, c);
    }
    if (other.sensorsAll) {
      this.sensorsAll = true;
      this.sensors.clear();
    } else if (!this.sensorsAll) {
      for (const [name, c] of other.sensors) if (!this.sensors.has(name)) this.sensors.set(name, c);
    }
  }
}
