"""Proposes a weekly job's change as one pull request, or says in one issue what stops it.

    python .github/propose.py --branch NAME --title TEXT [--body TEXT | --body-file FILE]
                              [--by-hand COMMAND] [--failed LOG] [PATH ...]

It commits the PATHs (every change, without any) on top of the checked-out commit, pushes that
to the branch NAME, and opens its pull request or updates the open one. Before pushing it knows
whether the change touches .github/workflows/, which the job's own token (GITHUB_TOKEN) may
never push. Wherever GitHub says no (no token that may push workflows, pull requests not
allowed for Actions, a token without a permission), it opens one issue, or updates the one it
opened before, naming the setting or permission to change, and writes the same text to the
job's summary. It exits non-zero only when that issue cannot be written. With --failed, the
step that makes the change failed: the issue quotes that step's last lines (LOG), and the run
stays red. A later run that ends well closes the issue.

Standard library only: it runs before any venv exists. It reads what GitHub Actions sets:
GITHUB_REPOSITORY, GITHUB_API_URL, GITHUB_SERVER_URL, GITHUB_REF_NAME, GITHUB_SHA,
GITHUB_WORKFLOW, GITHUB_RUN_ID, GITHUB_STEP_SUMMARY; and from the step's env GITHUB_TOKEN (the
job's token) and UPDATES_TOKEN (the repository secret of that name, when it is set).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any

SECRET = "UPDATES_TOKEN"
BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"
NEEDED = ["GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_API_URL", "GITHUB_SERVER_URL"]
NEEDED += ["GITHUB_REF_NAME"]

# What the team can do, as the issue says it.
SETTING = (
    "tick Settings → Actions → General → Workflow permissions → **Allow GitHub Actions to"
    " create and approve pull requests** (in an organisation, its Actions settings must allow"
    " it first)"
)
TOKEN = (
    f"add a repository secret `{SECRET}` (Settings → Secrets and variables → Actions): a"
    " fine-grained personal access token for this repository with the repository permissions"
    " **Contents: Read and write**, **Pull requests: Read and write** and **Workflows: Read and"
    " write** (and read access to the template's repository, if it is private). The pull"
    " requests it opens also run CI"
)
WORKFLOWS = (
    f"give the token in `{SECRET}` the repository permission **Workflows: Read and write** (a"
    " classic token: the `workflow` scope), or replace it with one that has it; in full, "
)


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(f"{status} {message}")
        self.status, self.message = status, message


class Proposal:
    def __init__(self, args: argparse.Namespace, env: dict[str, str]):
        self.args, self.env = args, env
        self.branch = args.branch
        self.repo = env["GITHUB_REPOSITORY"]
        self.base = env["GITHUB_REF_NAME"]  # the branch the job runs on (on schedule: the default)
        self.job_token = env["GITHUB_TOKEN"]
        self.own_token = env.get(SECRET, "")
        self.token = self.own_token or self.job_token
        self.who = f"the token in `{SECRET}`" if self.own_token else "the job's own `GITHUB_TOKEN`"

    # ---- the steps ---------------------------------------------------------------------------

    def run(self) -> int:
        if self.args.failed:
            return self.failed(self.args.failed)
        start = self.env.get("GITHUB_SHA") or git("rev-parse", "HEAD")
        self.commit(start)
        if git("rev-parse", "HEAD") == start:
            self.close_issue("the job ran through and found nothing to propose")
            return self.summary(f"Nothing to propose: no change for `{self.branch}`.")
        workflows = git("diff", "--name-only", start, "HEAD", "--", ".github/workflows/").split()
        if workflows and not self.own_token:
            return self.report(
                f"This change edits {', '.join(f'`{path}`' for path in workflows)}, and GitHub"
                " lets no job's own token (`GITHUB_TOKEN`) push a change to"
                " `.github/workflows/`: nothing was pushed.",
                f"{TOKEN}. Its **Workflows: Read and write** is what lets the job push this.",
            )
        refused = self.push()
        if refused is not None:
            return refused
        try:
            number, url, verb = self.pull_request()
        except ApiError as error:
            return self.pull_request_refused(error)
        except OSError as error:
            why = f"The pull request of `{self.branch}` could not be opened: {error}."
            return self.report(why, "run the job again.")
        self.close_issue(f"#{number} is open")
        return self.summary(f"Pull request #{number} {verb}: {url}")

    def failed(self, log: str) -> int:
        """The step before, which makes the change, failed: the issue quotes its last lines."""
        try:
            with open(log, encoding="utf-8", errors="replace") as file:
                lines = file.read().strip().splitlines()[-12:]
        except OSError:
            lines = []
        quoted = "\n".join(lines) or "(it wrote nothing)"
        self.report(
            "The job stopped before it had a change to propose. Its last lines:"
            f"\n\n```\n{quoted}\n```",
            "do what those lines ask (a secret to add, a file to fix), then run the workflow again"
            " (Actions → this workflow → Run workflow).",
        )
        return 1

    def commit(self, start: str) -> None:
        """The change as one commit of github-actions[bot], dated as the commit it starts from:
        the same change on the same commit is the same commit, so a week without news pushes
        nothing."""
        git("add", "--all", "--", *(self.args.paths or ["."]))
        if subprocess.run(["git", "diff", "--cached", "--quiet"]).returncode == 0:
            return
        date = git("log", "-1", "--format=%cI", start)
        env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        identity = ["-c", f"user.name={BOT_NAME}", "-c", f"user.email={BOT_EMAIL}"]
        git(*identity, "commit", "--quiet", "--message", self.title(), env=env)

    def push(self) -> int | None:
        """Pushes HEAD to the branch: None once the branch holds it, else the report's code."""
        env = git_auth(self.token)
        done = run(["git", "ls-remote", "origin", f"refs/heads/{self.branch}"], env)
        if done.returncode == 0:
            there = done.stdout.split()[0] if done.stdout.strip() else ""
            if there == git("rev-parse", "HEAD"):
                return None  # the branch holds this very commit already
            if there and not self.ours(there, env):
                self.summary(
                    f"`{self.branch}` holds commits that are not this job's: left as it is."
                    " Merge or close its pull request, and the next run proposes afresh."
                )
                return None
            done = run(["git", "push", "--force", "origin", f"HEAD:refs/heads/{self.branch}"], env)
            if done.returncode == 0:
                return None
        said = [line.removeprefix("remote:").strip() for line in done.stderr.splitlines()]
        refusal = next((line for line in said if "refusing to allow" in line), None)
        if refusal:
            why = f'GitHub refused to let {self.who} push `{self.branch}`: "{refusal}".'
            return self.report(why, f"{WORKFLOWS}{TOKEN}.")
        output = "\n".join(line for line in said if line)
        why = f"Git could not push `{self.branch}` with {self.who}:\n\n```\n{output}\n```"
        return self.report(why, f"{TOKEN}. A secret set already may have expired.")

    def ours(self, commit: str, env: dict[str, str]) -> bool:
        """Whether the branch's last commit is this job's (replaced) or someone's (kept)."""
        fetch = ["git", "fetch", "--quiet", "--depth=1", "origin", f"refs/heads/{self.branch}"]
        if run(fetch, env).returncode != 0:
            return True
        return git("log", "-1", "--format=%ae", commit) == BOT_EMAIL

    def pull_request(self) -> tuple[int, str, str]:
        owner = self.repo.split("/")[0]
        fields = {"title": self.title(), "body": self.body()}
        found = self.api("GET", f"/pulls?state=open&head={owner}:{self.branch}", self.token)
        if found:
            pr = self.api("PATCH", f"/pulls/{found[0]['number']}", self.token, fields)
            return pr["number"], pr["html_url"], "updated"
        fields.update(head=self.branch, base=self.base)
        pr = self.api("POST", "/pulls", self.token, fields)
        return pr["number"], pr["html_url"], "opened"

    def pull_request_refused(self, error: ApiError) -> int:
        server, said = self.env["GITHUB_SERVER_URL"], f'("{error.message}")'
        compare = f"{server}/{self.repo}/compare/{self.base}...{self.branch}?expand=1"
        pushed = f"The branch `{self.branch}` is pushed: [open its pull request]({compare})."
        if "not permitted to create or approve pull requests" in error.message:
            why = f"GitHub Actions may not open pull requests in this repository {said}."
            return self.report(why, f"{SETTING}; or {TOKEN}.", pushed)
        if error.status in (401, 403, 404):
            why = f"GitHub refused to let {self.who} open the pull request {said}."
            fix = f"give the token in `{SECRET}` **Pull requests: Read and write**; in full,"
            return self.report(why, f"{fix} {TOKEN}.", pushed)
        why = f'The pull request of `{self.branch}` could not be opened ("{error}").'
        return self.report(why, "run the job again.", pushed)

    # ---- the one issue that says what to do --------------------------------------------------

    def issue_title(self) -> str:
        return f"The weekly `{self.branch}` pull request needs a setting or a token"

    def find_issue(self) -> dict[str, Any] | None:
        """This job's open issue, if any (GitHub lists pull requests as issues too: skipped)."""
        for page in range(1, 11):
            items = self.api("GET", f"/issues?state=open&per_page=100&page={page}")
            for item in items:
                if item["title"] == self.issue_title() and "pull_request" not in item:
                    return dict(item)
            if len(items) < 100:
                break
        return None

    def report(self, why: str, fix: str, more: str = "") -> int:
        """The job summary and the one issue say what stopped the job and what to do."""
        run_url = "{}/{}/actions/runs/{}".format(
            self.env["GITHUB_SERVER_URL"], self.repo, self.env.get("GITHUB_RUN_ID", "")
        )
        workflow = self.env.get("GITHUB_WORKFLOW", "weekly")
        today = time.strftime("%Y-%m-%d", time.gmtime())
        parts = [why, f"**To let the job do it**, {fix}", more, f"Meanwhile, {self.by_hand()}"]
        parts.append(
            f'Written by the "{workflow}" workflow ([its run]({run_url})) on {today}. Each run'
            " updates this issue while the problem lasts, and closes it once the job ends well."
        )
        text = "\n\n".join(part for part in parts if part)
        self.summary(text)
        try:
            issue = self.find_issue()
            if issue:
                issue = self.api("PATCH", f"/issues/{issue['number']}", fields={"body": text})
            else:
                fields = {"title": self.issue_title(), "body": text}
                issue = self.api("POST", "/issues", fields=fields)
        except (ApiError, OSError) as error:
            say(f"the issue saying this could not be written ({error}); the job summary has it")
            return 1
        say(f"issue #{issue['number']}: {issue['html_url']}")
        return 0

    def close_issue(self, solved: str) -> None:
        """Closes this job's open issue, if any, now that the job ends well."""
        try:
            issue = self.find_issue()
            if issue:
                comment = {"body": f"Solved: {solved}."}
                self.api("POST", f"/issues/{issue['number']}/comments", fields=comment)
                self.api("PATCH", f"/issues/{issue['number']}", fields={"state": "closed"})
        except (ApiError, OSError) as error:  # the job ended well: that is what matters
            say(f"the issue of an earlier run could not be closed ({error})")

    # ---- small parts -------------------------------------------------------------------------

    def title(self) -> str:
        """--title, or the body file's first line when it is a `# ` heading."""
        first = self.body_text().partition("\n")[0]
        return first[2:].strip() if first.startswith("# ") else str(self.args.title)

    def body(self) -> str:
        text = self.body_text()
        return text.partition("\n")[2].strip() if text.startswith("# ") else text

    def body_text(self) -> str:
        if not self.args.body_file:
            return str(self.args.body)
        try:
            with open(self.args.body_file, encoding="utf-8") as file:
                return file.read()
        except OSError as error:
            raise SystemExit(f"propose.py: --body-file: {error}") from None

    def by_hand(self) -> str:
        if self.args.by_hand:
            return f"make the change by hand: `{self.args.by_hand}`, in a pull request of your own."
        return "make the change by hand, in a pull request of your own."

    def summary(self, text: str) -> int:
        print(text)
        if self.env.get("GITHUB_STEP_SUMMARY"):
            with open(self.env["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as file:
                file.write(text + "\n\n")
        return 0

    def api(
        self, method: str, path: str, token: str = "", fields: dict[str, str] | None = None
    ) -> Any:
        """One REST call on this repository; without `token`, the job's own (issues: write)."""
        request = urllib.request.Request(
            f"{self.env['GITHUB_API_URL']}/repos/{self.repo}{path}",
            method=method,
            data=json.dumps(fields).encode() if fields is not None else None,
            headers={
                "Authorization": f"Bearer {token or self.job_token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "propose.py",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return json.load(answer)
        except urllib.error.HTTPError as error:
            try:
                message = str(json.load(error).get("message", ""))
            except ValueError:
                message = str(error.reason)
            raise ApiError(error.code, message) from None


def git(*args: str, env: dict[str, str] | None = None) -> str:
    done = run(["git", *args], env)
    if done.returncode != 0:
        raise SystemExit(f"propose.py: git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def run(command: list[str], env: dict[str, str] | None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, capture_output=True, text=True)


def git_auth(token: str) -> dict[str, str]:
    """The environment that gives one git command the token, as actions/checkout gives it,
    but kept out of .git/config and the command line."""
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0")
    n = int(env.get("GIT_CONFIG_COUNT", "0"))
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    env[f"GIT_CONFIG_KEY_{n}"] = "http.extraheader"
    env[f"GIT_CONFIG_VALUE_{n}"] = f"AUTHORIZATION: basic {basic}"
    env["GIT_CONFIG_COUNT"] = str(n + 1)
    return env


def say(message: str) -> None:
    print(f"propose.py: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Proposes a change as one pull request.")
    parser.add_argument("--branch", required=True, help="the pull request's branch")
    parser.add_argument("--title", required=True, help="its title (or the body file's `# ` line)")
    body = parser.add_mutually_exclusive_group()
    body.add_argument("--body", default="", help="its description")
    body.add_argument("--body-file", help="a markdown file with its description")
    parser.add_argument("--by-hand", help="the command a person runs to make the same change")
    parser.add_argument("--failed", metavar="LOG", help="the step before failed: its output")
    parser.add_argument("paths", nargs="*", help="what to commit (without any: every change)")
    args = parser.parse_args(argv)
    missing = [name for name in NEEDED if not os.environ.get(name)]
    if missing:
        say(f"{', '.join(missing)} not set: GitHub Actions sets them, and the step's env gives")
        say("GITHUB_TOKEN (from the expression github.token)")
        return 2
    return Proposal(args, dict(os.environ)).run()


if __name__ == "__main__":
    sys.exit(main())
