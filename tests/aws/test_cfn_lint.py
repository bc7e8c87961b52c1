"""cfn-lint (pinned in requirements-dev.txt) finds nothing in Cruddur's templates: every default
rule (errors and warnings) plus the informational ones (I), e.g. explicit deletion policies."""
import subprocess
import sys
from pathlib import Path

from tests.aws.cfn import CFN, TEMPLATES

CFN_LINT = Path(sys.executable).parent / "cfn-lint"


def lint(*paths):
    return subprocess.run([str(CFN_LINT), "--include-checks", "I", "--format", "parseable", "--", *map(str, paths)],
                          capture_output=True, text=True, timeout=120)


def test_every_template_is_clean():
    result = lint(*(CFN / f"{name}.yaml" for name in TEMPLATES))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_the_linter_reports_what_it_finds(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("Resources:\n  Logs:\n    Type: AWS::Logs::LogGroup\n    Properties:\n"
                      "      RetentionInDays: 8\n")
    result = lint(broken)
    assert result.returncode != 0 and "8 is not one of" in result.stdout and "I3011" in result.stdout
