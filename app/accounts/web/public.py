"""Account pages under /account: sign-up, log in and out, settings, password change and
reset. Each view parses a form, runs a command in one transaction, then flashes or renders."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.accounts import commands
from app.accounts.forms import (
    ChangePasswordForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignupForm,
)
from app.core.i18n import account_locale_choice
from app.core.security import redirect_to_safe
from app.core.transaction import transaction
from app.core.web import form_status, run_form
from app.extensions import limiter

bp = Blueprint("accounts_public", __name__)


def auth_rate_limit() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(auth_rate_limit, methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("site.index"))
    form = SignupForm()
    user = run_form(form, lambda: _register(form))
    if user:
        login_user(user)
        flash(_("Welcome to Convene, %(name)s.", name=user.name), "success")
        return redirect_to_safe(request.args.get("next"))
    return render_template("accounts/signup.html", form=form), form_status(form)


def _register(form: SignupForm):
    user = commands.register(
        name=form.name.data, email=form.email.data, password=form.password.data
    )
    commands.record_login(user)
    return user


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(auth_rate_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect_to_safe(request.args.get("next"))
    form = LoginForm()
    if form.validate_on_submit():
        user = commands.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("That email and password do not match an account."))
        else:
            login_user(user, remember=form.remember_me.data)
            with transaction():
                commands.record_login(user)
            flash(_("You are logged in."), "success")
            return redirect_to_safe(request.args.get("next"))
    return render_template("accounts/login.html", form=form), form_status(form)


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You are logged out."), "info")
    response = redirect(url_for("site.index"))
    # Nothing stays on the device: what a phone at the door kept (a register's people,
    # its worker and its pages) goes with the account that fetched it.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.locale.data = account_locale_choice(current_user.locale)
        form.timezone.data = current_user.timezone or current_app.config["BABEL_DEFAULT_TIMEZONE"]
    if form.validate_on_submit():
        with transaction():
            commands.update_profile(
                current_user,
                name=form.name.data,
                locale=form.locale.data,
                timezone=form.timezone.data,
            )
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("accounts_public.settings"))
    return render_template("accounts/settings.html", form=form), form_status(form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
@limiter.limit(auth_rate_limit, methods=["POST"])
def change_password():
    form = ChangePasswordForm()
    changed = run_form(
        form,
        lambda: commands.change_password(
            current_user, current=form.current_password.data, new=form.password.data
        ),
    )
    if changed:
        # The session names the old password; sign in again so this device stays in
        # while every other device is signed out.
        login_user(current_user._get_current_object())
        flash(_("Your password is changed."), "success")
        return redirect(url_for("accounts_public.settings"))
    return render_template("accounts/password.html", form=form), form_status(form)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(auth_rate_limit, methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        with transaction():
            commands.request_password_reset(form.email.data)
        return render_template(
            "accounts/reset_sent.html",
            email=form.email.data,
            valid_minutes=commands.reset_link_minutes(),
        )
    return render_template("accounts/reset_request.html", form=form), form_status(form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(auth_rate_limit, methods=["POST"])
def reset_password(token: str):
    user = commands.user_for_reset_token(token)
    if user is None:
        return render_template(
            "accounts/reset_invalid.html", valid_minutes=commands.reset_link_minutes()
        ), 410
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with transaction():
            commands.reset_password(user, form.password.data)
        logout_user()
        flash(_("Your password is reset. You can log in with it now."), "success")
        return redirect(url_for("accounts_public.login"))
    return render_template("accounts/reset_password.html", form=form), form_status(form)
