"""The OpenAPI 3.1 document of Cruddur's API, built from the code so that it cannot drift.

Paths come from the app's URL map; each operation from its view's own declarations: the
`operation` decorator (operations.py: summary, body, query, response, extra statuses), the types
of its path arguments (`def show(handle: Handle, activity_uuid: Uuid, page)`; plain text when
untyped), the auth decorators (auth.py: `view.auth`) and the rate limits (security/limits.py). Schemas
are the body models (validation.py) and response models (schemas.py) those declarations name:
nothing is listed by hand, so a new route needs only its own declaration."""
import typing

from pydantic import ValidationError
from pydantic.json_schema import models_json_schema

from . import auth, schemas, security
from .operations import is_page_file

REF = "#/components/schemas/{model}"
RATE_LIMITED = frozenset({security.SIGNIN_ENDPOINT, security.SIGNUP_ENDPOINT, *security.WRITE_ENDPOINTS})

ERROR_TEXT = {
    400: "malformed JSON (`body_invalid_json`), wrong types, a string that is not Unicode text "
         "(`body_invalid_text`, e.g. a lone surrogate `\\ud800`), a NUL character (`nul_character`), "
         "a bad or repeated query argument (`limit_invalid`, …), or a cursor the server did not issue "
         "for this list (`cursor_invalid`)",
    401: "bad credentials, or an invalid or expired bearer token (on every route that takes one, "
         "also where signing in is optional), or none where one is required",
    404: "unknown resource",
    413: "body larger than 64 KiB",
    422: "every failed validation rule",
    429: "a rate limit is full (`rate_limited`): failed sign-ins, sign-ups or writes; see Retry-After",
    503: "the database is unreachable (database_unavailable), or a statement ran past its bound (database_timeout)",
}
LINK_HEADER = {"Link": {"description": 'next page: `<url>; rel="next"`', "schema": {"type": "string"}}}


def required_fields(model):
    """Fields whose default fails validation: a client must send them."""
    try:
        model.model_validate({})
    except ValidationError as exc:
        return sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]})
    return []


def documented_rules(app):
    """(rule, method) pairs of the URL map that the document must describe: all but the files of a
    page (Flask's static routes, and views declared `operations.page_file`)."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.rpartition(".")[2] == "static" or is_page_file(app.view_functions[rule.endpoint]):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def operations(app):
    """{endpoint: (operations.Operation, auth mode)} for every view that declares itself."""
    found = {}
    for rule, _ in documented_rules(app):
        view = app.view_functions[rule.endpoint]
        spec = getattr(view, "operation", None)
        if spec is not None:
            found[rule.endpoint] = (spec, auth.auth_mode(view, rule.endpoint.partition(".")[0]))
    return found


def undeclared(app):
    """Endpoints whose view has no `operation` declaration: the tests fail on any."""
    return sorted({rule.endpoint for rule, _ in documented_rules(app)} - set(operations(app)))


def _unique(models):
    return tuple(dict.fromkeys(models))


def request_models(app):
    """The body models the views declare."""
    return _unique(spec.body for spec, _ in operations(app).values() if spec.body is not None)


def _model_of(shape):
    """A response shape's model: the shape itself, or a list's item model."""
    return typing.get_args(shape)[0] if typing.get_origin(shape) is list else shape


def response_models(app):
    """The models the views answer with, and the error envelope."""
    return _unique([schemas.Errors, *(_model_of(spec.response) for spec, _ in operations(app).values()
                                      if spec.serializes)])


def path_schema(view, argument):
    """A path argument's schema, from the type the view gives it (`str` when untyped)."""
    return schemas.adapter(typing.get_type_hints(view, include_extras=True).get(argument, str)).json_schema()


def openapi_path(rule):
    path = rule.rule
    for argument in rule.arguments:
        path = path.replace(f"<{argument}>", "{" + argument + "}")
    return path


def _ref(model):
    return {"$ref": REF.format(model=model.__name__)}


def _schema_of(shape):
    ref = _ref(_model_of(shape))
    return {"type": "array", "items": ref} if typing.get_origin(shape) is list else ref


def error_statuses(endpoint, spec, auth_mode, path_args):
    statuses = set(spec.errors)
    if spec.body is not None:
        statuses |= {400, 413, 422}
    if spec.query is not None:
        statuses |= {400, 422}
    if spec.paged or path_args:
        statuses.add(400)
    if auth_mode is not None:
        statuses.add(401)
    if endpoint in RATE_LIMITED:
        statuses.add(429)
    if spec.database:
        statuses.add(503)
    return statuses


def _responses(endpoint, spec, auth_mode, path_args):
    if spec.response is str:
        ok = {"description": "OK", "content": {"text/html": {"schema": {"type": "string"}}}}
    elif spec.response is dict:
        ok = {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}
    else:
        ok = {"description": "OK", "content": {"application/json": {"schema": _schema_of(spec.response)}}}
        if spec.paged:
            ok["headers"] = LINK_HEADER
    responses = {str(spec.status): ok}
    for status in sorted(error_statuses(endpoint, spec, auth_mode, path_args)):
        # The health check answers 503 with its own body, saying what is unreachable.
        model = schemas.Health if spec.response is schemas.Health and status == 503 else schemas.Errors
        responses[str(status)] = {"description": ERROR_TEXT[status],
                                  "content": {"application/json": {"schema": _ref(model)}}}
    return responses


def _query_parameters(model):
    properties = model.model_json_schema()["properties"]
    required = required_fields(model)
    parameters = []
    for name, prop in properties.items():
        parameter = {"name": name, "in": "query", "required": name in required}
        if "description" in prop:
            parameter["description"] = prop["description"]
        parameter["schema"] = {k: v for k, v in prop.items() if k not in ("title", "description", "default")}
        parameters.append(parameter)
    return parameters


def _operation(endpoint, view, spec, auth_mode, path_args):
    operation = {"operationId": endpoint.replace(".", "_"), "summary": spec.summary,
                 "tags": [endpoint.partition(".")[0]], "responses": _responses(endpoint, spec, auth_mode, path_args)}
    parameters = [{"name": a, "in": "path", "required": True, "schema": path_schema(view, a)} for a in path_args]
    for model in spec.query_models:
        parameters += _query_parameters(model)
    if parameters:
        operation["parameters"] = parameters
    if spec.body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(spec.body)}}}
    if auth_mode == "required":
        operation["security"] = [{"bearerAuth": []}]
    elif auth_mode == "optional":
        operation["security"] = [{}, {"bearerAuth": []}]
    return operation


def _schemas(app):
    bodies = request_models(app)
    _, defs = models_json_schema([(m, "validation") for m in bodies + response_models(app)], ref_template=REF)
    components = defs["$defs"]
    for model in bodies:
        schema = components[model.__name__]
        schema["required"] = required_fields(model)
        for field in schema["required"]:  # a placeholder that only exists to be reported blank
            schema["properties"][field].pop("default", None)
    return components


def build(app):
    paths, declared = {}, operations(app)
    for rule, method in documented_rules(app):
        if rule.endpoint not in declared:  # `undeclared` names it for the tests; the document still serves
            continue
        spec, auth_mode = declared[rule.endpoint]
        path_args = sorted(rule.arguments, key=rule.rule.index)
        view = app.view_functions[rule.endpoint]
        paths.setdefault(openapi_path(rule), {})[method.lower()] = _operation(rule.endpoint, view, spec, auth_mode,
                                                                               path_args)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Cruddur API", "version": "1",
                 "description": "Cruddur, an ephemeral microblog. JSON in and out; errors are "
                                "`{\"errors\": [codes], \"trace_id\": \"<32 hex>\"}`. Lists are arrays; the next "
                                "page is in a `Link: <…>; rel=\"next\"` header."},
        "paths": paths,
        "components": {
            "schemas": _schemas(app),
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                "description": "an access token from sign-up or sign-in, or an Amazon Cognito access "
                               "token when Cognito is configured"}},
        },
    }


def document(app):
    """The document, built once per app."""
    if "cruddur_openapi" not in app.extensions:
        app.extensions["cruddur_openapi"] = build(app)
    return app.extensions["cruddur_openapi"]
