#!/usr/bin/env python3
"""The cross-library suite on katcp-python 0.9.3 (tornado 4.5): its AsyncClient against its
DeviceServer, both on one unmanaged tornado IOLoop in one process.

Same workloads and counts as bench/peers/ts-suite.ts (see workload.ts). Prints progress on
stderr and one JSON object on stdout. Run by `npm run bench:peers` with the peers' Python
(KATCP_PY from ../shared/peers/setup.sh); never by the tests.
"""
import json
import logging
import sys
import time

import tornado.gen
import tornado.ioloop

import katcp
from katcp import Message, Sensor

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
logging.getLogger("katcp").setLevel(logging.CRITICAL)

TIMEOUT = 600

now = time.perf_counter
rows = {}


class Server(katcp.DeviceServer):
    VERSION_INFO = ("bench-server", 1, 0)
    BUILD_INFO = ("bench-build", 1, 0, "0")
    count = 0

    def setup_sensors(self):
        for i in range(self.count):
            self.add_sensor(Sensor(Sensor.INTEGER, "sensor-%d" % i, "bench sensor", "",
                                   [0, 2 ** 31 - 1], default=0, initial_status=Sensor.NOMINAL))


class CountingClient(katcp.AsyncClient):
    received = 0
    last = 0.0

    def inform_sensor_status(self, msg):
        """Count the update."""
        self.received += 1
        self.last = now()


@tornado.gen.coroutine
def settle(count, quiet, target=None, max_s=10.0):
    start = now()
    seen, since = count(), start
    while True:
        yield tornado.gen.sleep(0.005)
        t, c = now(), count()
        if (target is not None and c >= target) or t - start > max_s:
            return
        if c != seen:
            seen, since = c, t
        elif target is None and t - since >= quiet:
            return


class Bed(object):
    @tornado.gen.coroutine
    def start(self, ioloop, sensors, clients=1):
        Server.count = sensors
        self.server = Server("127.0.0.1", 0)
        self.server.set_ioloop(ioloop)
        self.server.set_concurrency_options(thread_safe=False, handler_thread=False)
        self.server.start()
        yield tornado.gen.sleep(0.05)
        port = self.server.bind_address[1]
        self.sensors = [self.server.get_sensor("sensor-%d" % i) for i in range(sensors)]
        self.clients = []
        for _ in range(clients):
            c = CountingClient("127.0.0.1", port, timeout=TIMEOUT)
            c.set_ioloop(ioloop)
            c.start()
            yield c.until_protocol()
            self.clients.append(c)
        raise tornado.gen.Return(self)

    @tornado.gen.coroutine
    def stop(self):
        for c in self.clients:
            c.stop()
        self.server.stop(timeout=None)
        yield tornado.gen.sleep(0.1)


@tornado.gen.coroutine
def request(client, name, *args):
    reply, informs = yield client.future_request(Message.request(name, *args), timeout=TIMEOUT)
    if not reply.reply_ok():
        raise RuntimeError("?%s failed: %s" % (name, reply))
    raise tornado.gen.Return(informs)


@tornado.gen.coroutine
def timed(client, n, name, args, expect=None):
    for _ in range(WARMUP):
        yield request(client, name, *args)
    lat = []
    t0 = now()
    for _ in range(n):
        t = now()
        informs = yield request(client, name, *args)
        lat.append((now() - t) * 1e6)
        if expect is not None and not expect(len(informs)):
            raise RuntimeError("?%s: %d informs" % (name, len(informs)))
    row = {"rate": n / (now() - t0)}
    row.update(pct(lat))
    raise tornado.gen.Return(row)


@tornado.gen.coroutine
def delivery(bed, rounds):
    client = bed.clients[0]
    t = now()
    for s in bed.sensors:
        yield request(client, "sensor-sampling", s.name, "event")
    sub = now() - t
    yield settle(lambda: client.received, 0.2)
    client.received = 0
    total = rounds * len(bed.sensors)
    t0 = now()
    for r in range(rounds):
        for i, s in enumerate(bed.sensors):
            s.set_value(r * len(bed.sensors) + i + 1)
    push = now() - t0
    yield settle(lambda: client.received, 0.3, total, 20.0)
    n = client.received
    raise tornado.gen.Return({"total": total, "push_time": push, "push_rate": total / push,
                              "delivered_pct": 100.0 * n / total,
                              "delivery_rate": n / (client.last - t0) if n else float("nan"),
                              "sub_time": sub})


def log(key):
    print("katcp-python: %s %s" % (key, json.dumps(rows[key])), file=sys.stderr)
    sys.stderr.flush()


@tornado.gen.coroutine
def main(ioloop):
    b = yield Bed().start(ioloop, 0)
    rows["watchdog"] = yield timed(b.clients[0], REQ_ITERATIONS, "watchdog", [])
    log("watchdog")
    rows["help"] = yield timed(b.clients[0], HELP_ITERATIONS, "help", [], lambda n: n >= 5)
    log("help")
    yield b.stop()

    b = yield Bed().start(ioloop, 10)
    for i, s in enumerate(b.sensors):
        s.set_value(i)
    rows["sensor_value_single"] = yield timed(b.clients[0], REQ_ITERATIONS, "sensor-value", ["sensor-0"], lambda n: n == 1)
    log("sensor_value_single")
    rows["sensor_value_all_10"] = yield timed(b.clients[0], HELP_ITERATIONS, "sensor-value", [], lambda n: n == 10)
    log("sensor_value_all_10")
    yield b.stop()

    b = yield Bed().start(ioloop, 1, CONCURRENT_CLIENTS)

    @tornado.gen.coroutine
    def worker(c, n):
        for _ in range(n):
            yield request(c, "watchdog")

    yield [worker(c, 10) for c in b.clients]
    t = now()
    yield [worker(c, CONCURRENT_REQS_PER_CLIENT) for c in b.clients]
    rows["concurrent_clients"] = {"rate": CONCURRENT_CLIENTS * CONCURRENT_REQS_PER_CLIENT / (now() - t)}
    log("concurrent_clients")
    yield b.stop()

    b = yield Bed().start(ioloop, 1)
    rows["sensor_delivery"] = yield delivery(b, DELIVERY_UPDATES)
    log("sensor_delivery")
    yield b.stop()

    b = yield Bed().start(ioloop, MULTI_SENSOR_COUNT)
    rows["multi_sensor_delivery"] = yield delivery(b, MULTI_SENSOR_UPDATES_PER)
    log("multi_sensor_delivery")
    yield b.stop()

    b = yield Bed().start(ioloop, HIGH_SENSOR_COUNT)
    for i, s in enumerate(b.sensors):
        s.set_value(i)
    c = b.clients[0]

    @tornado.gen.coroutine
    def iterations(n, name, args, expect):
        t0 = now()
        for _ in range(n):
            informs = yield request(c, name, *args)
            if not expect(len(informs)):
                raise RuntimeError("?%s: %d informs" % (name, len(informs)))
        raise tornado.gen.Return({"rate": n / (now() - t0)})

    yield iterations(5, "sensor-list", [], lambda n: n == HIGH_SENSOR_COUNT)
    rows["high_sensor_list"] = yield iterations(HIGH_SENSOR_LIST_ITERS, "sensor-list", [], lambda n: n == HIGH_SENSOR_COUNT)
    rows["high_sensor_value_all"] = yield iterations(HIGH_SENSOR_VALUE_ALL_ITERS, "sensor-value", [], lambda n: n == HIGH_SENSOR_COUNT)
    rows["high_sensor_value_single"] = yield iterations(HIGH_SENSOR_VALUE_SINGLE_ITERS, "sensor-value", ["sensor-500"], lambda n: n == 1)
    rows["high_sensor_list_regex"] = yield iterations(HIGH_SENSOR_REGEX_ITERS, "sensor-list", ["/sensor-1.*/"], lambda n: n > 0)
    log("high_sensor_list")
    yield b.stop()

    t = now()
    b = yield Bed().start(ioloop, SCALE_SENSOR_COUNT)
    reg = now() - t
    scale = yield delivery(b, SCALE_ROUNDS)
    t = now()
    li = yield request(b.clients[0], "sensor-list")
    list_time = now() - t
    t = now()
    vi = yield request(b.clients[0], "sensor-value")
    value_time = now() - t
    assert len(li) == SCALE_SENSOR_COUNT and len(vi) == SCALE_SENSOR_COUNT
    scale.update({"reg_time": reg, "sub_rate": SCALE_SENSOR_COUNT / scale["sub_time"],
                  "sensor_list_time": list_time, "sensor_value_time": value_time})
    rows["scale_20k"] = scale
    log("scale_20k")
    yield b.stop()

    release = katcp.__version__
    if release.startswith("0.0+"):  # a git archive does not know its version
        release = "0.9.3 (the snapshot ../shared/peers/setup.sh unpacks)"
    version = "%s, tornado %s, Python %s" % (release, tornado.version, sys.version.split()[0])
    print(json.dumps({"library": "katcp-python", "version": version, "rows": rows}))
    sys.stdout.flush()


if __name__ == "__main__":
    loop = tornado.ioloop.IOLoop.current()
    loop.run_sync(lambda: main(loop))
