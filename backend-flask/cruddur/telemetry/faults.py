"""Fault injection for demos: CRUDDUR_FAULTS=home_activities:error,user_activities:delay=500."""
import logging
import time

log = logging.getLogger("cruddur.telemetry.faults")

_faults = {}


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


def configure(spec):
    _faults.clear()
    _faults.update(parse(spec))


def active():
    return bool(_faults)


def inject(service):
    fault = _faults.get(service)
    if fault is None:
        return
    kind, seconds = fault
    if kind == "delay":
        time.sleep(seconds)
    else:
        raise InjectedFault(f"fault injected into {service} by CRUDDUR_FAULTS")
