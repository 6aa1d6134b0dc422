#!/usr/bin/env python3
"""The cross-library suite on aiokatcp: its Client against its DeviceServer in one process.

Same workloads and counts as bench/peers/ts-suite.ts (see workload.ts). Prints progress on
stderr and one JSON object on stdout. Run by `npm run bench:peers` with the peers' Python
(AIOKATCP_PY from ../shared/peers/setup.sh); never by the tests.
"""
import asyncio
import json
import logging
import sys
import time

import aiokatcp
from aiokatcp import Client, DeviceServer, Sensor

from suite_common import (  # the suites' shared counts and percentiles
    WARMUP,
    REQ_ITERATIONS,
    HELP_ITERATIONS,
    CONCURRENT_CLIENTS,
    CONCURRENT_REQS_PER_CLIENT,
    DELIVERY_UPDATES,
    MULTI_SENSOR_COUNT,
    MULTI_SENSOR_UPDATES_PER,
    HIGH_SENSOR_COUNT,
    HIGH_SENSOR_LIST_ITERS,
    HIGH_SENSOR_VALUE_ALL_ITERS,
    HIGH_SENSOR_VALUE_SINGLE_ITERS,
    HIGH_SENSOR_REGEX_ITERS,
    SCALE_SENSOR_COUNT,
    SCALE_ROUNDS,
    pct,
)

logging.basicConfig(level=logging.CRITICAL)

now = time.perf_counter
rows = {}


class Server(DeviceServer):
    VERSION = "bench-server-1.0"
    BUILD_STATE = "bench-build-1.0.0"


async def settle(count, quiet, target=None, max_s=10.0):
    start = now()
    seen, since = count(), start
    while True:
        await asyncio.sleep(0.005)
        t, c = now(), count()
        if (target is not None and c >= target) or t - start > max_s:
            return
        if c != seen:
            seen, since = c, t
        elif target is None and t - since >= quiet:
            return


class Bed:
    async def start(self, sensors, clients=1):
        self.server = Server("127.0.0.1", 0)
        self.sensors = []
        for i in range(sensors):
            s = Sensor(int, "sensor-%d" % i, "bench sensor", default=0)
            self.sensors.append(s)
            self.server.sensors.add(s)
        await self.server.start()
        port = self.server.sockets[0].getsockname()[1]
        self.clients = [await Client.connect("127.0.0.1", port) for _ in range(clients)]
        return self

    async def stop(self):
        for c in self.clients:
            c.close()
            await c.wait_closed()
        self.server.halt()
        await self.server.join()


async def timed(client, n, name, args, expect=None):
    for _ in range(WARMUP):
        await client.request(name, *args)
    lat = []
    t0 = now()
    for _ in range(n):
        t = now()
        _, informs = await client.request(name, *args)
        lat.append((now() - t) * 1e6)
        if expect is not None and not expect(len(informs)):
            raise RuntimeError("?%s: %d informs" % (name, len(informs)))
    row = {"rate": n / (now() - t0)}
    row.update(pct(lat))
    return row


async def delivery(bed, rounds):
    client = bed.clients[0]
    state = {"n": 0, "last": 0.0}

    def on_status(*args):
        state["n"] += 1
        state["last"] = now()

    client.add_inform_callback("sensor-status", on_status)
    t = now()
    for s in bed.sensors:
        await client.request("sensor-sampling", s.name, "event")
    sub = now() - t
    await settle(lambda: state["n"], 0.2)
    state["n"] = 0
    total = rounds * len(bed.sensors)
    t0 = now()
    for r in range(rounds):
        for i, s in enumerate(bed.sensors):
            s.value = r * len(bed.sensors) + i + 1
    push = now() - t0
    await settle(lambda: state["n"], 0.3, total, 10.0)
    end = state["last"] - t0
    return {"total": total, "push_time": push, "push_rate": total / push,
            "delivered_pct": 100.0 * state["n"] / total,
            "delivery_rate": state["n"] / end if state["n"] else float("nan"), "sub_time": sub}


def log(key):
    print("aiokatcp: %s %s" % (key, json.dumps(rows[key])), file=sys.stderr, flush=True)


async def main():
    b = await Bed().start(0)
    rows["watchdog"] = await timed(b.clients[0], REQ_ITERATIONS, "watchdog", [])
    log("watchdog")
    rows["help"] = await timed(b.clients[0], HELP_ITERATIONS, "help", [], lambda n: n >= 5)
    log("help")
    await b.stop()

    b = await Bed().start(10)
    for i, s in enumerate(b.sensors):
        s.value = i
    rows["sensor_value_single"] = await timed(b.clients[0], REQ_ITERATIONS, "sensor-value", ["sensor-0"], lambda n: n == 1)
    log("sensor_value_single")
    rows["sensor_value_all_10"] = await timed(b.clients[0], HELP_ITERATIONS, "sensor-value", [], lambda n: n == 10)
    log("sensor_value_all_10")
    await b.stop()

    b = await Bed().start(1, CONCURRENT_CLIENTS)

    async def worker(c, n):
        for _ in range(n):
            await c.request("watchdog")

    await asyncio.gather(*[worker(c, 10) for c in b.clients])
    t = now()
    await asyncio.gather(*[worker(c, CONCURRENT_REQS_PER_CLIENT) for c in b.clients])
    rows["concurrent_clients"] = {"rate": CONCURRENT_CLIENTS * CONCURRENT_REQS_PER_CLIENT / (now() - t)}
    log("concurrent_clients")
    await b.stop()

    b = await Bed().start(1)
    rows["sensor_delivery"] = await delivery(b, DELIVERY_UPDATES)
    log("sensor_delivery")
    await b.stop()

    b = await Bed().start(MULTI_SENSOR_COUNT)
    rows["multi_sensor_delivery"] = await delivery(b, MULTI_SENSOR_UPDATES_PER)
    log("multi_sensor_delivery")
    await b.stop()

    b = await Bed().start(HIGH_SENSOR_COUNT)
    for i, s in enumerate(b.sensors):
        s.value = i
    c = b.clients[0]

    async def iterations(n, name, args, expect):
        t0 = now()
        for _ in range(n):
            _, informs = await c.request(name, *args)
            if not expect(len(informs)):
                raise RuntimeError("?%s: %d informs" % (name, len(informs)))
        return {"rate": n / (now() - t0)}

    await iterations(5, "sensor-list", [], lambda n: n == HIGH_SENSOR_COUNT)
    rows["high_sensor_list"] = await iterations(HIGH_SENSOR_LIST_ITERS, "sensor-list", [], lambda n: n == HIGH_SENSOR_COUNT)
    rows["high_sensor_value_all"] = await iterations(HIGH_SENSOR_VALUE_ALL_ITERS, "sensor-value", [], lambda n: n == HIGH_SENSOR_COUNT)
    rows["high_sensor_value_single"] = await iterations(HIGH_SENSOR_VALUE_SINGLE_ITERS, "sensor-value", ["sensor-500"], lambda n: n == 1)
    rows["high_sensor_list_regex"] = await iterations(HIGH_SENSOR_REGEX_ITERS, "sensor-list", ["/sensor-1.*/"], lambda n: n > 0)
    log("high_sensor_list")
    await b.stop()

    t = now()
    b = await Bed().start(SCALE_SENSOR_COUNT)
    reg = now() - t
    scale = await delivery(b, SCALE_ROUNDS)
    t = now()
    _, li = await b.clients[0].request("sensor-list")
    list_time = now() - t
    t = now()
    _, vi = await b.clients[0].request("sensor-value")
    value_time = now() - t
    assert len(li) == SCALE_SENSOR_COUNT and len(vi) == SCALE_SENSOR_COUNT
    scale.update({"reg_time": reg, "sub_rate": SCALE_SENSOR_COUNT / scale["sub_time"],
                  "sensor_list_time": list_time, "sensor_value_time": value_time})
    rows["scale_20k"] = scale
    log("scale_20k")
    await b.stop()

    release = aiokatcp.__version__
    if release.startswith("0.0+"):  # a git archive does not know its version
        release = "1.9.0 (the tag ../shared/peers/setup.sh unpacks)"
    version = "%s, Python %s" % (release, sys.version.split()[0])
    print(json.dumps({"library": "aiokatcp", "version": version, "rows": rows}))


if __name__ == "__main__":
    asyncio.run(main())
