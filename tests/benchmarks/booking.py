"""Confirmed bookings on one hot cohort: distinct people, logged in beforehand, all
POST at once; then the seat invariant (nobody overbooked, every seat accounted for)."""

import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import func, select

from app.enrolment.models import Enrolment, EnrolmentStatus
from app.extensions import db
from app.programmes.models import Cohort
from tests.benchmarks import data, load
from tests.benchmarks.visitors import FORM, Visitor, queries_of_post

PEOPLE = 240
SEATS = 160
CONNECTIONS = 16


@dataclass
class Bookings:
    run: load.Run
    queries: int
    confirmed: int
    waitlisted: int
    seats_taken: int
    capacity: int
    people: int
    answered: bool

    @property
    def invariant(self) -> bool:
        return (
            self.answered
            and self.confirmed == self.seats_taken
            and self.seats_taken == min(self.capacity, self.people)
        )


def measure(app: Flask, port: int, tag: str = "", people_count: int = PEOPLE) -> Bookings:
    """`tag` tells apart the programmes and people of several runs on one database."""
    programme, hot, roomy = data.hot_programme(f"hot{tag}", SEATS * people_count // PEOPLE)
    people = data.users(f"booker{tag}-", people_count + 1)
    path = f"/programmes/{programme.slug}/cohorts/{hot.id}/enrol"
    queries = queries_of_post(
        app,
        people[-1].email,
        f"/programmes/{programme.slug}/cohorts/{roomy.id}/enrol",
        {"people": "me"},
        token_from=f"/programmes/{programme.slug}/cohorts/{roomy.id}/enrol",
    )

    def prepare(email: str) -> load.Request:
        visitor = Visitor(port).log_in(email)
        body = urllib.parse.urlencode({"people": "me", "csrf_token": visitor.token(path)})
        return ("POST", path, body.encode(), {**visitor.cookie, **FORM})

    with ThreadPoolExecutor(8) as pool:
        requests = list(pool.map(prepare, [person.email for person in people[:-1]]))
    run = load.run(port, [requests[n::CONNECTIONS] for n in range(CONNECTIONS)], seconds=None)

    db.session.expire_all()
    confirmed, waitlisted = (
        db.session.scalar(
            select(func.count(Enrolment.id)).where(
                Enrolment.cohort_id == hot.id, Enrolment.status == status
            )
        )
        for status in (EnrolmentStatus.CONFIRMED, EnrolmentStatus.WAITLISTED)
    )
    cohort = db.session.get(Cohort, hot.id)
    return Bookings(
        run,
        queries,
        confirmed,
        waitlisted,
        cohort.seats_taken,
        cohort.capacity,
        people_count,
        answered=run.statuses == {302: people_count},
    )
