"""The OpenAPI document is a published contract (the frontend's rules are generated from it): it
changes only on purpose. openapi.snapshot.json is the document as published, with sorted keys;
after a deliberate change, `python -m tests.api.test_openapi_document` writes it anew, and the
diff shows what changed."""
import json
import tempfile
from pathlib import Path

from cruddur import create_app, openapi

SNAPSHOT = Path(__file__).with_name("openapi.snapshot.json")


def serialized(document):
    return json.dumps(document, sort_keys=True, indent=1) + "\n"


def test_the_document_is_the_published_one(api_app):
    served = api_app.test_client().get("/api/openapi.json").get_json()
    published = json.loads(SNAPSHOT.read_text())
    for path in sorted(set(served["paths"]) | set(published["paths"])):
        assert served["paths"].get(path) == published["paths"].get(path), path
    for kind in ("schemas", "securitySchemes"):
        served_kind, published_kind = served["components"][kind], published["components"][kind]
        for name in sorted(set(served_kind) | set(published_kind)):
            assert served_kind.get(name) == published_kind.get(name), name
    assert serialized(served) == SNAPSHOT.read_text()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        document = openapi.build(create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/unused.db"}))
    SNAPSHOT.write_text(serialized(document))
