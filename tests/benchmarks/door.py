"""The door: the register page of a session happening today (500 attendees), and
ticket scans by four helpers at once, against registers of 50 and 500 attendees."""

import urllib.parse
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select

from app.enrolment.models import Enrolment
from app.extensions import db
from tests.benchmarks import data, load
from tests.benchmarks.visitors import FORM, Visitor, queries_of_post

SIZES = [50, 500]
HELPERS = 4
PAGE_REQUESTS = 50
SCAN_SECONDS = 5
JSON = {"Accept": "application/json"}


@dataclass
class Door:
    page: load.Run
    page_kb: float
    scans: dict[int, load.Run]
    scan_queries: int


def measure(app: Flask, port: int) -> Door:
    helpers = data.users("helper", HELPERS + 1)
    programme, cohorts = data.door_programme(helpers, SIZES)
    data.analyze()
    registers = {
        size: f"/organise/programmes/{programme.id}/cohorts/{cohort.id}"
        f"/sessions/{cohort.sessions[0].id}/register"
        for size, cohort in zip(SIZES, cohorts, strict=True)
    }
    codes = {
        size: [
            f"CONVENE:{code}"
            for code in db.session.scalars(
                select(Enrolment.ticket_code)
                .where(Enrolment.cohort_id == cohort.id)
                .order_by(Enrolment.id)
            )
        ]
        for size, cohort in zip(SIZES, cohorts, strict=True)
    }
    largest = registers[SIZES[-1]]
    scan_queries = queries_of_post(
        app,
        helpers[-1].email,
        f"{largest}/scan",
        {"code": codes[SIZES[-1]][0]},
        token_from=largest,
        headers=JSON,
    )

    visitors = [Visitor(port).log_in(helper.email) for helper in helpers[:HELPERS]]
    status, html = visitors[0].send("GET", largest)
    if status != 200:
        raise RuntimeError(f"the register answered {status}")
    page = load.run(port, [[load.get(largest, visitors[0].cookie)] * PAGE_REQUESTS], None, 1)

    scans = {}
    for size, register in registers.items():
        plans = []
        for n, visitor in enumerate(visitors):
            token = visitor.token(register)
            plans.append(
                [
                    (
                        "POST",
                        f"{register}/scan",
                        urllib.parse.urlencode({"code": code, "csrf_token": token}).encode(),
                        {**visitor.cookie, **FORM, **JSON},
                    )
                    for code in codes[size][n::HELPERS]
                ]
            )
        scans[size] = load.run(port, plans, SCAN_SECONDS)
    return Door(page, len(html) / 1000, scans, scan_queries)
