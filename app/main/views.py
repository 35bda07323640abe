"""Home page, the language switch and the health check."""

from flask import current_app, jsonify, render_template, request, session
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.auth.services import set_language
from app.extensions import db, limiter
from app.main import bp
from app.security import redirect_to_safe


@bp.get("/")
def index():
    return render_template("main/index.html")


@bp.post("/language")
def language():
    """The header's language buttons: remembered for the visit, and on the account."""
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            set_language(current_user, lang)
    return redirect_to_safe(request.form.get("next"))


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
