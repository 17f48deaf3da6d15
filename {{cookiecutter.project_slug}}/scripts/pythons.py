"""The project's Python: the version .python-version names, an interpreter for it, and the
files that must name the same one (the Dockerfile's base, pinned by digest, and ruff's target)."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

from scripts.project import SETUP, WINDOWS, EnvError, Project, say, write_text

OLDEST = (3, 10)  # older versions no longer get security fixes
HERE = "{}.{}".format(*sys.version_info)
# The image's base in both FROM lines (python:X.Y-slim-<debian>, pinned by digest), ruff's target.
BASE = re.compile(r"(?m)^(FROM python:)(3\.\d+)(-slim-[a-z]+)(@sha256:[0-9a-f]{64})?")
TARGET = re.compile(r'(?m)^(target-version = "py)(3)(\d+)(")')
REGISTRY = os.environ.get("ENV_PY_REGISTRY", "https://registry-1.docker.io")  # or a mirror
# A multi-platform image's media types: its digest names the same files on every system.
INDEX_TYPES = "application/vnd.oci.image.index.v1+json, " + (
    "application/vnd.docker.distribution.manifest.list.v2+json"
)


def valid(version: str, where: str) -> str:
    """`version` if it is a MAJOR.MINOR this project supports, else one line saying what to do."""
    oldest = "{}.{}".format(*OLDEST)
    if not re.fullmatch(r"3\.\d+", version):
        raise EnvError(f"{where}: {version!r} is not a MAJOR.MINOR version like {oldest}")
    if tuple(map(int, version.split("."))) < OLDEST:
        usable = where != "--python" and sys.version_info >= OLDEST
        switch = f" (`{SETUP} --python {HERE}` switches the project)" if usable else ""
        raise EnvError(
            f"{where}: Python {version} is past its end of life: use {oldest} or newer{switch}"
        )
    return version


def wanted(project: Project) -> str:
    """The MAJOR.MINOR of .python-version."""
    try:
        version = (project.root / ".python-version").read_text().strip()
    except OSError:
        raise EnvError(".python-version is missing: write a version in it, like 3.12") from None
    return valid(version, ".python-version")


def probe(python: str) -> str | None:
    """Full version of an interpreter, or None if it does not run (pyenv shims may not)."""
    command = [python, "-I", "-c", "import platform; print(platform.python_version())"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def find(
    project: Project, version: str, uv: Path | None = None, switching: bool = False
) -> tuple[str, str]:
    """An interpreter for MAJOR.MINOR `version` and its full version: this one, the one the venv
    was made from, the Windows `py` launcher's, pythonX.Y, python3 or python on PATH, pyenv's,
    or one uv knows; else one line saying how to get it (`switching`: for `setup --python`)."""
    if HERE == version:
        return sys.executable, platform.python_version()
    home = project.venv.home()
    found = [str(Path(home, name)) for name in (f"python{version}", "python")] if home else []
    if WINDOWS and shutil.which("py"):
        where = "import sys; print(sys.executable)"
        launcher = subprocess.run(
            ["py", f"-{version}", "-c", where], capture_output=True, text=True
        )
        found.append(launcher.stdout.strip())
    found += [shutil.which(name) or "" for name in (f"python{version}", "python3", "python")]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"), "versions")
    found += sorted(map(str, pyenv.glob(f"{version}.*/bin/python{version}")), reverse=True)
    asked = project.run([uv, "python", "find", "--no-project", version]) if uv else None
    if asked and asked.returncode == 0:  # a Python uv installed (`uv python install`) or found
        found.append(asked.stdout.strip().splitlines()[-1])
    for path in filter(None, found):
        full = probe(path)
        if full and full.startswith(f"{version}."):
            return path, full
    looked = f"python{version} on PATH" + (f", `py -{version}`" if WINDOWS else "")
    shown = os.path.relpath(uv, project.root) if uv and uv.is_relative_to(project.root) else uv
    get = f"`{shown} python install {version}`, or " if uv else ""
    team = (
        f" Moving the project to another Python is a decision for the whole team"
        f" (`{SETUP} --python {HERE}` moves it to this one)"
    )
    raise EnvError(
        f"no Python {version} found (looked for {looked}, pyenv{', uv' if uv else ''}): install"
        f" it with {get}python.org's installer or your system's packages (README.md, Python"
        f" version)" + (f", or name it by path: `{SETUP} --python /path/to/python{version}`"
        if switching else f".{team}")
    )  # fmt: skip


def disagreements(project: Project, version: str) -> list[str]:
    """How the Dockerfile and pyproject.toml disagree with `version` (or the base floats)."""
    says, lines = f", .python-version says {version}", set()
    for _, tag_version, debian, digest in BASE.findall(project.text("Dockerfile")):
        if tag_version != version:
            lines.add(f"Dockerfile: FROM python:{tag_version}{debian}{says}")
        elif not digest:
            lines.add(f"Dockerfile: python:{version}{debian} has no digest: `lock` pins it")
    for _, major, minor, _ in TARGET.findall(project.text("pyproject.toml")):
        if f"{major}.{minor}" != version:
            lines.add(f"pyproject.toml: ruff's target-version is py{major}{minor}{says}")
    return sorted(lines)


def follow(project: Project, version: str) -> None:
    """Makes ruff's target and the Dockerfile's base name `version`. The base keeps its digest
    while its tag stays; a new tag, or none yet, gets the digest the registry gives now."""
    pyproject = project.text("pyproject.toml")
    target = TARGET.sub(lambda m: f"{m.group(1)}{version.replace('.', '')}{m.group(4)}", pyproject)
    if target != pyproject:
        write_text(project.root / "pyproject.toml", target)
        say(f"ruff's target-version in pyproject.toml is now py{version.replace('.', '')}")
    dockerfile = project.text("Dockerfile")
    found = BASE.search(dockerfile)
    if not found:
        return
    tag = f"{version}{found.group(3)}"
    digest = found.group(4) if found.group(2) == version else None
    if not digest:
        try:
            digest = "@" + image_digest(tag)
        except EnvError as error:  # offline: the digest last committed for this tag, if any
            digest = committed_digest(project, tag)
            if not digest:
                say(f"the Dockerfile's base python:{tag} has no digest yet ({error})")
    pinned = BASE.sub(lambda m: f"{m.group(1)}{tag}{digest or ''}", dockerfile)
    if pinned != dockerfile:
        write_text(project.root / "Dockerfile", pinned)
        say(f"the Dockerfile builds on python:{tag}" + (", pinned by digest" if digest else ""))


def committed_digest(project: Project, tag: str) -> str | None:
    """The digest of python:`tag` in the Dockerfile last committed (a switch and back)."""
    found = BASE.search(project.committed("Dockerfile"))
    return found.group(4) if found and f"{found.group(2)}{found.group(3)}" == tag else None


def image_digest(tag: str, registry: str = REGISTRY) -> str:
    """The digest of `python:<tag>` (its multi-platform index), asked with HEAD, which Docker
    Hub does not count as a pull; with the anonymous token the registry asks for."""
    import urllib.error  # here, not above: most runs never ask a registry, and it takes a while
    import urllib.parse
    import urllib.request

    url, headers = f"{registry}/v2/library/python/manifests/{tag}", {"Accept": INDEX_TYPES}
    try:
        for attempt in range(2):
            try:
                request = urllib.request.Request(url, headers=headers, method="HEAD")
                with urllib.request.urlopen(request, timeout=30) as response:
                    digest = str(response.headers.get("Docker-Content-Digest", ""))
                if not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
                    raise EnvError(f"{registry} gave no digest for python:{tag}")
                return digest
            except urllib.error.HTTPError as error:
                challenge = dict(
                    re.findall(r'(\w+)="([^"]*)"', error.headers.get("WWW-Authenticate", ""))
                )
                if error.code != 401 or attempt or "realm" not in challenge:
                    raise EnvError(f"{registry} answered {error.code} for python:{tag}") from None
                query = urllib.parse.urlencode(
                    {k: challenge[k] for k in ("service", "scope") if k in challenge}
                )
                with urllib.request.urlopen(f"{challenge['realm']}?{query}", timeout=30) as answer:
                    headers["Authorization"] = f"Bearer {json.load(answer)['token']}"
    except (OSError, ValueError, KeyError) as error:
        raise EnvError(f"cannot ask {registry} for python:{tag} ({error})") from None
    raise EnvError(f"{registry} refused the token it gave for python:{tag}")


def switch(project: Project, wanted: str, uv: Path | None) -> tuple[str, str, str]:
    """`setup --python X.Y` (or a path to an interpreter): writes .python-version once that
    Python is found, and returns its version, interpreter and full version (setup then
    re-locks and follows; it restores every file if anything fails)."""
    if re.fullmatch(r"[\d.]+", wanted):
        version = valid(wanted, "--python")
        base, full = find(project, version, uv, switching=True)
    else:
        full = probe(wanted) or ""
        if not full:
            raise EnvError(
                f"--python: {wanted!r} is neither a version like 3.12 nor a Python that runs"
            )
        version, base = valid(".".join(full.split(".")[:2]), "--python"), wanted
    if project.text(".python-version").strip() != version:
        write_text(project.root / ".python-version", f"{version}\n")
        say(f"the project now uses Python {version} (.python-version)")
    return version, base, full
