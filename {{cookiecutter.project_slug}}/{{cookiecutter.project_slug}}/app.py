"""The web API, which the image serves with
`uvicorn {{ cookiecutter.project_slug }}.app:app`.
"""

from fastapi import FastAPI

from {{ cookiecutter.project_slug }} import greeting

app = FastAPI(title="{{ cookiecutter.project_slug }}")


@app.get("/")
def root() -> dict[str, str]:
    return {"message": greeting()}


@app.get("/health")
def health() -> dict[str, str]:
    """Answers the image's HEALTHCHECK."""
    return {"status": "ok"}
