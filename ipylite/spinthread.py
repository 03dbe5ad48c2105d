"""A Client's receiving thread: Client.spin_thread() / stop_spin_thread(), and the one
that concurrent.futures.wait() and as_completed() need (they block without spinning).

A Client receives in whichever call waits for something (get, wait, spin...). With a
spin thread, results arrive (and done-callbacks run) while the program does other
things. The client's sockets are used under the client's lock, by one thread at a time.

Lock order: the receiving thread holds the client's lock while it finishes futures (which
takes each future's condition); concurrent.futures.wait() holds the futures' conditions
while it installs its waiter, which asks for a receiving thread. So asking for one takes
only a small lock of its own (``_watch_lock``, under which nothing else is taken), never
the client's: the other order would deadlock.
"""

import threading
import time
import weakref


class SpinThread:
    """Mixed into Client: needs spin(), _lock (an RLock held around every use of the
    sockets) and _closed."""

    _spinner = None         # the thread, while it runs
    _spin_forever = False   # spin_thread() was called (not only a waiting AsyncResult)
    poll_slice = 0.02       # the longest the thread holds the lock while waiting

    def spin_thread(self, interval=1):
        """Receive results in a background thread (every interval seconds at most;
        in practice as they arrive) until stop_spin_thread()."""
        self._spin_slice = max(0.001, min(float(interval), self.poll_slice))
        self._spin_forever = True
        self._start_spinner()

    def stop_spin_thread(self):
        """Stop the thread started by spin_thread() (and wait for it)."""
        self._spin_forever = False
        t = self._spinner
        if t is not None and t is not threading.current_thread():
            t.join(5)

    @property
    def _watch_lock(self):
        return self.__dict__.setdefault("_watch_lock_", threading.Lock())   # (atomic)

    def _watch(self, ar):
        """Receive in a thread until ar is done (someone waits on it without spinning).
        Called with ar's condition held: takes only the watch lock (see the module's
        docstring)."""
        with self._watch_lock:
            self.__dict__.setdefault("_watched", weakref.WeakSet()).add(ar)
            self._start_spinner_locked()

    def _start_spinner(self):
        with self._watch_lock:
            self._start_spinner_locked()

    def _start_spinner_locked(self):
        t = self._spinner
        if t is None or not t.is_alive():
            t = self._spinner = threading.Thread(
                target=self._spin_loop, name="ipylite-client-spin", daemon=True)
            t.start()

    def _keep_spinning(self):
        if self._closed:
            return False
        if self._spin_forever:
            return True
        watched = self.__dict__.get("_watched")
        if not watched:
            return False
        for ar in list(watched):
            if len(ar._raw) == len(ar.msg_ids) or not ar._waiters:
                watched.discard(ar)
        return bool(watched)

    def _spin_loop(self):
        me = threading.current_thread()
        while True:
            with self._lock:
                with self._watch_lock:   # (so a _watch() now either is seen or starts a thread)
                    if not self._keep_spinning():
                        if self._spinner is me:
                            self._spinner = None
                        return
                try:
                    self.spin(getattr(self, "_spin_slice", self.poll_slice)
                              if self._spin_forever else self.poll_slice)
                except Exception:
                    if self._closed:
                        continue
                    raise
            # let a waiting thread take the lock (locks are not fair)
            time.sleep(0.0005)
