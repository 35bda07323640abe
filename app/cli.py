"""`flask` commands for operators: demo data, mail delivery, the job worker, admins."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app import demo, scheduled
from app.accounts.models import User, normalise_email, user_by_email
from app.attendance import completion
from app.core import jobs, outbox
from app.core.transaction import transaction
from app.extensions import db

demo_cli = AppGroup("demo", help="Demo data for trying Convene out.")
mail_cli = AppGroup("mail", help="The mail outbox.")
jobs_cli = AppGroup("jobs", help="Background jobs on Redis (RQ).")
users_cli = AppGroup("users", help="Accounts.")
enrolment_cli = AppGroup("enrolment", help="Enrolment jobs.")
attendance_cli = AppGroup("attendance", help="Completion and certificates.")


@demo_cli.command("load")
def load_demo():
    """Create the demo accounts and catalogue (and leave existing ones alone)."""
    accounts = demo.load_demo_accounts()
    created = demo.load_demo_catalogue()
    click.echo(f"Demo catalogue: {created} programmes added.")
    if enrolments := demo.load_demo_enrolments():
        click.echo(f"Demo enrolments: {enrolments} bookings and applications added.")
    click.echo(f"Demo accounts (password for all: {demo.DEMO_PASSWORD})")
    for account in accounts:
        click.echo(f"  {account.role:<10} {account.email}")


@mail_cli.command("deliver")
def deliver_mail():
    """Send every message that is due (for cron when no worker runs)."""
    report = outbox.deliver_due()
    click.echo(f"sent {report.sent}, retrying later {report.retrying}, failed {report.failed}")


@jobs_cli.command("worker")
def worker():
    """Run an RQ worker for Convene's queue (needs REDIS_URL)."""
    if not current_app.config["REDIS_URL"]:
        raise click.UsageError("Set REDIS_URL to run a worker.")
    from rq import Worker

    queue = jobs.queue()
    Worker([queue], connection=queue.connection).work()


@enrolment_cli.command("run-scheduled")
def run_scheduled():
    """Expire overdue offers (seats go to the waitlist) and remind those about to expire;
    complete cohorts that ended lately; send low-attendance warnings.

    Run it from cron every few minutes; with REDIS_URL set it is queued for a worker.
    """
    if current_app.config["REDIS_URL"]:
        jobs.run_or_enqueue(scheduled.run_scheduled)
        click.echo("queued for a worker")
        return
    click.echo(str(scheduled.run_scheduled()))


@attendance_cli.command("complete")
def complete():
    """Mark completions and issue certificates in every cohort that has ended
    (the scheduled job only looks at cohorts that ended in the last 30 days)."""
    report = completion.complete_ended_cohorts()
    click.echo(
        f"cohorts {report.cohorts}, completed {report.enrolments}, "
        f"certificates {report.certificates}"
    )


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--name", prompt=True)
@click.password_option()
def create_admin(email: str, name: str, password: str):
    """Create a platform admin, or make an existing account one."""
    with transaction():
        user = user_by_email(email)
        if user is None:
            user = User(email=normalise_email(email), name=name)
            user.set_password(password)
            db.session.add(user)
        user.is_admin = True
    click.echo(f"{user.email} is an admin.")


def init_app(app: Flask) -> None:
    for group in (demo_cli, mail_cli, jobs_cli, users_cli, enrolment_cli, attendance_cli):
        app.cli.add_command(group)
