"""Run a command and write its peak resident set size (KiB) to a file.

Usage: python rss_exec.py RSS_FILE COMMAND [ARGS...]

Used as Brian2's cpp_standalone run command so that the standalone binary's own
memory is measured apart from the compiler's. Exits with the command's status.
"""

import os
import subprocess
import sys


def main():
    rss_file, cmd = sys.argv[1], sys.argv[2:]
    proc = subprocess.Popen(cmd)
    _, status, usage = os.wait4(proc.pid, 0)
    with open(rss_file, "w") as f:
        f.write(f"{usage.ru_maxrss}\n")
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
