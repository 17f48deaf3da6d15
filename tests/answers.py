"""The answers the template refuses, and odd ones it accepts: one table each, used by the
bake tests (test_inputs.py) and by the hook's unit tests (unit/test_hooks.py)."""

# (id, answers, words the one line must contain)
REFUSED = [
    ("slug-with-dash", {"project_slug": "my-project"}, ["project_slug", "'my-project'", "lowercase letters"]),
    ("slug-uppercase", {"project_slug": "MyProject"}, ["project_slug", "'MyProject'", "lowercase letters"]),
    ("slug-starts-with-digit", {"project_slug": "2fast"}, ["project_slug", "'2fast'", "starting with a letter"]),
    ("slug-double-underscore", {"project_slug": "my__project"},
     ["project_slug", "'my__project'", "single underscores"]),
    ("slug-keyword", {"project_slug": "class"}, ["project_slug", "'class'", "keyword"]),
    ("slug-soft-keyword", {"project_slug": "match"}, ["project_slug", "'match'", "keyword"]),
    ("slug-shadows-stdlib", {"project_slug": "json"}, ["project_slug", "'json'", "standard library"]),
    ("slug-shadows-stdlib-os", {"project_slug": "os"}, ["project_slug", "'os'", "standard library"]),
    ("slug-is-project-folder", {"project_slug": "scripts"}, ["project_slug", "'scripts'", "already has"]),
    ("slug-from-digit-name", {"project_name": "2048"}, ["project_slug", "'2048'", "starting with a letter"]),
    ("slug-shadows-starter-package",
     {"project_slug": "pandas", "starter_requirements": "data-science"},
     ["project_slug", "'pandas'", "'data-science'", "shadow"]),
    ("slug-shadows-dev-tool", {"project_slug": "pytest"}, ["project_slug", "'pytest'", "shadow"]),
    ("python-not-major-minor", {"python_version": "3.11.4"}, ["python_version", "'3.11.4'", "MAJOR.MINOR"]),
    ("python-2", {"python_version": "2.7"}, ["python_version", "'2.7'", "MAJOR.MINOR"]),
    ("python-words", {"python_version": "latest"}, ["python_version", "'latest'", "MAJOR.MINOR"]),
    ("python-end-of-life", {"python_version": "3.8"}, ["python_version", "'3.8'", "3.10 or newer"]),
    ("venv-nested", {"venv_dir": "envs/main"}, ["venv_dir", "'envs/main'", "plain folder name"]),
    ("venv-parent", {"venv_dir": ".."}, ["venv_dir", "'..'", "plain folder name"]),
    ("venv-escapes", {"venv_dir": "../venv"}, ["venv_dir", "'../venv'", "plain folder name"]),
    ("venv-absolute", {"venv_dir": "/tmp/venv"}, ["venv_dir", "'/tmp/venv'", "plain folder name"]),
    ("venv-windows-path", {"venv_dir": "C:\\venv"}, ["venv_dir", "'C:\\\\venv'", "plain folder name"]),
    ("venv-empty", {"venv_dir": ""}, ["venv_dir", "''", "plain folder name"]),
    ("venv-with-space", {"venv_dir": "my venv"}, ["venv_dir", "'my venv'", "plain folder name"]),
    ("venv-is-tests-folder", {"venv_dir": "tests"}, ["venv_dir", "'tests'", "already has"]),
    ("venv-is-github-folder", {"venv_dir": ".github"}, ["venv_dir", "'.github'", "already has"]),
    ("venv-is-package-folder", {"venv_dir": "my_project"}, ["venv_dir", "'my_project'", "already has"]),
    ("name-blank", {"project_name": "   ", "project_slug": "blank"}, ["project_name", "one line"]),
    ("name-two-lines", {"project_name": "two\nlines", "project_slug": "two_lines"},
     ["project_name", "one line"]),
    ("description-two-lines", {"description": "one\nRUN rm -rf /"}, ["description", "one line"]),
    ("author-with-control-character", {"author_name": "Ada\x1b[31m"}, ["author_name", "one line"]),
    ("email-two-lines", {"author_email": "a@example.org\nb"}, ["author_email", "one line"]),
    ("venv-like-an-option", {"venv_dir": "-venv"}, ["venv_dir", "'-venv'", "start with a letter"]),
    ("slug-is-pip", {"project_slug": "pip"}, ["project_slug", "'pip'", "shadow", "venvs are made with"]),
    ("slug-is-setuptools", {"project_slug": "setuptools"}, ["project_slug", "'setuptools'", "shadow"]),
    ("slug-is-wheel", {"project_slug": "wheel"}, ["project_slug", "'wheel'", "shadow"]),
    ("slug-is-pkg-resources", {"project_slug": "pkg_resources"}, ["project_slug", "'pkg_resources'", "shadow"]),
    # Left out of sys.stdlib_module_names, yet a package of every CPython install:
    ("slug-is-stdlib-test-package", {"project_slug": "test"}, ["project_slug", "'test'", "standard library"]),
    ("slug-is-idlelib", {"project_slug": "idlelib"}, ["project_slug", "'idlelib'", "standard library"]),
    # Standard library up to 3.11 or 3.12 only: a project can switch to such a Python later.
    ("slug-stdlib-before-3-12", {"project_slug": "distutils"}, ["project_slug", "'distutils'", "shadow"]),
    ("slug-stdlib-before-3-13", {"project_slug": "telnetlib"}, ["project_slug", "'telnetlib'", "standard library"]),
    ("slug-runs-at-every-start", {"project_slug": "sitecustomize"},
     ["project_slug", "'sitecustomize'", "every start"]),
    ("slug-one-too-long", {"project_slug": "s" * 65}, ["project_slug", "65 characters", "at most 64"]),
    # 250: the folder could be made, but nothing longer beside it.
    ("slug-far-too-long", {"project_slug": "s" * 250}, ["project_slug", "250 characters", "at most 64"]),
    # 300: longer than a folder's name may be, which cookiecutter makes before any hook runs.
    ("slug-beyond-a-file-name", {"project_slug": "s" * 300}, ["project_slug", "300 characters", "at most 64"]),
    ("venv-one-too-long", {"venv_dir": "v" * 65}, ["venv_dir", "65 characters", "at most 64"]),
    # 250 baked, then every rebuild failed (venv_dir.trash is 256); 300 ended in a traceback.
    ("venv-far-too-long", {"venv_dir": "v" * 250}, ["venv_dir", "250 characters", "at most 64"]),
    ("venv-beyond-a-file-name", {"venv_dir": "v" * 300}, ["venv_dir", "300 characters", "at most 64"]),
    ("slug-shadows-indirect-package", {"project_slug": "joblib", "starter_requirements": "machine-learning"},
     ["project_slug", "'joblib'", "'machine-learning'", "shadow"]),
]

# Names with quotes, backslashes, unicode and template syntax. Cookiecutter itself
# renders answers given on the command line, so "{{ 7*7 }}" arrives as "49".
ODD_NAMES = [
    ("quotes", 'Bob\'s "Quoted" Project', "bob_s_quoted_project", 'Bob\'s "Quoted" Project'),
    ("triple-quotes", 'Say """hi"""', "say_hi", 'Say """hi"""'),
    ("backslashes", "C:\\new\\table $HOME", "c_new_table_home", "C:\\new\\table $HOME"),
    ("unicode", "Café Überlingen ☕", "cafe_uberlingen", "Café Überlingen ☕"),
    ("jinja-braces", "Calc {{ 7*7 }}", "calc_49", "Calc 49"),
]
