"""Sending requests from many threads at the same moment, through the app."""

import threading


def run_at_once(app, requests):
    """Send each (session id, path, form) from its own thread, all released together."""
    barrier = threading.Barrier(len(requests))
    statuses, errors = [], []

    def worker(session_id, path, form):
        try:
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"], session["_fresh"] = session_id, True
            barrier.wait(timeout=30)
            statuses.append(client.post(path, data=form).status_code)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=r) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return statuses
