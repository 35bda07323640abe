"""Rate limits at the door: what the register does (scans, taps, walk-ins, check-outs
and the offline door's sync calls) per helper and per device, and self check-ins
per participant and per device.

Each limit keeps a counter per key, so a phone that floods the door gets its 429,
answered before the view runs, while every other phone and helper goes on. The
limits are read from the configuration at each request (`DOOR_RATE_LIMIT`,
`DOOR_DEVICE_RATE_LIMIT`, `SELF_CHECKIN_RATE_LIMIT`, `SELF_CHECKIN_DEVICE_RATE_LIMIT`
in config.py); counters live in Redis when there is one (see `create_app`).

A device is known by a random id of its own: the header `X-Convene-Device` when a
script sends one (the offline door), else the cookie `convene_device`, which the
register and the self check-in pages give to a browser that has none. A request
with neither counts against its network address, which a whole venue may share:
that is why every answer of these pages hands out the cookie.
"""

import math
import re
import secrets
import time
from datetime import timedelta

from flask import Response, current_app, request
from flask_babel import format_timedelta
from flask_limiter.util import get_remote_address
from flask_login import current_user

from app.extensions import limiter

DEVICE_HEADER = "X-Convene-Device"
DEVICE_COOKIE = "convene_device"
#: What a device id may look like (a new one is `secrets.token_urlsafe(16)`).
_DEVICE_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
#: The longest a browser keeps a cookie.
_DEVICE_COOKIE_DAYS = 400


def device_id() -> str | None:
    """The id the requesting device gives itself, if it gives a well-formed one."""
    for given in (request.headers.get(DEVICE_HEADER), request.cookies.get(DEVICE_COOKIE)):
        if given and _DEVICE_ID.fullmatch(given):
            return given
    return None


def device_key() -> str:
    """The counter of the requesting device: its id, else its network address."""
    given = device_id()
    return f"device:{given}" if given else f"address:{get_remote_address()}"


def person_key() -> str:
    """The counter of the signed-in person (limits by person skip everyone else)."""
    return f"user:{current_user.get_id()}"


def _anonymous() -> bool:
    return not current_user.is_authenticated


def _configured(name: str):
    return lambda: current_app.config[name]


#: Every door action (a POST) of a helper, on all their devices together.
_door_per_helper = limiter.shared_limit(
    _configured("DOOR_RATE_LIMIT"),
    scope="door-helper",
    key_func=person_key,
    exempt_when=_anonymous,
    methods=["POST"],
)
#: Every door action (a POST) from one device, whoever is signed in on it.
_door_per_device = limiter.shared_limit(
    _configured("DOOR_DEVICE_RATE_LIMIT"),
    scope="door-device",
    key_func=device_key,
    methods=["POST"],
)
_self_checkin_per_participant = limiter.shared_limit(
    _configured("SELF_CHECKIN_RATE_LIMIT"),
    scope="self-checkin-participant",
    key_func=person_key,
    exempt_when=_anonymous,
)
_self_checkin_per_device = limiter.shared_limit(
    _configured("SELF_CHECKIN_DEVICE_RATE_LIMIT"), scope="self-checkin-device", key_func=device_key
)


def door_limits(view):
    """Decorate a door view (below `login_required`): each POST to it counts against
    the helper's and the device's door limits, shared by every view so decorated (a
    scan and a sync call alike); pages (GET) are not counted. Over either limit the
    view does not run, and the blueprint's 429 handler answers."""
    return _door_per_helper(_door_per_device(view))


def self_checkin_limits(view):
    """Decorate a self check-in view: each call counts against the participant's and
    the device's self check-in limits."""
    return _self_checkin_per_participant(_self_checkin_per_device(view))


def wait() -> tuple[int, str]:
    """How long until the limit this request went over lets the next one through:
    seconds, and the same in words of the user's language ("45 seconds")."""
    breached = limiter.current_limit
    seconds = max(1, math.ceil(breached.window[0] - time.time())) if breached else 60
    return seconds, format_timedelta(timedelta(seconds=seconds), threshold=1.5)


def give_device_id(response: Response) -> Response:
    """After a request of a limited blueprint: a browser without a device id gets one."""
    if not _DEVICE_ID.fullmatch(request.cookies.get(DEVICE_COOKIE, "")):
        response.set_cookie(
            DEVICE_COOKIE,
            secrets.token_urlsafe(16),
            max_age=timedelta(days=_DEVICE_COOKIE_DAYS),
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            # Not secret: the offline door's script may read it to send as the header.
            httponly=False,
            samesite="Lax",
        )
    return response
