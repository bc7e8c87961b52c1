"""The README is the entry point: it opens with the two commands (DESIGN.md: the one that runs Cruddur
locally, the one that runs every test, which .ci/run calls), and every link in it resolves."""
import re

from testkit.paths import ROOT

README = (ROOT / "README.md").read_text()


def test_the_readme_opens_with_the_run_and_test_commands():
    first_block = re.search(r"```sh\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["bin/run", "bin/test"]
    assert README.index("```sh") < README.index("\n## ")  # before any section


def test_ci_runs_exactly_the_readme_test_command():
    lines = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert lines[-1] == "bin/test"


def test_every_relative_link_resolves():
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if not re.match(r"[a-z]+:", target):
                assert (page.parent / target).exists(), f"{page.relative_to(ROOT)} links to missing {target}"
