"""The process table, read from /proc: who started whom, and who is still there."""
from pathlib import Path


def processes():
    """{pid: {"ppid", "pgid", "sid", "start", "cmdline"}} for every live process."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # exited while we looked
            continue
        # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] == "Z":
            continue  # a zombie has exited; only its parent's wait() is missing
        table[int(entry.name)] = {"ppid": int(fields[1]), "pgid": int(fields[2]), "sid": int(fields[3]),
                                  "start": int(fields[19]), "cmdline": cmdline}
    return table


def descendants(pid, table=None):
    """Every live process below `pid`, by parent links, plus any that share its session."""
    table = processes() if table is None else table
    found = {p for p, info in table.items() if info["sid"] == pid and p != pid}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, info in table.items():
            if info["ppid"] == parent and child not in found:
                found.add(child)
                frontier.append(child)
    return {p: table[p] for p in found}


def still_running(snapshot):
    """The processes of an earlier snapshot that are still alive (same pid and start time)."""
    now = processes()
    return {pid: info for pid, info in snapshot.items()
            if pid in now and now[pid]["start"] == info["start"]}


__all__ = ["descendants", "processes", "still_running"]
