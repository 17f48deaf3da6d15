"""What `check` and a repairing `setup` cost, against a fresh setup and the bare tools.

    .venv/bin/python benchmarks/bench_repair.py [--runs 5] [--starter machine-learning]

One project is baked (its caches then warm), and each round, in turn:

  (k) check                  python3 scripts/env.py check, on the whole venv (every file of
                             every package against its RECORD)
  (u) bare uv check          uv pip sync --dry-run of the dev lock: versions only, no files
  (s) fresh setup            the venv removed, then python3 scripts/env.py setup
  (f) bare uv setup          uv venv, then uv pip sync of the dev lock
  (r:KIND) repair            the venv damaged in one way (below), then python3 scripts/env.py
                             setup, which must end in sync

and prints medians and the ratios k/u, r/s and s/f. It is not a test: it passes or fails
nothing. Needs the template's requirements-dev.txt installed, and the package index.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from uv import find_uv_bin

TEMPLATE = Path(__file__).resolve().parent.parent
UV = find_uv_bin()
ENV = {**{k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "ENV_PY_BACKEND")},
       "PIP_CONFIG_FILE": os.devnull}


def replace(path: Path, content: bytes) -> None:
    """New content as a new file: uv links installed files to its cache, never write through."""
    new = path.with_name(path.name + ".new")
    new.write_bytes(content)
    os.chmod(new, path.stat().st_mode)
    os.replace(new, path)


def site(project: Path) -> Path:
    return next((project / "venv").glob("lib/python*/site-packages"))


def base_python_gone(project: Path) -> None:
    link = project / "venv/bin/python"
    link.unlink()
    link.symlink_to("/nonexistent/python3")


# How a venv breaks; each leaves it for `setup` to repair.
DAMAGE = {
    "base Python gone": base_python_gone,
    "pip half unpacked": lambda p: (site(p) / "pip/_internal/cli/main.py").unlink(),
    "uv truncated": lambda p: replace(p / "venv/bin/uv", (p / "venv/bin/uv").read_bytes()[:1000]),
    "metadata missing": lambda p: next(site(p).glob("joblib-*.dist-info")).joinpath("METADATA").unlink(),
    "package file deleted": lambda p: (site(p) / "sklearn/__init__.py").unlink(),
    "project link missing": lambda p: (site(p) / "project-root.pth").unlink(),
    "extra package": lambda p: run([UV, "pip", "install", "--quiet", "--python", p / "venv/bin/python", "six"], p),
    "package downgraded": lambda p: run([UV, "pip", "install", "--quiet", "--python", p / "venv/bin/python",
                                         "joblib==1.4.2"], p),
}


def run(command: list, cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run([str(c) for c in command], cwd=cwd, env=ENV, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def env_py(project: Path, *args: str) -> float:
    return run([sys.executable, "scripts/env.py", *args], project)


def one_round(project: Path, moved: Path) -> dict[str, float]:
    python = project / "venv/bin/python"
    times = {"k": env_py(project, "check"),
             "u": run([UV, "pip", "sync", "--dry-run", "--python", python, "requirements-dev.lock"], project)}
    shutil.rmtree(project / "venv")
    times["s"] = env_py(project, "setup")
    bare = project.parent / "bare-venv"
    shutil.rmtree(bare, ignore_errors=True)
    times["f"] = run([UV, "venv", "--seed", "--quiet", "--python", sys.executable, bare], project) + run(
        [UV, "pip", "sync", "--quiet", "--require-hashes", "--python", bare / "bin/python", "requirements-dev.lock"],
        project)
    for kind, damage in DAMAGE.items():
        damage(project)
        times[f"r:{kind}"] = env_py(project, "setup")
        env_py(project, "check")  # in sync again, or this raises
    shutil.move(project, moved)  # the project folder renamed
    times["r:project moved"] = env_py(moved, "setup")
    env_py(moved, "check")
    shutil.move(moved, project)
    env_py(project, "setup")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed rounds (default 5)")
    parser.add_argument("--starter", default="machine-learning")
    args = parser.parse_args()
    uv = subprocess.run([UV, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"machine: {os.cpu_count()} cores; Python {platform.python_version()}; {uv}")
    with tempfile.TemporaryDirectory(prefix="bench-repair-") as tmp:
        subprocess.run([sys.executable, "-m", "cookiecutter", "--no-input", "-o", tmp, str(TEMPLATE),
                        f"starter_requirements={args.starter}", "init_git=false"], check=True, env=ENV,
                       stdout=subprocess.DEVNULL)
        project = Path(tmp) / "my_project"
        files = sum(1 for _ in (project / "venv").rglob("*"))
        print(f"{args.starter} venv: {files} files")
        one_round(project, Path(tmp) / "renamed")  # warm-up
        samples: dict[str, list[float]] = {}
        for _ in range(args.runs):
            for label, seconds in one_round(project, Path(tmp) / "renamed").items():
                samples.setdefault(label, []).append(seconds)
    m = {label: statistics.median(values) for label, values in samples.items()}
    print(f"\nmedians of {args.runs} runs, seconds (warm caches)\n")
    print("| (k) check | (u) bare uv check | k/u | (s) fresh setup | (f) bare uv setup | s/f |")
    print("|---|---|---|---|---|---|")
    print(f"| {m['k']:.2f} | {m['u']:.2f} | {m['k'] / m['u']:.2f} | {m['s']:.2f} | {m['f']:.2f} "
          f"| {m['s'] / m['f']:.2f} |")
    print("\n| damage | (r) setup repairs it | r/s |")
    print("|---|---|---|")
    for label in [key for key in m if key.startswith("r:")]:
        print(f"| {label[2:]} | {m[label]:.2f} | {m[label] / m['s']:.2f} |")


if __name__ == "__main__":
    main()
