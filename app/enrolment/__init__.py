"""Enrolment: households, bookings, applications, review, offers, waitlists, tickets.

`lifecycle` holds every change of an enrolment's state and the seats invariant.
"""
