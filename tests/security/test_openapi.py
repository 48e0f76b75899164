"""The OpenAPI document tells the truth: every operation documents its error answers, and a
channel body the document allows (one schema per provider, with that provider's credential
schema) is accepted."""

from __future__ import annotations

import pytest

from heedful.channels import registry
from heedful.channels.models import Channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def _operations(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield method.upper(), path, operation


def test_every_operation_documents_its_error_statuses(document):
    undocumented = []
    for method, path, operation in _operations(document):
        codes = set(operation["responses"])
        if operation.get("security") and not {"401", "429"} <= codes:
            undocumented.append((method, path, "401/429", sorted(codes)))
        if "{" in path and "404" not in codes:
            undocumented.append((method, path, "404", sorted(codes)))
        if operation.get("security") and method not in ("GET", "HEAD") and "403" not in codes:
            undocumented.append((method, path, "403 (CSRF)", sorted(codes)))
        errors = [r for code, r in operation["responses"].items() if code.startswith("4")]
        if not errors or any("ErrorOut" not in str(r.get("content")) for r in errors):
            undocumented.append((method, path, "ErrorOut body", sorted(codes)))
    assert not undocumented, undocumented
    assert {"error", "detail"} <= set(document["components"]["schemas"]["ErrorOut"]["properties"])


def test_the_channel_body_is_one_schema_per_provider(document):
    body = document["paths"]["/api/v1/channels"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    schemas = document["components"]["schemas"]
    variants = [schemas[ref["$ref"].rsplit("/", 1)[1]] for ref in body["oneOf"]]
    assert sorted(v["properties"]["provider"]["enum"][0] for v in variants) == registry.keys()
    for variant in variants:
        credentials = schemas[variant["properties"]["credentials"]["$ref"].rsplit("/", 1)[1]]
        assert credentials["additionalProperties"] is False
        assert variant["properties"]["team"]["anyOf"][0]["maximum"] == 2**63 - 1


SAMPLES = {"string": "x", "integer": 993, "boolean": True}


def _sample(prop: dict):
    for option in prop.get("anyOf", [prop]):
        if option.get("enum"):  # a fixed set of values: the document's last one
            return option["enum"][-1]
        if option.get("type") in SAMPLES:
            return SAMPLES[option["type"]]
    return None


def test_a_body_the_document_allows_is_accepted_for_every_provider(document, api):
    schemas, providers = document["components"]["schemas"], registry.keys()
    for key in providers:
        credentials = schemas[schemas[f"ChannelIn_{key}"]["properties"]["credentials"]["$ref"].rsplit("/", 1)[1]]
        filled = {name: _sample(prop) for name, prop in credentials["properties"].items()}
        body = {"provider": key, "name": f"{key} desk", "settings": {},
                "credentials": {k: v for k, v in filled.items() if v is not None}}
        response = api.post("/api/v1/channels", body, content_type="application/json")
        assert response.status_code == 201, (key, response.content)
    assert Channel.objects.count() == len(providers)
