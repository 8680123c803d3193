"""Configuration from the environment; production refuses unsafe settings."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import request

import config
from marketplace import create_app

ROOT = Path(__file__).resolve().parent.parent


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", {"SECRET_KEY": config.DEV_SECRET_KEY})


def test_production_starts_with_the_secret_key_from_the_environment(app):
    """As gunicorn starts it: SECRET_KEY in the environment before the config
    is imported (the check once compared the key with itself and refused)."""
    env = os.environ | {"SECRET_KEY": "s3cret-enough", "WANGTAO_CONFIG": "production",
                        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"]}
    env.pop("PASSWORD_HASH_METHOD", None)
    result = subprocess.run([sys.executable, "-c", "from run import app; print(app.secret_key)"],
                            cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "s3cret-enough"


def test_production_refuses_a_weak_password_hash(app):
    with pytest.raises(RuntimeError, match="PASSWORD_HASH_METHOD"):
        create_app("production", {"SECRET_KEY": "s3cret-enough", "PASSWORD_HASH_METHOD":
                                  "pbkdf2:sha256:1",
                                  "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})


def test_production_starts_with_safe_settings(app):
    production = create_app("production", {
        "SECRET_KEY": "s3cret-enough", "PASSWORD_HASH_METHOD": "scrypt",
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    assert production.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(("method", "strong"), [
    ("scrypt", True), ("scrypt:32768:8:1", True), ("pbkdf2:sha256:600000", True),
    ("pbkdf2:sha256:1", False), ("pbkdf2:sha256", False), ("plain", False)])
def test_strong_hash_methods(method, strong):
    assert config.is_strong_hash_method(method) is strong


def test_environment_settings(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example:5432/wangtao")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("PASSWORD_HASH_METHOD", "scrypt:16384:8:1")
    reloaded = importlib.reload(config)
    try:
        for cls in (reloaded.DevelopmentConfig, reloaded.ProductionConfig):
            assert cls.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@db.example:5432/wangtao"
            assert cls.RATELIMIT_STORAGE_URI == "redis://127.0.0.1:6379/0"
            assert cls.RATELIMIT_ENABLED is False
            assert cls.PASSWORD_HASH_METHOD == "scrypt:16384:8:1"
    finally:
        monkeypatch.undo()
        importlib.reload(config)


def _client_address(app, **headers) -> str:
    app.add_url_rule("/_address", "address", lambda: request.remote_addr or "")
    return app.test_client().get("/_address", headers=headers,
                                 environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(as_text=True)


def test_behind_a_proxy_the_client_address_is_the_forwarded_one(app):
    uri = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    behind = create_app("testing", {**uri, "PROXY_COUNT": 1})
    assert _client_address(behind, **{"X-Forwarded-For": "203.0.113.7"}) == "203.0.113.7"
    # Without a proxy configured, the header is a client's claim: ignored.
    direct = create_app("testing", uri)
    assert _client_address(direct, **{"X-Forwarded-For": "203.0.113.7"}) == "127.0.0.1"
