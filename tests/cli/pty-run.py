# SPDX-License-Identifier: GPL-2.0-only
# pty-run.py OUTFILE MODE CMD...: run CMD with its standard error on a
# new pty, and with MODE "all" its standard input and output too (an
# interactive session); with MODE "stdin" or "stdout", that one too;
# what is not on the pty is /dev/null (stdin) or OUTFILE (stdout).
# Prints what the terminal would show, one line per line (a carriage
# return starts the line again), then exits with CMD's status.
import os
import pty
import subprocess
import sys

outfile, mode, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
master, slave = pty.openpty()
with open(outfile, "wb") as out:
    p = subprocess.Popen(
        cmd, stderr=slave,
        stdin=slave if mode in ("all", "stdin") else subprocess.DEVNULL,
        stdout=slave if mode in ("all", "stdout") else out)
    os.close(slave)
    data = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    rc = p.wait()
for line in data.replace(b"\r\n", b"\n").split(b"\n")[:-1]:
    sys.stdout.buffer.write(line.split(b"\r")[-1] + b"\n")
sys.exit(rc)
