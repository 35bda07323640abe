"""Time zones as people read them: the list to choose one from, and a zone's place and
city in the page's language.

The places come from the IANA database's own table (`zone.tab`: one line per zone,
with its country), named by CLDR through Babel: "United Kingdom (London)", "Reino
Unido (Londres)", "英國" with "倫敦". Names the database keeps only as links to a zone
(America/Knox_IN, US/Eastern, Asia/Calcutta) are not offered but stay valid: each reads
as the zone it became. CLDR still files some cities under such older names (Kolkata
under Asia/Calcutta), so a city is looked up under both.
"""

import unicodedata
from collections import defaultdict
from datetime import datetime
from functools import cache
from importlib.resources import files
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_gmt

from app.core.i18n import page_locale

_UTC_ZONES = frozenset({"Etc/UTC", "Etc/GMT"})


def is_valid_timezone(name: str) -> bool:
    # The longest IANA name has 32 characters; a far longer one is no zone, and
    # looking it up would ask the file system for a name too long to open.
    if not name or len(name) > 64:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _tzdata(name: str) -> list[list[str]]:
    """The rows of one of the IANA database's files, as shipped with the `tzdata` package."""
    text = files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    return [line.split() for line in text.splitlines() if line and not line.startswith("#")]


@cache
def _places() -> dict[str, str]:
    """Every zone that names a place, and the ISO code of its country."""
    return {row[2]: row[0] for row in _tzdata("zone.tab") if is_valid_timezone(row[2])}


@cache
def _links() -> dict[str, str]:
    """Older names of zones ("America/Knox_IN") and the zone each became."""
    return {row[2]: row[1] for row in _tzdata("tzdata.zi") if row[0] == "L"}


@cache
def _cldr_names() -> dict[str, tuple[str, ...]]:
    """For each zone, the names CLDR may still file its city under."""
    names = defaultdict(list)
    for old, new in get_global("zone_aliases").items():
        names[new].append(old)
    return {zone: tuple(olds) for zone, olds in names.items()}


def canonical_timezone(name: str) -> str:
    """The zone a name stands for now: "US/Eastern" -> "America/New_York", "Etc/UTC" -> "UTC"."""
    if name in _places() or name == "UTC":
        return name
    target = _links().get(name, name)
    if target in _UTC_ZONES:
        return "UTC"
    return target if target in _places() else name


def _city(zone: str, locale: Locale) -> str:
    for name in (zone, *_cldr_names().get(zone, ())):
        if city := locale.time_zones.get(name, {}).get("city"):
            return city
    # CLDR leaves out a city whose English name is the zone's own last part.
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def _offset(zone: str, locale: Locale) -> str:
    """A zone that names no place (Etc/GMT+5), by its offset now: "GMT-05:00"."""
    return get_timezone_gmt(datetime.now(ZoneInfo(zone)), locale=locale)


def _place(zone: str, locale: Locale) -> str:
    """(Already canonical.) "United Kingdom (London)", or "Singapore" when the country
    names its city already; UTC, and offsets for zones that name no place."""
    fallback = locale.zone_formats["fallback"]
    if zone == "UTC":
        universal = locale.time_zones.get("Etc/UTC", {}).get("long", {}).get("standard")
        if not universal:
            return "UTC"
        label = fallback % {"0": "UTC", "1": universal}
        return label[0].upper() + label[1:]
    if zone not in _places():
        return _offset(zone, locale)
    country = locale.territories.get(_places()[zone], _places()[zone])
    city = _city(zone, locale)
    return (
        country if city.casefold() in country.casefold() else fallback % {"0": city, "1": country}
    )


def timezone_place(name: str) -> str:
    """A zone as a place in the page's language: "United Kingdom (London)"."""
    return _place(canonical_timezone(name), page_locale())


def zone_city(name) -> str:
    """The city of a zone in the page's language: "Asia/Hong_Kong" -> "Hong Kong"."""
    zone = canonical_timezone(str(name))
    if zone == "UTC":
        return "UTC"
    if zone not in _places():
        return _offset(zone, page_locale()) if is_valid_timezone(zone) else zone
    return _city(zone, page_locale())


def zone_label(name: str) -> str:
    """The clock a time is read on, in the page's language: "London Time", "hora de
    Londres", "倫敦時間"."""
    zone = canonical_timezone(name)
    if zone not in _places():
        return zone_city(zone)
    return page_locale().zone_formats["region"] % _city(zone, page_locale())


def _sort_key(choice: tuple[str, str]) -> str:
    """Accents set aside, so that "Österreich" sorts with the O's."""
    letters = unicodedata.normalize("NFKD", choice[1].casefold())
    return "".join(c for c in letters if not unicodedata.combining(c))


@cache
def _choices(locale: str) -> tuple[tuple[str, str], ...]:
    babel_locale = Locale.parse(locale)
    places = sorted(((zone, _place(zone, babel_locale)) for zone in _places()), key=_sort_key)
    return (("UTC", _place("UTC", babel_locale)), *places)


def timezone_choices() -> list[tuple[str, str]]:
    """(zone, place) for a select box: UTC, then every place by its name in the page's
    language. Built once per language."""
    return list(_choices(str(page_locale())))
