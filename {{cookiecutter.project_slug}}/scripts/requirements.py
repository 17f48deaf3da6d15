"""`add` and `remove`: one step instead of three. The requirement goes into requirements.txt (or
requirements-dev.txt), keeping the file's comments and order; then the locks are written and
the venv set up. A requirement that cannot be locked changes nothing."""

from __future__ import annotations

import re
import time

from scripts import build, locks, pythons
from scripts.locks import LOCKS
from scripts.project import EnvError, Interrupted, Project, restored_on_failure, say, write_text

# A name, extras, version bounds and a marker: what `add` accepts (pip accepts more).
SPEC = re.compile(
    r"([A-Za-z0-9][A-Za-z0-9._-]*)(\[[\w,. -]*\])?\s*((?:[<>=!~]=?|===)[^;#]*)?(;[^#]*)?"
)
EXAMPLE = "a name with optional bounds, like httpx or 'httpx>=0.28'"


def name_of(line: str) -> str | None:
    """The normalized name a requirement line asks for (None for comments, options, blanks)."""
    found = SPEC.match(line.split("#")[0].strip())
    return locks.normalize(found.group(1)) if found and not line.lstrip().startswith("-") else None


def with_added(text: str, requirement: str) -> str:
    """`text` with `requirement`: in place of the line of the same package (its comment kept),
    or as a new last line."""
    lines, name = text.splitlines(), name_of(requirement)
    for number, line in enumerate(lines):
        if name_of(line) == name:
            comment = line[line.index("#") :] if "#" in line else ""
            lines[number] = f"{requirement:<19} {comment}".rstrip()
            return "\n".join(lines) + "\n"
    return "\n".join([*lines, requirement]) + "\n"


def change(project: Project, backend: str, adds: list[str], removes: list[str], dev: bool) -> None:
    """`add [--dev] REQUIREMENT...` and `remove [--dev] NAME...`: edit, lock, set up."""
    started = time.perf_counter()  # "ready in" counts the locking too
    for requirement in adds:
        if not SPEC.fullmatch(requirement.strip()) or locks.direct_reference(requirement):
            raise EnvError(f"{requirement!r} is not a requirement: use {EXAMPLE}")
    files = {name: locks.read_text(project.root / name) for name in LOCKS.values()}
    edited = dict(files)
    target = "requirements-dev.txt" if dev else "requirements.txt"
    for requirement in adds:
        edited[target] = with_added(edited[target], requirement.strip())
    for name in map(locks.normalize, removes):
        places = [target] if dev else list(edited)  # remove --dev: from requirements-dev.txt
        holders = [file for file in places if name in map(name_of, edited[file].splitlines())]
        if not holders:
            where = f"{'not in' if dev else 'in neither'} {' nor '.join(places)}"
            raise EnvError(f"{name} is {where}")
        for file in holders:
            kept = [line for line in edited[file].splitlines() if name_of(line) != name]
            edited[file] = "\n".join(kept) + "\n"
    changed = [project.root / name for name in (*LOCKS, *edited)]
    try:
        with restored_on_failure(changed):  # a requirement that does not resolve changes nothing
            for file, text in edited.items():
                if text != files[file]:
                    write_text(project.root / file, text)
            build.lock(project, pythons.wanted(project))
    except EnvError as error:
        raise EnvError(f"{error} (requirements*.txt and the locks are as they were)") from None
    except Interrupted:
        raise Interrupted("requirements*.txt and the locks are as they were") from None
    for file, text in edited.items():
        if text != files[file]:
            asks = f"now asks for {', '.join(adds)} (say why, in a comment on its line)"
            say(f"{file} " + (asks if adds else f"no longer lists {', '.join(removes)}"))
    if adds and edited == files:
        say(f"{target} already asks for {', '.join(adds)}: nothing to add")
    build.setup(project, backend, started=started)
