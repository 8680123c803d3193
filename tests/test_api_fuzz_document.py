"""The OpenAPI document names the error answers schemathesis saw the API give
(.ci/fuzz-api): 401 wherever a token is read and 400 wherever a body is
parsed. There is no catch-all "default" answer, so every status the server
gives must be documented on its operation (schemathesis holds it to that)."""

from marketplace.api.spec_links import CREATES

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


def test_no_operation_hides_its_answers_behind_a_default(client):
    assert [name for name, op in _operations(client) if "default" in op["responses"]] == []


def test_every_operation_on_an_id_documents_404(client):
    missing = [name for name, op in _operations(client)
               if "_id}" in name and "404" not in op["responses"]]
    assert missing == []


def test_created_ids_are_linked_to_the_calls_that_take_them(client):
    """OpenAPI links (api/spec_links.py) chain a creating call to the calls on
    what it created; schemathesis' stateful phase and clients follow them."""
    spec = client.get("/api/v1/openapi.json").json
    for (method, path), parameter in CREATES.items():
        responses = spec["paths"][path][method]["responses"]  # KeyError: a stale entry
        links = (responses.get("201") or responses["200"])["links"]
        assert links, (method, path)
        for link in links.values():
            assert link["parameters"] == {parameter: "$response.body#/id"}
            target_path, target_method = _resolve(link["operationRef"])
            assert target_method in spec["paths"][target_path]
            assert f"{{{parameter}}}" in target_path
    service_links = spec["paths"]["/api/v1/services"]["post"]["responses"]["201"]["links"]
    assert "PostServicesServiceIdEnrollments" in service_links


def _resolve(ref: str) -> tuple[str, str]:
    _, _, pointer, method = ref.split("/")
    return pointer.replace("~1", "/").replace("~0", "~"), method


def test_rate_limited_operations_document_429(client):
    operations = dict(_operations(client))
    for name in ("POST /api/v1/auth/register", "POST /api/v1/auth/token",
                 "POST /api/v1/me/password", "POST /api/v1/services/{service_id}/enrollments",
                 "POST /api/v1/branches/{branch_id}/membership-requests",
                 "POST /api/v1/branches/{branch_id}/move-home-requests"):
        assert "429" in operations[name]["responses"], name
