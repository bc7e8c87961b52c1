"""A route is declared once: its `@operation`, its auth decorator and its arguments' types are all
the document needs, with no list elsewhere to edit."""
from flask import Blueprint
from pydantic import Field

from cruddur import create_app, openapi
from cruddur.auth import login_required
from cruddur.operations import operation
from cruddur.schemas import Closed, Uuid
from cruddur.validation import Body, Query


class Note(Closed):
    uuid: Uuid
    text: str


class NoteBody(Body):
    text: str = Field(json_schema_extra={"maxLength": 10})


class NoteQuery(Query):
    tag: str = Field("", description="a tag")


notes = Blueprint("notes", __name__, url_prefix="/api/notes")


@notes.post("/<note_uuid>/copies/<label>")
@login_required
@operation("Copy a note", list[Note], status=201, body=NoteBody, query=NoteQuery, errors=(404,))
def copy(note_uuid: Uuid, label, body, query):
    return []


def test_a_new_route_is_documented_from_its_declaration_alone(new_database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": new_database_url("sqlite")})
    app.register_blueprint(notes)
    document = openapi.build(app)
    copy_note = document["paths"]["/api/notes/{note_uuid}/copies/{label}"]["post"]
    assert copy_note["parameters"] == [
        {"name": "note_uuid", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}},
        {"name": "label", "in": "path", "required": True, "schema": {"type": "string"}},
        {"name": "tag", "in": "query", "required": False, "description": "a tag", "schema": {"type": "string"}},
    ]
    assert copy_note["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NoteBody"}
    assert copy_note["responses"]["201"]["content"]["application/json"]["schema"] == {
        "type": "array", "items": {"$ref": "#/components/schemas/Note"}}
    assert sorted(copy_note["responses"]) == ["201", "400", "401", "404", "413", "422", "503"]
    assert copy_note["security"] == [{"bearerAuth": []}]
    components = document["components"]["schemas"]
    assert components["NoteBody"]["required"] == ["text"]
    assert components["NoteBody"]["properties"]["text"] == {"maxLength": 10, "title": "Text", "type": "string"}
    assert components["Note"]["additionalProperties"] is False
    assert NoteBody in openapi.request_models(app) and Note in openapi.response_models(app)
    assert openapi.undeclared(app) == []


def test_the_components_are_what_the_routes_declare(api_app):
    from cruddur.validation import CreateActivityBody, CreateMessageBody, ReplyBody, SigninBody, SignupBody

    assert set(openapi.request_models(api_app)) == {CreateActivityBody, ReplyBody, CreateMessageBody, SignupBody,
                                                SigninBody}
    names = {model.__name__ for model in openapi.request_models(api_app) + openapi.response_models(api_app)}
    assert names <= set(openapi.document(api_app)["components"]["schemas"])
