"""Smoke tests: the package imports and its entry point runs."""

import pytest

from {{ cookiecutter.project_slug }} import greeting
from {{ cookiecutter.project_slug }}.__main__ import main


def test_main_prints_the_greeting(capsys: pytest.CaptureFixture[str]) -> None:
{%- if cookiecutter.starter_requirements == "machine-learning" %}
    assert main([]) == 0
{%- else %}
    main()
{%- endif %}
    assert capsys.readouterr().out.strip() == greeting()
{%- if cookiecutter.starter_requirements == "web-api" %}


def test_health_answers_ok() -> None:
    from {{ cookiecutter.project_slug }}.app import health

    assert health() == {"status": "ok"}
{%- endif %}
