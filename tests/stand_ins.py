"""Stand-ins for the GitHub rules the weekly jobs meet, on 127.0.0.1, for tests.

One HTTP server plays both github.com's git remotes and its REST API (under /api, as on GitHub
Enterprise Server), sharing one table of tokens and repositories:

- git, by `git http-backend` (run per request, as CGI) behind HTTP basic auth. A private
  repository refuses reads without a valid token (401); a public one lets anyone read. Pushing
  needs `contents: write`, and a pre-receive hook refuses a push that creates or changes a file
  under `.github/workflows/` unless the token has `workflows: write`, in GitHub's words.
- the REST API, the part the weekly jobs use: pull requests listed by head branch, created and
  updated; issues listed, created, updated and commented on. With the job's own token and the
  repository setting "Allow GitHub Actions to create and approve pull requests" off, creating a
  pull request answers 403, as GitHub does.

Token kinds: "github-actions" is the job's GITHUB_TOKEN (GitHub counts it as a GitHub App's
token), "personal" a fine-grained personal access token. Permissions are GitHub's names:
{"contents": "write", "pull_requests": "write", "issues": "write", "workflows": "write"}.
"""

from __future__ import annotations

import base64
import http.server
import json
import os
import subprocess
import sys
import threading
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

LEVELS = {"none": 0, "read": 1, "write": 2}
# What GitHub answers, word for word, per kind of token.
WORKFLOW_REFUSAL = {
    "github-actions": "refusing to allow a GitHub App to create or update workflow `{path}`"
                      " without `workflows` permission",
    "personal": "refusing to allow a Personal Access Token to create or update workflow `{path}`"
                " without `workflow` scope",
}
NOT_ACCESSIBLE = {
    "github-actions": "Resource not accessible by integration",
    "personal": "Resource not accessible by personal access token",
}
ACTIONS_MAY_NOT_OPEN_PRS = "GitHub Actions is not permitted to create or approve pull requests."
ZERO = "0" * 40

# The pre-receive hook of every repository: GitHub's rule for workflow files. The server tells
# it, through the environment, whether the pusher may write workflows and in which words to refuse.
PRE_RECEIVE = '''\
import os, subprocess, sys

if os.environ.get("STAND_IN_WORKFLOWS") == "write":
    sys.exit(0)
for line in sys.stdin:
    old, new, ref = line.split()
    if new == "{zero}":
        continue  # a deletion brings no file
    commits = subprocess.run(["git", "rev-list", new, "--not", "--all"],
                             capture_output=True, text=True, check=True).stdout.split()
    for commit in commits:
        changed = subprocess.run(["git", "diff-tree", "-r", "-m", "--root", "--no-commit-id", "--name-only", commit],
                                 capture_output=True, text=True, check=True).stdout.splitlines()
        for path in changed:
            if path.startswith(".github/workflows/"):
                print(os.environ["STAND_IN_REFUSAL"].format(path=path), file=sys.stderr)
                sys.exit(1)
'''.replace("{zero}", ZERO)


@dataclass
class Token:
    kind: str  # "github-actions" or "personal"
    permissions: dict[str, str]
    repositories: set[str] | None  # the repositories it may reach; None: every one
    login: str

    def reaches(self, repository: str) -> bool:
        return self.repositories is None or repository in self.repositories

    def may(self, permission: str, level: str, repository: str) -> bool:
        if not self.reaches(repository):
            return False
        return LEVELS[self.permissions.get(permission, "none")] >= LEVELS[level]


@dataclass
class Repository:
    full_name: str
    path: Path
    private: bool = True
    actions_may_open_prs: bool = False  # the repository setting, off by default as on GitHub
    has_issues: bool = True
    items: list[dict] = field(default_factory=list)  # issues and pull requests share numbers, as on GitHub

    @property
    def pulls(self) -> list[dict]:
        return [item for item in self.items if "pull_request" in item]

    @property
    def issues(self) -> list[dict]:
        return [item for item in self.items if "pull_request" not in item]

    def branch(self, name: str) -> str | None:
        done = subprocess.run(["git", "--git-dir", str(self.path), "rev-parse", "--verify", "--quiet",
                               f"refs/heads/{name}"], capture_output=True, text=True)
        return done.stdout.strip() or None


class GitHub:
    """github.com on loopback: `url` is GITHUB_SERVER_URL, `api_url` GITHUB_API_URL."""

    def __init__(self, root: Path):
        self.root = root
        (root / "git").mkdir(parents=True, exist_ok=True)
        self.tokens: dict[str, Token] = {}
        self.repositories: dict[str, Repository] = {}
        self.lock = threading.Lock()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.api_url = f"{self.url}/api"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add_repository(self, full_name: str, *, private: bool = True, actions_may_open_prs: bool = False,
                       has_issues: bool = True) -> Repository:
        """An empty bare repository, its default branch `main`, with GitHub's workflow rule."""
        path = self.root / "git" / f"{full_name}.git"
        subprocess.run(["git", "init", "--quiet", "--bare", "--initial-branch=main", str(path)], check=True)
        hook = path / "hooks" / "pre-receive"
        hook.write_text(f"#!{sys.executable}\n{PRE_RECEIVE}")
        hook.chmod(0o755)
        repository = Repository(full_name, path, private, actions_may_open_prs, has_issues)
        self.repositories[full_name] = repository
        return repository

    def add_token(self, token: str, kind: str = "personal", repositories: set[str] | None = None,
                  **permissions: str) -> str:
        assert kind in WORKFLOW_REFUSAL, kind
        login = "github-actions[bot]" if kind == "github-actions" else "a-maintainer"
        self.tokens[token] = Token(kind, permissions, repositories, login)
        return token

    def job_token(self, repository: str, token: str = "ghs_job_token") -> str:
        """The GITHUB_TOKEN of a job with `contents`, `pull-requests` and `issues: write`: it never
        has `workflows`, and reaches its own repository only."""
        return self.add_token(token, "github-actions", {repository}, contents="write", pull_requests="write",
                              issues="write")

    def clone_url(self, full_name: str) -> str:
        return f"{self.url}/{full_name}"


def _handler(github: GitHub):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *args):
            pass

        # ---- shared --------------------------------------------------------------------

        def token(self) -> tuple[str | None, Token | None]:
            """The token of the request (basic auth for git, Bearer or token for the API)."""
            header = self.headers.get("Authorization", "")
            scheme, _, value = header.partition(" ")
            secret = None
            if scheme.lower() == "basic":
                user, _, password = base64.b64decode(value).decode().partition(":")
                secret = password or user
            elif scheme.lower() in ("bearer", "token"):
                secret = value.strip()
            return secret, github.tokens.get(secret) if secret else None

        def body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                data = b""
                while True:
                    size = int(self.rfile.readline().strip().split(b";")[0], 16)
                    if size == 0:
                        self.rfile.readline()
                        return data
                    data += self.rfile.read(size)
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):  # noqa: N802 (the names http.server calls)
            self.route("GET")

        def do_POST(self):  # noqa: N802
            self.route("POST")

        def do_PATCH(self):  # noqa: N802
            self.route("PATCH")

        def route(self, method: str) -> None:
            url = urllib.parse.urlsplit(self.path)
            if url.path.startswith("/api/"):
                self.api(method, url.path[len("/api"):], urllib.parse.parse_qs(url.query), self.body())
            else:
                self.git(method, url)

        # ---- git ---------------------------------------------------------------------------

        def git(self, method: str, url: urllib.parse.SplitResult) -> None:
            parts = url.path.lstrip("/").split("/", 2)
            if len(parts) < 3:
                return self.send(404, b"Not Found\n")
            owner, name, rest = parts[0], parts[1].removesuffix(".git"), parts[2]
            full_name = f"{owner}/{name}"
            repository = github.repositories.get(full_name)
            if repository is None:
                return self.send(404, b"Repository not found.\n")
            push = rest == "git-receive-pack" or "service=git-receive-pack" in url.query
            secret, token = self.token()
            challenge = {"WWW-Authenticate": 'Basic realm="GitHub"'}
            if secret and token is None:
                return self.send(401, b"Invalid username or token.\n", challenge)
            if token is None and (push or repository.private):
                return self.send(401, b"Authentication required.\n", challenge)
            if token and not token.may("contents", "read", full_name) and (push or repository.private):
                return self.send(404, b"Repository not found.\n")
            if push and not token.may("contents", "write", full_name):
                return self.send(403, f"Permission to {full_name}.git denied to {token.login}.\n".encode())
            body = self.body()
            env = {
                "PATH": os.environ["PATH"],
                "GIT_PROJECT_ROOT": str(github.root / "git"),
                "GIT_HTTP_EXPORT_ALL": "1",
                "GIT_CONFIG_NOSYSTEM": "1",
                "HOME": str(github.root),
                "PATH_INFO": f"/{full_name}.git/{rest}",
                "QUERY_STRING": url.query,
                "REQUEST_METHOD": method,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(body)),
                "REMOTE_ADDR": "127.0.0.1",
                "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
                # What the pre-receive hook needs to apply GitHub's workflow rule.
                "STAND_IN_WORKFLOWS": "write" if token and token.may("workflows", "write", full_name) else "",
                "STAND_IN_REFUSAL": WORKFLOW_REFUSAL[token.kind] if token else "",
            }
            if token:
                env["REMOTE_USER"] = token.login  # http-backend accepts pushes from a known user only
            if self.headers.get("Content-Encoding"):
                env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
            done = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True)
            head, _, payload = done.stdout.partition(b"\r\n\r\n")
            headers, status = {}, 200
            for line in head.decode().splitlines():
                key, _, value = line.partition(":")
                if key.lower() == "status":
                    status = int(value.split()[0])
                elif key:
                    headers[key] = value.strip()
            self.send(status, payload, headers)

        # ---- the REST API ------------------------------------------------------------------

        def answer(self, status: int, data) -> None:
            self.send(status, json.dumps(data).encode(), {"Content-Type": "application/json"})

        def api(self, method: str, path: str, query: dict, raw: bytes) -> None:
            parts = path.strip("/").split("/")
            if len(parts) < 4 or parts[0] != "repos":
                return self.answer(404, {"message": "Not Found"})
            full_name, what, rest = f"{parts[1]}/{parts[2]}", parts[3], parts[4:]
            repository = github.repositories.get(full_name)
            secret, token = self.token()
            if secret and token is None:
                return self.answer(401, {"message": "Bad credentials"})
            if repository is None or (repository.private and not (token and token.reaches(full_name))):
                return self.answer(404, {"message": "Not Found"})  # GitHub hides a private repository
            data = json.loads(raw) if raw else {}
            with github.lock:
                if what == "pulls":
                    return self.pulls(method, repository, token, rest, query, data)
                if what == "issues":
                    return self.issues(method, repository, token, rest, query, data)
            self.answer(404, {"message": "Not Found"})

        def refused(self, token: Token | None, permission: str, repository: Repository) -> bool:
            if token is None:
                self.answer(401, {"message": "Requires authentication"})
                return True
            if not token.may(permission, "write", repository.full_name):
                self.answer(403, {"message": NOT_ACCESSIBLE[token.kind]})
                return True
            return False

        def new_item(self, repository: Repository, token: Token, kind: str, data: dict) -> dict:
            number = len(repository.items) + 1
            item = {"number": number, "title": data.get("title", ""), "body": data.get("body") or "",
                    "state": "open", "user": {"login": token.login}, "comments": [],
                    "labels": [{"name": name} for name in data.get("labels", [])],
                    "html_url": f"{github.url}/{repository.full_name}/{kind}/{number}"}
            repository.items.append(item)
            return item

        def pulls(self, method, repository: Repository, token, rest, query, data) -> None:
            owner = repository.full_name.split("/")[0]
            if method == "GET" and not rest:
                state, head = query.get("state", ["open"])[0], query.get("head", [None])[0]
                found = [pr for pr in repository.pulls if (state == "all" or pr["state"] == state)
                         and (head is None or f"{owner}:{pr['head']['ref']}" == head)]
                return self.answer(200, found)
            if method == "POST" and not rest:
                if self.refused(token, "pull_requests", repository):
                    return None
                if token.kind == "github-actions" and not repository.actions_may_open_prs:
                    return self.answer(403, {"message": ACTIONS_MAY_NOT_OPEN_PRS,
                                             "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"})
                head, base = data.get("head", ""), data.get("base", "")
                if not repository.branch(head) or not repository.branch(base):
                    error = {"resource": "PullRequest", "field": "head", "code": "invalid"}
                    return self.answer(422, {"message": "Validation Failed", "errors": [error]})
                if any(pr["head"]["ref"] == head and pr["state"] == "open" for pr in repository.pulls):
                    error = {"message": f"A pull request already exists for {owner}:{head}."}
                    return self.answer(422, {"message": "Validation Failed", "errors": [error]})
                pr = self.new_item(repository, token, "pull", data)
                pr.update(pull_request={}, head={"ref": head}, base={"ref": base})
                return self.answer(201, pr)
            if method == "PATCH" and len(rest) == 1:
                if self.refused(token, "pull_requests", repository):
                    return None
                return self.update(repository, int(rest[0]), data, pull=True)
            return self.answer(404, {"message": "Not Found"})

        def issues(self, method, repository: Repository, token, rest, query, data) -> None:
            if not repository.has_issues:
                return self.answer(410, {"message": "Issues are disabled for this repo"})
            if method == "GET" and not rest:  # pull requests too, marked "pull_request", as GitHub lists them
                state = query.get("state", ["open"])[0]
                labels = set(query["labels"][0].split(",")) if "labels" in query else set()
                found = [item for item in repository.items if (state == "all" or item["state"] == state)
                         and labels <= {label["name"] for label in item["labels"]}]
                return self.answer(200, found)
            if method == "POST" and not rest:
                if self.refused(token, "issues", repository):
                    return None
                return self.answer(201, self.new_item(repository, token, "issues", data))
            if method == "PATCH" and len(rest) == 1:
                if self.refused(token, "issues", repository):
                    return None
                return self.update(repository, int(rest[0]), data, pull=False)
            if method == "POST" and len(rest) == 2 and rest[1] == "comments":
                if self.refused(token, "issues", repository):
                    return None
                item = self.item(repository, int(rest[0]))
                if item is None:
                    return self.answer(404, {"message": "Not Found"})
                item["comments"].append(data.get("body", ""))
                return self.answer(201, {"body": data.get("body", "")})
            return self.answer(404, {"message": "Not Found"})

        @staticmethod
        def item(repository: Repository, number: int) -> dict | None:
            return next((item for item in repository.items if item["number"] == number), None)

        def update(self, repository: Repository, number: int, data: dict, pull: bool) -> None:
            item = self.item(repository, number)
            if item is None or ("pull_request" in item) != pull:
                return self.answer(404, {"message": "Not Found"})
            item.update({key: data[key] for key in ("title", "body", "state") if key in data})
            return self.answer(200, item)

    return Handler
