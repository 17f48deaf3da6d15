"""The template repository itself: its questions, its README commands and its CI script."""

from __future__ import annotations

import json
import re
import subprocess

from helpers import TEMPLATE, assert_run_steps_pass_shellcheck, assert_zizmor_ignores_give_their_reason, tool

QUESTIONS = ["project_name", "project_slug", "description", "author_name", "author_email",
             "python_version", "venv_dir", "starter_requirements", "create_venv", "use_docker", "ci", "init_git"]


def test_every_question_has_a_prompt_and_yes_no_questions_are_booleans():
    context = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    assert [key for key in context if not key.startswith("_")] == QUESTIONS
    prompts = context["__prompts__"]
    assert set(prompts) == set(QUESTIONS)
    assert set(prompts["starter_requirements"]) == {"__prompt__", *context["starter_requirements"]}
    assert context["create_venv"] is True and context["use_docker"] is True and context["init_git"] is True
    assert context["ci"] == ["github-actions", "none"] and set(prompts["ci"]) == {"__prompt__", *context["ci"]}
    assert context["starter_requirements"][0] == "none" and context["venv_dir"] == "venv"


def test_the_readmes_questions_table_is_cookiecutter_json():
    """One row per question, in order, with its default and, for a choice, every option."""
    context = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    table = (TEMPLATE / "README.md").read_text().split("| question | default | what it sets |\n|---|---|---|\n")[1]
    rows = [line.split(" | ") for line in table.split("\n\n")[0].splitlines()]
    assert [row[0].strip("|` ") for row in rows] == QUESTIONS
    for (name, default, sets), value in zip(rows, (context[key] for key in QUESTIONS), strict=True):
        if isinstance(value, bool):
            assert default == ("yes" if value else "no"), name
        elif isinstance(value, list):
            assert default == f"`{value[0]}`" and all(f"`{option}`" in sets for option in value), name
        elif "{{" not in value:  # a value of its own; project_slug and python_version are derived
            assert default == f"`{value}`", name


def test_the_readmes_and_documents_links_lead_to_files_and_headings_that_exist():
    def anchors(path):  # GitHub's heading anchors: lowercase, punctuation dropped, spaces to -
        headings = re.findall(r"(?m)^#+ (.+)$", path.read_text())
        return {re.sub(r"[^\w\- ]", "", heading).strip().lower().replace(" ", "-") for heading in headings}

    documents = [TEMPLATE / "README.md", *sorted((TEMPLATE / "docs").glob("*.md"))]
    for document in documents:
        for target, anchor in re.findall(r"\]\((?!https?:)([^)#]*)#?([^)]*)\)", document.read_text()):
            path = (document.parent / target).resolve() if target else document
            assert path.is_file(), (document.name, target)
            assert not anchor or anchor in anchors(path), (document.name, target, anchor)
    linked = re.findall(r"\]\(docs/([^)#]+)", (TEMPLATE / "README.md").read_text())
    assert set(linked) == {path.name for path in documents[1:]}, "every document is linked"


def readme_commands():
    return re.findall(r"```bash\n(.*?)\n```", (TEMPLATE / "README.md").read_text(), re.S)


def test_ci_runs_exactly_the_readme_test_command():
    [test_command] = [c for c in readme_commands() if "-m pytest" in c and "requirements-dev.txt" in c]
    assert test_command in (TEMPLATE / ".ci/run").read_text().splitlines()


def test_shell_scripts_are_clean_under_shellcheck():
    lint = subprocess.run([tool("shellcheck"), str(TEMPLATE / ".ci/run")], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout


def test_the_templates_own_python_is_clean_under_ruff():
    lint = subprocess.run([tool("ruff"), "check", "--no-cache", "."], cwd=TEMPLATE, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout


def test_the_templates_own_workflows_are_valid_and_their_steps_are_shellcheck_clean():
    workflows = sorted((TEMPLATE / ".github/workflows").glob("*.yml"))
    assert [w.name for w in workflows] == ["refresh-shipped-locks.yml", "tags.yml", "tests.yml"]
    valid = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *workflows],
                           capture_output=True, text=True)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    for workflow in workflows:
        assert_run_steps_pass_shellcheck(workflow)
    dependabot = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot",
                                 TEMPLATE / ".github/dependabot.yml"], capture_output=True, text=True)
    assert dependabot.returncode == 0, dependabot.stdout
    audit = subprocess.run([tool("zizmor"), "--offline", "--no-progress", "--persona", "auditor", TEMPLATE / ".github"],
                           capture_output=True, text=True)
    assert audit.returncode == 0 and "No findings" in audit.stdout, audit.stdout + audit.stderr
    assert_zizmor_ignores_give_their_reason(TEMPLATE / ".github/workflows")
    assert "bash .ci/run" in (TEMPLATE / ".github/workflows/tests.yml").read_text()
    refresh = (TEMPLATE / ".github/workflows/refresh-shipped-locks.yml").read_text()
    assert "python maintenance/refresh_locks.py" in refresh
