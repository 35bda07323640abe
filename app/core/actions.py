"""The action log: every decision about a cohort or an enrolment, with who made it
and when (pretix's `log_action`, Indico's logged operations).

A command that decides calls `record(...)` next to the change it makes, so the entry
commits or rolls back with it. The team reads it as a history (`history`).
"""

from collections.abc import Callable, Mapping
from typing import Any

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.core.models import Action
from app.core.templating import template_helpers
from app.extensions import db

#: Each verb's label for the history, registered by the area that records it.
VERBS: dict[str, Any] = {}
#: How a verb's stored detail reads in its label (a time in the viewer's zone, a state
#: by its label), where the area gave one.
_SHOWN: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def action_verbs(
    labels: Mapping[str, Any],
    shown: Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]] | None = None,
) -> None:
    """Name an area's verbs for the history, each a label that may use the detail's
    keys: `action_verbs({"capacity": _l("Capacity changed from %(old)s to %(new)s")})`."""
    for verb, label in labels.items():
        if verb in VERBS:
            raise RuntimeError(f"action verb {verb!r} is registered twice")
        VERBS[verb] = label
    _SHOWN.update(shown or {})


def _signed_in_user_id() -> int | None:
    if has_request_context() and current_user.is_authenticated:
        return current_user.id
    return None


def record(
    verb: str,
    *,
    cohort_id: int | None = None,
    enrolment_id: int | None = None,
    actor_id: int | None = None,
    automatic: bool = False,
    **detail: Any,
) -> Action:
    """Log a decision in the current transaction.

    The actor is `actor_id` when given, else whoever is signed in for this request,
    else nobody (Convene itself: a scheduled job). `automatic=True` records nobody
    even during a request (a waitlist promoted by someone else's cancellation).
    `detail` holds plain JSON values.
    """
    if verb not in VERBS:
        raise ValueError(f"unknown action verb {verb!r}")
    action = Action(
        verb=verb,
        cohort_id=cohort_id,
        enrolment_id=enrolment_id,
        actor_id=None if automatic else actor_id if actor_id is not None else _signed_in_user_id(),
        detail=detail,
    )
    db.session.add(action)
    return action


def history(*, cohort_id: int | None = None, enrolment_id: int | None = None) -> list[Action]:
    """The decisions about a cohort (its enrolments' too) or one enrolment, newest first."""
    statement = select(Action).options(joinedload(Action.actor)).order_by(Action.id.desc())
    if enrolment_id is not None:
        statement = statement.where(Action.enrolment_id == enrolment_id)
    elif cohort_id is not None:
        statement = statement.where(Action.cohort_id == cohort_id)
    else:
        raise ValueError("history of what? give cohort_id or enrolment_id")
    return list(db.session.scalars(statement))


def action_text(action: Action) -> str:
    """What was done, in words: the verb's label filled in from the entry's detail
    ("Capacity changed from 20 to 25")."""
    label = VERBS.get(action.verb)
    if label is None:
        return action.verb
    detail = action.detail
    if action.verb in _SHOWN:
        detail = _SHOWN[action.verb](dict(detail))
    try:
        return str(label) % detail
    except (KeyError, TypeError, ValueError):
        return str(label)


template_helpers({"action_text": action_text})
