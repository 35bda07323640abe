"""Is every string translated, with the same placeholders, into every language?"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "app" / "translations"
LANGUAGES = ["es", "zh_Hant"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def catalogue(name: str):
    path = TRANSLATIONS / name / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as f:
        return read_po(f)


def keys(messages) -> set[tuple[str | None, str | tuple]]:
    """Each message as (context, id): one English word with two meanings is two messages."""
    return {(m.context, m.id) for m in messages if m.id}


def source_keys() -> set[tuple[str | None, str | tuple]]:
    with (TRANSLATIONS / "messages.pot").open("rb") as f:
        return keys(read_po(f))


@pytest.mark.parametrize("language", LANGUAGES)
def test_is_every_string_translated_with_its_placeholders(language):
    problems = []
    for message in catalogue(language):
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        translations = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(translations):
            problems.append(f"untranslated: {message.id!r}")
            continue
        expected = set(PLACEHOLDER.findall(" ".join(sources)))
        for translation in translations:
            if set(PLACEHOLDER.findall(translation)) != expected:
                problems.append(f"placeholders differ: {message.id!r} -> {translation!r}")
    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_does_each_catalogue_hold_every_source_string(language):
    assert source_keys() - keys(catalogue(language)) == set()


def test_is_the_template_up_to_date_with_the_code(tmp_path):
    """Fails when a string was added without `make messages`."""
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "app/babel.cfg",
            "-k",
            "_l",
            "-o",
            str(fresh),
            "--no-location",
            "--sort-output",
            "app",
            "templates",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with fresh.open("rb") as f:
        current = keys(read_po(f))
    assert current == source_keys()
