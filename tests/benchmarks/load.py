"""Load from separate processes: wrk when it is on PATH (and BENCH_CLIENT is not
"python"), else Python clients, each process holding keep-alive connections
(http.client) in threads, all starting at the same instant."""

import http.client
import multiprocessing
import os
import re
import shutil
import statistics
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

#: (method, path, body, headers)
Request = tuple[str, str, bytes | None, dict[str, str]]


@dataclass
class Run:
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    #: wrk gives its own figures instead of latencies.
    wrk: dict[str, float] | None = None

    @property
    def done(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 400)

    @property
    def throughput(self) -> float:
        return self.wrk["rps"] if self.wrk else self.done / self.seconds

    def percentile(self, share: float) -> float:
        """Seconds; wrk reports 50/75/90/99 %, so 95 % is read as its 99 %."""
        if self.wrk:
            return self.wrk["p50"] if share <= 0.5 else self.wrk["p99"]
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]

    @property
    def p50(self) -> float:
        return self.percentile(0.5)

    @property
    def p95(self) -> float:
        return self.percentile(0.95)


#: A request not answered in this long counts as failed (status 0) at this latency,
#: which bounds the run's time when a page takes minutes.
TIMEOUT = 30


def _connection_loop(port, plan, repeat, start_at, deadline, latencies, statuses):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    time.sleep(max(0.0, start_at - time.time()))
    index = 0
    while index < len(plan) and time.time() < deadline:
        method, path, body, headers = plan[index]
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            connection.close()
            status = 0
        latencies.append(time.perf_counter() - started)
        statuses[status] += 1
        index += 1
        if repeat:
            index %= len(plan)
    connection.close()


def _process(port, plans, repeat, start_at, deadline, results):
    latencies: list[float] = []
    statuses: Counter = Counter()
    threads = [
        threading.Thread(
            target=_connection_loop,
            args=(port, plan, repeat, start_at, deadline, latencies, statuses),
        )
        for plan in plans
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put((latencies, statuses, time.time()))


def _use_wrk(plans: list[list[Request]], repeat: bool) -> bool:
    if not repeat or os.environ.get("BENCH_CLIENT") == "python" or not shutil.which("wrk"):
        return False
    first = plans[0][0]
    return first[0] == "GET" and all(plan == [first] for plan in plans)


def run(
    port: int,
    plans: list[list[Request]],
    seconds: float | None,
    processes: int = 2,
) -> Run:
    """One connection per plan. With `seconds`, each connection repeats its plan until
    the time is up; without, it sends each request of its plan once."""
    repeat = seconds is not None
    if _use_wrk(plans, repeat):
        return _wrk(port, plans[0][0], len(plans), seconds, processes)
    processes = min(processes, len(plans))
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start_at = time.time() + 0.5
    deadline = start_at + seconds if repeat else float("inf")
    workers = [
        context.Process(
            target=_process,
            args=(port, plans[n::processes], repeat, start_at, deadline, results),
        )
        for n in range(processes)
    ]
    for worker in workers:
        worker.start()
    outcome = Run(seconds or 0.0)
    finished = start_at
    for _ in workers:
        latencies, statuses, ended = results.get()
        outcome.latencies += latencies
        outcome.statuses += statuses
        finished = max(finished, ended)
    for worker in workers:
        worker.join()
    outcome.seconds = finished - start_at
    return outcome


def _wrk(port: int, request: Request, connections: int, seconds: float, threads: int) -> Run:
    _, path, _, headers = request
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    units = {"us": 1e-6, "ms": 1e-3, "s": 1.0}

    def latency(share: str) -> float:
        value, unit = re.search(rf"^\s+{share}%\s+([\d.]+)(us|ms|s)", output, re.M).groups()
        return float(value) * units[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return Run(seconds, wrk={"rps": rps, "p50": latency("50"), "p99": latency("99")})


def get(path: str, headers: dict[str, str] | None = None) -> Request:
    return ("GET", path, None, headers or {})


def same(request: Request, connections: int) -> list[list[Request]]:
    return [[request] for _ in range(connections)]


def alternate(
    baseline_port: int,
    app_port: int,
    app_request: Request,
    *,
    pairs: int,
    seconds: float,
    connections: int,
) -> tuple[list[Run], list[Run]]:
    """B A B A ...: drift on the machine hits both sides alike."""
    baseline_runs, app_runs = [], []
    for _ in range(pairs):
        baseline_runs.append(run(baseline_port, same(get("/"), connections), seconds))
        app_runs.append(run(app_port, same(app_request, connections), seconds))
    return baseline_runs, app_runs


def median_throughput(runs: list[Run]) -> float:
    return statistics.median(run.throughput for run in runs)


def median_p50(runs: list[Run]) -> float:
    return statistics.median(run.p50 for run in runs)
