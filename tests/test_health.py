"""GET /healthz (the process answers) and GET /readyz (the database answers and is migrated to the
head of models/migrations), bot/health.py."""
from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from bot import create_app
from bot.db import alembic_config, upgrade


def head_and_previous(url: str) -> tuple[str, str]:
    script = ScriptDirectory.from_config(alembic_config(url))
    head = script.get_revision(script.get_current_head())
    assert isinstance(head.down_revision, str)
    return head.revision, head.down_revision


@pytest.fixture
def empty_database_url(settings, tmp_path) -> Iterator[str]:
    """A database of its own with no tables (a scratch database on PostgreSQL, a file on SQLite)."""
    url = settings.database_url
    if not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    name = f"readyz_{secrets.token_hex(4)}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


def test_healthz_answers_without_the_database(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    broken = create_app(settings.replace(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none"))
    try:
        response = broken.test_client().get("/healthz")
        assert (response.status_code, response.get_json()) == (200, {"status": "ok"})
    finally:
        broken.extensions["khunnatham"].close()


def test_readyz_when_migrated(client, settings):
    head, _ = head_and_previous(settings.database_url)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "database": "ok", "migrations": head}


def test_readyz_is_503_until_the_database_is_migrated_to_the_head(settings, empty_database_url):
    head, previous = head_and_previous(empty_database_url)
    app = create_app(settings.replace(database_url=empty_database_url))
    client = app.test_client()
    try:
        response = client.get("/readyz")  # no tables at all
        assert response.status_code == 503
        assert response.get_json() == {"status": "not ready", "database": "ok",
                                       "migrations": f"none != head {head}"}
        assert client.get("/healthz").status_code == 200  # alive all the same

        upgrade(empty_database_url, previous)  # one migration behind
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.get_json()["migrations"] == f"{previous} != head {head}"

        upgrade(empty_database_url)
        response = client.get("/readyz")
        assert response.status_code == 200
        assert response.get_json() == {"status": "ready", "database": "ok", "migrations": head}
    finally:
        app.extensions["khunnatham"].close()


def test_readyz_when_the_database_is_unreachable(settings):
    broken = create_app(settings.replace(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none"))
    try:
        response = broken.test_client().get("/readyz")
        assert response.status_code == 503
        assert response.get_json() == {"status": "not ready", "database": "unreachable"}
    finally:
        broken.extensions["khunnatham"].close()
