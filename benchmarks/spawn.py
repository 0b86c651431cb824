"""Run one command and write its wall time, exit code and peak memory as JSON.

    python benchmarks/spawn.py REPORT.json COMMAND [ARGUMENT ...]

The benchmark starts the commands it measures through this small process because a child's
ru_maxrss also counts the memory of the process it was forked from: started straight from the
benchmark, which is big once it has generated its inputs, every child would seem as big.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path


def main(arguments: list[str]) -> None:
    report, command = Path(arguments[0]), arguments[1:]
    started = time.perf_counter()
    process = subprocess.Popen(command)  # stdout and stderr are this process's
    _, status, usage = os.wait4(process.pid, 0)  # ru_maxrss of that one child
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    scale = 1 if sys.platform == "darwin" else 1024  # Linux reports kilobytes
    cpu = usage.ru_utime + usage.ru_stime  # the child's own CPU seconds, user and system
    result = {
        "wall": wall,
        "cpu": cpu,
        "peak_bytes": usage.ru_maxrss * scale,
        "returncode": process.returncode,
    }
    report.write_text(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
