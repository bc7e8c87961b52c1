"""The local stack's files read as data: compose interpolation, environments, Dockerfile stages.

No Docker engine runs here, so these stand in for `docker compose config`:
`interpolate` implements the compose-spec interpolation rules the file uses.
"""
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"

_BRACED = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-+?])(?P<arg>[^{}]*(?:\{[^{}]*\}[^{}]*)*))?\}")
_BARE = re.compile(r"\$(?P<name>[A-Za-z_][A-Za-z0-9_]*)")


def interpolate(text, env):
    """Compose interpolation of one string: ${V}, ${V:-d}, ${V-d}, ${V:+r}, ${V+r}, ${V:?e}, ${V?e}, $V, $$."""
    if not isinstance(text, str):
        return text

    def braced(match):
        name, op, arg = match["name"], match["op"], match["arg"]
        is_set, value = name in env, env.get(name, "")
        if op is None:
            return value
        if op in (":-", "-"):
            use_default = (not value) if op == ":-" else not is_set
            return interpolate(arg, env) if use_default else value
        if op in (":+", "+"):
            use_alt = bool(value) if op == ":+" else is_set
            return interpolate(arg, env) if use_alt else ""
        if (not value) if op == ":?" else not is_set:
            raise ValueError(f"required variable {name} is missing: {arg}")
        return value

    parts = text.split("$$")
    return "$".join(_BARE.sub(lambda m: env.get(m["name"], ""), _BRACED.sub(braced, part)) for part in parts)


def interpolate_tree(node, env):
    if isinstance(node, dict):
        return {key: interpolate_tree(value, env) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate_tree(value, env) for value in node]
    return interpolate(node, env)


def env_mapping(environment):
    """A service's environment as a dict, from either the map or the list syntax."""
    if isinstance(environment, dict):
        return dict(environment)
    return dict(item.split("=", 1) if "=" in item else (item, None) for item in environment or [])


def dockerfile_stages(path):
    """[(image, stage_name, [instructions])] for each FROM, instructions as (KEYWORD, rest)."""
    lines, current = [], ""
    for raw in Path(path).read_text().splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        current += stripped[:-1] + " " if stripped.endswith("\\") else stripped
        if not stripped.endswith("\\"):
            lines.append(current)
            current = ""
    stages = []
    for line in lines:
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            words = [w for w in rest.split() if not w.startswith("--")]
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append((words[0], name, []))
        elif stages:
            stages[-1][2].append((keyword, rest.strip()))
    return stages
