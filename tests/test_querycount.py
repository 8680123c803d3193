"""X-Query-Count, the benchmark's count of SQL statements per request."""

from marketplace import create_app

from .factories import make_service


def test_each_response_tells_its_query_count_when_asked(app):
    counting = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "QUERY_COUNT_HEADER": True, "PAGE_CACHE_ENABLED": False})
    service = make_service()
    client = counting.test_client()
    assert client.get("/healthz").headers["X-Query-Count"] == "0"
    count = int(client.get(f"/services/{service.id}").headers["X-Query-Count"])
    assert 1 <= count <= 10
    # Per request, not a running total.
    assert int(client.get(f"/services/{service.id}").headers["X-Query-Count"]) == count


def test_nothing_is_counted_by_default(client):
    assert "X-Query-Count" not in client.get("/healthz").headers
