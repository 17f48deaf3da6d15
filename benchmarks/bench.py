"""Bake-to-ready time of the template, against the bare tools in the same run.

    .venv/bin/python benchmarks/bench.py [--runs 5] [--starters none data-science]

"Ready" is a project whose two locks are written and whose venv holds the dev lock. For each
starter set it times, over several rounds with warm package caches (one warm-up round first):

  (a) cookiecutter bake, standard-library path   ENV_PY_BACKEND=pip cookiecutter --no-input ...
  (b) cookiecutter bake, uv path                 ENV_PY_BACKEND=uv  cookiecutter --no-input ...
  (c) floor for (a): python -m venv, the same two `uv pip compile` calls, pip install, pip check
  (d) floor for (b): uv venv --seed, the same two `uv pip compile` calls, uv pip sync, uv pip check
  (e) cookiecutter bake with create_venv=false: what rendering the template costs on its own

and prints the floor commands, the medians and the ratios a/c and b/d. It is not a test: it
passes or fails nothing. Needs the template's requirements-dev.txt installed and network access.
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
PYTHON_VERSION = "{}.{}".format(*sys.version_info)
BASE_PYTHON = shutil.which(f"python{PYTHON_VERSION}") or sys.executable
COMPILE = ["--universal", "--generate-hashes", "--python-version", PYTHON_VERSION, "--no-header", "--quiet"]


def bake(starter: str, out: Path) -> list[str]:
    return [sys.executable, "-m", "cookiecutter", "--no-input", "-o", str(out), str(TEMPLATE),
            f"starter_requirements={starter}"]


def locks() -> list[list[str]]:
    return [
        [UV, "pip", "compile", "requirements.txt", "-o", "requirements.lock", *COMPILE],
        [UV, "pip", "compile", "requirements-dev.txt", "-c", "requirements.lock",
         "-o", "requirements-dev.lock", *COMPILE],
    ]


def floor_pip() -> list[list[str]]:
    return [[BASE_PYTHON, "-m", "venv", "venv"], *locks(),
            ["venv/bin/python", "-m", "pip", "install", "--quiet", "--require-hashes", "-r", "requirements-dev.lock"],
            ["venv/bin/python", "-m", "pip", "check"]]


def floor_uv() -> list[list[str]]:
    return [[UV, "venv", "--seed", "--quiet", "--python", BASE_PYTHON, "venv"], *locks(),
            [UV, "pip", "sync", "--quiet", "--require-hashes", "--python", "venv/bin/python", "requirements-dev.lock"],
            [UV, "pip", "check", "--quiet", "--python", "venv/bin/python"]]


def clean_env(extra: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "ENV_PY_BACKEND")}
    return {**env, **extra}


def timed(commands: list[list[str]], cwd: Path, env: dict | None = None) -> float:
    started = time.perf_counter()
    for command in commands:
        subprocess.run(command, cwd=cwd, env=clean_env(env or {}), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def project_files(starter: str, scratch: Path) -> Path:
    """The starter's requirements files, rendered by the template (no venv made)."""
    out = scratch / f"files-{starter}"
    subprocess.run([sys.executable, "-m", "cookiecutter", "--no-input", "-o", str(out), str(TEMPLATE),
                    f"starter_requirements={starter}", "create_venv=false"], check=True, stdout=subprocess.DEVNULL)
    return out / "my_project"


def one_round(starter: str, scratch: Path, files: Path, n: int) -> dict[str, float]:
    times = {"e": timed([bake(starter, scratch / f"e-{starter}-{n}") + ["create_venv=false"]], scratch)}
    for label, backend in (("a", "pip"), ("b", "uv")):
        out = scratch / f"{label}-{starter}-{n}"
        times[label] = timed([bake(starter, out)], scratch, {"ENV_PY_BACKEND": backend})
        assert (out / "my_project" / "requirements-dev.lock").exists(), f"bake ({label}) did not lock"
    for label, commands in (("c", floor_pip()), ("d", floor_uv())):
        work = scratch / f"{label}-{starter}-{n}"
        work.mkdir()
        for name in ("requirements.txt", "requirements-dev.txt"):
            shutil.copy(files / name, work / name)
        times[label] = timed(commands, work)
    return times


def describe_machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    uv = subprocess.run([UV, "--version"], capture_output=True, text=True).stdout.strip()
    return f"{os.cpu_count()} cores, {cpu}; Python {platform.python_version()}; {uv}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed rounds per starter (default 5)")
    parser.add_argument("--starters", nargs="+", default=["none", "data-science"])
    args = parser.parse_args()
    print(f"machine: {describe_machine()}")
    print("floor (c):", *(" ".join(map(str, c)) for c in floor_pip()), sep="\n    ")
    print("floor (d):", *(" ".join(map(str, c)) for c in floor_uv()), sep="\n    ")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        for starter in args.starters:
            files = project_files(starter, scratch)
            one_round(starter, scratch, files, 0)  # warm-up: fills the pip and uv caches
            samples = {k: [] for k in "abcde"}
            for n in range(1, args.runs + 1):
                for label, seconds in one_round(starter, scratch, files, n).items():
                    samples[label].append(seconds)
            median = {k: statistics.median(v) for k, v in samples.items()}
            rows.append((starter, median))
    print(f"\nmedians of {args.runs} runs, seconds (warm caches)\n")
    print("| starter | (a) bake, pip | (c) floor, pip | a/c | (b) bake, uv | (d) floor, uv | b/d | (e) render only |")
    print("|---|---|---|---|---|---|---|---|")
    for starter, m in rows:
        print(f"| {starter} | {m['a']:.2f} | {m['c']:.2f} | {m['a'] / m['c']:.2f} "
              f"| {m['b']:.2f} | {m['d']:.2f} | {m['b'] / m['d']:.2f} | {m['e']:.2f} |")


if __name__ == "__main__":
    main()
