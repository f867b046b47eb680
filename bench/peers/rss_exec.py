"""Run a command and write its peak resident set size and CPU time to a JSON file.

Usage: python rss_exec.py OUT_JSON COMMAND [ARGS...]
Writes {"peak_rss_kib": ..., "cpu_s": user + system seconds}.

Used as Brian2's cpp_standalone run command so that the standalone binary's own
memory and CPU time are measured apart from the compiler's. Exits with the
command's status.
"""

import json
import os
import subprocess
import sys


def main():
    out_json, cmd = sys.argv[1], sys.argv[2:]
    proc = subprocess.Popen(cmd)
    _, status, usage = os.wait4(proc.pid, 0)
    with open(out_json, "w") as f:
        json.dump({"peak_rss_kib": usage.ru_maxrss,
                   "cpu_s": usage.ru_utime + usage.ru_stime}, f)
    sys.exit(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main()
