"""Home page, the language switch, uploaded programme images and the health check."""

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    send_from_directory,
    session,
)
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.accounts.commands import set_language
from app.core.i18n import with_region
from app.core.page_cache import public_page
from app.core.security import redirect_to_safe
from app.core.transaction import transaction
from app.extensions import csrf, db, limiter
from app.programmes import images, queries

bp = Blueprint("site", __name__)


@bp.get("/")
@public_page
def index():
    return render_template("site/index.html", coming_up=queries.coming_up())


@bp.post("/language")
@csrf.exempt
def language():
    """The footer's language buttons: remembered for the visit, and on the account.

    A visitor who is not logged in sends no CSRF token: another site could at worst
    switch the language of their visit, and pages without a token look the same for
    everyone, so they can be cached (app.core.page_cache). A change to an account
    needs the token, as every other form does.
    """
    if current_user.is_authenticated:
        csrf.protect()
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            with transaction():
                set_language(current_user, with_region(lang, request.accept_languages))
    return redirect_to_safe(request.form.get("next"))


#: Image names are random and never reused, so a browser may keep one for a year.
IMAGE_MAX_AGE = 365 * 24 * 3600


@bp.get("/media/programmes/<name>")
def programme_image(name: str):
    """A programme's uploaded image, for the catalogue and the organise pages."""
    if not images.NAME_PATTERN.match(name):
        abort(404)
    response = send_from_directory(images.folder(), name, max_age=IMAGE_MAX_AGE)
    response.cache_control.immutable = True
    return response


@bp.get("/healthz")
@limiter.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError:
        db.session.rollback()
        database = "unreachable"
    healthy = database == "ok"
    return jsonify(status="ok" if healthy else "error", database=database), 200 if healthy else 503
