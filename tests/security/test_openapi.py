"""The served OpenAPI document matches the code: every route, nothing more, the real request models."""
import pytest
from flask import Blueprint
from openapi_spec_validator import validate

from cruddur import create_app, openapi


@pytest.fixture(scope="module")
def document(seeded_app):
    response = seeded_app.test_client().get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _routes(app):
    return {(openapi.openapi_path(rule), method.lower()): rule.endpoint
            for rule, method in openapi.documented_rules(app)}


def _documented(document):
    return {(path, method) for path, item in document["paths"].items() for method in item}


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_route_is_documented_and_nothing_else(seeded_app, document):
    routes = _routes(seeded_app)
    assert set(routes) == _documented(document)
    assert openapi.undeclared(seeded_app) == [], "a view without an @operation declaration"
    assert set(routes.values()) == set(openapi.operations(seeded_app))
    assert len(routes) >= 16


def test_a_route_without_a_declaration_fails_the_check(new_database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": new_database_url("sqlite")})
    extra = Blueprint("extra", __name__)
    extra.add_url_rule("/api/undeclared", "undeclared", lambda: "nothing")
    app.register_blueprint(extra)
    assert openapi.undeclared(app) == ["extra.undeclared"]
    assert "/api/undeclared" not in openapi.build(app)["paths"]


def test_every_path_argument_has_a_declared_schema(seeded_app):
    for rule, _ in openapi.documented_rules(seeded_app):
        view = seeded_app.view_functions[rule.endpoint]
        for argument in rule.arguments:  # typed by the view: not the plain-string fallback
            assert openapi.path_schema(view, argument) != {"type": "string"}, (rule.rule, argument)


def test_the_served_document_is_the_built_one(seeded_app, document):
    assert document == openapi.build(seeded_app)


def test_request_bodies_are_the_validation_models(seeded_app, document):
    models = openapi.request_models(seeded_app)
    assert len(models) >= 5
    for model in models:
        schema = document["components"]["schemas"][model.__name__]
        own = model.model_json_schema()
        assert set(schema["properties"]) == set(own["properties"]) == set(model.model_fields)
        for name, prop in own["properties"].items():
            assert schema["properties"][name].get("type") == prop.get("type")
            assert schema["properties"][name].get("anyOf") == prop.get("anyOf")
        assert schema["required"] == openapi.required_fields(model)


def test_required_fields_are_the_ones_reported_blank():
    from cruddur.validation import CreateActivityBody, CreateMessageBody, SigninBody

    assert openapi.required_fields(CreateActivityBody) == ["message", "ttl"]
    assert openapi.required_fields(CreateMessageBody) == ["message"]
    assert openapi.required_fields(SigninBody) == ["login", "password"]


def test_response_schemas_are_closed(seeded_app, document):
    """Every response model, nested ones (User, Profile, ...) included: every component that is not a
    request body."""
    bodies = {model.__name__ for model in openapi.request_models(seeded_app)}
    responses = {name: schema for name, schema in document["components"]["schemas"].items() if name not in bodies}
    assert {model.__name__ for model in openapi.response_models(seeded_app)} <= set(responses)
    assert len(responses) >= 10
    for name, schema in responses.items():
        assert schema["additionalProperties"] is False, name
        assert not {"email", "password", "password_hash", "cognito_user_id"} & set(schema["properties"]), name


def test_every_operation_documents_its_errors_with_the_envelope(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")) and path != "/api/health-check":
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Errors"}, (method, path, status)
            if "security" in operation:
                assert "401" in operation["responses"], (method, path)


def test_sign_in_documents_the_rate_limit(document):
    assert "429" in document["paths"]["/api/auth/signin"]["post"]["responses"]
