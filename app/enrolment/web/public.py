"""A programme's public page with its cohorts, and the pages that enrol in one:
book places, or apply (signing in on the way)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.db import utcnow
from app.core.page_cache import public_page
from app.core.refusal import Refusal
from app.core.transaction import transaction
from app.core.web import form_status, render_form, run_form, show_errors
from app.enrolment import commands, queries, rules
from app.enrolment.forms import (
    SUBMIT,
    PartyBookingForm,
    TeacherBookingForm,
    application_data,
    application_form,
    party_data,
    teacher_data,
)
from app.enrolment.models import EnrolmentStatus
from app.enrolment.web.participant import signed_in_user, to_place_page
from app.enrolment.words import (
    seat_count_labels,
)
from app.programmes.models import EnrolmentMode
from app.programmes.queries import questions_of
from app.programmes.rules import enrolment_closes_at, enrolment_state
from app.programmes.web.public import visible_programme_or_404
from app.programmes.words import format_moment

bp = Blueprint("enrolment_public", __name__)


@bp.get("/")
@public_page
def programme(slug: str):
    """A programme with its cohorts, and in each what the visitor can do: enrol,
    apply, or see their own place."""
    page = queries.programme_page(visible_programme_or_404(slug), current_user)
    return render_template("enrolment/programme.html", page=page, programme=page.programme)


# Booking ---------------------------------------------------------------------------------


@bp.route("/cohorts/<int:cohort_id>/enrol", methods=["GET", "POST"])
@login_required
def enrol(slug: str, cohort_id: int):
    """Book places in a booking-mode cohort: confirmed, or waitlisted as one party."""
    cohort = queries.published_cohort_or_404(slug, cohort_id)
    if cohort.enrolment_mode == EnrolmentMode.APPLICATION:
        return redirect(url_for("enrolment_public.apply", slug=slug, cohort_id=cohort.id))
    user = signed_in_user()
    teacher = rules.asks_for_school(cohort)
    members = [] if teacher else queries.household(user)
    # The notes by each name (a query) fill a fresh form and show on the page; a form
    # sent in keeps its own choices, and a booking that goes through needs neither.
    submitted = request.method == "POST"
    notes = {} if submitted else queries.people_notes(cohort, user, members)
    if teacher:
        form = TeacherBookingForm(data=teacher_data(user))
    else:
        form = PartyBookingForm(user=user, members=members, data=party_data(members, notes))
    refused = {}
    if form.validate_on_submit():
        try:
            with transaction():
                enrolment = commands.book_place(user, cohort, form.details(), members)
                # Read before the commit expires the enrolment, which would cost a query.
                message, place_page = commands.booked_message(enrolment), to_place_page(enrolment)
        except Refusal as refusal:
            show_errors(form, refusal.errors)
            refused = refusal.detail.get("people", {})
        else:
            flash(message, "success")
            return place_page
    if submitted:
        notes = queries.people_notes(cohort, user, members)
    seats = 1 if isinstance(form, TeacherBookingForm) else len(form.people.data or [])
    return render_template(
        "enrolment/enrol.html",
        form=form,
        cohort=cohort,
        programme=cohort.programme,
        state=enrolment_state(cohort, utcnow()),
        member_by_key={rules.person_key(member): member for member in members},
        notes=notes,
        refused=refused,
        seats=seats,
        seat_labels=seat_count_labels(len(members) + 1),
        existing=queries.places_in(user, [cohort.id]).by_cohort.get(cohort.id, []),
    ), form_status(form)


@bp.route("/cohorts/<int:cohort_id>/apply", methods=["GET", "POST"])
@login_required
def apply(slug: str, cohort_id: int):
    """Write an application: save it as a draft (until enrolment closes), or submit it."""
    cohort = queries.application_cohort_or_404(slug, cohort_id)
    user = current_user._get_current_object()
    existing = queries.current_application(user, cohort)
    if existing is not None and existing.status != EnrolmentStatus.DRAFT:
        flash(_("You have applied to this cohort already. Here is your application."), "info")
        return redirect(url_for("enrolment_participant.detail", enrolment_id=existing.id))
    questions = questions_of(cohort)
    form = application_form(questions, data=application_data(existing, questions))
    context = {
        "cohort": cohort,
        "programme": cohort.programme,
        "draft": existing,
        "blockers": queries.apply_blockers(user, cohort),
        "countries": queries.home_countries_text(cohort),
        "closes_at": enrolment_closes_at(cohort),
        "statement_min": rules.STATEMENT_MIN_LENGTH,
        "statement_max": rules.STATEMENT_MAX_LENGTH,
        "SUBMIT": SUBMIT,
    }
    if context["blockers"]:
        status = 409 if form.is_submitted() else 200
        return render_template("enrolment/apply.html", form=None, **context), status
    submit = form.submitting
    enrolment = run_form(
        form,
        lambda: commands.apply(user, cohort, form.details(), questions, submit=submit),
    )
    if enrolment is None:
        return render_form("enrolment/apply.html", form, **context)
    if submit:
        flash(_("Your application is submitted. We have emailed you a confirmation."), "success")
        return redirect(url_for("enrolment_participant.detail", enrolment_id=enrolment.id))
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
    return redirect(url_for("enrolment_public.apply", slug=slug, cohort_id=cohort.id))
