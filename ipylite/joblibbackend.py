"""ipylite.parallel as a joblib backend (joblib is optional: pip install joblib)::

    rc.register_joblib_backend()          # or view.register_joblib_backend("name")
    with joblib.parallel_backend("ipylite"):
        joblib.Parallel(n_jobs=-1)(joblib.delayed(f)(x) for x in xs)
"""

try:
    from joblib.parallel import (AutoBatchingMixin, ParallelBackendBase,
                                 register_parallel_backend)
except ImportError:             # the backend needs joblib; importing this module does not
    AutoBatchingMixin = ParallelBackendBase = object
    register_parallel_backend = None


class ViewBackend(AutoBatchingMixin, ParallelBackendBase):
    """Runs joblib's batches as tasks of a view (load-balanced, or direct)."""
    supports_timeout = True

    def __init__(self, view, **kwargs):
        super().__init__(**kwargs)
        self.view = view

    def effective_n_jobs(self, n_jobs):
        return max(1, len(self.view))

    def submit(self, func, callback=None):
        ar = self.view.apply_async(func)
        if callback is not None:
            ar.add_done_callback(callback)
        return ar

    apply_async = submit

    def retrieve_result_callback(self, out):
        return out.get()

    def get_nested_backend(self):
        from joblib.parallel import SequentialBackend
        return SequentialBackend(nesting_level=self.nesting_level), None


def register(name, view_factory, make_default=False):
    """Register joblib backend ``name`` running on the view view_factory() gives."""
    if register_parallel_backend is None:
        raise ImportError("register_joblib_backend() needs joblib: pip install joblib")

    def backend(**kwargs):
        return ViewBackend(view_factory(), **kwargs)
    register_parallel_backend(name, backend, make_default=make_default)
