"""Which language and time zone a page is shown in.

Language: the signed-in user's setting, else a `?lang=` choice remembered for
the visit, else the browser's Accept-Language, else English.
"""

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept

#: Browser language tags that mean Traditional Chinese (and plain "zh", where
#: Traditional is still the better guess than English).
_CHINESE_TRADITIONAL = {"zh-hant", "zh-tw", "zh-hk", "zh-mo", "zh"}


def N_(message: str) -> str:
    """Mark a string for translation where it is defined; it is translated where used."""
    return message


def supported_locales() -> dict[str, str]:
    return current_app.config["LANGUAGES"]


def locale_from_accept_language(accept: LanguageAccept, supported: dict[str, str]) -> str | None:
    """The first supported language in the browser's order of preference."""
    for tag, _quality in accept:
        tag = tag.lower().replace("_", "-")
        if tag.startswith("zh-hans") or tag in {"zh-cn", "zh-sg"}:
            continue  # Simplified Chinese readers: fall through to their next choice
        if tag in _CHINESE_TRADITIONAL or tag.startswith("zh-hant"):
            candidate = "zh_Hant"
        else:
            candidate = tag.split("-")[0]
        if candidate in supported:
            return candidate
    return None


def select_locale() -> str:
    supported = supported_locales()
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    if session.get("lang") in supported:
        return session["lang"]
    chosen = locale_from_accept_language(request.accept_languages, supported)
    return chosen or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str | None:
    if has_request_context() and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return None  # Flask-Babel falls back to BABEL_DEFAULT_TIMEZONE


def remember_lang_choice() -> None:
    """`?lang=xx` on any page switches the language for the rest of the visit."""
    lang = request.args.get("lang")
    if lang in supported_locales():
        session["lang"] = lang


def html_lang(locale: str) -> str:
    """The BCP 47 tag for `<html lang>`: zh_Hant -> zh-Hant."""
    return locale.replace("_", "-")


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


def timezone_choices() -> list[tuple[str, str]]:
    """Canonical Area/City zones, sorted, for a select box."""
    zones = sorted(
        z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))
    )
    return [("UTC", "UTC"), *((z, z.replace("_", " ")) for z in zones)]


#: CLDR region codes that are not ISO 3166-1 countries: groupings, pseudo-locales,
#: "unknown", and territories that share a code with their country in ISO.
_NOT_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"}
)

#: Languages programmes are delivered in, as BCP 47 codes; names come from Babel.
DELIVERY_LANGUAGES = (
    "en", "es", "zh", "yue", "fr", "de", "pt", "hi", "ar", "it", "ja", "ko",
    "ru", "bn", "ur", "ta", "pa", "pl", "tr", "nl", "sw", "ms", "id", "vi", "cy",
)  # fmt: skip


def _babel_locale() -> Locale:
    return get_locale() or Locale.parse(current_app.config["BABEL_DEFAULT_LOCALE"])


@cache
def country_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 country code Babel knows a name for."""
    return frozenset(
        code
        for code in Locale("en").territories
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    )


def country_name(code: str | None) -> str:
    """A country's name in the page's language ("MX" -> "Mexico"); unknown codes as given."""
    if not code:
        return ""
    return _babel_locale().territories.get(code, code)


def country_choices() -> list[tuple[str, str]]:
    """(code, localised name) for every country, sorted by name, for a select box."""
    return sorted(((code, country_name(code)) for code in country_codes()), key=_by_label)


def language_name(code: str | None) -> str:
    """A language's name in the page's language ("yue" -> "Cantonese")."""
    if not code:
        return ""
    return _babel_locale().languages.get(code, code)


def language_choices() -> list[tuple[str, str]]:
    return sorted(((code, language_name(code)) for code in DELIVERY_LANGUAGES), key=_by_label)


def _by_label(choice: tuple[str, str]) -> str:
    return choice[1].casefold()


def init_app(app: Flask) -> None:
    app.before_request(remember_lang_choice)
