"""Admin pages: overview, people, partner organisations, outbox."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.accounts.models import User
from app.admin import commands, queries
from app.admin.forms import OrganisationForm
from app.core.models import MessageStatus, OutboxMessage
from app.core.security import redirect_to_safe
from app.core.transaction import transaction
from app.core.web import get_or_404, render_form, requested_page, run_form
from app.programmes import commands as programmes_commands
from app.programmes import queries as programmes_queries
from app.programmes.models import Organisation
from app.programmes.permissions import admin_required

bp = Blueprint("admin_manage", __name__)


@bp.get("/")
@admin_required
def dashboard():
    return render_template("admin/dashboard.html", counts=queries.platform_counts())


@bp.get("/users")
@admin_required
def users():
    query = request.args.get("q", "")
    page = queries.users_page(query, requested_page())
    return render_template("admin/users.html", page=page, query=query)


@bp.post("/users/<int:user_id>/programme-creator")
@admin_required
def set_programme_creator(user_id: int):
    user = get_or_404(User, user_id)
    allowed = request.form.get("allowed") == "1"
    with transaction():
        commands.set_may_create_programmes(user, allowed)
    if allowed:
        flash(_("%(name)s may now create programmes.", name=user.name), "success")
    else:
        flash(_("%(name)s may no longer create programmes.", name=user.name), "info")
    return redirect_to_safe(request.form.get("next"), "admin_manage.users")


@bp.get("/organisations")
@admin_required
def organisations():
    return render_template(
        "admin/organisations.html", organisations=programmes_queries.all_organisations()
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
@admin_required
def new_organisation():
    form = OrganisationForm()
    organisation = run_form(
        form,
        lambda: programmes_commands.create_organisation(
            form.name.data, form.country.data, form.website.data
        ),
    )
    if organisation:
        flash(_("%(name)s is added.", name=organisation.name), "success")
        return redirect(url_for("admin_manage.organisations"))
    return render_form("admin/organisation_form.html", form, organisation=None)


@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_organisation(organisation_id: int):
    organisation = get_or_404(Organisation, organisation_id)
    form = OrganisationForm(obj=organisation)
    saved = run_form(
        form,
        lambda: programmes_commands.update_organisation(
            organisation, form.name.data, form.country.data, form.website.data
        ),
    )
    if saved:
        flash(_("%(name)s is saved.", name=organisation.name), "success")
        return redirect(url_for("admin_manage.organisations"))
    return render_form("admin/organisation_form.html", form, organisation=organisation)


@bp.get("/outbox")
@admin_required
def outbox():
    status = request.args.get("status")
    status = MessageStatus(status) if status in set(MessageStatus) else None
    page = queries.outbox_page(status, requested_page())
    return render_template("admin/outbox.html", page=page, status=status, statuses=MessageStatus)


@bp.get("/outbox/<int:message_id>")
@admin_required
def outbox_message(message_id: int):
    message = get_or_404(OutboxMessage, message_id)
    return render_template("admin/outbox_message.html", message=message)


@bp.post("/outbox/<int:message_id>/retry")
@admin_required
def retry_message(message_id: int):
    message = get_or_404(OutboxMessage, message_id)
    with transaction():
        commands.retry_message(message)
    flash(_("The message is queued again."), "success")
    return redirect(url_for("admin_manage.outbox_message", message_id=message.id))
