"""What an installer's failure means, in one line that never claims more than its output shows.

A hint names what the output names (the URL, the host, the file), never a default. When the
output proves the hint's claim (a full disk, a cache that cannot be written), the hint alone
is shown; otherwise the installer's own last lines are shown above it, so nothing is hidden.
"""

from __future__ import annotations

import re
from typing import NamedTuple

URL = r"(?P<url>https?://[^\s)'\"`>,]+)"
PIP_INDEXES = r"looking in indexes: (?P<url>[^\n]+)"  # pip's own line: every index it asks
INDEXES = "the index settings (PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, pip.conf)"
CONNECT = r"(?:tcp connect error|connection refused|timed out|network is unreachable)"
TLS = r"(?:invalid peer certificate|certificate.verify.failed|unknownissuer)"
DNS = r"(?:dns error|name or service not known|nodename nor servname|temporary failure in name"
DNS += r" resolution|getaddrinfo failed|failed to resolve)"


class Hint(NamedTuple):
    text: str
    proven: bool  # the output proves it: the installer's own lines may be left out
    kind: str  # "network" failures can be met from uv's cache


# (kind, pattern in the lowercased output, hint, proven): the first that matches wins; a
# {name} in the hint is the pattern's group of that name, as the output wrote it.
HINTS = [
    ("disk", r"`(?P<path>[^`\n]+)`[^\n]*no space left on device"
     r"|to (?P<path2>/\S+): no space left on",
     "the disk is full (writing {path}): free some space, then run it again", True),
    ("disk", r"no space left on device",
     "the disk is full: free some space, then run it again", True),
    ("cache", r"failed to initialize cache at `(?P<path>.+?)`",
     "uv cannot write its cache ({path}): set UV_CACHE_DIR to a folder you can write", True),
    ("offline", r"because the network was disabled",
     "uv is offline (UV_OFFLINE) and its cache lacks a file the lock needs: go online,"
     " then run it again", True),
    ("tls", URL + r"[^\n]*(?:\n.*){0,3}?" + TLS,
     "the certificate of {url} is not trusted (a company proxy?): give uv your CA file with"
     " SSL_CERT_FILE (or UV_NATIVE_TLS=1 for the system's store), and pip with PIP_CERT", True),
    ("network", r"failed to fetch: https?://(?P<host>[^/\s:]+)[\s\S]{0,300}?" + DNS
     + r"|failed to resolve '(?P<host2>[^']+)'",
     f"the host {{host}} cannot be found (DNS): check its address in {INDEXES}", True),
    ("network", r"failed to fetch: " + URL + r"[\s\S]{0,300}?" + CONNECT
     + r"|host='(?P<host>[^']+)', port=(?P<port>\d+)\)[^\n]*" + CONNECT,
     f"{{url}} cannot be reached: check the network and {INDEXES}", True),
    ("network", PIP_INDEXES + r"[\s\S]*?(?P<why>" + CONNECT + "|" + DNS + ")",
     f"an index cannot be reached ({{why}}; pip asked {{url}}): check the network and {INDEXES}",
     False),
    ("hash", r"hash mismatch for `|these packages do not match the hashes",
     "a downloaded file does not match its hash in the lock (was the lock edited by hand?):"
     " rewrite it with `python3 scripts/env.py lock`", False),
    ("yanked", r"because (?P<name>\S+?)==\S+ was yanked",
     "every version of {name} that fits is yanked (withdrawn by its authors): ask for another",
     True),
    ("missing", PIP_INDEXES + r"[\s\S]*?requirement (?P<name>\S+) \(from versions: none\)",
     "no version of {name} was found on {url}: check its line in requirements*.txt, and that"
     " the index holds it", False),
    ("missing", r"because (?:there is no version of )?(?P<name>[^\s,]+)"
     r" (?:was not found|and you require)|no matching distribution found for (?P<name2>\S+)",
     f"no version of {{name}} was found: check its line in requirements*.txt and {INDEXES}", False),
    ("conflict", r"no solution found when resolving|resolutionimpossible",
     "requirements*.txt ask for versions that cannot go together: loosen a bound there", False),
]  # fmt: skip


def explain(output: str) -> Hint | None:
    """The hint for an installer's output, or None when nothing is known to match."""
    lowered = output.lower()
    for kind, pattern, hint, proven in HINTS:
        found = re.search(pattern, lowered)
        if found:  # each group as the output wrote it (URLs keep their case), secrets masked
            named = {
                k.rstrip("2"): output[found.start(k) : found.end(k)]
                for k, v in found.groupdict().items()
                if v
            }
            if "host" in named and "port" in named:
                named["url"] = f"{named['host']}:{named['port']}"
            text = hint.format(**{k: hide_secrets(v).rstrip(".:,") for k, v in named.items()})
            return Hint(text, proven, kind)
    return None


def hide_secrets(text: str) -> str:
    """Credentials in URLs (https://user:token@host) become https://user:****@host."""
    return re.sub(r"(//[^/:@\s]+):[^/@\s]+@", r"\1:****@", text)


def last_lines(output: str, count: int = 12) -> str:
    """The installer's own last lines, secrets masked, to show above a hint."""
    lines = [line for line in output.rstrip().splitlines() if line.strip()]
    return hide_secrets("\n".join(lines[-count:])) + "\n" if lines else ""
