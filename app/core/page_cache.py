"""Public pages rendered once and served again to every visitor who is not logged in.

The catalogue, the home page and a programme's page look the same to every anonymous
visitor who reads the same language in the same time zone, so each web process keeps
the rendered page under a key that includes a *version* of the public content:

- A domain declares which models the public pages show (`watch(Programme, ...)`).
  Any flush or bulk INSERT, UPDATE or DELETE of one of them marks the transaction; once
  it commits the version goes up; every page rendered before is then never served again.
  The version is read before a page is rendered, so a page can only ever be stored
  under a version older than what it shows, never newer.
- The version lives in Redis when there is one (`REDIS_URL`), so that every process on
  every web node sees a change at once. Without Redis (one process on a laptop) there
  is no shared version to trust, so nothing is cached: pages are rendered every time.
  Tests switch the cache on with `PUBLIC_PAGE_CACHE = "local"` (a per-process version).
- What time alone changes (a cohort that has ended, enrolment that has closed) is
  bounded by `PUBLIC_PAGE_SECONDS`, the most an entry is kept.

Visitors' browsers get an `ETag` and `Cache-Control: no-cache`: they ask again each
time and receive 304 Not Modified while the page is unchanged. `Vary` names what the
page depends on besides its address (the session cookie, which carries a chosen
language, and Accept-Language).

A logged-in person, a visitor with a message waiting to be shown (a flash), and any
response other than 200 are never cached: those pages are someone's own.
"""

import hashlib
import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from cachetools import TTLCache
from flask import Flask, Response, current_app, request, session
from flask_babel import get_locale, get_timezone
from flask_login import current_user
from redis import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core.jobs import redis
from app.core.transaction import after_commit, after_rollback
from app.extensions import db

log = logging.getLogger("convene.page_cache")

VERSION_KEY = "convene:public-pages:version"
_CHANGED = "convene.public_pages_changed"
#: Classes whose rows the public pages show (filled by `watch`).
_WATCHED: set[type] = set()


@dataclass(frozen=True)
class Page:
    """A rendered page as it is kept: enough to answer again, or with 304."""

    body: bytes
    mimetype: str
    etag: str


class PageCache:
    """One process's pages, and where the public content's version is read."""

    def __init__(self, app: Flask):
        mode = app.config["PUBLIC_PAGE_CACHE"]
        if mode == "auto":
            mode = "redis" if app.config["REDIS_URL"] else "off"
        self.mode = mode
        self._entries: TTLCache = TTLCache(
            maxsize=app.config["PUBLIC_PAGE_ENTRIES"], ttl=app.config["PUBLIC_PAGE_SECONDS"]
        )
        self._lock = threading.Lock()
        self._local_version = itertools.count(1)
        self._version = 0

    @property
    def enabled(self) -> bool:
        return self.mode != "off"

    def version(self) -> int | None:
        """The public content's version now, or None when it cannot be known (no cache)."""
        if self.mode == "local":
            return self._version
        if self.mode == "redis":
            try:
                return int(redis().get(VERSION_KEY) or 0)
            except RedisError:
                log.warning("public page cache: Redis unreachable, rendering every page")
                return None
        return None

    def bump(self) -> None:
        if self.mode == "local":
            self._version = next(self._local_version)
        elif self.mode == "redis":
            try:
                redis().incr(VERSION_KEY)
            except RedisError:
                # The change is committed; pages shown before it expire on their own.
                log.exception("public page cache: could not announce a change")

    def get(self, key):
        with self._lock:
            return self._entries.get(key)

    def put(self, key, value) -> None:
        with self._lock:
            self._entries[key] = value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def cache() -> PageCache:
    return current_app.extensions["page_cache"]


def watch(*models: type) -> None:
    """Say that public pages show rows of `models`: a committed change to one of them
    makes every cached page stale."""
    _WATCHED.update(models)


def changed() -> None:
    """Mark the current transaction as changing what public pages show."""
    session = db.session()
    if not session.info.get(_CHANGED):
        session.info[_CHANGED] = True
        after_commit(lambda: _end(session, announce=True), session)
        after_rollback(lambda: _end(session, announce=False), session)


def _end(session: Session, announce: bool) -> None:
    session.info.pop(_CHANGED, None)
    if announce:
        cache().bump()


@event.listens_for(db.session, "before_flush")
def _flushing(session: Session, flush_context, instances) -> None:
    if not _WATCHED:
        return
    for instance in itertools.chain(session.new, session.dirty, session.deleted):
        if type(instance) in _WATCHED:
            changed()
            return


@event.listens_for(db.session, "do_orm_execute")
def _executing(state) -> None:
    """Bulk INSERT, UPDATE and DELETE statements on watched models bypass the flush."""
    mapper = state.bind_mapper
    writes = state.is_insert or state.is_update or state.is_delete
    if writes and mapper is not None and mapper.class_ in _WATCHED:
        changed()


def _may_use_cache() -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not current_user.is_authenticated
        and not session.get("_flashes")
    )


def public_page(view: Callable) -> Callable:
    """Serve `view`'s page from the cache to visitors who are not logged in."""

    @wraps(view)
    def cached_view(*args, **kwargs):
        page_cache = cache()
        if not page_cache.enabled or not _may_use_cache():
            return view(*args, **kwargs)
        version = page_cache.version()
        if version is None:
            return view(*args, **kwargs)
        key = ("page", version, request.full_path, str(get_locale()), str(get_timezone()))
        page = page_cache.get(key)
        if page is None:
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code != 200 or response.direct_passthrough:
                return response
            body = response.get_data()
            page = Page(body, response.mimetype, hashlib.blake2b(body, digest_size=16).hexdigest())
            page_cache.put(key, page)
        return _answer(page)

    return cached_view


def _answer(page: Page) -> Response:
    response = Response(page.body, mimetype=page.mimetype)
    response.set_etag(page.etag)
    response.cache_control.no_cache = True
    response.vary.update(("Cookie", "Accept-Language"))
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    app.extensions["page_cache"] = PageCache(app)
