"""The backend runs from exactly what its image copies: a copy of backend-flask/ less what
.dockerignore keeps out, started with compose's environment."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

from docker.utils.build import exclude_paths

from .stack_files import REPO, env_mapping

BIN = Path(sys.executable).parent


def _build_context_copy(destination):
    context = REPO / "backend-flask"
    patterns = [line.strip() for line in (context / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    for relative in exclude_paths(str(context), patterns):  # docker's own .dockerignore rules
        source = context / relative
        if source.is_file():
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target, follow_symlinks=True)
    return destination


def test_the_image_contents_carry_the_committed_xray_sampling_rule(compose_with, tmp_path):
    context = _build_context_copy(tmp_path / "app")
    assert not (context / ".venv").exists() and (context / "app.py").is_file()
    env = {k: str(v) for k, v in env_mapping(compose_with({})["services"]["backend-flask"]["environment"]).items()
           if v is not None}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", AWS_XRAY_DAEMON_ADDRESS="127.0.0.1:9",
               OTEL_SDK_DISABLED="true", RATELIMIT_STORAGE_URI="memory://", HOME=str(tmp_path),
               XDG_DATA_HOME=str(tmp_path), PATH=f"{BIN}:/usr/bin:/bin", PYTHONPATH="")
    result = subprocess.run([str(BIN / "python"), "-c", "import app"], cwd=context, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    signals = next(line["signals"] for line in lines if line.get("message", "").startswith("signals:"))
    rule = json.loads((REPO / "aws" / "json" / "xray.json").read_text())["SamplingRule"]
    assert signals["xray"] == (f"udp 127.0.0.1:9 (sampling rule {rule['RuleName']}: rate {rule['FixedRate']}, "
                               f"reservoir {rule['ReservoirSize']}/s)")
    assert not any(line.get("level") == "WARNING" and "sampling" in line.get("message", "") for line in lines)
