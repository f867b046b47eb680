"""Long runs: the GIL is released and Ctrl-C stops them promptly."""

import os
import signal
import sys
import threading
import time

import pytest

import lifsim

# About 30 s on one core of a busy laptop: 20 000 neurons x 30 000 steps.
LONG_RUN = {"n": 20000, "t_max": "30 s", "dt": "1 ms", "traces": 0, "hist_times": "1 ms"}


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to oneself is a POSIX idiom")
@pytest.mark.parametrize(
    "run",
    [
        pytest.param(lambda: lifsim.simulate(**LONG_RUN), id="simulate"),
        pytest.param(lambda: lifsim.sweep({"seed": [1, 2]}, **LONG_RUN), id="sweep"),
        pytest.param(lambda: lifsim.simulate(threads=1, **LONG_RUN), id="one-thread"),
    ],
)
def test_keyboard_interrupt_stops_a_long_run_promptly(run):
    # A process started in the background by a non-interactive shell ignores SIGINT, and
    # Python then leaves it ignored: install Python's own handler for this test.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        interrupted_promptly(run)
    finally:
        signal.signal(signal.SIGINT, previous)


def interrupted_promptly(run):
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    started = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        run()
    elapsed = time.monotonic() - started
    timer.join()
    assert elapsed < 2.5, f"the run went on for {elapsed:.2f} s after Ctrl-C"


def test_the_gil_is_released_during_a_run():
    counter = 0
    stop = threading.Event()

    def count():
        nonlocal counter
        while not stop.is_set():
            counter += 1

    thread = threading.Thread(target=count)
    thread.start()
    try:
        time.sleep(0.05)
        before = counter
        started = time.monotonic()
        lifsim.simulate(n=20000, t_max="8 s", traces=0, hist_times="1 ms")
        elapsed = time.monotonic() - started
        during = counter - before
    finally:
        stop.set()
        thread.join()
    assert elapsed > 0.2, "the run was too short to tell"
    # Holding the GIL for the whole run would leave the counter at (almost) its old value.
    assert during > 10000, during


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="lists threads through Linux /proc")
def test_calls_with_the_same_thread_count_share_one_pool():
    def threads():
        return set(os.listdir("/proc/self/task"))

    lifsim.simulate(n=10, t_max="10 ms", threads=3)
    after_first = threads()
    for _ in range(3):
        lifsim.simulate(n=10, t_max="10 ms", threads=3)
    # A new pool per call would start three new threads (new ids) each time.
    assert threads() == after_first
    # A size no other test uses: its pool is new.
    lifsim.simulate(n=10, t_max="10 ms", threads=5)
    assert len(threads() - after_first) == 5, "a pool of another size starts its own workers"
