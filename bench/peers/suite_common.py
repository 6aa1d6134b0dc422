"""What the two Python peer suites (aiokatcp_suite.py, katcp_python_suite.py) share: the
workload counts (from workload.json, which bench/peers/workload.ts reads too) and the latency percentiles.

Imported from the suites' own folder (Python puts a script's folder first on sys.path).
"""

import json
import os

# The one copy of the counts, read by bench/peers/workload.ts too.
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "workload.json")) as _f:
    _counts = json.load(_f)

WARMUP = _counts["WARMUP"]
REQ_ITERATIONS = _counts["REQ_ITERATIONS"]
HELP_ITERATIONS = _counts["HELP_ITERATIONS"]
CONCURRENT_CLIENTS = _counts["CONCURRENT_CLIENTS"]
CONCURRENT_REQS_PER_CLIENT = _counts["CONCURRENT_REQS_PER_CLIENT"]
DELIVERY_UPDATES = _counts["DELIVERY_UPDATES"]
MULTI_SENSOR_COUNT = _counts["MULTI_SENSOR_COUNT"]
MULTI_SENSOR_UPDATES_PER = _counts["MULTI_SENSOR_UPDATES_PER"]
HIGH_SENSOR_COUNT = _counts["HIGH_SENSOR_COUNT"]
HIGH_SENSOR_LIST_ITERS = _counts["HIGH_SENSOR_LIST_ITERS"]
HIGH_SENSOR_VALUE_ALL_ITERS = _counts["HIGH_SENSOR_VALUE_ALL_ITERS"]
HIGH_SENSOR_VALUE_SINGLE_ITERS = _counts["HIGH_SENSOR_VALUE_SINGLE_ITERS"]
HIGH_SENSOR_REGEX_ITERS = _counts["HIGH_SENSOR_REGEX_ITERS"]
SCALE_SENSOR_COUNT = _counts["SCALE_SENSOR_COUNT"]
SCALE_ROUNDS = _counts["SCALE_ROUNDS"]


def pct(lat):
    """p50, p95 and p99 of a list of latencies."""
    s = sorted(lat)
    n = len(s)
    return {"p50": s[n // 2], "p95": s[int(n * 0.95)], "p99": s[int(n * 0.99)]}
