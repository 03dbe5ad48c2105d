"""The cluster as a dask.distributed cluster: Client.become_dask() / stop_dask(), as in
ipyparallel. The controller runs a dask Scheduler (in a thread with its own event
loop), each engine a dask Worker (the same, in the engine's process, so dask tasks see
the engine's namespace's modules and files); become_dask() gives a
dask.distributed.Client connected to that scheduler.

Needs dask.distributed where each part runs (``pip install distributed``).
"""

import asyncio
import threading

_servers = {}           # "scheduler" / "worker" -> (server, its loop, its thread)
_lock = threading.Lock()


def _serve(make, timeout=60):
    """Start the server make() returns (a distributed Server) on an event loop in a
    thread of its own; give (server, loop, thread) once it listens."""
    ready = threading.Event()
    box = {}

    def main():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)

        async def run():
            server = make()
            await server
            box["server"], box["loop"] = server, loop
            ready.set()
            await server.finished()
        try:
            loop.run_until_complete(run())
        except BaseException as e:      # (told to whoever waits for it to start)
            box.setdefault("error", e)
        finally:
            ready.set()
            loop.close()

    t = threading.Thread(target=main, name="ipylite-dask", daemon=True)
    t.start()
    if not ready.wait(timeout):
        raise TimeoutError(f"the dask server did not start within {timeout} s")
    if "server" not in box:
        raise box.get("error") or RuntimeError("the dask server stopped at once")
    return box["server"], box["loop"], t


def _stop(kind, timeout=30):
    with _lock:
        entry = _servers.pop(kind, None)
    if entry is None:
        return False
    server, loop, t = entry
    try:
        asyncio.run_coroutine_threadsafe(server.close(), loop).result(timeout)
    except RuntimeError:
        pass                            # (its loop has already stopped)
    t.join(timeout)
    return True


def start_scheduler(ip="127.0.0.1", scheduler_args=None):
    """In the controller: start (or reuse) the Scheduler; gives its address."""
    import distributed
    with _lock:
        entry = _servers.get("scheduler")
        if entry is not None:
            return entry[0].address
        kw = {"host": "0.0.0.0" if ip in ("*", "") else ip, "port": 0, "dashboard": False}
        kw.update(scheduler_args or {})
        entry = _servers["scheduler"] = _serve(lambda: distributed.Scheduler(**kw))
        return entry[0].address


def stop_scheduler():
    """In the controller: stop the Scheduler start_scheduler started (if any)."""
    return _stop("scheduler")


def become_dask_worker(address, nanny=False, **worker_args):
    """On an engine: start a dask Worker (or a Nanny with nanny=True) for the
    scheduler at address; gives the worker's address."""
    import distributed
    _stop("worker")
    cls = distributed.Nanny if nanny else distributed.Worker
    worker_args.setdefault("nthreads", 1)
    server, loop, t = _serve(lambda: cls(address, **worker_args))
    with _lock:
        _servers["worker"] = (server, loop, t)
    return server.address


def stop_dask_worker():
    """On an engine: stop the Worker become_dask_worker started (if any)."""
    return _stop("worker")


class DaskClient:
    """Mixed into Client: needs _request() and direct_view()."""

    def become_dask(self, targets="all", port=0, nanny=False, scheduler_args=None,
                    **worker_args):
        """Turn the cluster into a dask.distributed cluster: a Scheduler in the
        controller, a Worker in each engine of targets (nthreads=1 unless given;
        nanny=True runs them as subprocesses); gives a dask.distributed.Client."""
        import distributed
        scheduler_args = dict(scheduler_args or {})
        if port:
            scheduler_args.setdefault("port", port)
        reply = self._request({"t": "become_dask", "scheduler_args": scheduler_args},
                              timeout=60)
        address = reply["address"]
        self.direct_view(targets).apply_sync(become_dask_worker, address, nanny=nanny,
                                             **worker_args)
        return distributed.Client(address)

    def stop_dask(self, targets="all"):
        """Stop the Scheduler and the Workers become_dask started."""
        self.direct_view(targets).apply_sync(stop_dask_worker)
        self._request({"t": "stop_dask"}, timeout=60)
