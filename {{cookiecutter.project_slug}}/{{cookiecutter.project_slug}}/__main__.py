"""Runs with `python -m {{ cookiecutter.project_slug }}`{% if cookiecutter.starter_requirements != "web-api" %}, the image's command{% endif %}."""

from {{ cookiecutter.project_slug }} import greeting


def main() -> None:
    print(greeting())


if __name__ == "__main__":
    main()
