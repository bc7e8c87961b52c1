"""Cruddur's commands: `flask --app app seed` loads the demo data into an empty database;
`flask --app app purge-expired` deletes expired cruds (see cruddur/purge.py and docs/purge.md);
`flask --app app link-cognito <handle> <sub>` links a user to a Cognito user (see cognito.py)."""
import os
import re
import signal
import sys
import threading
from datetime import timedelta

import click
from sqlalchemy import select

from . import telemetry
from .db import transaction
from .models import User
from .seed import seed_demo_data

UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


class Duration(click.ParamType):
    """Seconds, or a number with a unit: 90, 90s, 15m, 1h, 2d."""

    name = "duration"
    pattern = re.compile(r"^(\d+(?:\.\d+)?)([smhd]?)$")

    def __init__(self, positive=False):
        self.positive = positive

    def convert(self, value, param, ctx):
        if isinstance(value, timedelta):
            return value
        match = self.pattern.match(str(value).strip().lower())
        if not match:
            self.fail(f"{value!r} is not a duration: use seconds or a number with s, m, h or d "
                      "(for example 90, 15m, 1h), never negative", param, ctx)
        duration = timedelta(seconds=float(match[1]) * UNITS[match[2]])
        if self.positive and not duration:
            self.fail("must be more than 0", param, ctx)
        return duration


@click.command("seed")
def seed_command():
    """Load the demo users, cruds, replies and conversation (only into an empty database)."""
    created = seed_demo_data()
    click.echo(f"seeded {created} demo rows" if created else "database not empty; seed skipped")


@click.command("purge-expired")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=500, show_default=True,
              help="Expired cruds per batch (each batch is one short transaction; their replies go with them).")
@click.option("--grace", type=Duration(), default="5m", show_default=True,
              help="Keep cruds this long after they expire: seconds or 90s, 15m, 1h, 2d.")
@click.option("--interval", type=Duration(positive=True), default=None,
              help="Run again this long after each run, until SIGTERM or SIGINT (e.g. 300 or 5m).")
@click.option("--progress-every", type=click.IntRange(min=1), default=100, show_default=True,
              help="Print a progress line to stderr every this many batches.")
@click.option("--nice", type=click.IntRange(0, 19), default=10, show_default=True,
              help="Lower this process's CPU priority by this much: on a shared host, serving comes first.")
def purge_expired_command(batch_size, grace, interval, progress_every, nice):
    """Delete expired cruds with their replies, in batches; safe to run while serving and twice at once."""
    from .db import db
    from .purge import run_once

    os.nice(nice)

    stop = threading.Event()

    def on_signal(signum, frame):
        if stop.is_set():
            raise KeyboardInterrupt  # a second signal: stop now, not after the batch
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    failed = False
    try:
        while True:
            try:
                totals = run_once(db.engine, db.metadata, grace, batch_size, stop, progress_every, click.echo)
                click.echo(totals.summary())
                failed = False
            except Exception as exc:  # logged and reported by the run; the loop outlives a bad run
                failed = True
                first_line = (str(exc).splitlines() or [""])[0][:200]
                click.echo(f"purge-expired: failed: {type(exc).__name__}: {first_line}", err=True)
            if interval is None or stop.wait(interval.total_seconds()):
                break
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        telemetry.shutdown()
    if failed and interval is None:  # a looping purger stopped by a signal exits cleanly
        sys.exit(1)


@click.command("link-cognito")
@click.argument("handle")
@click.argument("sub")
def link_cognito_command(handle, sub):
    """Link a Cruddur user to a Cognito user's `sub`, so that user's access tokens sign them in."""
    with transaction() as session:
        user = session.scalar(select(User).where(User.handle == handle.lower()))
        if user is None:
            raise click.ClickException(f"no user {handle}")
        user.cognito_user_id = sub
    click.echo(f"{user.handle} linked to Cognito user {sub}")


def init_app(app):
    app.cli.add_command(seed_command)
    app.cli.add_command(purge_expired_command)
    app.cli.add_command(link_cognito_command)
