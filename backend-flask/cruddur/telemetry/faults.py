"""Fault injection for demos: CRUDDUR_FAULTS=home_activities:error,user_activities:delay=500.

`inject_faults(name)` is the decorator: the function it wraps first meets the fault the current app
names for `name`, if any. `service.service_call` applies it inside the service's span and
subsegment, so that an injected error is recorded where a real one would be."""
import functools
import logging
import time

from .state import current

log = logging.getLogger("cruddur.telemetry.faults")


class InjectedFault(RuntimeError):
    """Raised by a service named in CRUDDUR_FAULTS with `:error`."""


def parse(spec):
    faults = {}
    for entry in filter(None, (part.strip() for part in (spec or "").split(","))):
        service, _, action = entry.partition(":")
        if action == "error":
            faults[service] = ("error", None)
        elif action.startswith("delay="):
            try:
                faults[service] = ("delay", int(action[len("delay="):]) / 1000)
            except ValueError:
                log.warning("ignoring fault entry", extra={"entry": entry})
        else:
            log.warning("ignoring fault entry", extra={"entry": entry})
    return faults


class Faults:
    """One app's injected faults, from its FAULTS setting (CRUDDUR_FAULTS)."""

    def __init__(self, spec):
        self.faults = parse(spec)

    @property
    def active(self):
        return bool(self.faults)

    def inject(self, service):
        fault = self.faults.get(service)
        if fault is None:
            return
        kind, seconds = fault
        if kind == "delay":
            time.sleep(seconds)
        else:
            raise InjectedFault(f"fault injected into {service} by CRUDDUR_FAULTS")


def inject_faults(name):
    """Decorate a function with the current app's fault for `name` (none outside an app)."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            telemetry = current()
            if telemetry is not None:
                telemetry.faults.inject(name)
            return func(*args, **kwargs)

        return wrapper

    return decorate
