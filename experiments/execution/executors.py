"""Where runs execute: a local process pool or a Dask cluster, behind one interface.

An :class:`Executor` takes tasks (``submit(key, fn, arg)``) and hands back finished ones
(``wait(timeout)``) as ``(key, result)`` pairs, where ``result`` is what ``fn`` returned or an
:class:`ExecutorError` when the task could not be executed at all (its worker died more than
``max_attempts`` times). A worker lost mid-task is handled inside the executor: the task is
resubmitted, so it is neither lost nor reported twice.

- :class:`LocalExecutor`: ``concurrent.futures.ProcessPoolExecutor`` with the ``forkserver``
  start method (``spawn`` where forkserver is missing), the model preloaded in the server;
- :class:`DaskExecutor`: a ``distributed.Client`` to a scheduler address
  (``tcp://HOST:PORT``), or to a ``LocalCluster`` it starts and stops.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class ExecutorError(Exception):
    """A task that could not be executed (not an error of the run itself)."""


class ExecutorStartError(Exception):
    """The executor could not start (bad scheduler address, no cluster)."""


@dataclass
class _Item:
    key: int
    fn: Callable[[Any], Any]
    arg: Any
    attempts: int = 1


class Executor(ABC):
    """Run tasks somewhere and collect them as they finish."""

    #: tasks worth keeping in flight (about two per worker)
    capacity: int = 2
    #: human description, stored on the batch (``local:2``, ``dask:tcp://...``)
    description: str = ""
    max_attempts: int = 3

    @abstractmethod
    def submit(self, key: int, fn: Callable[[Any], Any], arg: Any) -> None:
        """Start ``fn(arg)``; ``key`` identifies it in :meth:`wait`'s answer."""

    @abstractmethod
    def wait(self, timeout: float) -> list[tuple[int, Any]]:
        """Finished tasks since the last call, waiting up to ``timeout`` s for at least one."""

    @abstractmethod
    def in_flight(self) -> int:
        """Tasks submitted and not yet returned by :meth:`wait`."""

    @abstractmethod
    def close(self) -> None:
        """Stop the workers this executor started."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LocalExecutor(Executor):
    """A pool of ``workers`` local processes (``forkserver``, else ``spawn``)."""

    def __init__(self, workers: int = 1, *, context: str | None = None,
                 preload: tuple[str, ...] = ("experiments.execution.runner", "model")) -> None:
        if workers < 1:
            raise ExecutorStartError(f"--workers must be at least 1, got {workers}")
        methods = multiprocessing.get_all_start_methods()
        method = context or ("forkserver" if "forkserver" in methods else "spawn")
        if method not in ("forkserver", "spawn"):
            raise ExecutorStartError(f"start method {method!r}: use forkserver or spawn")
        self._context = multiprocessing.get_context(method)
        if method == "forkserver":
            # imported once in the server, so each worker starts in milliseconds
            self._context.set_forkserver_preload(list(preload))
        self.workers = workers
        self.capacity = 2 * workers
        self.description = f"local:{workers}:{method}"
        self._pool = self._new_pool()
        self._items: dict[cf.Future[Any], _Item] = {}
        self._ready: list[tuple[int, Any]] = []

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=self._context)

    def submit(self, key: int, fn: Callable[[Any], Any], arg: Any) -> None:
        self._submit(_Item(key, fn, arg))

    def _submit(self, item: _Item) -> None:
        try:
            future = self._pool.submit(item.fn, item.arg)
        except cf.process.BrokenProcessPool:
            # a worker died since the last wait(): restart first, then submit
            self._restart()
            future = self._pool.submit(item.fn, item.arg)
        self._items[future] = item

    def wait(self, timeout: float) -> list[tuple[int, Any]]:
        if self._items and not self._ready:
            cf.wait(list(self._items), timeout=timeout, return_when=cf.FIRST_COMPLETED)
        broken = False
        for future in [f for f in self._items if f.done()]:
            exc = future.exception()
            if isinstance(exc, cf.process.BrokenProcessPool):
                broken = True
                continue
            item = self._items.pop(future)
            if exc is None:
                self._ready.append((item.key, future.result()))
            else:
                self._ready.append((item.key, ExecutorError(f"{type(exc).__name__}: {exc}")))
        if broken:
            self._restart()
        finished, self._ready = self._ready, []
        return finished

    def _restart(self) -> None:
        """A worker died (killed, out of memory): the pool and every task in it are lost.
        Keep the results that had arrived, start a new pool and resubmit the rest."""
        lost: list[_Item] = []
        for future, item in list(self._items.items()):
            if future.done() and future.exception() is None:
                self._ready.append((item.key, future.result()))
            else:
                lost.append(item)
        self._items.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool()
        for item in lost:
            if item.attempts >= self.max_attempts:
                self._ready.append((item.key, ExecutorError(
                    f"worker process died {item.attempts} times while running this task")))
            else:
                item.attempts += 1
                self._items[self._pool.submit(item.fn, item.arg)] = item

    def in_flight(self) -> int:
        return len(self._items) + len(self._ready)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(Executor):
    """Tasks on a Dask cluster: at ``address``, or on a LocalCluster of ``workers`` processes."""

    def __init__(self, address: str | None = None, *, workers: int = 2,
                 connect_timeout: float = 5.0) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - dask is a dependency
            raise ExecutorStartError("Dask is not installed: pip install 'dask[distributed]'") \
                from exc
        self._cluster = None
        try:
            if address:
                self._client = Client(address, timeout=connect_timeout)
                self.description = f"dask:{address}"
            else:
                self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                             processes=True, dashboard_address=":0")
                self._client = Client(self._cluster)
                self.description = f"dask:local:{workers}"
        except (OSError, TimeoutError, ValueError) as exc:
            if self._cluster is not None:
                self._cluster.close()
            raise ExecutorStartError(
                f"cannot reach the Dask scheduler at {address!r}: {exc}"
            ) from exc
        threads = sum(self._client.nthreads().values()) or workers
        self.capacity = max(2, 2 * threads)
        self._items: dict[Any, _Item] = {}

    def submit(self, key: int, fn: Callable[[Any], Any], arg: Any) -> None:
        self._submit(_Item(key, fn, arg))

    def _submit(self, item: _Item) -> None:
        future = self._client.submit(item.fn, item.arg, pure=False,
                                     key=f"ptce-run-{item.key}-{item.attempts}")
        self._items[future] = item

    def wait(self, timeout: float) -> list[tuple[int, Any]]:
        from distributed import wait

        if not self._items:
            return []
        try:
            wait(list(self._items), timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            pass
        finished: list[tuple[int, Any]] = []
        for future in [f for f in self._items if f.done()]:
            item = self._items.pop(future)
            try:
                if future.status == "finished":
                    finished.append((item.key, future.result()))
                    continue
                exc = future.exception() if future.status == "error" else None
            except Exception as err:
                exc = err
            finally:
                future.release()
            # the run function never raises, so any error here is the cluster's
            if item.attempts >= self.max_attempts:
                finished.append((item.key, ExecutorError(
                    f"task failed on the cluster {item.attempts} times: {exc!r}")))
            else:
                item.attempts += 1
                self._submit(item)
        return finished

    def in_flight(self) -> int:
        return len(self._items)

    def close(self) -> None:
        for future in self._items:
            future.cancel()
        self._items.clear()
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(workers: int = 1, scheduler: str | None = None,
                  dask_local: bool = False) -> Executor:
    """The executor the CLI options describe: ``--scheduler`` (Dask at that address),
    ``--scheduler local`` or ``dask_local`` (a Dask LocalCluster), else a local pool."""
    if scheduler == "local" or dask_local:
        return DaskExecutor(None, workers=max(workers, 1))
    if scheduler:
        return DaskExecutor(scheduler)
    return LocalExecutor(workers)
