"""The programme domain shared by the public catalogue and the organise area."""
