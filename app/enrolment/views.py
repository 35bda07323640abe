"""Participant pages under /me/ and the enrol pages of a cohort."""

from functools import partial

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import forms
from app.enrolment import bp, services, tickets
from app.enrolment.display import (
    ENROLMENT_HELPERS,
    cancelled_message,
    has_endpoint,
    seat_count_labels,
)
from app.enrolment.forms import (
    SUBMIT,
    CancelForm,
    ConfirmForm,
    MemberForm,
    PartyBookingForm,
    TeacherBookingForm,
    TeacherDetailsForm,
    application_data,
    application_form,
    member_data,
    party_data,
    teacher_data,
)
from app.enrolment.lifecycle import EnrolmentError
from app.enrolment.services import own_enrolment_or_404, own_member_or_404
from app.errors import render_error
from app.forms import form_status, render_form, show_errors
from app.models import EnrolmentMode, EnrolmentStatus, PersonKind
from app.models.types import utcnow
from app.outbox import absolute_url
from app.programmes import ical
from app.programmes.display import format_moment
from app.programmes.rules import enrolment_closes_at, enrolment_state
from app.programmes.services import questions_of
from app.security import is_safe_next

# Enrolment words and the programme page's call to action, as globals of every template
# (macros imported without context too).
bp.record_once(lambda state: state.app.jinja_env.globals.update(ENROLMENT_HELPERS))


def _user():
    return current_user._get_current_object()


def _back_url(default: str) -> str:
    """The page that sent the person here (`next`, a path on this site), else `default`."""
    target = request.values.get("next")
    return target if is_safe_next(target) else default


def _to_detail(enrolment):
    return redirect(url_for("enrolment.detail", enrolment_id=enrolment.id))


# My Convene ------------------------------------------------------------------------------


@bp.get("/me/")
@login_required
def index():
    return render_template("enrolment/index.html", mine=services.my_convene(_user()))


# The household ---------------------------------------------------------------------------

#: Change the household from a submitted form; refusals go next to their fields.
attempt_household = partial(forms.attempt, refused=services.HouseholdError)


def _household_url() -> str:
    return url_for("enrolment.index", _anchor="household")


@bp.route("/me/household/new", methods=["GET", "POST"])
@login_required
def add_member():
    kind = request.args.get("kind", PersonKind.CHILD.value)
    form = MemberForm(data={"kind": kind if kind in set(PersonKind) else PersonKind.CHILD})
    member = attempt_household(form, lambda: services.add_member(_user(), form.details()))
    if member:
        flash(_("%(name)s is added to your household.", name=member.name), "success")
        return redirect(_back_url(_household_url()))
    return render_form(
        "enrolment/member_form.html", form, member=None, back=_back_url(_household_url())
    )


@bp.route("/me/household/<int:member_id>/edit", methods=["GET", "POST"])
@login_required
def edit_member(member_id: int):
    member = own_member_or_404(_user(), member_id)
    form = MemberForm(data=member_data(member))
    if attempt_household(form, lambda: services.update_member(member, form.details())):
        flash(_("The details of %(name)s are saved.", name=member.name), "success")
        return redirect(_back_url(_household_url()))
    return render_form(
        "enrolment/member_form.html", form, member=member, back=_back_url(_household_url())
    )


@bp.route("/me/household/<int:member_id>/remove", methods=["GET", "POST"])
@login_required
def remove_member(member_id: int):
    """One confirmation step; refused while an active enrolment includes the person."""
    member = own_member_or_404(_user(), member_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = member.name
        try:
            services.remove_member(member)
        except services.MemberHasPlaces as refusal:
            context = {"member": member, "places": refusal.places, "form": form}
            return render_template("enrolment/member_remove.html", **context), 409
        flash(_("%(name)s is removed from your household.", name=name), "success")
        return redirect(_household_url())
    places = services.active_places(member)
    return render_template("enrolment/member_remove.html", member=member, places=places, form=form)


@bp.route("/me/teacher", methods=["GET", "POST"])
@login_required
def teacher_details():
    user = _user()
    form = TeacherDetailsForm(data=teacher_data(user))
    if form.validate_on_submit():
        services.save_teacher_details(user, form.teacher_details())
        flash(_("Your teacher details are saved."), "success")
        return redirect(_back_url(url_for("enrolment.index", _anchor="teacher")))
    return render_form("enrolment/teacher_form.html", form)


# Booking ---------------------------------------------------------------------------------


@bp.route("/programmes/<slug>/cohorts/<int:cohort_id>/enrol", methods=["GET", "POST"])
@login_required
def enrol(slug: str, cohort_id: int):
    """Book places in a booking-mode cohort: confirmed, or waitlisted as one party."""
    cohort = services.published_cohort_or_404(slug, cohort_id)
    if cohort.enrolment_mode == EnrolmentMode.APPLICATION:
        if has_endpoint("enrolment.apply"):
            return redirect(url_for("enrolment.apply", slug=slug, cohort_id=cohort.id))
        abort(404)
    user = _user()
    teacher = services.asks_for_school(cohort)
    members = [] if teacher else services.household(user)
    notes = services.people_notes(cohort, user, members)
    if teacher:
        form = TeacherBookingForm(data=teacher_data(user))
    else:
        form = PartyBookingForm(user=user, members=members, data=party_data(members, notes))
    refused = {}
    if form.validate_on_submit():
        try:
            enrolment = services.book_place(user, cohort, form.details())
        except services.BookingRefused as refusal:
            show_errors(form, refusal.errors)
            refused = refusal.people
        else:
            flash(services.booked_message(enrolment), "success")
            return _to_detail(enrolment)
    seats = 1 if isinstance(form, TeacherBookingForm) else len(form.people.data or [])
    return render_template(
        "enrolment/enrol.html",
        form=form,
        cohort=cohort,
        programme=cohort.programme,
        state=enrolment_state(cohort, utcnow()),
        member_by_key={services.person_key(member): member for member in members},
        notes=notes,
        refused=refused,
        seats=seats,
        seat_labels=seat_count_labels(len(members) + 1),
        existing=services.places_in(user, [cohort.id]).by_cohort.get(cohort.id, []),
    ), form_status(form)


# A place ---------------------------------------------------------------------------------


@bp.get("/me/enrolments/<int:enrolment_id>")
@login_required
def detail(enrolment_id: int):
    enrolment = own_enrolment_or_404(_user(), enrolment_id)
    return render_template("enrolment/detail.html", place=services.place(enrolment))


@bp.route("/me/enrolments/<int:enrolment_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(enrolment_id: int):
    """One confirmation step ("Cancel your place for 3 people?"); freed seats go to the
    waitlist at once."""
    user = _user()
    enrolment = own_enrolment_or_404(user, enrolment_id)
    if not enrolment.is_active:
        flash(_("This place is not active any more, so there is nothing to cancel."), "info")
        return _to_detail(enrolment)
    form = CancelForm()
    if form.validate_on_submit():
        before = enrolment.status
        try:
            services.cancel_place(enrolment, user, form.reason.data)
        except EnrolmentError as refusal:
            flash(str(refusal.message), "error")
        else:
            flash(cancelled_message(before), "success")
        return _to_detail(enrolment)
    return render_form("enrolment/cancel.html", form, enrolment=enrolment)


def _answer_offer(enrolment_id: int, accept: bool):
    enrolment = own_enrolment_or_404(_user(), enrolment_id)
    if enrolment.status != EnrolmentStatus.OFFERED:
        flash(_("There is no offer waiting for your answer."), "info")
        return _to_detail(enrolment)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.answer_offer(enrolment, accept=accept)
        except EnrolmentError as refusal:
            flash(str(refusal.message), "error")
        else:
            if accept:
                flash(_("Your place is confirmed. We have emailed you the details."), "success")
            else:
                flash(_("You have declined the offer. Thank you for letting us know."), "success")
        return _to_detail(enrolment)
    return render_template("enrolment/offer.html", enrolment=enrolment, accept=accept, form=form)


@bp.route("/me/enrolments/<int:enrolment_id>/accept", methods=["GET", "POST"])
@login_required
def accept_offer(enrolment_id: int):
    return _answer_offer(enrolment_id, accept=True)


@bp.route("/me/enrolments/<int:enrolment_id>/decline", methods=["GET", "POST"])
@login_required
def decline_offer(enrolment_id: int):
    return _answer_offer(enrolment_id, accept=False)


@bp.get("/me/enrolments/<int:enrolment_id>/ticket")
@login_required
def ticket(enrolment_id: int):
    enrolment = own_enrolment_or_404(_user(), enrolment_id)
    if not services.has_ticket(enrolment):
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
        qr=tickets.qr_svg(enrolment.ticket_token, _("Ticket code for %(names)s", names=names)),
        typed_code=tickets.token_groups(enrolment.ticket_token),
    )


@bp.get("/me/enrolments/<int:enrolment_id>/calendar.ics")
@login_required
def calendar(enrolment_id: int):
    """The cohort's sessions for the holder's calendar; joining links for a confirmed place."""
    enrolment = own_enrolment_or_404(_user(), enrolment_id)
    cohort = enrolment.cohort
    if not cohort.sessions:
        abort(404)
    calendar = ical.cohort_calendar(
        cohort,
        page_url=absolute_url("enrolment.detail", enrolment_id=enrolment.id),
        with_online_links=services.shows_online_links(enrolment),
    )
    response = make_response(calendar.to_ical())
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{ical.calendar_filename(cohort)}"'
    )
    return response


# Applications ----------------------------------------------------------------------------

#: Save an application from its form; refusals by the rules go next to their fields.
attempt_application = partial(forms.attempt, refused=services.ApplicationRefused)


@bp.route("/programmes/<slug>/cohorts/<int:cohort_id>/apply", methods=["GET", "POST"])
@login_required
def apply(slug: str, cohort_id: int):
    """Write an application: save it as a draft (until enrolment closes), or submit it."""
    cohort = services.application_cohort_or_404(slug, cohort_id)
    user = current_user._get_current_object()
    existing = services.current_application(user, cohort)
    if existing is not None and existing.status != EnrolmentStatus.DRAFT:
        flash(_("You have applied to this cohort already. Here is your application."), "info")
        return redirect(url_for("enrolment.detail", enrolment_id=existing.id))
    questions = questions_of(cohort)
    form = application_form(questions, data=application_data(existing, questions))
    context = {
        "cohort": cohort,
        "programme": cohort.programme,
        "draft": existing,
        "blockers": services.apply_blockers(user, cohort),
        "countries": services.home_countries_text(cohort),
        "closes_at": enrolment_closes_at(cohort),
        "statement_min": services.STATEMENT_MIN_LENGTH,
        "statement_max": services.STATEMENT_MAX_LENGTH,
        "SUBMIT": SUBMIT,
    }
    if context["blockers"]:
        status = 409 if form.is_submitted() else 200
        return render_template("enrolment/apply.html", form=None, **context), status
    submit = form.submitting
    enrolment = attempt_application(
        form,
        lambda: services.apply(user, cohort, form.details(), questions, submit=submit),
    )
    if enrolment is None:
        return render_form("enrolment/apply.html", form, **context)
    if submit:
        flash(_("Your application is submitted. We have emailed you a confirmation."), "success")
        return redirect(url_for("enrolment.detail", enrolment_id=enrolment.id))
    if context["closes_at"]:
        flash(
            _(
                "Your draft is saved. You can come back and finish it until %(date)s.",
                date=format_moment(context["closes_at"]),
            ),
            "success",
        )
    else:
        flash(_("Your draft is saved. You can come back and finish it later."), "success")
    return redirect(url_for("enrolment.apply", slug=slug, cohort_id=cohort.id))
