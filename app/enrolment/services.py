"""Participant-side queries and the glue between pages and the lifecycle."""

from flask import abort

from app.extensions import db
from app.models import Enrolment, User


def own_enrolment_or_404(user: User, enrolment_id: int) -> Enrolment:
    """The user's own enrolment; anyone else's is 404, as if it did not exist."""
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.user_id != user.id:
        abort(404)
    return enrolment
