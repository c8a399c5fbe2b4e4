#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""sim-loop-reset.py DIR BYTES DELAY: a reset right behind the data.

For tests/cli/vhost-vsock-sim-loop.test, against tests/unit/sim-loop in
DIR. A host program sends BYTES to the simulated guest's port 5000 and
closes with a line from the guest still unread, so the device end's
read of it fails with ECONNRESET and it sends the guest an RST behind
the data, as a Linux peer's close timeout does. The guest's program
reads 512 bytes every DELAY seconds, so the guest end still holds data
when the RST arrives. Exit 0 when it got every byte, in order.
"""
import os
import socket
import sys
import threading
import time

directory, size, delay = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
data = os.urandom(size)
path = os.path.join(directory, "guest_5000")
listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind(path)
listener.listen(1)
got = bytearray()


def guest_program():
    conn, _ = listener.accept()
    conn.sendall(b"never read\n")
    while True:
        chunk = conn.recv(512)
        if not chunk:
            break
        got.extend(chunk)
        time.sleep(delay)
    conn.close()


reader = threading.Thread(target=guest_program)
reader.start()
host = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
host.connect(os.path.join(directory, "host"))
host.sendall(b"CONNECT 5000\n")
line = b""
while not line.endswith(b"\n"):
    byte = host.recv(1)
    if not byte:
        sys.exit("sim-loop-reset: no OK line")
    line += byte
host.sendall(data)
time.sleep(0.3)
host.close()
reader.join(120)
if reader.is_alive():
    sys.exit("sim-loop-reset: the guest's program never saw end of file")
if bytes(got) != data:
    intact = bytes(got) == data[:len(got)]
    sys.exit(f"sim-loop-reset: sent {size} bytes, received {len(got)}"
             f" ({'a prefix' if intact else 'different bytes'})")
print(f"sim-loop-reset: {size} bytes intact")
