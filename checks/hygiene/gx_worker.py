"""Great Expectations in a process of its own, started by the command line before its own heavy
imports (`start_early`): its seconds of imports run on the other core while this process
imports pandas, reads the exports and runs the other checks. The worker validates the frames it
is sent with `gx_adapter`'s engine and answers with plain values (rule key -> success, failing
positions, rows checked, error); no GX object crosses. This module never imports GX itself (the
worker does, through the adapter), and imports nothing but the standard library at the top: the
worker starts by importing it, and so does the command line before it has imported pandas.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from checks.hygiene.gx_adapter import Outcome
    from checks.hygiene.rules import Rule

# The checks whose rules the worker validates (checks.hygiene.rules; a test holds the two equal).
GX_CODES = ("HY01", "HY02", "HY03", "HY04", "HY05")

_SHARED: Worker | None = None  # this process's worker, reused by its later runs


def shared() -> Worker:
    """This process's worker: the one already started if it is alive, else a new one."""
    global _SHARED
    if _SHARED is None or not _SHARED.alive():
        _SHARED = Worker()
    return _SHARED


def start_early(select: Sequence[str] = (), ignore: Sequence[str] = ()) -> None:
    """Start the worker now, before this process imports pandas and the catalogue, when the code
    prefixes of --select / --ignore leave some Great Expectations check to run (the runner's
    selection, on the codes alone; the runner's warm-up then takes this worker). Its import of
    GX (seconds) overlaps this process's imports, reading and checks. A failure is ignored: the
    warm-up tries again, or GX runs in this process."""
    select = [p.strip().upper() for part in select for p in part.split(",") if p.strip()]
    ignore = [p.strip().upper() for part in ignore for p in part.split(",") if p.strip()]
    if not any((not select or any(c.startswith(p) for p in select)) and not any(c.startswith(p) for p in ignore)
               for c in GX_CODES):
        return
    try:
        shared()
    except Exception:  # noqa: BLE001 - no process to be had (limits, a frozen app)
        pass


class WorkerLost(Exception):
    """The worker process is gone (killed, crashed): validate in this process instead."""


class RemoteError(Exception):
    """GX raised in the worker: its exception's type name and text."""

    def __init__(self, kind: str, text: str):
        super().__init__(text)
        self.kind = kind


class Worker:
    """Great Expectations in a child process: it imports GX and builds the context as soon as
    it starts, then validates the frames it is sent and answers with plain values (rule key ->
    success, failing positions, rows checked, error), so no GX object crosses. It is a daemon,
    started with `spawn` (no fork of a process that runs Arrow's threads), ends when this
    process ends, and is reused by later runs of the same process."""

    def __init__(self) -> None:
        import multiprocessing
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=worker_main, args=(child,), name="crm-audit-gx", daemon=True)
        with _main_module_hidden():
            self.process.start()
        child.close()
        import atexit
        atexit.register(self.close)  # before multiprocessing's own exit hook, which would kill it

    def close(self) -> None:
        """Hang up: the worker leaves its loop and exits on its own (a worker still importing
        is left to multiprocessing, which ends it)."""
        self.conn.close()
        self.process.join(timeout=0.5)

    unanswered = 0        # jobs sent (or being sent) whose answer has not been read
    _send_error: BaseException | None = None
    _lost = False

    def alive(self) -> bool:
        return not self._lost and self.process.is_alive()

    def submit(self, jobs: Sequence[tuple[str, pd.DataFrame, Sequence[Rule]]], as_of: pd.Timestamp,
               strategy: str) -> None:
        """Send frames to validate, (table, frame, rules) each, without waiting: on a thread, since a
        frame bigger than the pipe's buffer waits for the worker to read it, and the worker may still
        be importing GX. `answer` reads the answers, in the order sent."""
        import threading
        sent = [(table, frame, [r.key for r in rules], as_of, strategy) for table, frame, rules in jobs]
        self.unanswered += len(sent)

        def send() -> None:
            try:
                while sent:  # each frame let go of once sent: the checks run meanwhile
                    self.conn.send(sent.pop(0))
            except BaseException as exc:  # noqa: BLE001 - told by `answer`, which would wait forever
                self._send_error = exc

        threading.Thread(target=send, name="crm-audit-gx-send", daemon=True).start()

    def answer(self) -> dict[str, Outcome]:
        """The outcomes of the oldest frame sent and not answered yet. Waits; WorkerLost when the
        worker is gone, what sending raised when a frame could not be sent."""
        from checks.hygiene.gx_adapter import GreatExpectationsError, Outcome
        from checks.hygiene.rules import BY_KEY
        try:
            while not self.conn.poll(0.02):
                if self._send_error is not None or not self._process_alive():
                    break
            if self._send_error is not None and not self.conn.poll():
                self._lost = True
                error = self._send_error
                if isinstance(error, (OSError, EOFError)):
                    raise WorkerLost(str(error)) from error
                raise error
            kind, payload = self.conn.recv()
        except (EOFError, OSError) as exc:
            self._lost = True
            raise WorkerLost(str(exc)) from exc
        finally:
            self.unanswered -= 1
        if kind == "gx":
            raise GreatExpectationsError(payload)
        if kind == "raised":
            raise RemoteError(*payload)
        return {key: Outcome(BY_KEY[key], success, positions, checked, error)
                for key, (success, positions, checked, error) in payload.items()}

    def _process_alive(self) -> bool:
        process = getattr(self, "process", None)  # a worker served by a thread (tests) has none
        return process is None or process.is_alive()

    def run_suite(self, table: str, frame: pd.DataFrame, rules: Sequence[Rule], as_of: pd.Timestamp,
                  strategy: str) -> dict[str, Outcome]:
        self.submit([(table, frame, rules)], as_of, strategy)
        return self.answer()


@contextmanager
def _main_module_hidden():
    """A spawned child first imports its parent's main module (for `crm-audit`, the console script:
    the command line and click, about 0.1 s on the way to GX), unless the parent's has no name and
    no file: hide both while the child is started (multiprocessing reads them then)."""
    main = sys.modules.get("__main__")
    saved = {name: vars(main)[name] for name in ("__spec__", "__file__") if main is not None and name in vars(main)}
    try:
        if "__spec__" in saved:
            main.__spec__ = None
        if "__file__" in saved:
            del main.__file__
        yield
    finally:
        for name, value in saved.items():
            setattr(main, name, value)


def worker_main(conn) -> None:
    """The worker process: Ctrl-C is the parent's to handle (it ends the worker), then `serve`;
    when the parent hangs up, the process ends at once. Its interpreter's own exit, tearing down
    GX's thousands of modules and objects, took half a second that the parent's exit waited for
    (`Worker.close`): 0.45 s of a 10,000-deal audit's wall time. Every answer has been sent by
    then and nothing else is left to flush but the standard streams."""
    import os
    import signal
    import threading
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:  # GX's tqdm bars (off, yet made) take a multiprocessing lock that a killed worker would leak
        import tqdm
        tqdm.tqdm.set_lock(threading.RLock())
    except ImportError:  # pragma: no cover - GX without tqdm
        pass
    serve(conn)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def serve(conn) -> None:
    """The worker's loop: import GX, then one answer per frame until the parent hangs up."""
    from checks.hygiene.gx_adapter import GreatExpectationsError, _Engine, run_suite
    from checks.hygiene.rules import BY_KEY
    try:
        engine, failure = _Engine(), None
    except GreatExpectationsError as exc:
        engine, failure = None, ("gx", str(exc))
    except Exception as exc:  # noqa: BLE001 - told to the parent with each answer
        engine, failure = None, ("raised", (type(exc).__name__, str(exc)))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if failure is not None:
            conn.send(failure)
            continue
        table, frame, keys, as_of, strategy = job
        try:
            found = run_suite(engine, table, frame, [BY_KEY[k] for k in keys], as_of, strategy)
        except Exception as exc:  # noqa: BLE001 - GX internals: the parent reports them
            conn.send(("raised", (type(exc).__name__, str(exc))))
            continue
        conn.send(("ok", {k: (o.success, o.positions, o.checked, o.error) for k, o in found.items()}))
