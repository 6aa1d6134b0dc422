/**
 * `KATCPClientResourceContainer`: many devices as one, with prefixed namespaces and groups.
 * @module
 */
import { EventEmitter } from 'eventemitter3';
import { ConnectionClosedError, KatcpError } from '../errors.js';
import { Waiters } from '../inspecting/waiters.js';
import type { CallOptions } from '../util/abort.js';
import { systemClock } from '../util/clock.js';
import type { Clock } from '../util/clock.js';
import { ClientGroup } from './group.js';
import { Namespace, escapeName } from './namespace.js';
import type { NamespaceObject } from './namespace.js';
import type { RequestProxy } from './request-proxy.js';
import { KATCPClientResource } from './resource.js';
import type { ResourceState } from './resource.js';
import type { ResourceSensor, SensorListener } from './resource-sensor.js';
import { compileFilter, selectSensors } from './select.js';
import type { ListSensorsOptions, SensorFilter } from './select.js';
import type { ChildResourceSpec } from './spec.js';
import type { StrategyInput } from './strategy.js';
import { CALL_OPTION_KEYS, checkOptions } from '../util/options.js';

/** A container specification (katcp-python's container `resource_spec`). */
export interface ContainerSpec {
  /** Container name. */
  name: string;
  /** Free text. */
  description?: string;
  /** Child resources by name (the key is the child's name). */
  clients: Readonly<Record<string, ChildResourceSpec>>;
  /** Groups: group name -> child names. */
  groups?: Readonly<Record<string, readonly string[]>>;
  /** Time source for the children and the waits (default the system clock). */
  clock?: Clock;
}

/** Events of a container. */
export interface ContainerEvents {
  /** A child changed state. */
  childStateChange: [child: KATCPClientResource, state: ResourceState, previous: ResourceState];
  /** A child reported a problem (its `warning`, `syncError` or `strategyError` events). */
  warning: [child: KATCPClientResource, error: Error];
}

/**
 * Several resources behind one object. `req` and `sensor` hold every child's items under
 * `<escaped child name>_<escaped item name>` (e.g. `demo_pick_fruit`), except items whose
 * escaped name starts with `agg_`, which keep their own name; each item is also reachable as
 * `<child name>.<item name>` (`container.sensor['demo.fruit.result']`). The objects are the
 * children's own. Clashes follow the {@link Namespace} rules.
 */
export class KATCPClientResourceContainer extends EventEmitter<ContainerEvents> {
  /** Container name. */
  readonly name: string;
  /** Description. */
  readonly description: string;
  /** Children by escaped name. */
  readonly children: NamespaceObject<KATCPClientResource>;
  /** Groups by escaped name. */
  readonly groups: NamespaceObject<ClientGroup>;
  /** Every child's requests, prefixed. */
  readonly req: NamespaceObject<RequestProxy>;
  /** Every child's sensors, prefixed. */
  readonly sensor: NamespaceObject<ResourceSensor>;
  readonly #clock: Clock;
  readonly #children = new Namespace<KATCPClientResource>();
  readonly #groups = new Namespace<ClientGroup>();
  readonly #requests = new Namespace<RequestProxy>();
  readonly #sensors = new Namespace<ResourceSensor>();
  readonly #waiters: Waiters<number>;
  #generation = 0;
  #started = false;
  #active = true;

  /** @throws KatcpError for a bad spec (including a child's) or a group naming an unknown child */
  constructor(spec: ContainerSpec) {
    super();
    if (typeof spec !== 'object' || spec === null || typeof spec.name !== 'string' || spec.name === '') {
      throw new KatcpError('container spec needs a non-empty name', 'KATCP_ERR_ARGUMENT');
    }
    if (typeof spec.clients !== 'object' || spec.clients === null) throw new KatcpError('container spec needs clients', 'KATCP_ERR_ARGUMENT');
    this.name = spec.name;
    this.description = spec.description ?? '';
    this.#clock = spec.clock ?? systemClock;
    this.#waiters = new Waiters(this.#clock);
    this.children = this.#children.object;
    this.groups = this.#groups.object;
    this.req = this.#requests.object;
    this.sensor = this.#sensors.object;
    for (const [name, child] of Object.entries(spec.clients)) this.#addChild(name, child);
    for (const [name, members] of Object.entries(spec.groups ?? {})) this.addGroup(name, members);
  }

  /** The children, in the order they were added. */
  get childList(): KATCPClientResource[] {
    return this.#children.values();
  }

  /** True when every child is connected. */
  get isConnected(): boolean {
    return this.childList.every((c) => c.isConnected);
  }

  /** True when every child is synced. */
  get synced(): boolean {
    return this.childList.every((c) => c.synced);
  }

  /** False after `setActive(false)`: the children refuse requests. */
  get active(): boolean {
    return this.#active;
  }

  /** Allow or refuse requests on every child, and on children added later (katcp-python's `set_active`). */
  setActive(active: boolean): void {
    this.#active = active;
    for (const c of this.childList) c.setActive(active);
  }

  /** Start every child. */
  start(): void {
    this.#started = true;
    this.#waiters.reopen();
    for (const c of this.childList) if (c.inspectingClient === undefined || c.inspectingClient.closed) c.start();
  }

  /**
   * Stop every child (one failing does not keep the others running); rejects with the first
   * error. Container waits still pending afterwards, and new ones until the next {@link start},
   * reject with `ConnectionClosedError`.
   */
  async stop(): Promise<void> {
    this.#started = false;
    const results = await Promise.allSettled(this.childList.map((c) => c.stop()));
    this.#waiters.close(new ConnectionClosedError(`container ${this.name} stopped`));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  /** Add (and, when the container runs, start) a child. @throws KatcpError for a taken name or a bad spec */
  addChild(name: string, spec: ChildResourceSpec): KATCPClientResource {
    const child = this.#addChild(name, spec);
    if (this.#started) child.start();
    return child;
  }

  /** Create or replace a group of children. @throws KatcpError for an unknown child name */
  addGroup(name: string, childNames: readonly string[]): ClientGroup {
    const members = childNames.map((n) => {
      const c = this.#children.get(n) ?? this.#children.lookup(escapeName(n));
      if (c === undefined) throw new KatcpError(`group ${name}: unknown child ${JSON.stringify(n)}`, 'KATCP_ERR_ARGUMENT');
      return c;
    });
    this.#groups.get(name)?.dispose();
    const group = new ClientGroup(name, members, this.#clock);
    this.#groups.set(name, group);
    return group;
  }

  /** Wait until every child is synced. */
  untilAllSynced(opts?: CallOptions): Promise<void> {
    return this.#until(() => this.childList.every((c) => c.synced), opts, 'all children synced');
  }

  /** Same as {@link untilAllSynced} (katcp-python's `until_synced`). */
  untilSynced(opts?: CallOptions): Promise<void> {
    return this.untilAllSynced(opts);
  }

  /** Wait until at least one child is synced. */
  untilAnySynced(opts?: CallOptions): Promise<void> {
    return this.#until(() => this.childList.some((c) => c.synced), opts, 'any child synced');
  }

  /** Wait until at least one child is not synced. */
  untilNotSynced(opts?: CallOptions): Promise<void> {
    return this.#until(() => this.childList.some((c) => !c.synced), opts, 'any child not synced');
  }

  /** Wait until every child is in `state`. */
  untilAllInState(state: ResourceState, opts?: CallOptions): Promise<void> {
    return this.#until(() => this.childList.every((c) => c.state === state), opts, `all children ${state}`);
  }

  /** Wait until some child is in `state`. */
  untilAnyInState(state: ResourceState, opts?: CallOptions): Promise<void> {
    return this.#until(() => this.childList.some((c) => c.state === state), opts, `any child ${state}`);
  }

  async #until(test: () => boolean, opts: CallOptions | undefined, what: string): Promise<void> {
    if (opts !== undefined) checkOptions(opts, CALL_OPTION_KEYS, `container ${this.name}: waiting until ${what}`);
    await this.#waiters.wait(this.#generation, () => test(), { ...opts, what: `waiting until ${what}` });
  }

  /**
   * Route a sensor name to its child: a container key (`demo_fruit_result`), a container alias
   * (`demo.fruit.result`), or, for a sensor that does not exist yet, `<escaped child>_<name>`.
   */
  #route(name: string): { child: KATCPClientResource; sensorName: string } | undefined {
    const sensor = this.#sensors.lookup(name) ?? this.#sensors.lookup(escapeName(name));
    if (sensor !== undefined) {
      const child = this.#children.get(sensor.parentName);
      if (child !== undefined) return { child, sensorName: sensor.name };
    }
    // Longest child prefix first, so `a_b_x` goes to child `a-b` rather than `a`.
    const escaped = escapeName(name);
    const candidates = this.childList.filter((c) => escaped.startsWith(`${escapeName(c.name)}_`)).sort((a, b) => b.name.length - a.name.length);
    const child = candidates[0];
    return child === undefined ? undefined : { child, sensorName: escaped.slice(escapeName(child.name).length + 1) };
  }

  /**
   * Set a sensor's strategy by container name (see {@link KATCPClientResourceContainer}); a
   * sensor that does not exist yet is preset on the child its prefix names.
   * @throws KatcpError when no child matches
   */
  setSamplingStrategy(name: string, strategy: StrategyInput, opts: CallOptions = {}): Promise<boolean> {
    const route = this.#route(name);
    if (route === undefined) return Promise.reject(new KatcpError(`container ${this.name}: no child for sensor ${JSON.stringify(name)}`, 'KATCP_ERR_UNKNOWN_SENSOR'));
    return route.child.setSamplingStrategy(route.sensorName, strategy, opts);
  }

  /** Set the strategy of every sensor `filter` selects (matched against container keys); resolves per container key. */
  async setSamplingStrategies(filter: SensorFilter, strategy: StrategyInput, opts: CallOptions = {}): Promise<Map<string, boolean>> {
    const sensors = await this.listSensors(filter);
    const results = await Promise.all(sensors.map(async (s) => [this.keyOf(s), await s.setStrategy(strategy, undefined, opts)] as const));
    return new Map(results);
  }

  /** Register a listener on a sensor by container name (preset on the child when it does not exist yet). */
  setSensorListener(name: string, listener: SensorListener): boolean {
    const route = this.#route(name);
    if (route === undefined) throw new KatcpError(`container ${this.name}: no child for sensor ${JSON.stringify(name)}`, 'KATCP_ERR_UNKNOWN_SENSOR');
    return route.child.setSensorListener(route.sensorName, listener);
  }

  /** The container key of a child sensor. */
  keyOf(sensor: ResourceSensor): string {
    return this.#sensors.keyOf(`${sensor.parentName}.${sensor.name}`) ?? prefixedKey(sensor.parentName, sensor.name);
  }

  /**
   * The sensors `filter` selects, matched against container keys (or `<child>.<sensor>` names
   * with `useIdentifiers: false`), sorted by key.
   */
  async listSensors(filter: SensorFilter = '', opts: ListSensorsOptions = {}): Promise<ResourceSensor[]> {
    const key = (s: ResourceSensor): string => this.keyOf(s);
    const match = compileFilter(filter, opts.useIdentifiers === false ? (s) => `${s.parentName}.${s.name}` : key);
    const selected = await selectSensors(this.#sensors.values(), match, opts);
    // Each key is a lookup plus string building: work them out once, not per comparison.
    const keys = new Map(selected.map((s) => [s, key(s)] as const));
    return selected.sort((a, b) => {
      const ka = keys.get(a) as string;
      const kb = keys.get(b) as string;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
  }

  #addChild(name: string, spec: ChildResourceSpec): KATCPClientResource {
    if (this.#children.has(name) || this.#children.lookup(escapeName(name)) !== undefined) {
      throw new KatcpError(`container ${this.name} already has a child ${JSON.stringify(name)}`, 'KATCP_ERR_ARGUMENT');
    }
    const child = new KATCPClientResource({ clock: this.#clock, ...spec, name }, { parent: this });
    child.setActive(this.#active);
    this.#children.set(name, child);
    child.on('stateChange', (state, prev) => {
      this.#waiters.update(++this.#generation);
      this.emit('childStateChange', child, state, prev);
    });
    child.on('sensorAdded', (s) => this.#sensors.set(`${name}.${s.name}`, s, prefixedKey(name, s.name)));
    child.on('sensorRemoved', (s) => this.#sensors.delete(`${name}.${s.name}`));
    child.on('requestAdded', (r) => this.#requests.set(`${name}.${r.name}`, r, prefixedKey(name, r.name)));
    child.on('requestRemoved', (r) => this.#requests.delete(`${name}.${r.name}`));
    child.on('warning', (err) => this.emit('warning', child, err));
    child.on('syncError', (err) => this.emit('warning', child, err));
    child.on('strategyError', (_s, _strategy, err) => this.emit('warning', child, err));
    this.#waiters.update(++this.#generation);
    return child;
  }
}

/** `<escaped child>_<escaped item>`, or the item's own escaped name when it starts with `agg_`. */
export function prefixedKey(child: string, item: string): string {
  const escaped = escapeName(item);
  return escaped.startsWith('agg_') ? escaped : `${escapeName(child)}_${escaped}`;
}
