"""The weekly jobs' `run:` steps (refresh-locks.yml, update-template.yml), run in order with bash,
real git and the project's own scripts, against stand-ins for GitHub's rules (stand_ins.py): a
remote that refuses workflow changes to a token without the permission, and a REST API that
refuses pull requests to Actions when the repository setting is off. Then publish.yml's
decision, made before anything is pushed, whether to attest the image.

Each job runs in a fresh clone, as actions/checkout gives it (the token not kept), with the
environment GitHub sets and `${{ }}` filled from the job's context (helpers.run_steps).
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import LOCKS, clean_env, copy_template, run_steps
from stand_ins import GitHub

REFRESH = ".github/workflows/refresh-locks.yml"
UPDATE = ".github/workflows/update-template.yml"
SETTING = "Allow GitHub Actions to create and approve pull requests"
WORKFLOWS = "Workflows: Read and write"


def auth(token: str) -> dict[str, str]:
    """git's environment for one command with a token, as actions/checkout passes it."""
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraheader",
            "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {basic}", "GIT_TERMINAL_PROMPT": "0"}


def git(cwd: Path, *args: str, env: dict | None = None) -> str:
    done = subprocess.run(["git", "-c", "user.name=A Maintainer", "-c", "user.email=maintainer@example.org", *args],
                          cwd=cwd, capture_output=True, text=True, env=clean_env(**(env or {})))
    assert done.returncode == 0, f"git {args}: {done.stderr}"
    return done.stdout.strip()


class Job:
    """One run of a job: a fresh clone of the repository's main branch and the runner's folders."""

    def __init__(self, repository: Repository, number: int):
        self.repository = repository
        self.path = repository.root / f"run-{number}"
        git(repository.root, "clone", "--quiet", repository.url, str(self.path), env=auth(repository.owner))
        self.sha = git(self.path, "rev-parse", "HEAD")
        self.runner = repository.root / f"runner-{number}"
        self.runner.mkdir()
        self.summary = self.runner / "summary.md"
        self.number = number

    def run(self, workflow: str, job: str, only: set[str] | None = None, secrets: dict[str, str] | None = None,
            check: bool = True) -> list[subprocess.CompletedProcess]:
        repository = self.repository
        env = clean_env(PATH=repository.path_with_python, RUNNER_TEMP=str(self.runner),
                        GITHUB_OUTPUT=str(self.runner / "output"), GITHUB_STEP_SUMMARY=str(self.summary),
                        GITHUB_REPOSITORY=repository.name, GITHUB_API_URL=repository.github.api_url,
                        GITHUB_SERVER_URL=repository.github.url, GITHUB_REF_NAME="main", GITHUB_SHA=self.sha,
                        GITHUB_WORKFLOW=workflow, GITHUB_RUN_ID=str(self.number), TMPDIR=str(self.runner))
        context = {"github.token": repository.job_token, **{f"secrets.{k}": v for k, v in (secrets or {}).items()}}
        return run_steps(self.path / workflow, job, self.path, env, context, only, check)

    def propose_locks(self, locks: dict[str, bytes], **options) -> subprocess.CompletedProcess:
        """The refresh job's last step, after `lock --upgrade` wrote these locks."""
        for name, content in locks.items():
            (self.path / name).write_bytes(content)
        [done] = self.run(REFRESH, "refresh", only={"propose"}, **options)
        return done


class Repository:
    """A repository on the stand-in holding a baked project on main, its owner's token (every
    permission) and its jobs' GITHUB_TOKEN."""

    def __init__(self, github: GitHub, root: Path, project: Path, name: str, **settings):
        self.github, self.name = github, f"acme/{name}"
        self.root = root / name
        self.root.mkdir()
        self.repo = github.add_repository(self.name, **settings)
        self.url = github.clone_url(self.name)
        self.owner = github.add_token(f"owner-{name}", "personal", {self.name}, contents="write", workflows="write",
                                      pull_requests="write", issues="write")
        self.job_token = github.job_token(self.name, f"ghs-{name}")
        git(project, "push", "--quiet", self.url, "HEAD:refs/heads/main", env=auth(self.owner))
        bin_dir = self.root / "bin"  # `python` is the plain Python of .python-version, as setup-python leaves it
        bin_dir.mkdir()
        version = (project / ".python-version").read_text().strip()
        for name_ in ("python", "python3"):
            (bin_dir / name_).symlink_to(Path(sys.base_prefix) / "bin" / f"python{version}")
        self.path_with_python = f"{bin_dir}{os.pathsep}{clean_env()['PATH']}"
        self.jobs = 0

    def job(self) -> Job:
        self.jobs += 1
        return Job(self, self.jobs)

    def commit_on_main(self, edit) -> str:
        """A maintainer's commit on main: `edit(folder)` changes a clone's files."""
        folder = self.root / f"edit-{len(list(self.root.glob('edit-*')))}"
        git(self.root, "clone", "--quiet", self.url, str(folder), env=auth(self.owner))
        edit(folder)
        git(folder, "commit", "--quiet", "--all", "-m", "A maintainer's change")
        git(folder, "push", "--quiet", "origin", "HEAD:main", env=auth(self.owner))
        return git(folder, "rev-parse", "HEAD")

    def on_stand_in(self, *args: str) -> str:
        return subprocess.run(["git", "--git-dir", str(self.repo.path), *args], capture_output=True, text=True,
                              check=True).stdout.strip()


@pytest.fixture(scope="module")
def github(tmp_path_factory):
    stand_in = GitHub(tmp_path_factory.mktemp("github"))
    yield stand_in
    stand_in.close()


def lose_a_comment(folder: Path) -> None:
    """requirements-dev.lock as main holds it, one comment short: a refresh surely changes it."""
    lock = folder / "requirements-dev.lock"
    lock.write_text(re.sub(r"\n    # via[^\n]*", "", lock.read_text(), count=1))


@pytest.fixture(scope="module")
def refreshed(baked, github, tmp_path_factory):
    """The refresh job run whole, each step in order, with GITHUB_TOKEN and the repository
    setting on. requirements-dev.lock lost a comment on main, so re-resolving surely changes it."""
    repository = Repository(github, tmp_path_factory.mktemp("refresh"), baked().path, "locks",
                            actions_may_open_prs=True)
    repository.commit_on_main(lose_a_comment)
    job = repository.job()
    steps = job.run(REFRESH, "refresh")
    branch = {name: repository.on_stand_in("show", f"refresh-locks:{name}").encode() + b"\n" for name in LOCKS}
    return repository, job, steps, branch


# ---- the stand-ins themselves ----------------------------------------------------------------------


def test_the_stand_ins_apply_githubs_rules(github, tmp_path):
    """What the tests below rely on: reads of a private repository need a token, a public one is
    anyone's; the job's token never pushes a workflow file, in GitHub's words for a GitHub App;
    the REST API refuses what a token may not do, as GitHub words it."""
    import json
    import urllib.error
    import urllib.request

    private = github.add_repository("acme/rules")
    github.add_repository("acme/open", private=False)
    job = github.job_token("acme/rules", "ghs-rules")
    work = tmp_path / "work"
    (work / ".github/workflows").mkdir(parents=True)
    (work / ".github/workflows/ci.yml").write_text("name: CI\n")
    git(tmp_path, "init", "--quiet", "--initial-branch=main", str(work))
    git(work, "add", "--all")
    git(work, "commit", "--quiet", "-m", "A workflow")
    done = subprocess.run(["git", "ls-remote", github.clone_url("acme/rules")], capture_output=True, text=True,
                          env=clean_env(GIT_TERMINAL_PROMPT="0"))
    assert done.returncode == 128 and "could not read Username" in done.stderr  # a 401: asked for credentials
    assert git(work, "ls-remote", github.clone_url("acme/open")) == ""  # empty, and readable without a token
    done = subprocess.run(["git", "push", github.clone_url("acme/rules"), "HEAD:refs/heads/main"], cwd=work,
                          capture_output=True, text=True, env=clean_env(**auth(job)))
    assert done.returncode == 1 and private.branch("main") is None
    assert ("remote: refusing to allow a GitHub App to create or update workflow `.github/workflows/ci.yml` without"
            " `workflows` permission") in done.stderr

    def call(method: str, path: str, token: str, data: dict | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(f"{github.api_url}/repos/{path}", method=method,
                                         data=json.dumps(data).encode() if data else None,
                                         headers={"Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(request) as answer:
                return answer.status, json.load(answer)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    reader = github.add_token("pat-reader", "personal", {"acme/rules"}, contents="read")
    assert call("POST", "acme/rules/issues", reader, {"title": "x"}) == (
        403, {"message": "Resource not accessible by personal access token"})
    assert call("GET", "acme/rules/pulls", "nobody's")[0] == 401
    assert call("GET", "acme/rules/pulls", github.job_token("acme/open", "ghs-open"))[0] == 404  # hidden
    assert call("POST", "acme/rules/issues", job, {"title": "x"})[0] == 201


# ---- refresh-locks.yml ---------------------------------------------------------------------------


def test_the_refresh_opens_one_pull_request_with_the_locks_alone(refreshed):
    repository, job, (setup, lock, propose), _ = refreshed
    assert "ready in" in setup.stdout and "writing requirements-dev.lock" in lock.stdout
    [pr] = repository.repo.pulls
    assert propose.stdout == f"Pull request #{pr['number']} opened: {pr['html_url']}\n"
    assert (pr["head"]["ref"], pr["base"]["ref"]) == ("refresh-locks", "main")
    assert pr["user"]["login"] == "github-actions[bot]"
    assert pr["title"] == "Refresh the locks to the newest allowed versions" and "lock --upgrade" in pr["body"]
    # One commit on main, by github-actions[bot], holding the locks and nothing else (the base
    # image's digest is Dependabot's, whatever `lock --upgrade` did to the Dockerfile).
    assert repository.on_stand_in("rev-parse", "refresh-locks^") == repository.on_stand_in("rev-parse", "main")
    changed = repository.on_stand_in("diff", "--name-only", "main", "refresh-locks").split()
    assert "requirements-dev.lock" in changed and set(changed) <= set(LOCKS)
    assert repository.on_stand_in("log", "-1", "--format=%an", "refresh-locks") == "github-actions[bot]"
    assert f"Pull request #{pr['number']} opened" in job.summary.read_text()
    # What the job committed matches its inputs.
    check = subprocess.run([sys.executable, "scripts/env.py", "lock", "--check"], cwd=job.path, capture_output=True,
                           text=True, env=clean_env())
    assert check.returncode == 0, check.stdout + check.stderr
    assert repository.repo.issues == []


def test_a_later_refresh_updates_the_same_pull_request(refreshed):
    repository, _, _, locks = refreshed
    pushed = repository.on_stand_in("rev-parse", "refresh-locks")
    # The same locks on the same main: the same commit, so nothing is pushed; the PR is updated.
    done = repository.job().propose_locks(locks)
    [pr] = repository.repo.pulls
    assert done.stdout == f"Pull request #{pr['number']} updated: {pr['html_url']}\n"
    assert repository.on_stand_in("rev-parse", "refresh-locks") == pushed
    # main moved: the branch is made again on top of it, and still one pull request.
    main = repository.commit_on_main(lambda folder: (folder / "README.md").write_text("# Moved\n"))
    done = repository.job().propose_locks(locks)
    assert [pr["number"] for pr in repository.repo.pulls] == [pr["number"]] and "updated" in done.stdout
    assert repository.on_stand_in("rev-parse", "refresh-locks^") == main


def test_without_the_setting_the_branch_is_pushed_and_one_issue_names_the_setting(baked, github, refreshed,
                                                                                tmp_path):
    _, _, _, locks = refreshed
    repository = Repository(github, tmp_path, baked().path, "setting-off")
    repository.commit_on_main(lose_a_comment)
    job = repository.job()
    done = job.propose_locks(locks)
    assert repository.repo.pulls == [] and repository.repo.branch("refresh-locks")
    [issue] = repository.repo.issues
    assert issue["title"] == "The weekly `refresh-locks` pull request needs a setting or a token"
    body = issue["body"]
    assert "GitHub Actions is not permitted to create or approve pull requests." in body
    assert SETTING in body and "`UPDATES_TOKEN`" in body
    assert f"{github.url}/acme/setting-off/compare/main...refresh-locks?expand=1" in body
    assert "python3 scripts/env.py lock --upgrade" in body and "/actions/runs/1)" in body
    assert body in job.summary.read_text() and f"issue #{issue['number']}" in done.stderr
    # The next run updates that issue: never a second one.
    repository.job().propose_locks(locks)
    [issue] = repository.repo.issues
    assert "/actions/runs/2)" in issue["body"] and issue["state"] == "open"
    # With the setting on, the pull request opens, and the issue is closed, saying so.
    repository.repo.actions_may_open_prs = True
    done = repository.job().propose_locks(locks)
    [pr] = repository.repo.pulls
    [issue] = repository.repo.issues
    assert issue["state"] == "closed" and issue["comments"] == [f"Solved: #{pr['number']} is open."]


def test_when_not_even_the_issue_can_be_written_the_job_fails_with_the_text_in_its_summary(baked, github, refreshed,
                                                                                         tmp_path):
    _, _, _, locks = refreshed
    repository = Repository(github, tmp_path, baked().path, "no-issues", has_issues=False)
    repository.commit_on_main(lose_a_comment)
    job = repository.job()
    done = job.propose_locks(locks, check=False)
    assert done.returncode == 1
    assert "the issue saying this could not be written (410 Issues are disabled for this repo)" in done.stderr
    assert SETTING in job.summary.read_text()


def test_a_branch_holding_someone_elses_commits_is_left_as_it_is(baked, github, refreshed, tmp_path):
    _, _, _, locks = refreshed
    repository = Repository(github, tmp_path, baked().path, "edited-branch", actions_may_open_prs=True)
    repository.commit_on_main(lose_a_comment)
    repository.job().propose_locks(locks)
    folder = repository.root / "mine"
    git(repository.root, "clone", "--quiet", "--branch", "refresh-locks", repository.url, str(folder),
        env=auth(repository.owner))
    (folder / "requirements.txt").write_text((folder / "requirements.txt").read_text() + "# pinned by hand\n")
    git(folder, "commit", "--quiet", "--all", "-m", "A fix of our own")
    git(folder, "push", "--quiet", "origin", "HEAD", env=auth(repository.owner))
    ours = repository.on_stand_in("rev-parse", "refresh-locks")
    repository.commit_on_main(lambda folder: (folder / "README.md").write_text("# Moved\n"))
    done = repository.job().propose_locks(locks)
    assert repository.on_stand_in("rev-parse", "refresh-locks") == ours
    assert "holds commits that are not this job's: left as it is" in done.stdout


def test_the_cooldown_is_dependabots_and_must_be_one_number_of_days(baked, github, tmp_path):
    repository = Repository(github, tmp_path, baked().path, "cooldown")
    dependabot = ".github/dependabot.yml"

    def second_cooldown(folder: Path) -> None:
        path = folder / dependabot
        text = path.read_text()
        assert text.count("default-days: 7") == 2  # the actions' and the base image's
        path.write_text(text.replace("default-days: 7", "default-days: 3", 1))

    repository.commit_on_main(second_cooldown)
    [done] = repository.job().run(REFRESH, "refresh", only={"lock"}, check=False)
    assert done.returncode == 1
    assert done.stdout == "::error file=.github/dependabot.yml::every cooldown needs one default-days; found: 3 7\n"


# ---- update-template.yml: a change to .github/workflows/ ------------------------------------------


def propose_update(repository: Repository, secrets: dict[str, str] | None = None) -> tuple[Job, str]:
    """update-template.yml's last step, after the update step changed a workflow and wrote its report."""
    job = repository.job()
    ci = job.path / ".github/workflows/ci.yml"
    ci.write_text(ci.read_text() + "# A line from the template's newer version\n")
    (job.runner / "template-update.md").write_text("# Update from the template to v9.9.9\n\nNothing conflicts.\n")
    [done] = job.run(UPDATE, "update", only={"propose"}, secrets=secrets)
    return job, done.stdout + done.stderr


def test_a_workflow_change_is_never_pushed_with_github_token_and_the_issue_names_the_permission(baked, github,
                                                                                               tmp_path):
    repository = Repository(github, tmp_path, baked().path, "job-token", actions_may_open_prs=True)
    job, _ = propose_update(repository)
    assert repository.repo.branch("template-update") is None and repository.repo.pulls == []
    [issue] = repository.repo.issues
    assert "This change edits `.github/workflows/ci.yml`" in issue["body"]
    assert "no job's own token (`GITHUB_TOKEN`) push a change to `.github/workflows/`" in issue["body"]
    assert "secret `UPDATES_TOKEN`" in issue["body"] and f"**{WORKFLOWS}**" in issue["body"]
    assert "`python3 scripts/env.py update`" in issue["body"]
    assert issue["body"] in job.summary.read_text()


def test_a_token_without_the_workflows_permission_is_refused_by_the_remote_and_with_it_the_update_goes_through(
        baked, github, tmp_path):
    repository = Repository(github, tmp_path, baked().path, "pat")
    secret = github.add_token("pat-no-workflows", "personal", {repository.name}, contents="write",
                              pull_requests="write")
    _, said = propose_update(repository, {"UPDATES_TOKEN": secret})
    assert repository.repo.branch("template-update") is None and repository.repo.pulls == []
    [issue] = repository.repo.issues
    refusal = ("refusing to allow a Personal Access Token to create or update workflow `.github/workflows/ci.yml`"
               " without `workflow` scope")
    assert f'GitHub refused to let the token in `UPDATES_TOKEN` push `template-update`: "{refusal}".' in issue["body"]
    assert f"the repository permission **{WORKFLOWS}**" in issue["body"]
    # The same token, given the permission: pushed, and the pull request opened with it.
    github.tokens[secret].permissions["workflows"] = "write"
    _, said = propose_update(repository, {"UPDATES_TOKEN": secret})
    [pr] = repository.repo.pulls
    assert (pr["title"], pr["body"], pr["user"]["login"]) == ("Update from the template to v9.9.9",
                                                              "Nothing conflicts.", "a-maintainer")
    assert ".github/workflows/ci.yml" in repository.on_stand_in("diff", "--name-only", "main", "template-update")
    assert repository.repo.issues[0]["state"] == "closed"


# ---- update-template.yml, whole: the lead's `env.py update` ---------------------------------------


def test_the_update_job_reads_a_private_template_with_the_token_and_proposes_its_new_version(github, tmp_path):
    """A private template on the stand-in; a project baked from it with plain cookiecutter; the
    template's next version changes a workflow. The job, run whole with UPDATES_TOKEN (Contents, Pull requests
    and Workflows: Read and write, on the project and the template), opens the pull request."""
    github.add_repository("acme/template")
    token = github.add_token("pat-updates", "personal", {"acme/template", "acme/project"}, contents="write",
                             pull_requests="write", workflows="write")
    source = copy_template(tmp_path / "template")
    git(source, "init", "--quiet", "--initial-branch=main")
    git(source, "add", "--all")
    git(source, "commit", "--quiet", "-m", "The template")
    git(source, "tag", "v9.9.8")
    git(source, "push", "--quiet", "--tags", github.clone_url("acme/template"), "main", env=auth(token))
    out = tmp_path / "out"
    out.mkdir()
    config = tmp_path / "cookiecutter.yaml"  # its clones and replays kept in this test's folder
    config.write_text(f"cookiecutters_dir: {tmp_path / 'clones'}\nreplay_dir: {tmp_path / 'replay'}\n")
    made = subprocess.run([sys.executable, "-m", "cookiecutter", "--no-input", "--checkout", "v9.9.8",
                           f"{github.clone_url('acme/template')}.git", "create_venv=false"], cwd=out,
                          capture_output=True, text=True,
                          env=clean_env(COOKIECUTTER_CONFIG=str(config), **auth(token)))
    assert made.returncode == 0, made.stderr
    project = out / "my_project"  # linked, in its first commit
    assert git(project, "ls-files", ".cruft.json") == ".cruft.json" and git(project, "status", "--porcelain") == ""
    ci = source / "{{cookiecutter.project_slug}}/.github/workflows/ci.yml"
    ci.write_text(ci.read_text() + "# The template's next version\n")
    git(source, "commit", "--quiet", "--all", "-m", "A new version")
    git(source, "tag", "v9.9.9")
    git(source, "push", "--quiet", "--tags", github.clone_url("acme/template"), "main", env=auth(token))
    without = subprocess.run([sys.executable, "scripts/env.py", "update"], cwd=project, capture_output=True,
                             text=True, env=clean_env())
    assert without.returncode == 1 and len(without.stderr.strip().splitlines()) == 1, without.stderr
    assert "set TEMPLATE_TOKEN to a token that may read the template's repository" in without.stderr
    repository = Repository(github, tmp_path, project, "project", actions_may_open_prs=True)
    # The job without the secret: the update step fails, and the one issue says why.
    update, said = repository.job().run(UPDATE, "update", check=False)
    assert update.returncode == 1 and said.returncode == 1  # the run stays red
    [issue] = repository.repo.issues
    assert "The job stopped before it had a change to propose" in issue["body"]
    assert "set TEMPLATE_TOKEN to a token that may read the template's repository" in issue["body"]
    repository.job().run(UPDATE, "update", secrets={"UPDATES_TOKEN": token})
    [pr] = repository.repo.pulls
    assert "v9.9.9" in pr["title"]
    assert issue["state"] == "closed" and issue["comments"] == [f"Solved: #{pr['number']} is open."]
    assert ".github/workflows/ci.yml" in repository.on_stand_in("diff", "--name-only", "main", "template-update")


# ---- publish.yml: whether to attest, decided before anything is pushed -----------------------------


@pytest.mark.parametrize("private, variable, attest", [("false", "", "true"), ("true", "", "false"),
                                                       ("true", "true", "true")])
def test_publish_attests_where_the_repository_can_store_it_and_says_so_where_not(baked, tmp_path, private, variable,
                                                                                 attest):
    project = baked()
    output, summary = tmp_path / "output", tmp_path / "summary.md"
    env = clean_env(GITHUB_OUTPUT=str(output), GITHUB_STEP_SUMMARY=str(summary), GITHUB_REPOSITORY="Acme/App")
    context = {"github.event.repository.private": private, "vars.PRIVATE_ATTESTATIONS": variable}
    run_steps(project.path / ".github/workflows/publish.yml", "publish", project.path, env, context, only={"plan"})
    time = project.run("git", "log", "-1", "--format=%ct").stdout.strip()
    assert output.read_text() == f"attest={attest}\ntime={time}\nimage=ghcr.io/acme/app\n"
    said = summary.read_text() if summary.exists() else ""
    if attest == "true":
        assert said == ""
    else:
        assert "published without a provenance attestation" in said and "`PRIVATE_ATTESTATIONS`" in said
        assert "GitHub Enterprise Cloud" in said and "Check the image by its digest" in said
