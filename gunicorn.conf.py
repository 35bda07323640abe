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

# WORKERS_CHOICE
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

# PRELOAD_CHOICE
preload_app = False

#: Access logs come from the proxy in front; gunicorn's would double them and cost
#: a write per request. Errors still go to stderr. Turn on with --access-logfile -.
accesslog = None
errorlog = "-"

#: gunicornc's control socket sits at one path per user: a second gunicorn on the
#: host (the benchmark runs two) would take it over. Nothing here uses it.
control_socket_disable = True
