"""What the tests share: the template's own data, a baked project and a way to run commands in
it, and the linters. Fixtures live in conftest.py; this module is imported by name."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent
GENERATED = TEMPLATE / "{{cookiecutter.project_slug}}"
HOST_PYTHON = "{}.{}".format(*sys.version_info)
# The template's own lists, read where they live rather than repeated here.
QUESTIONS = json.loads((TEMPLATE / "cookiecutter.json").read_text())
STARTERS = QUESTIONS["starter_requirements"]
LOCKS = ["requirements.lock", "requirements-dev.lock"]

# Variables that point into this test run's own environment: a command run in a baked
# project must see none of them, or it could use our venv instead of its own.
LEAKY = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "CONDA_PREFIX",
         "PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST", "ENV_PY_BACKEND",
         "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")

# The package index made unreachable for pip and uv alike: a closed port on loopback,
# no local indexes or wheel folders from the machine's pip configuration, no retries.
OFFLINE = {
    "PIP_CONFIG_FILE": os.devnull, "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
    "PIP_EXTRA_INDEX_URL": "", "PIP_FIND_LINKS": "", "PIP_RETRIES": "0", "PIP_TIMEOUT": "5",
    "UV_INDEX_URL": "http://127.0.0.1:9/simple", "UV_DEFAULT_INDEX": "http://127.0.0.1:9/simple",
    "UV_HTTP_RETRIES": "0",
}

# What a bake says when its environment step failed; the cd path depends on where the test
# run started, and the project folder ends it.
FINISH = re.compile(r"Fix the cause, then finish with:\n    cd \S*my_project && python3 scripts/env.py setup")


def moved_back(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """What a rewrite lost or took back: each name of `before` (name -> version) missing from
    `after` or at an older version. A repair may take a release made since (the index moves
    on between two runs); it may never drop a package or go backwards."""
    from packaging.version import Version

    return sorted(
        f"{name} {version} -> {after.get(name, 'gone')}" for name, version in before.items()
        if name not in after or Version(after[name]) < Version(version)
    )


def pins(text: str) -> dict[str, str]:
    """A lock's or a freeze's `name==version` lines, as name -> version."""
    return dict(re.findall(r"(?m)^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", text))


def copy_template(destination: Path) -> Path:
    """A copy of this checkout's template, to change for one test, without its git and caches."""
    shutil.copytree(TEMPLATE, destination, ignore=shutil.ignore_patterns(
        ".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache"))
    return destination


def tool(name: str) -> str:
    """A command-line tool installed with this test run's requirements-dev.txt."""
    return str(Path(sysconfig.get_path("scripts")) / name)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LEAKY}
    own_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != own_bin)
    env.update(extra)
    return env


def scripts_module(name: str):
    """A module of the generated project's scripts/ (they hold no Jinja), imported from the
    template as a project imports it: `scripts.<name>`."""
    if str(GENERATED) not in sys.path:
        sys.path.insert(0, str(GENERATED))
        sys.dont_write_bytecode = True  # no __pycache__ in the template, which bakes would copy
    return importlib.import_module(f"scripts.{name}")


def load_module(name: str, path: Path, **context):
    """Imports a hook or a project script from its file, so a test can call its functions.
    With `context`, the file is first rendered by Jinja as a bake would (no bake is made)."""
    if context:  # rendered into a folder of its own, beside copies of its sibling modules
        import tempfile

        from jinja2 import Environment

        folder = Path(tempfile.mkdtemp(prefix=f"rendered-{name}-")) / path.parent.name
        shutil.copytree(path.parent, folder, ignore=shutil.ignore_patterns("__pycache__"))
        text = Environment(keep_trailing_newline=True).from_string(path.read_text()).render(cookiecutter=context)
        path = folder / path.name
        path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class Baked:
    """A baked project on disk, and the small things tests do with it."""

    def __init__(self, result):
        assert result.exception is None, result.exception
        assert result.exit_code == 0
        self.result = result
        self.path: Path = result.project_path
        self.context = result.context
        self.venv = self.path / self.context["venv_dir"]
        self.python = self.venv / "bin" / "python"

    def run(self, *cmd, check: bool = True, env: dict | None = None, cwd: Path | None = None,
            **options) -> subprocess.CompletedProcess:
        """Runs `cmd` in the project with a clean environment; output is returned as text."""
        done = subprocess.run([str(c) for c in cmd], cwd=cwd or self.path, env=clean_env(**(env or {})),
                              capture_output=True, text=True, **options)
        if check and done.returncode != 0:
            raise AssertionError(f"{cmd} exited {done.returncode}\n{done.stdout}\n{done.stderr}")
        return done

    def env_py(self, *args, check: bool = True, env: dict | None = None, **options):
        """`python3 scripts/env.py ...` as a teammate would run it."""
        return self.run(sys.executable, "scripts/env.py", *args, check=check, env=env, **options)

    def add_requirement(self, line: str, file: str = "requirements.txt") -> None:
        with open(self.path / file, "a") as requirements:
            requirements.write(line + "\n")

    def read(self, name: str) -> str:
        return (self.path / name).read_text()

    def locks(self) -> dict[str, bytes]:
        return {name: (self.path / name).read_bytes() for name in LOCKS}

    def python_version(self) -> str:
        """The venv's Python, MAJOR.MINOR."""
        return self.run(self.python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])").stdout.strip()

    def site_packages(self) -> Path:
        return next(self.venv.glob("lib/python*/site-packages"))

    def freeze(self, python: Path | None = None) -> set[str]:
        """The venv's `name==version` set, pip/setuptools/wheel left out (as pip freeze does)."""
        out = self.run(python or self.python, "-m", "pip", "freeze", "--exclude-editable").stdout
        return {normalize_line(line) for line in out.splitlines() if "==" in line}


def bake(cookies, **context) -> Baked:
    return Baked(cookies.bake(extra_context=context))


def normalize_line(line: str) -> str:
    name, _, version = line.partition("==")
    return f"{name.strip().lower().replace('_', '-')}=={version.strip()}"


def lock_entries(path: Path) -> list[tuple[str, int]]:
    """(requirement, hash count) of each entry of a lock, read by the project's own scripts/locks.py."""
    return [(str(entry), len(entry.hashes)) for entry in scripts_module("locks").read(path)]


def replace_file(path: Path, content: bytes) -> None:
    """Gives `path` new content as a new file. uv installs files as hard links into its
    cache: writing through one would change that file in every venv that shares it."""
    new = path.with_name(path.name + ".new")
    new.write_bytes(content)
    os.chmod(new, path.stat().st_mode)
    os.replace(new, path)


def workflow(path: Path) -> dict:
    """A GitHub Actions workflow, read as YAML 1.2 (so `on:` stays a string key)."""
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(path.read_text())


def workflow_jobs(path: Path) -> dict:
    """A GitHub Actions workflow's jobs."""
    return workflow(path)["jobs"]


def expression(text: str, context: dict[str, str]) -> str:
    """Fills each `${{ }}` of `text` as Actions would, from `context` ("github.token": "...").
    Only names, 'strings' and `a || b` (the first that is not empty) are understood: anything
    else fails the test rather than being guessed. Unset secrets and variables are empty, as on
    GitHub; any other name must be in `context`."""
    def value(term: str) -> str:
        term = term.strip()
        if re.fullmatch(r"'[^']*'", term):
            return term[1:-1]
        if term in context:
            return context[term]
        if re.fullmatch(r"(secrets|vars)\.\w+", term):
            return ""
        raise AssertionError(f"no value for `{term}` in the test's context")

    def fill(match: re.Match) -> str:
        terms = match.group(1).split("||")
        if not all(re.fullmatch(r"\s*('[^']*'|[\w.-]+)\s*", term) for term in terms):
            raise AssertionError(f"an expression the test runner does not evaluate: {match.group(0)}")
        return next((v for v in map(value, terms) if v), "")

    return re.sub(r"\$\{\{(.*?)\}\}", fill, text)


def run_steps(workflow_file: Path, job: str, cwd: Path, env: dict, context: dict[str, str] | None = None,
              only: set[str] | None = None, check: bool = True) -> list[subprocess.CompletedProcess]:
    """Runs a job's plain `run:` steps in order, with bash as Actions runs them; each must pass
    unless `check` is false. The workflow's, the job's and each step's `env:` are added to `env`;
    their `${{ }}` and the script's are filled from `context` (see `expression`), and
    `steps.ID.outputs.NAME` from what step ID wrote to $GITHUB_OUTPUT. `only`: the ids or names
    of the steps to run, the others skipped. After a failure, as on Actions, only the steps whose
    `if:` holds run (`failure()` and `steps.ID.outcome == '...'`, joined by `&&`)."""
    document = workflow(workflow_file)
    context = dict(context or {})
    done, failed = [], False
    for step in document["jobs"][job]["steps"]:
        if "run" not in step or (only is not None and not {step.get("id"), step.get("name")} & only):
            continue
        if not condition(step.get("if", "success()"), failed, context):
            context[f"steps.{step.get('id')}.outcome"] = "skipped"
            continue
        step_env = dict(env)
        for scope in (document, document["jobs"][job], step):
            step_env.update({k: expression(str(v), context) for k, v in (scope.get("env") or {}).items()})
        output = Path(step_env["GITHUB_OUTPUT"]) if "GITHUB_OUTPUT" in step_env else None
        before = output.stat().st_size if output and output.exists() else 0
        # Actions' default is `bash -e {0}`; `shell: bash` adds pipefail.
        options = ["-eo", "pipefail"] if step.get("shell") == "bash" else ["-e"]
        result = subprocess.run(["bash", "--noprofile", "--norc", *options, "-c", expression(step["run"], context)],
                                cwd=cwd, env=step_env, capture_output=True, text=True)
        if check:
            assert result.returncode == 0, f"{job}: {step.get('name')}\n{result.stdout}\n{result.stderr}"
        failed = failed or result.returncode != 0
        context[f"steps.{step.get('id')}.outcome"] = "failure" if result.returncode else "success"
        if output and output.exists() and "id" in step:
            written = output.read_bytes()[before:].decode()
            for line in written.splitlines():
                name, _, value = line.partition("=")
                context[f"steps.{step['id']}.outputs.{name}"] = value
        done.append(result)
    return done


def condition(text: str, failed: bool, context: dict[str, str]) -> bool:
    """A step's `if:` as Actions reads the forms the workflows use."""
    terms = [term.strip() for term in text.split("&&")]
    held = []
    for term in terms:
        outcome = re.fullmatch(r"(steps\.[\w-]+\.outcome) == '(\w+)'", term)
        if term in ("success()", "failure()", "always()"):
            held.append({"success()": not failed, "failure()": failed, "always()": True}[term])
        elif outcome:
            held.append(context.get(outcome.group(1)) == outcome.group(2))
        else:
            raise AssertionError(f"`if: {text}`: a condition the test runner does not read")
    if not {"failure()", "always()"} & set(terms) and failed:
        return False  # without a status function, Actions adds success()
    return all(held)


def assert_run_steps_pass_shellcheck(path: Path) -> None:
    """Each `run:` step of a workflow, as the bash script Actions makes of it, is shellcheck-clean."""
    for job in workflow_jobs(path).values():
        for step in job.get("steps", []):
            if "run" in step:
                # ${{ }} is filled in by Actions before bash sees the script.
                script = re.sub(r"\$\{\{.*?\}\}", "EXPRESSION", step["run"])
                # SC1091: a venv's activate script does not exist until the step before runs.
                lint = subprocess.run([tool("shellcheck"), "--shell=bash", "--exclude=SC1091", "-"],
                                      input=script, capture_output=True, text=True)
                assert lint.returncode == 0, f"{path.name}: {step.get('name', script)}\n{lint.stdout}"


def assert_zizmor_ignores_give_their_reason(folder: Path) -> None:
    """Each `# zizmor: ignore[...]` in the workflows of `folder` says why on its line, and every
    job has a timeout."""
    for path in sorted(folder.glob("*.yml")):
        for line in path.read_text().splitlines():
            if "zizmor: ignore" in line:
                assert re.search(r"zizmor: ignore\[[\w-]+\] \S+ \S+ \S+", line), f"{path.name}: {line.strip()}"
        for name, job in workflow_jobs(path).items():
            assert "uses" in job or "timeout-minutes" in job, f"{path.name}: job {name} has no timeout-minutes"


class StandInRegistry:
    """An image registry on loopback, for `env.py`'s base-image lookups: it asks for a token
    first, as Docker Hub does, then answers HEAD /v2/library/python/manifests/<tag> with a
    digest made from the tag (never a real one). `asked` lists the tags it was asked for."""

    def __init__(self):
        import hashlib
        import http.server
        import threading

        self.asked: list[str] = []
        registry = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_HEAD(self):  # noqa: N802 (the name http.server calls)
                tag = self.path.rsplit("/", 1)[-1]
                if self.headers.get("Authorization") != "Bearer stand-in-token":
                    self.send_response(401)
                    realm = f"http://127.0.0.1:{registry.port}/token"
                    self.send_header("WWW-Authenticate", f'Bearer realm="{realm}",service="stand-in",'
                                                         'scope="repository:library/python:pull"')
                elif "does-not-exist" in tag:
                    self.send_response(404)
                else:
                    registry.asked.append(tag)
                    self.send_response(200)
                    self.send_header("Docker-Content-Digest", "sha256:" + hashlib.sha256(tag.encode()).hexdigest())
                self.end_headers()

            def do_GET(self):  # noqa: N802
                body = b'{"token": "stand-in-token"}'
                self.send_response(200 if self.path.startswith("/token?service=stand-in") else 404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    @staticmethod
    def digest(tag: str) -> str:
        import hashlib

        return "sha256:" + hashlib.sha256(tag.encode()).hexdigest()

    def close(self):
        self.server.shutdown()


@contextlib.contextmanager
def served(root: Path):
    """A folder served over HTTP on loopback (a package index of PEP 503 pages and files);
    yields its address."""
    import http.server
    import threading
    from functools import partial

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
