"""Makes the git tag of every version CHANGELOG.md names with its commit, where none exists.

    .venv/bin/python maintenance/tag_versions.py

CHANGELOG.md is the record: a heading `## vX.Y.Z — DATE — commit <40 hex>` is a released
version. Tags live outside the main branch and are lost with a clone that does not fetch them;
the CHANGELOG travels with every clone, so the tags can always be made again from it. Prints
the name of each tag it makes, one per line (the tags workflow pushes those); makes no other
tag and moves none. Exits 1, with one line, when a recorded commit is not in the repository
or a tag of that name points elsewhere.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent
RELEASE = re.compile(r"(?m)^## (v\d+\.\d+\.\d+) — \S+ — commit ([0-9a-f]{40})$")


def git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=TEMPLATE, capture_output=True, text=True)


def main() -> int:
    releases = RELEASE.findall((TEMPLATE / "CHANGELOG.md").read_text(encoding="utf-8"))
    missing = []
    for version, commit in releases:  # every record is checked before any tag is made
        if git("cat-file", "-e", f"{commit}^{{commit}}").returncode != 0:
            print(f"error: CHANGELOG.md names {commit} for {version}, which this repository does not have"
                  " (a shallow clone? fetch the whole history)", file=sys.stderr)
            return 1
        tagged = git("rev-parse", "--verify", "--quiet", f"refs/tags/{version}^{{commit}}").stdout.strip()
        if tagged and tagged != commit:
            print(f"error: the tag {version} points to {tagged}, CHANGELOG.md says {commit}: one of them is"
                  " wrong, and tags are never moved here", file=sys.stderr)
            return 1
        if not tagged:
            missing.append((version, commit))
    for version, commit in missing:
        made = git("tag", version, commit)
        if made.returncode != 0:
            print(f"error: git tag {version} failed: {made.stderr.strip()}", file=sys.stderr)
            return 1
        print(version)
    return 0


if __name__ == "__main__":
    sys.exit(main())
