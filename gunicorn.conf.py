"""gunicorn settings for Convene: `gunicorn -c gunicorn.conf.py wsgi:app` (`make serve`).

Every value can be overridden on the command line (`--bind 0.0.0.0:8000`) or, for the
worker count and threads, by WEB_CONCURRENCY and GUNICORN_THREADS.
"""

import os

#: Loopback only: in production nginx (or another proxy) on the same host forwards to
#: this port, and Convene trusts its X-Forwarded-For (TRUSTED_PROXY_COUNT=1). Listening
#: on every interface would let a client skip the proxy and choose its own address for
#: the rate limiter. A container that must be reached from outside passes --bind.
bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"

#: gthread, 2 processes of 4 threads, from `python -m tests.benchmarks.workers` on a
#: 2-core machine shared with other work (PostgreSQL, demo data + 500 programmes;
#: catalogue with 8 connections, then with 2 clients each sending a request body
#: over 5 s; 120 bookings on a hot cohort, 16 at once). Noisy: ±30 % run to run.
#:
#:   sync    2x1: catalogue 46/s p95 288 ms; slow  1 req/s p95 7749 ms; book 37.5/s
#:   sync    5x1: catalogue 22/s p95 723 ms; slow 18 req/s p95  609 ms; book 13.1/s
#:   gthread 2x4: catalogue 18/s p95 804 ms; slow 26 req/s p95  560 ms; book 23.4/s
#:   gthread 2x8: catalogue 23/s p95 924 ms; slow 26 req/s p95  483 ms; book 22.7/s
#:   gthread 3x4: catalogue 18/s p95 835 ms; slow 19 req/s p95  756 ms; book 17.6/s
#:
#: Two sync workers are quickest until two slow clients hold both and everyone
#: else waits seconds; more sync processes than cores lose to context switches.
#: Threads keep serving around a slow client at a modest cost; more than 4 or a
#: third process gained nothing. Set WEB_CONCURRENCY to the cores.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread" if threads > 1 else "sync"

#: A request running longer than this is killed with its worker (a stuck query);
#: the slowest page (an attendance export) takes a few seconds.
timeout = 60
graceful_timeout = 30
#: Idle keep-alive connections from the proxy are kept this long (gthread only).
keepalive = 5

#: Workers are replaced after this many requests (with jitter, so not all at once):
#: a bound on any slow memory growth, not a routine event (a replacement costs a
#: second of boot; at 2,000 the benchmark saw one every few seconds).
max_requests = 50_000
max_requests_jitter = 5_000

#: Off: not measured faster (it saves boot time and memory, not request time), and
#: each worker then builds its own app and database pool after the fork.
preload_app = False

#: Access logs come from the proxy in front; gunicorn's would double them and cost
#: a write per request. Errors still go to stderr. Turn on with --access-logfile -.
accesslog = None
errorlog = "-"

#: gunicornc's control socket sits at one path per user: a second gunicorn on the
#: host (the benchmark runs two) would take it over. Nothing here uses it.
control_socket_disable = True
