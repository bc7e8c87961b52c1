"""Cruddur's CloudFormation templates as data, and the same templates made deployable to moto.

moto's CloudFormation skips resource types it does not implement, and then fails on anything
that refers to them. `for_moto` removes those resources and puts a placeholder string wherever
the template refers to one (`Ref`, `Fn::GetAtt`, `${...}` in `Fn::Sub`), so the rest deploys;
the tests check the removed resources from the template itself."""
import json
import re
from pathlib import Path

from cfnlint.decode import cfn_yaml
from moto.cloudformation.parsing import resource_class_from_type

REPO = Path(__file__).resolve().parents[2]
CFN = REPO / "aws" / "cfn"
TEMPLATES = ("network", "data", "service")


def load(name):
    return json.loads(json.dumps(cfn_yaml.load(str(CFN / f"{name}.yaml"))))


def moto_lacks(template):
    return {logical: r["Type"] for logical, r in template["Resources"].items()
            if resource_class_from_type(r["Type"]) is None}


def placeholder(logical, attribute=None):
    if attribute is None:
        return f"arn:aws:moto-lacks:us-east-1:123456789012:{logical}"
    return "cache.example.internal" if attribute.endswith("Address") else (
        "6379" if attribute.endswith("Port") else f"{logical}.{attribute}")


def _replace(node, removed):
    if isinstance(node, list):
        return [_replace(item, removed) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Ref"} and node["Ref"] in removed:
        return placeholder(node["Ref"])
    if set(node) == {"Fn::GetAtt"}:
        logical, attribute = (node["Fn::GetAtt"].split(".", 1) if isinstance(node["Fn::GetAtt"], str)
                              else node["Fn::GetAtt"])
        if logical in removed:
            return placeholder(logical, attribute)
    if set(node) == {"Fn::Sub"} and isinstance(node["Fn::Sub"], str):
        def sub(match):
            logical, _, attribute = match.group(1).partition(".")
            return placeholder(logical, attribute or None) if logical in removed else match.group(0)
        return {"Fn::Sub": re.sub(r"\$\{([A-Za-z0-9.]+)\}", sub, node["Fn::Sub"])}
    return {key: _replace(value, removed) for key, value in node.items()}


def for_moto(template):
    removed = moto_lacks(template)
    kept = {k: v for k, v in template.items() if k != "Resources"}
    kept["Resources"] = {k: v for k, v in template["Resources"].items() if k not in removed}
    return json.dumps(_replace(kept, removed))
