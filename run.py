"""Entry point: `python run.py` (first start prepares a demo database),
`flask --app run ...` and `gunicorn run:app`."""

import os

from marketplace import create_app

app = create_app()

if __name__ == "__main__":
    from marketplace.firstrun import prepare_embedded_database

    prepare_embedded_database(app)
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    print(f" * 网淘 is at http://{host}:{port}/", flush=True)
    # The interactive debugger only when asked for (FLASK_DEBUG=1).
    app.run(host=host, port=port, debug=os.environ.get("FLASK_DEBUG") == "1", use_reloader=False)
