# -*- coding: utf-8 -*-
"""Start and stop a throw-away ZEO server on a free loopback port.

Used by the concurrency tests and by bench/engine.py. The server runs
``ZEO.runzeo`` in a subprocess of the current interpreter on a FileStorage in
a directory the caller owns; ``stop()`` ends it.
"""
from __future__ import absolute_import

import os
import socket
import subprocess
import sys
import time

HOST = "127.0.0.1"
RESERVED_PORTS = (8080, 8089, 8090, 8100)


def free_port():
    """A TCP port on 127.0.0.1 that is free now and not a cluster port."""
    while True:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((HOST, 0))
            port = sock.getsockname()[1]
        finally:
            sock.close()
        if port not in RESERVED_PORTS:
            return port


def _listening(port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0
    finally:
        sock.close()


class ZEOServer(object):
    """A ZEO server process serving ``<directory>/Data.fs``."""

    def __init__(self, directory, timeout=30, port=None):
        self.port = port or free_port()
        self.address = (HOST, self.port)
        self.log = open(os.path.join(directory, "zeo.log"), "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ZEO.runzeo",
             "-a", "{}:{}".format(HOST, self.port),
             "-f", os.path.join(directory, "Data.fs")],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while not _listening(self.port):
            if self.process.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError("ZEO server did not start; see {}"
                                   .format(self.log.name))
            time.sleep(0.05)

    def stop(self, timeout=10):
        """Terminate the server (kill it if it does not exit in time)."""
        if self.process.poll() is None:
            self.process.terminate()
            deadline = time.time() + timeout
            while self.process.poll() is None and time.time() < deadline:
                time.sleep(0.05)
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        self.log.close()
