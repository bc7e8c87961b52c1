"""The generated blocks in docs/ and the generated files (testkit/docs.py, `bin/docs`) match what their
sources make now, and the check notices when one does not."""
import json
import subprocess
from collections import namedtuple

from testkit import docs
from testkit.paths import ROOT


def test_every_committed_block_is_what_bin_docs_writes():
    stale = docs.stale_blocks()
    assert not stale, f"stale generated blocks (run bin/docs): {stale}"


def test_every_committed_file_is_what_bin_docs_writes():
    stale = docs.stale_files()
    assert not stale, f"stale generated files (run bin/docs): {stale}"


def test_the_check_fails_on_a_block_that_differs_and_a_file_that_differs_or_is_missing(tmp_path, monkeypatch):
    for name, (path, make) in docs.BLOCKS.items():
        copy = tmp_path / path.name
        copy.write_text(docs.replace_block(path.read_text(), name, make() + "\n| a stale row |"))
        monkeypatch.setitem(docs.BLOCKS, name, (copy, make))
    for name, (path, make) in list(docs.FILES.items()):
        edited, missing = tmp_path / f"edited-{path.name}", tmp_path / f"missing-{path.name}"
        edited.write_text(make() + "\n")
        monkeypatch.setitem(docs.FILES, f"{name} (edited)", (edited, make))
        monkeypatch.setitem(docs.FILES, name, (missing, make))
    assert [name for name, _ in docs.stale_blocks()] == list(docs.BLOCKS)
    assert [name for name, _ in docs.stale_files()] == list(docs.FILES)
    assert docs.main(["--check"]) == 1
    docs.main([])  # what bin/docs does
    assert docs.stale_blocks() == [] and docs.stale_files() == [] and docs.main(["--check"]) == 0


def test_the_check_names_what_is_stale(tmp_path, monkeypatch, capsys):
    for name, (path, make) in list(docs.FILES.items()):
        monkeypatch.setitem(docs.FILES, name, (tmp_path / path.name, make))
    assert docs.main(["--check"]) == 1
    said = capsys.readouterr().err
    assert all(f"('{name}') is stale; run bin/docs" in said for name in docs.FILES)


def test_the_api_rules_are_the_validation_rules_as_the_document_states_them():
    from cruddur.validation import CRUD_MAX, REPLY_MAX, TTLS

    committed = json.loads(docs.FILES["api rules"][0].read_text())
    assert committed["CreateActivityBody"] == {"message": {"minLength": 1, "maxLength": CRUD_MAX},
                                               "ttl": {"enum": list(TTLS)}}
    assert committed["ReplyBody"] == committed["CreateMessageBody"] == {
        "message": {"minLength": 1, "maxLength": REPLY_MAX}}


def test_the_api_rules_follow_the_document_not_the_code():
    document = docs.api_document()
    document["components"]["schemas"]["ReplyBody"]["properties"]["message"]["maxLength"] = 7
    assert docs.api_rules(document)["ReplyBody"] == {"message": {"minLength": 1, "maxLength": 7}}
    assert json.loads(docs.api_rules_json(document))["ReplyBody"]["message"]["maxLength"] == 7


def test_bin_docs_check_passes_on_the_checkout():
    result = subprocess.run([str(ROOT / "bin" / "docs"), "--check"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_the_configuration_table_lists_every_variable_and_each_column():
    from cruddur.config import ENV_VARS

    table = docs.configuration_table()
    assert len(table.splitlines()) == len(ENV_VARS) + 2
    for name, *_ in ENV_VARS:
        assert f"| `{name}` |" in table
    Var = namedtuple("Var", "name default meaning secret")
    wider = docs.configuration_table([Var("A_VAR", "", "a meaning", "yes"), Var("B_VAR", "1", "b | c", "no")])
    assert wider.splitlines()[:3] == ["| name | default | meaning | secret |", "|---|---|---|---|",
                                      "| `A_VAR` | – | a meaning | yes |"]
    assert "b \\| c" in wider
