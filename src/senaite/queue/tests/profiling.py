# -*- coding: utf-8 -*-
"""A profiling switch for the benchmarks only (registered by tests/testing.zcml).

While it is on (``start``), every request of a queue route (``queue_server/...``,
``queue_consumer/...``, and any other path asked for) that this process serves is profiled with cProfile from ZPublisher's
start to its end (traversal, authentication, the route, the commit), its wall time and the
CPU time of its thread are recorded, and so are the queue's HTTP calls that this process
makes (``QueueSession.request``: the consumer's worker). ``stop`` turns it off and returns
a text report.
"""

import cProfile
import ctypes
import ctypes.util
import os
import pstats
import threading
import time

from six import StringIO
from senaite.queue.client import session as client_session

CLOCK_THREAD_CPUTIME_ID = 3
ROUTE_MARKERS = ("/queue_server/", "/queue_consumer/")
# Functions the report lists on their own (a regular expression on "file:line(function)")
SELECTED = ("catalog_object|processQueue|indexing.py|guard|is_queued|searchResults|"
            "addAnalysis|doActionFor|_commitResources|loadBefore|setstate|sleep")

_lock = threading.Lock()
_local = threading.local()
_state = {"on": False}


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


def _load_clock():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        clock = libc.clock_gettime
        clock.argtypes = [ctypes.c_int, ctypes.POINTER(_Timespec)]
        return clock
    except (OSError, AttributeError):
        return None


_clock_gettime = _load_clock()


def thread_cpu():
    """CPU seconds of the current thread (0 where the clock is not available)."""
    if _clock_gettime is None:
        return 0.0
    spec = _Timespec()
    if _clock_gettime(CLOCK_THREAD_CPUTIME_ID, ctypes.byref(spec)) != 0:
        return 0.0
    return spec.tv_sec + spec.tv_nsec * 1e-9


def route_of(path):
    for marker in ROUTE_MARKERS:
        if marker in path:
            route = marker.strip("/") + "/" + path.split(marker, 1)[1]
            return "/".join(route.split("/")[:2])
    for marker in _state.get("paths") or ():
        if marker in path:
            return marker
    return None


def record(key, wall, cpu=None):
    with _lock:
        entry = _state["timings"].setdefault(key, [0, 0.0, 0.0])
        entry[0] += 1
        entry[1] += wall
        entry[2] += cpu or 0.0


def on_start(event):
    """IPubStart: profile a queue route's request."""
    if not _state["on"]:
        return
    route = route_of(event.request.get("PATH_INFO") or "")
    if route is None:
        return
    profiler = cProfile.Profile()
    _local.current = (profiler, route, time.time(), thread_cpu())
    profiler.enable()


def on_end(event):
    """IPubEnd (success or failure): keep what the request cost."""
    current = getattr(_local, "current", None)
    if current is None:
        return
    _local.current = None
    profiler, route, wall, cpu = current
    profiler.disable()
    record("served " + route, time.time() - wall, thread_cpu() - cpu)
    with _lock:
        if _state["on"]:
            _state["profilers"].append(profiler)


def timed_request(self, method, route, payload=None, timeout=None):
    wall, cpu = time.time(), thread_cpu()
    try:
        return _state["original"](self, method, route, payload, timeout)
    finally:
        record("called " + "/".join(route.strip("/").split("/")[:2]),
               time.time() - wall, thread_cpu() - cpu)


def start(paths=None):
    """Profile the queue's requests, and those whose path contains one of ``paths``."""
    with _lock:
        _state.update(on=True, timings={}, profilers=[], started=time.time(),
                      paths=list(paths or []))
        if "original" not in _state:
            _state["original"] = client_session.QueueSession.request
            client_session.QueueSession.request = timed_request


def stop(limit=30):
    """Turn profiling off; the report."""
    with _lock:
        _state["on"] = False
        original = _state.pop("original", None)
        if original is not None:
            client_session.QueueSession.request = original
        timings = _state.get("timings", {})
        profilers = _state.get("profilers", [])
        seconds = time.time() - _state.get("started", time.time())
    out = StringIO()
    out.write("pid {}, {:.1f} s profiled\n".format(os.getpid(), seconds))
    out.write("{:<40} {:>7} {:>11} {:>11}\n".format("request", "count", "wall ms", "cpu ms"))
    for key in sorted(timings):
        count, wall, cpu = timings[key]
        out.write("{:<40} {:>7} {:>11.1f} {:>11.1f}\n".format(
            key, count, 1000.0 * wall / count, 1000.0 * cpu / count))
    if profilers:
        stats = pstats.Stats(profilers[0], stream=out)
        for profiler in profilers[1:]:
            stats.add(profiler)
        out.write("\ncProfile of the {} requests served, by cumulative time:\n".format(
            len(profilers)))
        stats.sort_stats("cumulative").print_stats(limit)
        out.write("\nby own time:\n")
        stats.sort_stats("tottime").print_stats(limit)
        out.write("\nselected functions, by cumulative time:\n")
        stats.sort_stats("cumulative").print_stats(SELECTED, limit)
    return out.getvalue()
