"""The team's pages under /organise: a team's programmes, the team, cohorts, sessions and
a cohort's application questions. They load through `access.load`."""

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from app.core.actions import history
from app.core.db import utcnow
from app.core.errors import render_error
from app.core.refusal import Refusal
from app.core.transaction import transaction
from app.core.web import child_or_404, render_form, run_form, show_errors
from app.programmes import commands, queries, rules
from app.programmes.forms import (
    IN_PERSON,
    AddMemberForm,
    CohortForm,
    ProgrammeForm,
    QuestionForm,
    RoleForm,
    SessionForm,
    WeeklySessionsForm,
    cohort_data,
    programme_data,
    question_data,
    session_data,
)
from app.programmes.models import Cohort, CohortQuestion, ProgrammeMember, ProgrammeStatus, TeamRole
from app.programmes.permissions import (
    can_choose_signatory,
    can_edit_programme,
    can_manage_enrolments,
    can_manage_team,
    can_see_team,
    may_create_programmes,
)
from app.programmes.web.access import Loaded, load
from app.programmes.words import STATUS_LABELS, team_role_label

bp = Blueprint("programmes_manage", __name__)


def default_timezone() -> str:
    return current_user.timezone or current_app.config["BABEL_DEFAULT_TIMEZONE"]


# Dashboard ---------------------------------------------------------------------------


@bp.get("/")
@login_required
def dashboard():
    return render_template(
        "programmes/manage/dashboard.html",
        rows=queries.team_programmes(current_user),
        may_create=may_create_programmes(current_user),
    )


# Programmes --------------------------------------------------------------------------


@bp.route("/programmes/new", methods=["GET", "POST"])
@login_required
def new_programme():
    if not may_create_programmes(current_user):
        return render_error(
            403,
            _(
                "Creating programmes needs an admin's permission. Until then, a programme's "
                "lead can add you to its team."
            ),
        )
    form = ProgrammeForm(
        organisations=queries.all_organisations(),
        may_choose_signatory=True,  # its creator is its lead
        data={"language": "en", "mode": IN_PERSON},
    )
    programme = run_form(
        form,
        lambda: commands.create_programme(
            current_user._get_current_object(), form.details(), form.uploaded_image()
        ),
    )
    if programme:
        flash(_("The programme is created as a draft."), "success")
        return redirect(url_for("programmes_manage.programme", programme_id=programme.id))
    return render_form("programmes/manage/programme_form.html", form, programme=None)


@bp.route("/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@login_required
def edit_programme(programme_id: int):
    loaded = load(programme_id, can_edit_programme)
    programme = loaded.programme
    form = ProgrammeForm(
        organisations=queries.all_organisations(),
        current_language=programme.language,
        may_choose_signatory=can_choose_signatory(current_user, loaded.role),
        data=programme_data(programme),
    )
    saved = run_form(
        form,
        lambda: commands.update_programme(
            programme, form.details(), form.uploaded_image(), form.remove_image.data
        ),
    )
    if saved:
        flash(_("The programme is saved."), "success")
        return redirect(url_for("programmes_manage.programme", programme_id=programme.id))
    return render_form(
        "programmes/manage/programme_form.html", form, programme=programme, role=loaded.role
    )


def render_programme(loaded: Loaded, status_error: str | None = None):
    """The overview: status and its next steps, and the cohorts with their state."""
    programme, now = loaded.programme, utcnow()
    cohorts = [
        (cohort, rules.cohort_dates(cohort), rules.enrolment_state(cohort, now))
        for cohort in queries.cohorts_with_sessions(programme)
    ]
    return render_template(
        "programmes/manage/programme.html",
        programme=programme,
        role=loaded.role,
        cohorts=cohorts,
        next_statuses=rules.STATUS_CHANGES[programme.status],
        missing=rules.missing_for_publishing(programme),
        status_error=status_error,
    ), 422 if status_error else 200


@bp.get("/programmes/<int:programme_id>/")
@login_required
def programme(programme_id: int):
    return render_programme(load(programme_id))


@bp.post("/programmes/<int:programme_id>/status")
@login_required
def change_status(programme_id: int):
    loaded = load(programme_id, can_edit_programme)
    status = request.form.get("status", "")
    if status not in set(ProgrammeStatus):
        abort(400)
    try:
        with transaction():
            commands.set_status(loaded.programme, ProgrammeStatus(status))
    except Refusal as refusal:
        return render_programme(loaded, status_error=refusal.message)
    flash(
        _("The programme is now: %(status)s.", status=STATUS_LABELS[loaded.programme.status]),
        "success",
    )
    return redirect(url_for("programmes_manage.programme", programme_id=programme_id))


# Team --------------------------------------------------------------------------------


def render_team(loaded: Loaded, add_form=None, refused: ProgrammeMember | None = None, error=""):
    """The team page; `refused` is the member whose change was refused, with `error`.

    Each member's row has its own role form, prefixed by member id; only the refused
    one reads what was sent, so that it keeps the role chosen next to its message.
    """
    members = queries.team_of(loaded.programme)
    role_forms = {}
    for member in members:
        refused_here = refused is not None and member.id == refused.id
        form = RoleForm(
            prefix=f"member-{member.id}",
            formdata=request.form if refused_here else None,
            data={"role": member.role.value},
        )
        if refused_here:
            show_errors(form, {"role": error})
        role_forms[member.id] = form
    add_form = add_form or AddMemberForm(formdata=None)
    return render_template(
        "programmes/manage/team.html",
        programme=loaded.programme,
        role=loaded.role,
        members=members,
        add_form=add_form,
        role_forms=role_forms,
    ), 422 if add_form.errors or refused is not None else 200


@bp.get("/programmes/<int:programme_id>/team")
@login_required
def team(programme_id: int):
    return render_team(load(programme_id, see=can_see_team))


@bp.post("/programmes/<int:programme_id>/team")
@login_required
def add_member(programme_id: int):
    loaded = load(programme_id, can_manage_team, see=can_see_team)
    form = AddMemberForm()
    member = run_form(
        form,
        lambda: commands.add_member(loaded.programme, form.email.data, TeamRole(form.role.data)),
    )
    if member:
        flash(
            _(
                "%(name)s is on the team as %(role)s.",
                name=member.user.name,
                role=team_role_label(member.role),
            ),
            "success",
        )
        return redirect(url_for("programmes_manage.team", programme_id=programme_id))
    return render_team(loaded, add_form=form)


def _member(loaded: Loaded, member_id: int) -> ProgrammeMember:
    return child_or_404(ProgrammeMember, member_id, "programme_id", loaded.programme.id)


@bp.post("/programmes/<int:programme_id>/team/<int:member_id>/role")
@login_required
def change_role(programme_id: int, member_id: int):
    loaded = load(programme_id, can_manage_team, see=can_see_team)
    member = _member(loaded, member_id)
    form = RoleForm(prefix=f"member-{member.id}")
    if not form.validate():
        return render_team(loaded, refused=member, error=" ".join(map(str, form.role.errors)))
    try:
        with transaction():
            commands.change_role(member, TeamRole(form.role.data))
    except Refusal as refusal:
        return render_team(loaded, refused=member, error=refusal.message)
    flash(
        _(
            "%(name)s is now %(role)s.",
            name=member.user.name,
            role=team_role_label(member.role),
        ),
        "success",
    )
    return redirect(url_for("programmes_manage.team", programme_id=programme_id))


@bp.post("/programmes/<int:programme_id>/team/<int:member_id>/remove")
@login_required
def remove_member(programme_id: int, member_id: int):
    loaded = load(programme_id, can_manage_team, see=can_see_team)
    member = _member(loaded, member_id)
    name, was_me = member.user.name, member.user_id == current_user.id
    try:
        with transaction():
            commands.remove_member(member)
    except Refusal as refusal:
        return render_team(loaded, refused=member, error=refusal.message)
    flash(_("%(name)s is no longer on the team.", name=name), "success")
    if was_me:
        return redirect(url_for("programmes_manage.dashboard"))
    return redirect(url_for("programmes_manage.team", programme_id=programme_id))


# Cohorts -----------------------------------------------------------------------------


def cohort_url(loaded: Loaded, cohort: Cohort | None = None) -> str:
    return url_for(
        "programmes_manage.cohort",
        programme_id=loaded.programme.id,
        cohort_id=(cohort or loaded.cohort).id,
    )


@bp.route("/programmes/<int:programme_id>/cohorts/new", methods=["GET", "POST"])
@login_required
def new_cohort(programme_id: int):
    loaded = load(programme_id, can_edit_programme)
    form = CohortForm(data={"timezone": default_timezone(), "waitlist_enabled": True})
    cohort = run_form(form, lambda: commands.create_cohort(loaded.programme, form.details()))
    if cohort:
        flash(_("The cohort is created. Now add its sessions."), "success")
        return redirect(cohort_url(loaded, cohort))
    return render_form(
        "programmes/manage/cohort_form.html", form, programme=loaded.programme, cohort=None
    )


@bp.route("/programmes/<int:programme_id>/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@login_required
def edit_cohort(programme_id: int, cohort_id: int):
    loaded = load(programme_id, can_edit_programme, cohort_id)
    form = CohortForm(data=cohort_data(loaded.cohort))
    if run_form(form, lambda: commands.update_cohort(loaded.cohort, form.details())):
        flash(_("The cohort is saved."), "success")
        return redirect(cohort_url(loaded))
    return render_form(
        "programmes/manage/cohort_form.html", form, programme=loaded.programme, cohort=loaded.cohort
    )


#: The newest decisions the cohort page lists (with how many there are in all).
HISTORY_SHOWN = 50


@bp.get("/programmes/<int:programme_id>/cohorts/<int:cohort_id>/")
@login_required
def cohort(programme_id: int, cohort_id: int):
    loaded = load(programme_id, cohort_id=cohort_id)
    # The decisions about people and their reasons: leads and organisers only.
    decisions = None
    if can_manage_enrolments(current_user, loaded.role):
        decisions = history(cohort_id=loaded.cohort.id)
    return render_template(
        "programmes/manage/cohort.html",
        programme=loaded.programme,
        role=loaded.role,
        cohort=loaded.cohort,
        state=rules.enrolment_state(loaded.cohort, utcnow()),
        eligibility=rules.eligibility(loaded.cohort),
        questions=queries.questions_of(loaded.cohort),
        history=decisions[:HISTORY_SHOWN] if decisions is not None else None,
        history_count=len(decisions) if decisions is not None else 0,
    )


# Sessions ----------------------------------------------------------------------------


def next_session_data(cohort: Cohort) -> dict:
    """A new session's suggested values: a week after the last one, same time and place."""
    if not cohort.sessions:
        return {"timezone": cohort.timezone}
    data = session_data(cohort.sessions[-1])
    return {**data, "day": data["day"] + timedelta(weeks=1), "title": ""}


@bp.route(
    "/programmes/<int:programme_id>/cohorts/<int:cohort_id>/sessions/new",
    methods=["GET", "POST"],
)
@login_required
def new_session(programme_id: int, cohort_id: int):
    loaded = load(programme_id, can_edit_programme, cohort_id)
    form = SessionForm(data=next_session_data(loaded.cohort))
    if run_form(form, lambda: commands.add_session(loaded.cohort, form.details())):
        flash(_("The session is added."), "success")
        return redirect(cohort_url(loaded))
    return render_form("programmes/manage/session_form.html", form, loaded=loaded)


@bp.route(
    "/programmes/<int:programme_id>/cohorts/<int:cohort_id>/sessions/weekly",
    methods=["GET", "POST"],
)
@login_required
def weekly_sessions(programme_id: int, cohort_id: int):
    loaded = load(programme_id, can_edit_programme, cohort_id)
    form = WeeklySessionsForm(data={"timezone": loaded.cohort.timezone})
    sessions = run_form(form, lambda: commands.add_weekly_sessions(loaded.cohort, **form.repeat()))
    if sessions:
        flash(
            ngettext("%(num)d session is added.", "%(num)d sessions are added.", len(sessions)),
            "success",
        )
        return redirect(cohort_url(loaded))
    return render_form("programmes/manage/weekly_form.html", form, loaded=loaded)


@bp.route(
    "/programmes/<int:programme_id>/cohorts/<int:cohort_id>/sessions/<int:session_id>/edit",
    methods=["GET", "POST"],
)
@login_required
def edit_session(programme_id: int, cohort_id: int, session_id: int):
    loaded = load(programme_id, can_edit_programme, cohort_id, session_id)
    form = SessionForm(data=session_data(loaded.session))
    if run_form(form, lambda: commands.update_session(loaded.session, form.details())):
        flash(_("The session is saved."), "success")
        return redirect(cohort_url(loaded))
    return render_form("programmes/manage/session_form.html", form, loaded=loaded)


@bp.route(
    "/programmes/<int:programme_id>/cohorts/<int:cohort_id>/sessions/<int:session_id>/delete",
    methods=["GET", "POST"],
)
@login_required
def delete_session(programme_id: int, cohort_id: int, session_id: int):
    """GET asks for confirmation; POST deletes."""
    loaded = load(programme_id, can_edit_programme, cohort_id, session_id)
    if request.method == "POST":
        with transaction():
            commands.delete_session(loaded.session)
        flash(_("The session is deleted."), "success")
        return redirect(cohort_url(loaded))
    return render_template("programmes/manage/session_delete.html", loaded=loaded)


# Application questions -----------------------------------------------------------------


#: Where a cohort's own pages live, below this blueprint's prefix.
COHORT = "/programmes/<int:programme_id>/cohorts/<int:cohort_id>"


def _question(loaded: Loaded, question_id: int) -> CohortQuestion:
    return child_or_404(CohortQuestion, question_id, "cohort_id", loaded.cohort.id)


def questions_url(loaded: Loaded) -> str:
    return cohort_url(loaded) + "#questions"


@bp.route(f"{COHORT}/questions/new", methods=["GET", "POST"])
@login_required
def new_question(programme_id: int, cohort_id: int):
    loaded = load(programme_id, can_edit_programme, cohort_id)
    form = QuestionForm()
    if run_form(form, lambda: commands.add_question(loaded.cohort, form.details())):
        flash(_("The question is added."), "success")
        return redirect(questions_url(loaded))
    return render_form("programmes/manage/question_form.html", form, loaded=loaded, question=None)


@bp.route(f"{COHORT}/questions/<int:question_id>/edit", methods=["GET", "POST"])
@login_required
def edit_question(programme_id: int, cohort_id: int, question_id: int):
    loaded = load(programme_id, can_edit_programme, cohort_id)
    question = _question(loaded, question_id)
    form = QuestionForm(data=question_data(question))
    if run_form(form, lambda: commands.update_question(question, form.details())):
        flash(_("The question is saved."), "success")
        return redirect(questions_url(loaded))
    return render_form(
        "programmes/manage/question_form.html", form, loaded=loaded, question=question
    )


@bp.route(f"{COHORT}/questions/<int:question_id>/remove", methods=["GET", "POST"])
@login_required
def remove_question(programme_id: int, cohort_id: int, question_id: int):
    """GET asks for confirmation; POST removes."""
    loaded = load(programme_id, can_edit_programme, cohort_id)
    question = _question(loaded, question_id)
    if request.method == "POST":
        with transaction():
            commands.remove_question(question)
        flash(
            _("The question is removed. Answers given to it stay with the applications."),
            "success",
        )
        return redirect(questions_url(loaded))
    return render_template(
        "programmes/manage/question_remove.html", loaded=loaded, question=question
    )


@bp.post(f"{COHORT}/questions/<int:question_id>/move")
@login_required
def move_question(programme_id: int, cohort_id: int, question_id: int):
    loaded = load(programme_id, can_edit_programme, cohort_id)
    offset = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if offset is None:
        abort(400)
    with transaction():
        commands.move_question(_question(loaded, question_id), offset)
    return redirect(questions_url(loaded))
