"""Small helpers views share to shape their responses."""
from flask import jsonify

from ..pagination import link_header


def listing(items, next_cursor):
    """A JSON array, with the next page in a Link header."""
    return jsonify(items), 200, link_header(next_cursor)


def created(body):
    return jsonify(body), 201
