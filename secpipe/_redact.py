"""Masking of secret values, so no report, log or terminal line ever carries one.

A masked value keeps at most its first four characters and says how long it was, which is enough
for a person to recognise which credential is meant and useless to anyone else.
"""

from __future__ import annotations

import logging
import re
import threading

#: Quoted literals in tool messages, e.g. bandit's "Possible hardcoded password: 'hunter2'".
_QUOTED = re.compile(r"""(?P<quote>['"])(?P<value>[^'"\n]{1,2000})(?P=quote)""")


def mask(value: str) -> str:
    """Mask one secret value: ``'hunt…' (7 chars)`` style, never the whole value."""
    visible = value[:4] if len(value) > 8 else value[: max(0, min(4, len(value) // 3))]
    return f"{visible}…({len(value)} chars)"


def mask_quoted(text: str) -> str:
    """Mask every quoted literal in a message that is known to quote a credential."""
    return _QUOTED.sub(
        lambda match: f"{match['quote']}{mask(match['value'])}{match['quote']}", text
    )


class SecretRegistry:
    """The secret values seen during this run, so every output can be scrubbed of them.

    Adapters mask what they know is secret at the source; this registry is the second line:
    the terminal summary and the log handler pass through ``scrub`` before anything is shown.
    """

    def __init__(self) -> None:
        """Start with no known secrets."""
        self._values: set[str] = set()
        self._lock = threading.Lock()

    def add(self, value: str) -> None:
        """Remember a secret value (values under four characters are too short to scrub)."""
        if len(value) >= 4:
            with self._lock:
                self._values.add(value)

    def scrub(self, text: str) -> str:
        """Replace every known secret value in ``text`` by its mask, longest first."""
        with self._lock:
            values = sorted(self._values, key=len, reverse=True)
        for value in values:
            if value in text:
                text = text.replace(value, mask(value))
        return text


#: The registry of the running process.
KNOWN_SECRETS = SecretRegistry()


def remember_quoted(text: str) -> None:
    """Remember every quoted literal in a message known to quote a credential."""
    for match in _QUOTED.finditer(text):
        KNOWN_SECRETS.add(match["value"])


def scrub_known(text: str) -> str:
    """Scrub every secret value seen so far from ``text``."""
    return KNOWN_SECRETS.scrub(text)


class ScrubbingFilter(logging.Filter):
    """A logging filter that scrubs known secret values from every record it lets through."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message once, scrubbed, and drop the arguments."""
        record.msg = scrub_known(record.getMessage())
        record.args = None
        return True
