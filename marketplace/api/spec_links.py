"""OpenAPI links: how the id a call creates feeds the calls on that thing.

A client (and schemathesis' stateful phase) reads them to chain calls:
POST /services answers 201 with an `id`, which is the `service_id` of
GET /services/{service_id}, its enrollments, and so on. The table names each
creating call and the path parameter its new id fills; every operation that
takes that parameter is linked, so a new one is linked without more work."""

from apispec import APISpec

CREATES = {
    ("post", "/api/v1/services"): "service_id",
    ("post", "/api/v1/services/{service_id}/enrollments"): "enrollment_id",
    ("post", "/api/v1/help-requests"): "request_id",
    ("post", "/api/v1/help-requests/{request_id}/offers"): "offer_id",
    ("post", "/api/v1/branches"): "branch_id",
    ("post", "/api/v1/branches/{branch_id}/membership-requests"): "membership_id",
    ("post", "/api/v1/branches/{branch_id}/move-home-requests"): "membership_id",
    ("post", "/api/v1/branches/{branch_id}/members"): "membership_id",
    ("post", "/api/v1/hours"): "record_id",
    ("post", "/api/v1/hours/{record_id}/correct"): "record_id",
    ("post", "/api/v1/hours/{record_id}/reports"): "report_id",
    ("post", "/api/v1/certificates"): "certificate_id",
    ("post", "/api/v1/alliances"): "alliance_id",
}
HTTP_METHODS = ("get", "put", "post", "patch", "delete")


def add_links(spec: APISpec) -> None:
    """Call once every blueprint is registered (the paths are all known)."""
    paths = spec.to_dict()["paths"]  # the spec's own dict: changes here are served
    for (method, path), parameter in CREATES.items():
        operation = paths.get(path, {}).get(method)
        if operation is None:
            continue
        responses = operation["responses"]
        created = next(responses[key] for key in ("201", 201, "200", 200) if key in responses)
        created["links"] = {
            _link_name(consumer_method, consumer_path): {
                "operationRef": f"#/paths/{_pointer(consumer_path)}/{consumer_method}",
                "parameters": {parameter: "$response.body#/id"},
            }
            for consumer_path, item in paths.items() if f"{{{parameter}}}" in consumer_path
            for consumer_method in HTTP_METHODS if consumer_method in item
        }


def _pointer(path: str) -> str:
    """A path as one JSON Pointer token (RFC 6901)."""
    return path.replace("~", "~0").replace("/", "~1")


def _link_name(method: str, path: str) -> str:
    words = [part.strip("{}") for part in path.removeprefix("/api/v1/").split("/")]
    return "".join(word.title().replace("-", "").replace("_", "") for word in [method, *words])
