"""What programmes announce to the areas built on them, which programmes may not import.

Receivers run inside the sender's transaction: what they change commits or rolls
back with the change that sent the signal.
"""

from blinker import Namespace

_signals = Namespace()

#: Sent with the cohort once `update_cohort` has set and flushed its capacity (which
#: the database keeps at or above the seats taken); enrolment gives any seats added
#: to the waitlist.
capacity_changed = _signals.signal("capacity-changed")
