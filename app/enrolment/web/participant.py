"""A participant's own pages under /me/: My Convene, the household, teacher details,
each place with its ticket and calendar, cancelling, and answering an offer."""

from collections.abc import Callable

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.models import User
from app.core import web
from app.core.address import absolute_url
from app.core.errors import render_error
from app.core.refusal import Refusal
from app.core.security import is_safe_next
from app.core.transaction import transaction
from app.core.web import calendar_response, render_form
from app.enrolment import commands, queries, rules, tickets
from app.enrolment.forms import (
    CancelForm,
    ConfirmForm,
    MemberForm,
    TeacherDetailsForm,
    member_data,
    teacher_data,
)
from app.enrolment.models import EnrolmentStatus, PersonKind
from app.enrolment.queries import own_enrolment_or_404, own_member_or_404
from app.enrolment.words import (
    cancelled_message,
)
from app.programmes import ical

bp = Blueprint("enrolment_participant", __name__)

# Enrolment words and the programme page's call to action, as globals of every template
# (macros imported without context too).


def signed_in_user():
    return current_user._get_current_object()


def _back_url(default: str) -> str:
    """The page that sent the person here (`next`, a path on this site), else `default`."""
    target = request.values.get("next")
    return target if is_safe_next(target) else default


def to_place_page(enrolment):
    return redirect(url_for("enrolment_participant.detail", enrolment_id=enrolment.id))


# My Convene ------------------------------------------------------------------------------


#: More sections of the My Convene page, from areas that build on enrolment (attendance
#: adds records and certificates). Each takes the user and returns a template to include
#: and the values it shows; the view runs them, so no template queries on its own.
MY_CONVENE_SECTIONS: list[Callable[[User], tuple[str, dict]]] = []


@bp.get("/")
@login_required
def index():
    user = signed_in_user()
    sections = [section(user) for section in MY_CONVENE_SECTIONS]
    return render_template("enrolment/index.html", mine=queries.my_convene(user), sections=sections)


# The household ---------------------------------------------------------------------------


def _household_url() -> str:
    return url_for("enrolment_participant.index", _anchor="household")


@bp.route("/household/new", methods=["GET", "POST"])
@login_required
def add_member():
    kind = request.args.get("kind", PersonKind.CHILD.value)
    form = MemberForm(data={"kind": kind if kind in set(PersonKind) else PersonKind.CHILD})
    member = web.run_form(form, lambda: commands.add_member(signed_in_user(), form.details()))
    if member:
        flash(_("%(name)s is added to your household.", name=member.name), "success")
        return redirect(_back_url(_household_url()))
    return render_form(
        "enrolment/member_form.html", form, member=None, back=_back_url(_household_url())
    )


@bp.route("/household/<int:member_id>/edit", methods=["GET", "POST"])
@login_required
def edit_member(member_id: int):
    member = own_member_or_404(signed_in_user(), member_id)
    form = MemberForm(data=member_data(member))
    if web.run_form(form, lambda: commands.update_member(member, form.details())):
        flash(_("The details of %(name)s are saved.", name=member.name), "success")
        return redirect(_back_url(_household_url()))
    return render_form(
        "enrolment/member_form.html", form, member=member, back=_back_url(_household_url())
    )


@bp.route("/household/<int:member_id>/remove", methods=["GET", "POST"])
@login_required
def remove_member(member_id: int):
    """One confirmation step; refused while an active enrolment includes the person."""
    member = own_member_or_404(signed_in_user(), member_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = member.name
        try:
            with transaction():
                commands.remove_member(member)
        except Refusal:  # "member_has_places": the places as they are now
            context = {"member": member, "places": queries.active_places(member), "form": form}
            return render_template("enrolment/member_remove.html", **context), 409
        flash(_("%(name)s is removed from your household.", name=name), "success")
        return redirect(_household_url())
    places = queries.active_places(member)
    return render_template("enrolment/member_remove.html", member=member, places=places, form=form)


@bp.route("/teacher", methods=["GET", "POST"])
@login_required
def teacher_details():
    user = signed_in_user()
    form = TeacherDetailsForm(data=teacher_data(user))
    if form.validate_on_submit():
        with transaction():
            commands.save_teacher_details(user, form.teacher_details())
        flash(_("Your teacher details are saved."), "success")
        return redirect(_back_url(url_for("enrolment_participant.index", _anchor="teacher")))
    return render_form("enrolment/teacher_form.html", form)


# A place ---------------------------------------------------------------------------------


@bp.get("/enrolments/<int:enrolment_id>")
@login_required
def detail(enrolment_id: int):
    enrolment = own_enrolment_or_404(signed_in_user(), enrolment_id)
    return render_template("enrolment/detail.html", place=queries.place(enrolment))


@bp.route("/enrolments/<int:enrolment_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(enrolment_id: int):
    """One confirmation step ("Cancel your place for 3 people?"); freed seats go to the
    waitlist at once."""
    user = signed_in_user()
    enrolment = own_enrolment_or_404(user, enrolment_id)
    if not enrolment.is_active:
        flash(_("This place is not active any more, so there is nothing to cancel."), "info")
        return to_place_page(enrolment)
    form = CancelForm()
    if form.validate_on_submit():
        before = enrolment.status
        try:
            with transaction():
                commands.cancel_place(enrolment, user, form.reason.data)
        except Refusal as refusal:
            flash(refusal.message, "error")
        else:
            flash(cancelled_message(before), "success")
        return to_place_page(enrolment)
    return render_form("enrolment/cancel.html", form, enrolment=enrolment)


def _answer_offer(enrolment_id: int, accept: bool):
    enrolment = own_enrolment_or_404(signed_in_user(), enrolment_id)
    if enrolment.status != EnrolmentStatus.OFFERED:
        flash(_("There is no offer waiting for your answer."), "info")
        return to_place_page(enrolment)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            with transaction():
                commands.answer_offer(enrolment, accept=accept)
        except Refusal as refusal:
            flash(refusal.message, "error")
        else:
            if accept:
                flash(_("Your place is confirmed. We have emailed you the details."), "success")
            else:
                flash(_("You have declined the offer. Thank you for letting us know."), "success")
        return to_place_page(enrolment)
    return render_template("enrolment/offer.html", enrolment=enrolment, accept=accept, form=form)


@bp.route("/enrolments/<int:enrolment_id>/accept", methods=["GET", "POST"])
@login_required
def accept_offer(enrolment_id: int):
    return _answer_offer(enrolment_id, accept=True)


@bp.route("/enrolments/<int:enrolment_id>/decline", methods=["GET", "POST"])
@login_required
def decline_offer(enrolment_id: int):
    return _answer_offer(enrolment_id, accept=False)


@bp.get("/enrolments/<int:enrolment_id>/ticket")
@login_required
def ticket(enrolment_id: int):
    enrolment = own_enrolment_or_404(signed_in_user(), enrolment_id)
    if not rules.has_ticket(enrolment):
        return render_error(
            404,
            _(
                "Only a confirmed place has a ticket. Your enrolment page says where "
                "your place stands."
            ),
        )
    names = ", ".join(attendee.name for attendee in enrolment.attendees)
    return render_template(
        "enrolment/ticket.html",
        enrolment=enrolment,
        qr=tickets.qr_svg(enrolment.ticket_code, _("Ticket code for %(names)s", names=names)),
        typed_code=tickets.code_groups(enrolment.ticket_code),
    )


@bp.get("/enrolments/<int:enrolment_id>/calendar.ics")
@login_required
def calendar(enrolment_id: int):
    """The cohort's sessions for the holder's calendar; joining links for a confirmed place."""
    enrolment = own_enrolment_or_404(signed_in_user(), enrolment_id)
    cohort = enrolment.cohort
    if not cohort.sessions:
        abort(404)
    calendar = ical.cohort_calendar(
        cohort,
        page_url=absolute_url("enrolment_participant.detail", enrolment_id=enrolment.id),
        with_online_links=rules.shows_online_links(enrolment),
    )
    return calendar_response(calendar, ical.calendar_filename(cohort))
