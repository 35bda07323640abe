"""Do links and names in mail and calendars come from the site's own address?"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app.core.address import absolute_url, calendar_domain, site_domain

ROOT = Path(__file__).resolve().parents[2]


def test_is_the_sites_domain_the_host_of_its_public_address(app):
    app.config["PUBLIC_BASE_URL"] = "https://Outreach.Example.ac.uk:8443/convene"
    assert site_domain() == "outreach.example.ac.uk"
    assert calendar_domain() == "outreach.example.ac.uk"
    assert absolute_url("accounts_public.reset_request") == (
        "https://outreach.example.ac.uk:8443/convene/account/reset"
    )


def test_does_a_site_that_moved_keep_its_calendar_domain(app):
    app.config.update(
        PUBLIC_BASE_URL="https://new.example.org", CALENDAR_UID_DOMAIN="old.example.org"
    )
    assert calendar_domain() == "old.example.org"
    assert site_domain() == "new.example.org"


def public_base_url_under_make(target: str, port: str, environment: dict[str, str]) -> str:
    """What `make <target> PORT=<port>` exports as PUBLIC_BASE_URL, read by a probe that
    the target depends on; `-n` runs nothing else (not even the install step)."""
    result = subprocess.run(
        [
            "make",
            "-n",
            "-s",
            "--eval",
            f"{target}: probe",
            "--eval",
            "probe: ; +@echo PUBLIC_BASE_URL=$$PUBLIC_BASE_URL",
            target,
            f"PORT={port}",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    [line] = [line for line in result.stdout.splitlines() if line.startswith("PUBLIC_BASE_URL=")]
    return line.removeprefix("PUBLIC_BASE_URL=")


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize("target", ["run", "serve"])
def test_do_make_run_and_serve_give_mail_the_port_they_listen_on(target):
    # Nor what an outer `make test` passes down.
    left_out = {"PUBLIC_BASE_URL", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
    environment = {k: v for k, v in os.environ.items() if k not in left_out}
    assert public_base_url_under_make(target, "5055", environment) == "http://127.0.0.1:5055"
    environment["PUBLIC_BASE_URL"] = "https://convene.example.org"
    assert public_base_url_under_make(target, "5055", environment) == (
        "https://convene.example.org"
    )
