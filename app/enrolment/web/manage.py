"""A cohort's enrolments for its team: the review queue with its decisions, scores and
comments, and the list of places with cancel and move."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.core import web
from app.core.actions import history
from app.core.web import child_or_404, render_form
from app.enrolment import commands, queries, rules
from app.enrolment.forms import (
    ApplicationFilterForm,
    CancelPlaceForm,
    CommentForm,
    DecisionForm,
    MovePlaceForm,
    ScoreForm,
)
from app.enrolment.models import Enrolment, EnrolmentStatus
from app.programmes import queries as programmes_queries
from app.programmes.models import EnrolmentMode
from app.programmes.permissions import can_manage_enrolments
from app.programmes.web.access import Loaded, load
from app.programmes.words import cohort_when, seats_text

bp = Blueprint("enrolment_manage", __name__)


def _status(*form_list) -> int:
    return 422 if any(form is not None and form.errors for form in form_list) else 200


# The review queue ----------------------------------------------------------------------


def _applications(programme_id: int, cohort_id: int) -> Loaded:
    """A cohort taking applications, for its reviewers (leads and organisers)."""
    loaded = load(programme_id, can_manage_enrolments, cohort_id)
    if loaded.cohort.enrolment_mode != EnrolmentMode.APPLICATION:
        abort(404)
    return loaded


def _application(loaded: Loaded, enrolment_id: int) -> Enrolment:
    enrolment = child_or_404(Enrolment, enrolment_id, "cohort_id", loaded.cohort.id)
    if not queries.application_of(loaded.cohort, enrolment):
        abort(404)  # a draft is the applicant's own business
    return enrolment


def _decision_form(loaded: Loaded, **kwargs) -> DecisionForm:
    """The decision form, its deadline and message prefilled with kind defaults."""
    return DecisionForm(
        data={
            "offer_deadline": queries.default_offer_deadline(loaded.cohort),
            "message": queries.default_rejection_message(loaded.cohort),
        },
        **kwargs,
    )


def _decided(count: int, action: str) -> str:
    if action == rules.ACCEPT:
        return ngettext(
            "%(num)d offer is made, and the applicant is emailed.",
            "%(num)d offers are made, and the applicants are emailed.",
            count,
        )
    if action == rules.WAITLIST:
        return ngettext(
            "%(num)d application is on the waitlist, and the applicant is emailed.",
            "%(num)d applications are on the waitlist, and the applicants are emailed.",
            count,
        )
    return ngettext(
        "%(num)d application is rejected, and the applicant is emailed your message.",
        "%(num)d applications are rejected, and the applicants are emailed your message.",
        count,
    )


#: The query arguments of the review queue's filters, kept across a decision.
FILTER_ARGS = ("q", "status", "country", "score")


def filter_args() -> dict[str, str]:
    """The queue's filters as this request has them (and nothing else from its URL)."""
    return {name: request.args[name] for name in FILTER_ARGS if request.args.get(name)}


def queue_url(loaded: Loaded, **args) -> str:
    return url_for(
        "enrolment_manage.applications",
        programme_id=loaded.programme.id,
        cohort_id=loaded.cohort.id,
        **args,
    )


def render_queue(loaded: Loaded, decision_form: DecisionForm | None = None, chosen=()):
    cohort = loaded.cohort
    filter_form = ApplicationFilterForm(request.args, countries=queries.applicant_countries(cohort))
    filters_valid = filter_form.validate()
    decision_form = decision_form or _decision_form(loaded, formdata=None)
    page = render_template(
        "enrolment/manage/applications.html",
        programme=loaded.programme,
        cohort=cohort,
        role=loaded.role,
        seats=queries.seats(cohort),
        rows=queries.applications(cohort, filter_form.filters()),
        filter_form=filter_form,
        form=decision_form,
        chosen=set(chosen),
        filter_args=filter_args(),
    )
    return page, 400 if not filters_valid else _status(decision_form)


@bp.get("/applications")
@login_required
def applications(programme_id: int, cohort_id: int):
    return render_queue(_applications(programme_id, cohort_id))


@bp.post("/applications/decide")
@login_required
def decide_applications(programme_id: int, cohort_id: int):
    """A decision on the ticked applications: all of them change, or none does."""
    loaded = _applications(programme_id, cohort_id)
    form = _decision_form(loaded)
    chosen = [i for i in (form.enrolment_ids.data or []) if isinstance(i, int)]
    enrolments = queries.applications_by_ids(loaded.cohort, chosen) if chosen else []
    if enrolments is None:
        abort(404)
    action = form.action.data
    decided = web.run_form(
        form, lambda: commands.decide(loaded.cohort, enrolments, form.decision())
    )
    if decided is None:
        return render_queue(loaded, form, chosen)
    flash(_decided(len(decided), action), "success")
    return redirect(queue_url(loaded, **filter_args()))


def render_application(
    loaded: Loaded,
    enrolment: Enrolment,
    decision_form: DecisionForm | None = None,
    score_form: ScoreForm | None = None,
    comment_form: CommentForm | None = None,
):
    cohort = loaded.cohort
    decision_form = decision_form or _decision_form(loaded, formdata=None)
    score_form = score_form or ScoreForm(formdata=None, data={"score": str(enrolment.score or "")})
    comment_form = comment_form or CommentForm(formdata=None)
    return render_template(
        "enrolment/manage/application.html",
        programme=loaded.programme,
        cohort=cohort,
        role=loaded.role,
        enrolment=enrolment,
        seats=queries.seats(cohort),
        answers=queries.answers(enrolment, programmes_queries.questions_of(cohort)),
        comments=queries.comments(enrolment),
        history=history(enrolment_id=enrolment.id),
        actions=rules.possible_actions(enrolment),
        form=decision_form,
        score_form=score_form,
        comment_form=comment_form,
    ), _status(decision_form, score_form, comment_form)


def application_url(loaded: Loaded, enrolment: Enrolment, anchor: str = "") -> str:
    return url_for(
        "enrolment_manage.application",
        programme_id=loaded.programme.id,
        cohort_id=loaded.cohort.id,
        enrolment_id=enrolment.id,
        _anchor=anchor or None,
    )


@bp.get("/applications/<int:enrolment_id>")
@login_required
def application(programme_id: int, cohort_id: int, enrolment_id: int):
    loaded = _applications(programme_id, cohort_id)
    return render_application(loaded, _application(loaded, enrolment_id))


@bp.post("/applications/<int:enrolment_id>/decide")
@login_required
def decide_application(programme_id: int, cohort_id: int, enrolment_id: int):
    loaded = _applications(programme_id, cohort_id)
    enrolment = _application(loaded, enrolment_id)
    form = _decision_form(loaded)
    action = form.action.data
    decided = web.run_form(
        form, lambda: commands.decide(loaded.cohort, [enrolment], form.decision())
    )
    if decided is None:
        return render_application(loaded, enrolment, decision_form=form)
    flash(_decided(1, action), "success")
    return redirect(application_url(loaded, enrolment))


@bp.post("/applications/<int:enrolment_id>/score")
@login_required
def score_application(programme_id: int, cohort_id: int, enrolment_id: int):
    loaded = _applications(programme_id, cohort_id)
    enrolment = _application(loaded, enrolment_id)
    form = ScoreForm()
    if web.run_form(form, lambda: commands.set_score(enrolment, form.value())):
        flash(_("The score is saved."), "success")
        return redirect(application_url(loaded, enrolment, "review"))
    return render_application(loaded, enrolment, score_form=form)


@bp.post("/applications/<int:enrolment_id>/comments")
@login_required
def comment_application(programme_id: int, cohort_id: int, enrolment_id: int):
    loaded = _applications(programme_id, cohort_id)
    enrolment = _application(loaded, enrolment_id)
    form = CommentForm()
    author = current_user._get_current_object()
    if web.run_form(form, lambda: commands.add_comment(enrolment, author, form.body.data)):
        flash(_("Your comment is added."), "success")
        return redirect(application_url(loaded, enrolment, "comments"))
    return render_application(loaded, enrolment, comment_form=form)


# Places: who is coming -----------------------------------------------------------------


def enrolments_url(loaded: Loaded) -> str:
    return url_for(
        "enrolment_manage.enrolments", programme_id=loaded.programme.id, cohort_id=loaded.cohort.id
    )


@bp.get("/enrolments")
@login_required
def enrolments(programme_id: int, cohort_id: int):
    """Everyone on the team sees who is coming; leads and organisers may change places."""
    loaded = load(programme_id, cohort_id=cohort_id)
    return render_template(
        "enrolment/manage/enrolments.html",
        programme=loaded.programme,
        cohort=loaded.cohort,
        role=loaded.role,
        seats=queries.seats(loaded.cohort),
        roster=queries.roster(loaded.cohort),
        may_change=can_manage_enrolments(current_user, loaded.role),
    )


def _place(programme_id: int, cohort_id: int, enrolment_id: int) -> tuple[Loaded, Enrolment]:
    loaded = load(programme_id, can_manage_enrolments, cohort_id)
    enrolment = child_or_404(Enrolment, enrolment_id, "cohort_id", loaded.cohort.id)
    if not queries.place_of(loaded.cohort, enrolment):
        abort(404)
    return loaded, enrolment


@bp.route("/enrolments/<int:enrolment_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_enrolment(programme_id: int, cohort_id: int, enrolment_id: int):
    """GET asks for the reason; POST cancels and emails it."""
    loaded, enrolment = _place(programme_id, cohort_id, enrolment_id)
    form = CancelPlaceForm()
    organiser = current_user._get_current_object()
    if web.run_form(
        form,
        lambda: commands.cancel_place_for_team(enrolment, by=organiser, reason=form.reason.data),
    ):
        flash(_("The place is cancelled, and the reason is emailed."), "success")
        return redirect(enrolments_url(loaded))
    return render_form(
        "enrolment/manage/enrolment_cancel.html",
        form,
        programme=loaded.programme,
        cohort=loaded.cohort,
        enrolment=enrolment,
    )


@bp.route("/enrolments/<int:enrolment_id>/move", methods=["GET", "POST"])
@login_required
def move_enrolment(programme_id: int, cohort_id: int, enrolment_id: int):
    """GET offers the programme's other cohorts; POST moves the party and emails why."""
    loaded, enrolment = _place(programme_id, cohort_id, enrolment_id)
    if not queries.may_move(enrolment):
        abort(404)
    targets = queries.move_targets(enrolment)
    form = MovePlaceForm(
        targets=[(c.id, f"{c.name} · {cohort_when(c)} · {seats_text(c)}") for c in targets]
    )
    organiser = current_user._get_current_object()
    target = next((c for c in targets if c.id == form.target.data), None)
    moved = web.run_form(
        form,
        lambda: commands.move_place(enrolment, target, by=organiser, reason=form.reason.data),
    )
    if moved:
        if moved.status == EnrolmentStatus.WAITLISTED:
            message = _(
                "The party is moved to %(cohort)s, which is full: they are on its waitlist.",
                cohort=moved.cohort.name,
            )
        else:
            message = _("The party is moved to %(cohort)s.", cohort=moved.cohort.name)
        flash(message, "success")
        return redirect(enrolments_url(loaded))
    return render_form(
        "enrolment/manage/enrolment_move.html",
        form,
        programme=loaded.programme,
        cohort=loaded.cohort,
        enrolment=enrolment,
        targets=targets,
    )
