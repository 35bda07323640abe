"""The public catalogue: the programme list with filters, and a cohort's calendar file.

A programme's own page, with what a visitor can do in each cohort, is enrolment's
(`app.enrolment.web.public`)."""

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user

from app.core.page_cache import public_page
from app.core.web import calendar_response, requested_page
from app.programmes import ical, queries
from app.programmes.forms import CatalogueFilterForm
from app.programmes.models import Programme
from app.programmes.words import viewer_timezone_name

bp = Blueprint("programmes_public", __name__)


@bp.get("/")
@public_page
def index():
    form = CatalogueFilterForm(request.args, meta={"csrf": False}, choices=queries.filter_choices())
    valid = form.validate()
    page = queries.catalogue_page(form.filters(viewer_timezone_name()), requested_page())
    # A filter that does not parse is a bad request; the others still apply.
    return render_template("programmes/catalogue.html", form=form, page=page), 200 if valid else 400


def visible_programme_or_404(slug: str) -> Programme:
    """The programme at `slug` if the viewer may see it (a draft only for its team)."""
    programme = queries.find_visible_programme(slug, current_user)
    if programme is None:
        abort(404)
    return programme


@bp.get("/<slug>/cohorts/<int:cohort_id>.ics")
def cohort_calendar(slug: str, cohort_id: int):
    programme = visible_programme_or_404(slug)
    cohort = queries.cohort_of(programme, cohort_id)
    if cohort is None:
        abort(404)
    calendar = ical.cohort_calendar(
        cohort, page_url=url_for("enrolment_public.programme", slug=programme.slug, _external=True)
    )
    return calendar_response(calendar, ical.calendar_filename(cohort))
