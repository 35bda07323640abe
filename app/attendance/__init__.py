"""Attendance: registers and check-in/out at the door, self check-in, and what builds
on the marks (completion, certificates, low-attendance warnings, exports)."""
