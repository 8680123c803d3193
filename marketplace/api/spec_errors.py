"""The error answers every operation of a kind shares, in the OpenAPI document.

Each view documents its own 403/404/409/422; these come from the machinery
around it and were only covered by the catch-all "default" response: 401 for
a missing, forged, expired or revoked token on every operation that reads
one (an optional token is refused too when it is bad); and on every operation
that takes a body, 400 when it is not well-formed JSON, 413 when it is too
large and 415 when it is not JSON at all (guards.refuse_non_json_body)."""

from apispec import BasePlugin

ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
SHARED = {
    "401": ("security", "No valid bearer token: missing, forged, expired or revoked."),
    "400": ("requestBody", "The body is not well-formed JSON."),
    "413": ("requestBody", "The body is over 64 KiB."),
    "415": ("requestBody", "The body is not JSON (Content-Type application/json)."),
}


class SharedErrorsPlugin(BasePlugin):
    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            if not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            for status, (needs, description) in SHARED.items():
                if needs == "security" and not any(operation.get("security") or [{}]):
                    continue  # public: no token is read (an optional one is, and refused if bad)
                if not operation.get(needs) or status in responses or int(status) in responses:
                    continue
                responses[status] = {"description": description, **ERROR}
