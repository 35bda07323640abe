"""Configuration classes. Every setting can be given as an environment variable.

`create_app()` picks a class from ``CONVENE_ENV`` (development, testing, production;
production when unset, so that a server started without settings refuses to run
with a development secret).
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

DEV_SECRET_KEY = "dev-only-secret-key-not-for-production"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(default: str) -> str:
    url = os.environ.get("DATABASE_URL", default)
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the driver named.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


class Config:
    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{INSTANCE_DIR / 'convene.db'}")
    #: No ping before each use of a pooled connection: that is a round trip on every
    #: request. Connections are replaced after half an hour instead, before a server or
    #: a firewall drops them for idling. When the database restarts, the request that
    #: first uses a connection to the old server fails (a 500); seeing the disconnect,
    #: SQLAlchemy discards that connection and every other one its pool opened before,
    #: so the requests after it connect afresh.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_recycle": 1800}

    #: Redis carries background jobs (RQ) and rate-limit counters when set.
    REDIS_URL = os.environ.get("REDIS_URL")
    RATELIMIT_HEADERS_ENABLED = True
    #: Public pages (catalogue, home, a programme's page) rendered once for visitors who
    #: are not logged in (app.core.page_cache): "auto" caches when Redis is there to
    #: tell every process of a change, "off" never caches.
    PUBLIC_PAGE_CACHE = os.environ.get("PUBLIC_PAGE_CACHE", "auto")
    #: The most a cached page is kept: bounds what time alone changes (a cohort that
    #: ended, enrolment that closed) without any row changing.
    PUBLIC_PAGE_SECONDS = int(os.environ.get("PUBLIC_PAGE_SECONDS", "60"))
    #: Pages kept per process (each some 10-40 kB).
    PUBLIC_PAGE_ENTRIES = int(os.environ.get("PUBLIC_PAGE_ENTRIES", "1000"))
    #: Limits for the endpoints people could use to guess passwords or flood inboxes.
    AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "10 per minute;50 per hour")
    #: What a helper does at the door (scans, taps, walk-ins, check-outs, the offline
    #: door's sync calls), on all their phones together; and what one phone does,
    #: whoever uses it (app.attendance.web.limits). A busy door lets 60 people in
    #: within 10 minutes, in bursts of a scan a second: well within both.
    DOOR_RATE_LIMIT = os.environ.get("DOOR_RATE_LIMIT", "120 per minute;2000 per hour")
    DOOR_DEVICE_RATE_LIMIT = os.environ.get(
        "DOOR_DEVICE_RATE_LIMIT", "120 per minute;2000 per hour"
    )
    #: Self check-ins (opening the link, confirming) per participant and per phone. A
    #: phone's first visit counts against its network address, which a venue's phones
    #: may share: the per-phone limit leaves room for a queue of them.
    SELF_CHECKIN_RATE_LIMIT = os.environ.get(
        "SELF_CHECKIN_RATE_LIMIT", "20 per minute;100 per hour"
    )
    SELF_CHECKIN_DEVICE_RATE_LIMIT = os.environ.get(
        "SELF_CHECKIN_DEVICE_RATE_LIMIT", "60 per minute;1000 per hour"
    )

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    WTF_CSRF_TIME_LIMIT = None  # a form left open over lunch still submits

    #: The languages of the interface, one catalogue each. English readers see dates
    #: and times as in Britain unless their account or browser names another region.
    LANGUAGES = {"en": "English", "es": "Español", "zh_Hant": "繁體中文"}
    BABEL_DEFAULT_LOCALE = "en_GB"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("DEFAULT_TIMEZONE", "Europe/London")
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")

    PASSWORD_RESET_MAX_AGE = 3600
    #: Days an applicant has to answer an offer: the review form's default deadline,
    #: and the deadline of offers made when a seat frees up.
    OFFER_DAYS = int(os.environ.get("OFFER_DAYS", "7"))
    #: How long before an offer's deadline its reminder goes out.
    OFFER_REMINDER_HOURS = int(os.environ.get("OFFER_REMINDER_HOURS", "48"))

    #: Where uploaded programme images are kept (instance/uploads when unset). With
    #: several web nodes, point it at storage they all share.
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER")
    #: The largest request body accepted (a 2 MB image with the form around it);
    #: larger ones get 413 before anything reads them.
    MAX_CONTENT_LENGTH = 4 * 1024 * 1024

    #: Werkzeug's scrypt at its default cost (2**15).
    PASSWORD_HASH_METHOD = "scrypt"

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", "10"))
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Convene <no-reply@convene.test>")
    #: How many times a message is tried before it is marked failed for good.
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "8"))

    #: How many reverse proxies stand in front (gunicorn behind nginx: 1). Their
    #: X-Forwarded-* headers are then trusted for the client address and scheme.
    TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

    #: The site's address, as people reach it: every link in mail is built on it (with a
    #: request or without: jobs, commands), and its host names each message (Message-ID)
    #: and calendar event (UID). Production refuses to start without it; `make run` and
    #: `make serve` set it to http://127.0.0.1:$PORT.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL")
    #: The domain in calendar event UIDs when it must differ from PUBLIC_BASE_URL's host:
    #: a site that moves to a new address keeps its old one here, so that the events in
    #: calendars people already imported are updated rather than doubled.
    CALENDAR_UID_DOMAIN = os.environ.get("CALENDAR_UID_DOMAIN")
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    #: tests/conftest.py points this at a temporary file or at PostgreSQL.
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    REDIS_URL = None
    #: Tests that are about the cache switch it on (tests/conftest.py `page_cache`).
    PUBLIC_PAGE_CACHE = "off"
    #: Still scrypt, at a cost that keeps a suite creating hundreds of accounts quick.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"
    MAIL_SERVER = None
    PUBLIC_BASE_URL = "http://convene.test"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "https")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
