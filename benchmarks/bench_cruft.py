"""Time of `cruft check`, `cruft diff` and `cruft update` on a project, against a bare render.

    .venv/bin/python benchmarks/bench_cruft.py [--runs 5] [--starter data-science]

Makes a git copy of this template, `cruft create`s a project from it (venv, locks, first
commit; `.cruft.json` committed), then commits a change to the template. Each round times:

  (f) cruft check                    is the project behind its template?
  (g) cruft diff                     the project against its template version
  (h) cruft update --skip-apply-ask  merge the template change (then undone with git)
  (i) one cookiecutter render        create_venv=false init_git=false: the bare cost of a
                                     render; diff renders the template once, update twice

and prints the medians and the ratios g/i and h/i. It is not a test: it passes or fails
nothing. Needs the template's requirements-dev.txt installed (cruft) and, once, the index.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent
CRUFT = str(Path(sys.executable).parent / "cruft")
GIT = ["git", "-c", "user.name=Benchmark", "-c", "user.email=benchmark@example.org"]


def run(*cmd, cwd: Path) -> None:
    subprocess.run([str(c) for c in cmd], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def timed(*cmd, cwd: Path) -> float:
    started = time.perf_counter()
    run(*cmd, cwd=cwd)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed rounds (default 5)")
    parser.add_argument("--starter", default="data-science")
    args = parser.parse_args()
    # A prefix of our own: a bare `tmpXXXXXXXX` folder is what cruft renders its comparisons in.
    with tempfile.TemporaryDirectory(prefix="bench-cruft-") as tmp:
        scratch = Path(tmp)
        template = scratch / "template"
        shutil.copytree(TEMPLATE, template, ignore=shutil.ignore_patterns(
            ".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache"))
        run(*GIT, "init", "--quiet", cwd=template)
        run(*GIT, "add", "--all", cwd=template)
        run(*GIT, "commit", "--quiet", "-m", "template", cwd=template)
        run(CRUFT, "create", "--no-input", template, "--extra-context",
            f'{{"starter_requirements": "{args.starter}"}}', cwd=scratch)
        project = scratch / "my_project"
        run(*GIT, "add", ".cruft.json", cwd=project)
        run(*GIT, "commit", "--quiet", "-m", "link", cwd=project)
        readme = template / "{{cookiecutter.project_slug}}" / "README.md"
        readme.write_text(readme.read_text() + "\nA line from a new template version.\n")
        run(*GIT, "commit", "--quiet", "--all", "-m", "change", cwd=template)
        samples: dict[str, list[float]] = {k: [] for k in "fghi"}
        for n in range(args.runs + 1):  # round 0 warms up
            started = time.perf_counter()
            behind = subprocess.run([CRUFT, "check"], cwd=project, stdout=subprocess.DEVNULL)
            times = {"f": time.perf_counter() - started}
            assert behind.returncode == 1, "cruft check should find the project behind its template"
            times["g"] = timed(CRUFT, "diff", cwd=project)
            times["h"] = timed(CRUFT, "update", "--skip-apply-ask", cwd=project)
            run(*GIT, "reset", "--quiet", "--hard", "HEAD", cwd=project)
            times["i"] = timed(sys.executable, "-m", "cookiecutter", "--no-input", "-o", scratch / f"render-{n}",
                               template, f"starter_requirements={args.starter}", "create_venv=false",
                               "init_git=false", cwd=scratch)
            if n:
                for label, seconds in times.items():
                    samples[label].append(seconds)
    m = {k: statistics.median(v) for k, v in samples.items()}
    print(f"\n{args.starter} project, medians of {args.runs} runs, seconds\n")
    print("| (f) cruft check | (g) cruft diff | (h) cruft update | (i) one render | g/i | h/i |")
    print("|---|---|---|---|---|---|")
    print(f"| {m['f']:.2f} | {m['g']:.2f} | {m['h']:.2f} | {m['i']:.2f} "
          f"| {m['g'] / m['i']:.2f} | {m['h'] / m['i']:.2f} |")


if __name__ == "__main__":
    main()
