"""The W3C Nu HTML checker (vnu), run once over many pages.

`make test` fetches vnu.jar from the npm registry (the `vnu-jar` package, its
version pinned in the Makefile) into .venv/vnu/; VNU_JAR names another copy. It
runs on Java 17 or later. Starting the JVM takes a second or two, so a test
hands all its pages to `html_errors` at once.
"""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

VNU_JAR = Path(os.environ.get("VNU_JAR") or Path(__file__).parents[1] / ".venv/vnu/vnu.jar")
#: The JVM's quick compiler only and one garbage-collecting thread: for one run over
#: a few hundred pages this halves the CPU time (and with it, a deep enough stack).
JAVA_OPTIONS = ("-Xss16m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
#: Errors only, as JSON on stdout, whatever it finds (the test reads the findings);
#: the language of the text is not guessed (a warning at most, and slow).
VNU_OPTIONS = (
    "--format",
    "json",
    "--errors-only",
    "--stdout",
    "--exit-zero-always",
    "--no-langdetect",
)
#: Long enough for a thousand pages on a slow, busy machine.
TIMEOUT_SECONDS = 120


def unavailable_reason() -> str | None:
    """Why the checker cannot run here, or None when it can."""
    if shutil.which("java") is None:
        return "no Java on PATH: HTML validity (W3C vnu) not checked; install Java 17 or later"
    if not VNU_JAR.is_file():
        return (
            f"no {VNU_JAR}: HTML validity (W3C vnu) not checked; `make test` installs it "
            "with npm, or set VNU_JAR to a vnu.jar"
        )
    return None


def html_errors(documents: dict[str, bytes]) -> list[str]:
    """Every error vnu finds in `documents` ({name: HTML}), as "name, line n: message"."""
    with tempfile.TemporaryDirectory() as folder:
        files = {}
        for number, (name, html) in enumerate(documents.items()):
            path = Path(folder) / f"{number}.html"
            path.write_bytes(html)
            files[path.name] = name
        result = subprocess.run(
            [
                "java",
                *JAVA_OPTIONS,
                "-jar",
                str(VNU_JAR),
                *VNU_OPTIONS,
                *(str(Path(folder) / f) for f in files),
            ],
            capture_output=True,
            check=True,
            timeout=TIMEOUT_SECONDS,
        )
    errors = []
    for message in json.loads(result.stdout)["messages"]:
        name = files.get(message.get("url", "").rpartition("/")[2], message.get("url"))
        errors.append(
            f"{name}, line {message.get('lastLine', '?')}: {message['message']}\n"
            f"    {message.get('extract', '').strip()}"
        )
    return errors
