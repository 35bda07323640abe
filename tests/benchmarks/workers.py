"""How gunicorn.conf.py's worker class and count were chosen: catalogue throughput,
the same with slow clients (each sends its request body over 5 s) holding
connections, and bookings on a hot cohort, for sync and gthread workers.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/DB \\
        .venv/bin/python -m tests.benchmarks.workers
"""

import socket
import threading
import time

from tests.benchmarks import booking, data, load
from tests.benchmarks.report import ms
from tests.benchmarks.servers import CONVENE, gunicorn, in_process_app, production_env

#: (label, WEB_CONCURRENCY, GUNICORN_THREADS)
SETS = [("sync", 2, 1), ("sync", 5, 1), ("gthread", 2, 4), ("gthread", 2, 8), ("gthread", 3, 4)]
SECONDS = 6
CONNECTIONS = 8
SLOW_CLIENTS = 2


def slow_client(port: int, seconds: float) -> None:
    """A POST whose 100-byte body trickles in over `seconds`."""
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(
            b"POST /account/login HTTP/1.1\r\nHost: bench\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
        )
        for _ in range(100):
            connection.sendall(b"x")
            time.sleep(seconds / 100)
        connection.recv(1024)


def main() -> None:
    url, redis = data.database_url(), data.redis_url()
    env = production_env(url, redis)
    data.migrate(env)
    app = in_process_app(url, redis, env)
    catalogue = load.same(load.get("/programmes/"), CONNECTIONS)
    with app.app_context():
        data.load_demo()
        data.add_programmes(0, 500)
        print(f"database {url.split('@')[-1]}; catalogue with demo data and 500 programmes")
        for n, (label, workers, threads) in enumerate(SETS):
            with gunicorn(
                CONVENE, env, WEB_CONCURRENCY=str(workers), GUNICORN_THREADS=str(threads)
            ) as port:
                plain = load.run(port, catalogue, SECONDS)
                slow = [
                    threading.Thread(target=slow_client, args=(port, SECONDS))
                    for _ in range(SLOW_CLIENTS)
                ]
                for thread in slow:
                    thread.start()
                slowed = load.run(port, catalogue, SECONDS - 1)
                for thread in slow:
                    thread.join()
                bookings = booking.measure(app, port, tag=str(n), people_count=120)
            print(
                f"{label:8} {workers}x{threads}: catalogue {plain.throughput:5.0f} req/s "
                f"p95 {ms(plain.p95)}; with {SLOW_CLIENTS} slow clients "
                f"{slowed.throughput:5.0f} req/s p95 {ms(slowed.p95)}; bookings "
                f"{bookings.run.throughput:5.1f}/s p95 {ms(bookings.run.p95)}"
                f" invariant {'ok' if bookings.invariant else 'BROKEN'}",
                flush=True,
            )


if __name__ == "__main__":
    main()
