def test_openapi_schema_is_served(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/conversations" in response.json()["paths"]


def test_api_requires_token(client, db):
    assert client.get("/api/v1/conversations").status_code == 401


def test_api_lists_conversations_with_token(api):
    body = api.get("/api/v1/conversations").json()
    assert body == {"count": 0, "next": None, "results": []}
