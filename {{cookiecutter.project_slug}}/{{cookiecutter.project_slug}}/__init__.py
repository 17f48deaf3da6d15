"""{{ cookiecutter.project_name | replace("\\", "\\\\") | replace('"', '\\"') }}: {{ cookiecutter.description | replace("\\", "\\\\") | replace('"', '\\"') }}"""

__version__ = "0.1.0"


def greeting() -> str:
    """A first function, so that tests/ has something real to test."""
    return "Hello from {{ cookiecutter.project_slug }}"
