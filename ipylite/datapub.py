"""``publish_data(dict)``, called in a task on an engine, sends data the client sees
(``ar.data``) while the task still runs; ipyparallel's ``ipyparallel.datapub``, here
also importable as ``ipylite.parallel.datapub``."""

__all__ = ["publish_data"]


def publish_data(data):
    """Send ``data`` (a dict) from the running task to its client: ``ar.data`` is the
    merge of everything the task published so far."""
    from .engine import publish_data as publish
    publish(data)
