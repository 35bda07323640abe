"""Which language and time zone a page is shown in.

Language: the signed-in user's setting, else a `?lang=` choice remembered for
the visit, else the browser's Accept-Language, else English.

English is one catalogue read in several regions, which write dates and times their
own way ("Sat 19 Dec, 10:00" in Britain, "Sat, Dec 19, 10:00 AM" in the United
States). The page's locale carries the region: the one on the account (en_GB or
en_US), else the browser's ("en-US", "en-AU"), else British.
"""

from functools import cache

from babel import Locale, localedata
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept

#: Browser language tags that mean Traditional Chinese (and plain "zh", where
#: Traditional is still the better guess than English).
_CHINESE_TRADITIONAL = {"zh-hant", "zh-tw", "zh-hk", "zh-mo", "zh"}


#: The Englishes a person may choose on their account; the first is the default.
ENGLISH_LOCALES = ("en_GB", "en_US")


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


def english_from_accept_language(accept: LanguageAccept | None) -> str:
    """The English of the browser's first English tag that names a region Babel
    knows ("en-US" -> en_US, "en-AU" -> en_AU), else British."""
    for tag, _quality in accept or ():
        language, _, region = tag.replace("_", "-").partition("-")
        if language.lower() != "en" or not region:
            continue
        candidate = f"en_{region.upper()}"
        if len(region) == 2 and region.isalpha() and localedata.exists(candidate):
            return candidate
    return ENGLISH_LOCALES[0]


def with_region(locale: str, accept: LanguageAccept | None = None) -> str:
    """The locale pages are written in: English without a region takes the browser's."""
    return english_from_accept_language(accept) if locale == "en" else locale


def interface_language(locale: str) -> str:
    """The catalogue a locale reads: en_GB and en_US both read "en"."""
    return "en" if locale.split("_")[0] == "en" else locale


def is_locale_choice(locale: str | None) -> bool:
    """A language an account may keep: one of the interface's, or an English with its region."""
    return locale in supported_locales() or locale in ENGLISH_LOCALES


def locale_choices() -> list[tuple[str, str]]:
    """The languages offered on an account, English once per region, each in its own words."""
    choices = []
    for code, name in supported_locales().items():
        if code == "en":
            choices += [(e, Locale.parse(e).get_display_name(e)) for e in ENGLISH_LOCALES]
        else:
            choices.append((code, name))
    return choices


def account_locale_choice(locale: str | None) -> str:
    """What the settings form shows as chosen: English kept without a region (as the
    footer's button once stored it) shows the English the page is read in."""
    if locale != "en":
        return locale or ""
    read = str(get_locale())
    return read if read in ENGLISH_LOCALES else ENGLISH_LOCALES[0]


def select_locale() -> str:
    supported = supported_locales()
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    accept = request.accept_languages
    if current_user.is_authenticated and is_locale_choice(current_user.locale):
        return with_region(current_user.locale, accept)
    if session.get("lang") in supported:
        return with_region(session["lang"], accept)
    chosen = locale_from_accept_language(accept, supported)
    return with_region(chosen, accept) if chosen else current_app.config["BABEL_DEFAULT_LOCALE"]


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


def page_locale() -> Locale:
    """The page's locale, or the default one outside a request."""
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
    return page_locale().territories.get(code, code)


def country_choices() -> list[tuple[str, str]]:
    """(code, localised name) for every country, sorted by name, for a select box."""
    return sorted(((code, country_name(code)) for code in country_codes()), key=_by_label)


def language_name(code: str | None) -> str:
    """A language's name in the page's language ("yue" -> "Cantonese")."""
    if not code:
        return ""
    return page_locale().languages.get(code, code)


def language_choices() -> list[tuple[str, str]]:
    return sorted(((code, language_name(code)) for code in DELIVERY_LANGUAGES), key=_by_label)


def _by_label(choice: tuple[str, str]) -> str:
    return choice[1].casefold()


def init_app(app: Flask) -> None:
    app.before_request(remember_lang_choice)
