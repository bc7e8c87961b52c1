"""Fault injection for demos: CRUDDUR_FAULTS=home_activities:error,user_activities:delay=500."""
import logging
import time

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
