#!/usr/bin/env python3
"""watch test fixture: opens sockets and never closes them (leak), or opens
and closes them (bounded). Usage: leak_fds.py leak|bounded [SECONDS]"""
import socket
import sys
import time

mode = sys.argv[1] if len(sys.argv) > 1 else "leak"
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3600
held = []
end = time.monotonic() + seconds
while time.monotonic() < end:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if mode == "leak":
        held.append(s)  # a connection pool that forgets to return its sockets
    else:
        s.close()
    time.sleep(0.2)
