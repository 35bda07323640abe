"""The one error a rule raises when it refuses a change.

pretix's `CheckInError(message, code)` in one type for every area: `code` names the
rule for code and tests ("cohort_full"), `errors` holds what the person is told,
by the form field it is about ("" for the change as a whole), so that a page can
put each message next to its field (`app.core.web.run_form`).
"""

from collections.abc import Mapping
from typing import Any


class Refusal(Exception):
    """A change the rules refuse.

    `Refusal("cohort_full", _("This cohort is full."))` for the change as a whole;
    `Refusal("slug_taken", msg, field="slug")` for one field; `Refusal("invalid",
    errors={"title": ..., "capacity": ...})` for several at once.
    """

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        field: str = "",
        errors: Mapping[str, str] | None = None,
        detail: Mapping[str, Any] | None = None,
    ):
        if errors is None:
            if message is None:
                raise TypeError("a refusal needs a message or errors")
            errors = {field: message}
        self.code = code
        self.errors: dict[str, str] = dict(errors)
        #: What a page may show beyond the messages (who in a party cannot come, and why).
        self.detail: dict[str, Any] = dict(detail or {})
        super().__init__(code, self.errors)

    @property
    def message(self) -> str:
        """Every message in one line, for a flash or a JSON answer."""
        return " ".join(str(message) for message in self.errors.values())

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"
