"""The body of an agent reply: JSON (files as base64) or multipart/form-data (files as `files`).

Both forms read into the same schema, and in both a field the schema does not know is a 422,
never silently dropped.
"""

from __future__ import annotations

import base64
import binascii

from ninja import Schema
from pydantic import ConfigDict, Field
from pydantic import ValidationError as PydanticError

from heedful.conversations.attachments import NewFile, content_type_of
from heedful.core.errors import InvalidFields

FILES_FIELD = "files"


class AttachmentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    filename: str = Field(..., min_length=1, max_length=255)
    content_type: str = Field("", max_length=255, description="guessed from the filename when empty")
    content_base64: str = Field(..., description="the file's bytes, base64 (RFC 4648, padded)")


def _problems(exc: PydanticError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors())


def _decoded(index: int, item: AttachmentIn) -> NewFile:
    try:
        content = base64.b64decode(item.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidFields(f"attachments.{index}.content_base64: not valid base64 "
                            f"(standard alphabet with padding, no line breaks)") from None
    return NewFile(item.filename, content_type_of(item.content_type, item.filename), content)


def _from_json(request, schema):
    try:
        body = schema.model_validate_json(request.body or b"{}")
    except PydanticError as exc:
        raise InvalidFields(_problems(exc)) from None
    return body, [_decoded(n, item) for n, item in enumerate(body.attachments)]


def _from_form(request, schema):
    known = set(schema.model_fields) - {"attachments"}
    unknown = sorted((set(request.POST) - known) | (set(request.FILES) - {FILES_FIELD}))
    if unknown:
        raise InvalidFields(f"unknown field: {', '.join(unknown)} (known: "
                            f"{', '.join(sorted(known | {FILES_FIELD}))})")
    repeated = sorted(k for k in request.POST if len(request.POST.getlist(k)) > 1)
    if repeated:
        raise InvalidFields(f"given more than once: {', '.join(repeated)}")
    try:
        body = schema.model_validate({k: request.POST[k] for k in request.POST})
    except PydanticError as exc:
        raise InvalidFields(_problems(exc)) from None
    files = [NewFile.from_upload(upload) for upload in request.FILES.getlist(FILES_FIELD)]
    return body, files


def read(request, schema) -> tuple[Schema, list[NewFile]]:
    """The reply in `schema` (which has an `attachments: list[AttachmentIn]` field) and its files."""
    if request.content_type == "multipart/form-data":
        return _from_form(request, schema)
    if request.content_type not in ("application/json", ""):
        raise InvalidFields("send the reply as application/json or multipart/form-data")
    return _from_json(request, schema)


def _inlined(schema) -> dict:
    """The JSON schema with nested models written out (an operation cannot hold `$defs`)."""
    tree = schema.model_json_schema()
    defs = tree.pop("$defs", {})

    def walk(node):
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return walk(defs[ref.removeprefix("#/$defs/")])
            return {k: walk(v) for k, v in node.items()}
        return [walk(v) for v in node] if isinstance(node, list) else node

    return walk(tree)


def documented(schema) -> dict:
    """The request body in the OpenAPI document: both content types."""
    json_schema = _inlined(schema)
    form = {"type": "object", "properties": {
        **{k: v for k, v in json_schema["properties"].items() if k != "attachments"},
        FILES_FIELD: {"type": "array", "items": {"type": "string", "format": "binary"}}}}
    return {"requestBody": {"content": {"application/json": {"schema": json_schema},
                                        "multipart/form-data": {"schema": form}}}}
