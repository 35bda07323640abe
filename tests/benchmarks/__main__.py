"""`make bench`: Convene under gunicorn against a bare Flask "hello" served the same
way, every throughput a ratio to that baseline measured in the same run.

    make bench                                        # SQLite (a temporary file)
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/DB make bench

BENCH_DATABASE_URL's public schema is dropped and made again. Redis database 15 is
emptied and used when a Redis answers on 127.0.0.1:6379. The load comes from other
processes: wrk when it is on PATH (BENCH_CLIENT=python to use the Python client
anyway). Throughput rows alternate baseline and Convene runs (B A B A B A) and take
medians. Exits non-zero when a booking overbooks. Takes about ten minutes.
"""

import os
import shutil
import sys
import time

from sqlalchemy import select

from app.extensions import db
from app.programmes.models import Programme
from tests.benchmarks import booking, data, door, exports, load
from tests.benchmarks.report import Row, at_least, at_most, ms, table, verdicts
from tests.benchmarks.servers import (
    CONVENE,
    HELLO,
    LOG,
    gunicorn,
    in_process_app,
    production_env,
)
from tests.benchmarks.visitors import queries_of_get, rendered_p50

PAIRS = 3
SECONDS = 5
CONNECTIONS = 8
SINGLE_SECONDS = 4
#: "The same" p50 for one client, allowing for the noise of a shared machine.
SAME = 1.2
EXPORT_MARKS = 1_000_000
#: Peak memory of an export under this counts as flat (not growing with the marks).
FLAT_MB = 50


class Bench:
    def __init__(self, app, baseline: int, port: int):
        self.app, self.baseline, self.port = app, baseline, port
        self.baseline_runs: list[load.Run] = []
        self.rows: list[Row] = []

    def throughput(self, work: str, path: str, goal: float, note: str = "") -> list[load.Run]:
        base, runs = load.alternate(
            self.baseline,
            self.port,
            load.get(path),
            pairs=PAIRS,
            seconds=SECONDS,
            connections=CONNECTIONS,
        )
        self.baseline_runs += base
        ratio = load.median_throughput(runs) / load.median_throughput(base)
        errors = sum(n for status, n in self.statuses(runs).items() if status != 200)
        self.rows.append(
            Row(
                work,
                f"{load.median_throughput(runs):.0f} req/s, p50 {ms(load.median_p50(runs))}"
                + (f", {errors} non-200" if errors else ""),
                f"≥ {goal:.2f}{note}",
                at_least(ratio, goal),
                ratio=f"{ratio:.3f}",
                queries=str(queries_of_get(self.app, path)),
            )
        )
        return runs

    @staticmethod
    def statuses(runs):
        total = runs[0].statuses.copy()
        for run in runs[1:]:
            total += run.statuses
        return total

    def single_p50(self, path: str) -> float:
        return load.run(self.port, load.same(load.get(path), 1), SINGLE_SECONDS).p50

    @property
    def bare(self) -> float:
        return load.median_throughput(self.baseline_runs)


def header(url: str, redis: str | None) -> None:
    client = (
        "wrk"
        if shutil.which("wrk") and os.environ.get("BENCH_CLIENT") != "python"
        else ("Python (http.client, keep-alive, 2 processes)")
    )
    print("Convene benchmark: every throughput is a ratio to bare Flask in this run")
    print(f"database   {url.split('@')[-1] if '@' in url else url}")
    print(f"redis      {redis or 'none (rate limits in memory, jobs inline)'}")
    print(
        f"gunicorn   gunicorn.conf.py, WEB_CONCURRENCY={os.environ.get('WEB_CONCURRENCY', '-')}"
        f" GUNICORN_THREADS={os.environ.get('GUNICORN_THREADS', '-')} (unset: the file's)"
    )
    print(f"client     {client}; {CONNECTIONS} connections, {PAIRS}x(B A) of {SECONDS} s")
    print(f"machine    {os.cpu_count()} cores; gunicorn's log in {LOG}")
    print("queries    SQL statements of one request, in-process, pages rendered (not cached),")
    print("           SAVEPOINT/RELEASE left out as the test suite counts", flush=True)


def step(message: str, clock: float) -> None:
    print(f"  [{time.perf_counter() - clock:6.1f} s] {message}", flush=True)


def catalogue_growth(bench: Bench, sizes: dict[int, dict[str, float]], how: str) -> None:
    small, large = sizes[500], sizes[50_000]
    for name, goal, label in (
        ("/programmes/", 1.5, "within 1.5x"),
        ("/programmes/", SAME, f"same (≤ {SAME}x)"),
        ("/", SAME, f"same (≤ {SAME}x)"),
    ):
        growth = large[name] / small[name]
        work = "catalogue" if name != "/" else "home page"
        bench.rows.append(
            Row(
                f"{work} p50{how}, one client, 500 → 50,000 programmes",
                f"{ms(small[name])} → {ms(large[name])} (x{growth:.2f})",
                label,
                at_most(growth, goal),
            )
        )


def exports_row(bench: Bench) -> None:
    work = f"attendance export, {EXPORT_MARKS:,} marks"
    result = exports.measure(EXPORT_MARKS)
    bench.rows.append(
        Row(
            work,
            f"CSV {result['csv_marks_per_s']:,.0f}/s ({result['csv_peak_mb']:.0f} MB peak), "
            f"XLSX {result['xlsx_marks_per_s']:,.0f}/s ({result['xlsx_peak_mb']:.0f} MB peak)",
            f"CSV ≥ 200k/s, XLSX ≥ 60k/s, peak ≤ {FLAT_MB} MB",
            verdicts(
                at_least(result["csv_marks_per_s"] / 1000, 200, 0),
                at_least(result["xlsx_marks_per_s"] / 1000, 60, 0),
                at_most(max(result["csv_peak_mb"], result["xlsx_peak_mb"]), FLAT_MB, 0),
            ),
        )
    )


def main() -> int:
    clock = time.perf_counter()
    url, redis = data.database_url(), data.redis_url()
    env = production_env(url, redis)
    header(url, redis)
    data.migrate(env)
    app = in_process_app(url, redis, env)
    with app.app_context():
        data.load_demo()
        step("schema migrated, demo data loaded", clock)
        with gunicorn(HELLO, env) as baseline, gunicorn(CONVENE, env) as port:
            bench = Bench(app, baseline, port)
            slug = db.session.scalar(select(Programme.slug).order_by(Programme.id))
            bench.throughput("catalogue /programmes/, demo data", "/programmes/", 0.15)
            bench.throughput(f"programme page /programmes/{slug}/", f"/programmes/{slug}/", 0.20)
            bench.throughput("home page /", "/", 0.20)
            step("demo data rows done", clock)

            sizes: dict[int, dict[str, float]] = {}
            rendered: dict[int, dict[str, float]] = {}
            made = 0
            for total in (500, 5_000, 50_000):
                seconds = data.add_programmes(made, total - made)
                step(f"{total - made:,} programmes added in {seconds:.1f} s", clock)
                made = total
                if total == 5_000:
                    bench.throughput(
                        "catalogue /programmes/, 5,000 programmes", "/programmes/", 0.10
                    )
                sizes[total] = {path: bench.single_p50(path) for path in ("/programmes/", "/")}
                rendered[total] = {path: rendered_p50(app, path) for path in ("/programmes/", "/")}
            catalogue_growth(bench, sizes, "")
            catalogue_growth(bench, rendered, " rendered (no cache, in-process)")
            generation = seconds
            step("catalogue growth done", clock)

            bookings = booking.measure(app, port)
            ratio = bookings.run.throughput / bench.bare
            bench.rows.append(
                Row(
                    f"bookings, one hot cohort, {booking.PEOPLE} people, "
                    f"{booking.CONNECTIONS} at once",
                    f"{bookings.run.throughput:.1f} bookings/s, p50 {ms(bookings.run.p50)}, "
                    f"p95 {ms(bookings.run.p95)}; {bookings.confirmed} confirmed, "
                    f"{bookings.waitlisted} waitlisted, seats {bookings.seats_taken}"
                    f"/{bookings.capacity}: "
                    + ("0 overbooking" if bookings.invariant else "INVARIANT BROKEN"),
                    "≥ 0.05, ≤ 8 queries, 0 overbooking",
                    verdicts(
                        at_least(ratio, 0.05),
                        at_most(bookings.queries, 8, 0),
                        "met" if bookings.invariant else "overbooked or lost",
                    ),
                    ratio=f"{ratio:.3f}",
                    queries=str(bookings.queries),
                )
            )
            step("bookings done", clock)

            at_door = door.measure(app, port)
            bench.rows.append(
                Row(
                    "door register page, 500 attendees, helper",
                    f"p95 {ms(at_door.page.p95)}, {at_door.page_kb:.0f} kB",
                    "p95 ≤ 150 ms, ≤ 250 kB",
                    verdicts(
                        at_most(at_door.page.p95 * 1000, 150, 0),
                        at_most(at_door.page_kb, 250, 0),
                    ),
                )
            )
            small, large = (at_door.scans[size] for size in door.SIZES)
            growth = large.p50 / small.p50
            bench.rows.append(
                Row(
                    f"scans (JSON), {door.HELPERS} helpers at once",
                    f"{large.done / large.seconds:.0f} scans/s at 500; p50 {ms(small.p50)} "
                    f"at 50 → {ms(large.p50)} at 500 (x{growth:.2f})",
                    f"≥ 100/s, ≤ 6 queries, p50 same (≤ {SAME}x)",
                    verdicts(
                        at_least(large.done / large.seconds, 100, 0),
                        at_most(at_door.scan_queries, 6, 0),
                        at_most(growth, SAME),
                    ),
                    ratio=f"{large.done / large.seconds / bench.bare:.3f}",
                    queries=str(at_door.scan_queries),
                )
            )
            step("door done", clock)
        exports_row(bench)
        db.engine.dispose()

    print(f"\nbare Flask: {bench.bare:.0f} req/s (median of {len(bench.baseline_runs)} runs)")
    print(f"generating 45,000 programmes (5,000 → 50,000): {generation:.1f} s")
    print(table(bench.rows))
    missed = sum(not row.met for row in bench.rows)
    print(f"\n{len(bench.rows) - missed} of {len(bench.rows)} rows met their goals")
    print(f"total time {time.perf_counter() - clock:.0f} s")
    return 0 if bookings.invariant else 1


if __name__ == "__main__":
    sys.exit(main())
