"""The OpenAPI document names the error answers schemathesis saw the API give
(notes/schemathesis.md): 401 wherever a token is read and 400 wherever a body
is parsed, which only the catch-all "default" response covered before."""

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def _operations(client):
    spec = client.get("/api/v1/openapi.json").json
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield f"{method.upper()} {path}", operation


def test_every_operation_that_reads_a_token_documents_401(client):
    missing = [name for name, op in _operations(client)
               if any(op.get("security") or []) and "401" not in op["responses"]]
    assert missing == []


def test_every_operation_with_a_body_documents_400(client):
    missing = [name for name, op in _operations(client)
               if "requestBody" in op and "400" not in op["responses"]]
    assert missing == []


def test_public_operations_do_not_claim_a_401(client):
    operations = dict(_operations(client))
    assert "401" not in operations["GET /api/v1/categories"]["responses"]
    assert "401" not in operations["GET /api/v1/public/figures"]["responses"]


def test_the_documented_answers_are_the_ones_given(client):
    operations = dict(_operations(client))
    error = {"$ref": "#/components/schemas/Error"}
    for name in ("POST /api/v1/services", "GET /api/v1/me/hours"):
        assert operations[name]["responses"]["401"]["content"]["application/json"][
            "schema"] == error
    response = client.get("/api/v1/me/hours", headers={"Authorization": "Bearer forged"})
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"
    response = client.post("/api/v1/auth/register", data="{not json",
                           content_type="application/json")
    assert response.status_code == 400 and response.json["error"]["code"] == "bad_request"
