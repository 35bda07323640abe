"""Convene: enrolment, waitlists and attendance for outreach programmes."""

import logging
import os
from urllib.parse import urlsplit

from flask import Flask
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from config import CONFIGS, DEV_SECRET_KEY, Config


def create_app(config_class: type[Config] | None = None, **overrides) -> Flask:
    """Build the application. Without a class, ``CONVENE_ENV`` chooses (production by default)."""
    if config_class is None:
        config_class = CONFIGS[os.environ.get("CONVENE_ENV", "production")]
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_path=os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "instance")),
    )
    app.config.from_object(config_class)
    app.config.update(overrides)
    check_production_settings(app)
    os.makedirs(app.instance_path, exist_ok=True)
    if proxies := app.config["TRUSTED_PROXY_COUNT"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    if not app.testing:
        logging.getLogger("convene").setLevel(logging.INFO)
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    register_extensions(app)

    from app import cli, routes
    from app.core import errors, jobs, page_cache, security, templating

    security.init_app(app)
    routes.register_blueprints(app)
    jobs.init_app(app)
    page_cache.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    return app


def check_production_settings(app: Flask) -> None:
    """Refuse to start with settings that would fail people later: a development secret,
    or no site address (every link in mail would lead nowhere)."""
    if app.config["ENV_NAME"] == "production":
        key = app.config.get("SECRET_KEY") or ""
        if len(key) < 32 or key == DEV_SECRET_KEY:
            raise RuntimeError(
                "Refusing to start: set SECRET_KEY to a random value of at least 32 characters "
                '(python -c "import secrets; print(secrets.token_urlsafe(48))").'
            )
    address = urlsplit(app.config["PUBLIC_BASE_URL"] or "")
    if address.scheme not in {"http", "https"} or not address.hostname:
        raise RuntimeError(
            "Refusing to start: set PUBLIC_BASE_URL to the site's address as people reach "
            "it (https://convene.example.org); links in mail are built on it."
        )


def import_models() -> None:
    """Every table, so that Alembic and the app see them all (accounts' models also
    register Flask-Login's user loader; programmes' listing keeps the catalogue's
    stored dates at every flush)."""
    from app.accounts import models as _accounts  # noqa: F401
    from app.attendance import models as _attendance  # noqa: F401
    from app.core import models as _core  # noqa: F401
    from app.enrolment import models as _enrolment  # noqa: F401
    from app.programmes import listing as _listing  # noqa: F401
    from app.programmes import models as _programmes  # noqa: F401


def register_extensions(app: Flask) -> None:
    from app.core import i18n
    from app.core.db import render_migration_item
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate

    import_models()
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, render_item=render_migration_item)
    csrf.init_app(app)
    # Counters live in Redis when there is one, so that every web node shares them.
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts_public.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.localize_callback = str
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
