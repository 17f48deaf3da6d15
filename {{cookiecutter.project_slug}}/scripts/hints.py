"""What an installer's failure means, in one line that never claims more than its output shows.

A hint names what the output names (the URL, the host, the file), never a default. When the
output proves the hint's claim (a full disk, a cache that cannot be written), the hint alone
is shown; otherwise the installer's own last lines are shown above it, so nothing is hidden.
"""

from __future__ import annotations

import re
from typing import NamedTuple

URL = r"(https?://[^\s)'\"`>]+)"


class Hint(NamedTuple):
    text: str
    proven: bool  # the output proves it: the installer's own lines may be left out
    kind: str  # "network" failures can be met from uv's cache


INDEXES = "the index settings (PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, pip.conf)"
CONNECT = r"(?:tcp connect error|connection refused|timed out|newconnectionerror|max retries"
CONNECT += r" exceeded|network is unreachable|connecttimeouterror|readtimeouterror)"
TLS = r"(?:invalid peer certificate|certificate.verify.failed|unknownissuer)"
DNS = r"(?:dns error|failed to lookup address|name or service not known|nodename nor servname"
DNS += r"|temporary failure in name resolution|nameresolutionerror|getaddrinfo failed)"
# (kind, pattern in the lowercased output, hint, proven): the first that matches wins, and the
# pattern's first group that matched fills {0} with what the output named, as it wrote it.
HINTS = [
    ("disk", r"`([^`]+)`[^\n]*no space left on device",
     "the disk is full (writing {0}): free some space, then run the command again", True),
    ("disk", r"no space left on device",
     "the disk is full: free some space, then run it again", True),
    ("cache", r"failed to initialize cache at `(.+?)`",
     "uv cannot write its cache ({0}): set UV_CACHE_DIR to a folder you can write", True),
    ("offline", r"because the network was disabled",
     "uv is offline (UV_OFFLINE) and its cache lacks a file the lock needs: go online,"
     " then run the command again", True),
    ("tls", URL + r"[\s\S]{0,400}?" + TLS + "|" + TLS + r"[\s\S]{0,400}?" + URL,
     "the certificate of {0} is not trusted (a company proxy?): give uv your CA file with"
     " SSL_CERT_FILE (or UV_NATIVE_TLS=1 for the system's store), and pip with PIP_CERT", True),
    ("network", r"https?://([^/\s:)]+)[^\s)]*[)\s][\s\S]{0,300}?" + DNS,
     f"the host {{0}} cannot be found (DNS): check its address in {INDEXES}", True),
    ("network", URL + r"[\s\S]{0,300}?" + CONNECT,
     f"{{0}} cannot be reached: check the network and {INDEXES}", True),
    ("network", "(" + CONNECT + "|" + DNS + ")",
     f"a package index cannot be reached ({{0}}): check the network and {INDEXES}", False),
    ("404", URL + r"[^\n]*?404 not found|404 not found[^\n]*?" + URL,
     "{0} answered 404 Not Found: is that the address of a package index?", True),
    ("hash", r"hash mismatch for `|these packages do not match the hashes",
     "a downloaded file does not match its hash in the lock (was the lock edited by hand?):"
     " rewrite it with `python3 scripts/env.py lock`", False),
    ("yanked", r"(?:only|all) (?:versions? of )?([^\s,]+)[^\n]*yanked|([^\s,=]+)==\S+ was yank",
     "the versions of {0} that fit are yanked (withdrawn by their authors): ask for others", False),
    ("missing", r"because (?:there is no version of )?([^\s,]+) (?:was not found|and you require)"
     r"|no matching distribution found for (\S+)",
     "no version of {0} was found on the index: check its line in requirements*.txt", False),
    ("conflict", r"no solution found when resolving",
     "requirements*.txt ask for versions that cannot go together: loosen a bound there", False),
]  # fmt: skip


def explain(output: str) -> Hint | None:
    """The hint for an installer's output, or None when nothing is known to match."""
    text = output.lower()
    for kind, pattern, hint, proven in HINTS:
        found = re.search(pattern, text)
        if found:
            named = next((group for group in found.groups() if group), "")
            # What the output named, as it wrote it (URLs keep their case).
            start = text.find(named)
            original = output[start : start + len(named)] if start >= 0 else named
            return Hint(hint.format(hide_secrets(original).rstrip(".:,")), proven, kind)
    return None


def hide_secrets(text: str) -> str:
    """Credentials in URLs (https://user:token@host) become https://user:****@host."""
    return re.sub(r"(//[^/:@\s]+):[^/@\s]+@", r"\1:****@", text)


def last_lines(output: str, count: int = 12) -> str:
    """The installer's own last lines, secrets masked, to show above a hint."""
    lines = [line for line in output.rstrip().splitlines() if line.strip()]
    return hide_secrets("\n".join(lines[-count:])) + "\n" if lines else ""
