"""Every blueprint and the URL prefix it is served under, in one table.

Each domain's `web/` package holds one module per audience (public, participant,
manage, door, ...); each module is one blueprint, and its routes are written
relative to the prefix given here.
"""

from flask import Blueprint, Flask

from app import site
from app.accounts.web import public as accounts_public
from app.admin.web import manage as admin_manage
from app.attendance.web import checkin as attendance_checkin
from app.attendance.web import door as attendance_door
from app.attendance.web import manage as attendance_manage
from app.attendance.web import participant as attendance_participant
from app.attendance.web import public as attendance_public
from app.enrolment.web import manage as enrolment_manage
from app.enrolment.web import participant as enrolment_participant
from app.enrolment.web import public as enrolment_public
from app.programmes.web import manage as programmes_manage
from app.programmes.web import public as programmes_public

#: A cohort's pages for its programme's team.
TEAM_COHORT = "/organise/programmes/<int:programme_id>/cohorts/<int:cohort_id>"

#: (blueprint, URL prefix), in the order they are registered.
BLUEPRINTS: list[tuple[Blueprint, str]] = [
    (site.bp, ""),
    (accounts_public.bp, "/account"),
    (programmes_public.bp, "/programmes"),
    (enrolment_public.bp, "/programmes/<slug>"),
    (enrolment_participant.bp, "/me"),
    (attendance_participant.bp, "/me/certificates"),
    (attendance_public.bp, "/certificates"),
    (attendance_checkin.bp, "/checkin"),
    (programmes_manage.bp, "/organise"),
    (enrolment_manage.bp, TEAM_COHORT),
    (attendance_manage.bp, TEAM_COHORT),
    (attendance_door.bp, f"{TEAM_COHORT}/sessions/<int:session_id>/register"),
    (attendance_door.worker_bp, "/organise"),
    (admin_manage.bp, "/admin"),
]


def register_blueprints(app: Flask) -> None:
    for blueprint, prefix in BLUEPRINTS:
        app.register_blueprint(blueprint, url_prefix=prefix)
