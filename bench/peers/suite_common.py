"""What the two Python peer suites (aiokatcp_suite.py, katcp_python_suite.py) share: the
workload counts (the same as bench/peers/workload.ts) and the latency percentiles.

Imported from the suites' own folder (Python puts a script's folder first on sys.path).
"""

WARMUP = 100
REQ_ITERATIONS = 2000
HELP_ITERATIONS = 1000
CONCURRENT_CLIENTS = 10
CONCURRENT_REQS_PER_CLIENT = 500
DELIVERY_UPDATES = 10000
MULTI_SENSOR_COUNT = 50
MULTI_SENSOR_UPDATES_PER = 200
HIGH_SENSOR_COUNT = 1000
HIGH_SENSOR_LIST_ITERS = 50
HIGH_SENSOR_VALUE_ALL_ITERS = 50
HIGH_SENSOR_VALUE_SINGLE_ITERS = 1000
HIGH_SENSOR_REGEX_ITERS = 200
SCALE_SENSOR_COUNT = 20000
SCALE_ROUNDS = 3


def pct(lat):
    """p50, p95 and p99 of a list of latencies."""
    s = sorted(lat)
    n = len(s)
    return {"p50": s[n // 2], "p95": s[int(n * 0.95)], "p99": s[int(n * 0.99)]}
