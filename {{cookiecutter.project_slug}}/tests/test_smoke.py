"""Smoke tests: the package imports and its entry point runs{% if cookiecutter.starter_requirements == "web-api" %}; the API answers over HTTP{% endif %}."""

import pytest
{%- if cookiecutter.starter_requirements == "web-api" %}
from fastapi.testclient import TestClient  # its requests go through httpx2 (requirements-dev.txt)
{%- endif %}

from {{ cookiecutter.project_slug }} import greeting
from {{ cookiecutter.project_slug }}.__main__ import main
{%- if cookiecutter.starter_requirements == "web-api" %}
from {{ cookiecutter.project_slug }}.app import app
{%- endif %}


def test_main_prints_the_greeting(capsys: pytest.CaptureFixture[str]) -> None:
{%- if cookiecutter.starter_requirements == "machine-learning" %}
    assert main([]) == 0
{%- else %}
    main()
{%- endif %}
    assert capsys.readouterr().out.strip() == greeting()
{%- if cookiecutter.starter_requirements == "web-api" %}


@pytest.fixture
def client() -> TestClient:
    """The app behind a real HTTP client, without a server or a port."""
    return TestClient(app)


def test_health_answers_ok(client: TestClient) -> None:
    answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


def test_root_greets_and_an_unknown_path_is_not_found(client: TestClient) -> None:
    assert client.get("/").json() == {"message": greeting()}
    assert client.get("/no-such-path").status_code == 404
{%- endif %}
