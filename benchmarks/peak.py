"""Run a command and write its peak memory (the largest process of its tree) to a JSON file.

    python benchmarks/peak.py RESULT_JSON COMMAND [ARGS...]

``getrusage(RUSAGE_CHILDREN)`` in the harness keeps the largest process ever waited for, so one
big run would hide every later one; ``os.wait4`` gives the figures of this one command alone.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> int:
    """Start the command, wait for it, record its rusage, and exit with its code."""
    result, argv = sys.argv[1], sys.argv[2:]
    pid = os.posix_spawnp(argv[0], argv, os.environ)
    _, status, usage = os.wait4(pid, 0)
    with open(result, "w", encoding="utf-8") as stream:
        json.dump({"maxrss_kb": usage.ru_maxrss}, stream)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
