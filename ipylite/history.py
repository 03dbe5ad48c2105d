"""History in SQLite: sessions, inputs and outputs, with IPython's schema.

    hm = HistoryManager(path)            # or HistoryManager(":memory:")
    hm.store_input(1, "a = 1", "a = 1")  # queued; written in batches off the hot path
    hm.get_tail(10) / hm.get_range(session, start, stop) / hm.search("a*")

Rows are ``(session, line, source)``, or ``(session, line, (source, output))`` with
``output=True``. Session numbers are real (>= 1); in requests 0 means this session and
a negative number counts back from it. Several processes may share one database: each
gets its own session number, writes in short transactions and waits (busy timeout)
rather than failing when another holds the lock. A corrupt file is moved aside and a
fresh one made; an unwritable one falls back to memory. Either way a one-line warning.
"""

import atexit
import datetime
import logging
import os
import sqlite3
import threading
import time

log = logging.getLogger("ipylite.history")

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (session integer primary key autoincrement,
    start timestamp, end timestamp, num_cmds integer, remark text);
CREATE TABLE IF NOT EXISTS history (session integer, line integer, source text,
    source_raw text, PRIMARY KEY (session, line));
CREATE TABLE IF NOT EXISTS output_history (session integer, line integer, output text,
    PRIMARY KEY (session, line));
"""


class HistoryManager:
    flush_interval = 1.0      # seconds between background flushes
    flush_batch = 200         # flush at once when this many rows wait
    busy_timeout = 30.0       # seconds to wait for another process's lock

    def __init__(self, path=":memory:", enabled=True):
        self.path = path if enabled else ":memory:"
        self._session_number = None
        self._input_queue, self._output_queue = [], []
        self._lock = threading.RLock()
        self._timer = None
        self._closed = False
        self.db = None
        self.input_hist = {}  # line -> (source, source_raw), this session's, in memory

    # -- opening
    def _connect(self, path):
        """Open (and if new, set up) the database. Another process may be setting it
        up at the same moment: switching to WAL takes an exclusive lock that SQLite's
        busy timeout does not wait for, so "locked" is retried here for a while."""
        deadline = time.monotonic() + self.busy_timeout
        while True:
            db = sqlite3.connect(path, timeout=self.busy_timeout, check_same_thread=False,
                                 isolation_level=None)
            try:
                db.execute("PRAGMA busy_timeout = %d" % int(self.busy_timeout * 1000))
                if path != ":memory:":
                    if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                        db.execute("PRAGMA journal_mode = WAL")
                    db.execute("PRAGMA synchronous = NORMAL")
                db.executescript(SCHEMA)
                return db
            except sqlite3.OperationalError as e:
                db.close()
                if "locked" not in str(e) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def _open(self):
        if self.db is not None:
            return
        path = self.path
        try:
            if path != ":memory:":
                os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            self.db = self._connect(path)
        except sqlite3.DatabaseError as e:
            if path != ":memory:" and os.path.exists(path) and "locked" not in str(e):
                stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
                aside = f"{path}-corrupt-{stamp}"
                os.replace(path, aside)
                for extra in ("-wal", "-shm"):
                    if os.path.exists(path + extra):
                        os.remove(path + extra)
                log.warning("history database %s is corrupt (%s); moved it to %s and "
                            "started a new one", path, e, aside)
                try:
                    self.db = self._connect(path)
                except sqlite3.Error as e2:
                    self._memory(f"cannot create {path}: {e2}")
            else:
                self._memory(f"cannot open {path}: {e}")
        except OSError as e:
            self._memory(f"cannot create {os.path.dirname(path)}: {e.strerror}")
        if self._session_number is None:
            self._new_session()

    def _memory(self, why):
        log.warning("history kept in memory only: %s", why)
        self.path = ":memory:"
        self.db = self._connect(":memory:")

    def _new_session(self):
        with self._lock:
            try:
                cur = self.db.execute("INSERT INTO sessions VALUES (NULL, ?, NULL, NULL, '')",
                                      (datetime.datetime.now().isoformat(" "),))
            except sqlite3.OperationalError as e:  # read-only file, full disk
                self.db.close()
                self._memory(f"cannot write {self.path}: {e}")
                cur = self.db.execute("INSERT INTO sessions VALUES (NULL, ?, NULL, NULL, '')",
                                      (datetime.datetime.now().isoformat(" "),))
            self._session_number = cur.lastrowid
            atexit.register(self.close)

    @property
    def session_number(self):
        """This session's number (opening the database on first use)."""
        self._open()
        return self._session_number

    def new_session(self):
        """End this session and start another (after %reset)."""
        self.end_session()
        self._closed = False
        self._session_number = None
        self.input_hist = {}
        self._open()

    # -- writing
    def store_input(self, line, source, source_raw=None):
        source_raw = source if source_raw is None else source_raw
        with self._lock:
            self.input_hist[line] = (source, source_raw)
            self._input_queue.append((line, source, source_raw))
            self._schedule()

    def store_output(self, line, output):
        with self._lock:
            self._output_queue.append((line, output))
            self._schedule()

    def _schedule(self):
        if len(self._input_queue) + len(self._output_queue) >= self.flush_batch:
            self.flush()
        elif self._timer is None and not self._closed:
            self._timer = threading.Timer(self.flush_interval, self._timed_flush)
            self._timer.daemon = True
            self._timer.start()

    def _timed_flush(self):
        self._timer = None
        try:
            self.flush()
        except Exception:  # a background flush must never kill the process
            log.exception("history flush failed")

    def flush(self):
        with self._lock:
            if not (self._input_queue or self._output_queue):
                return
            self._open()
            inputs, outputs = self._input_queue, self._output_queue
            self._input_queue, self._output_queue = [], []
            s = self.session_number
            try:
                self.db.execute("BEGIN IMMEDIATE")
                self.db.executemany("INSERT OR REPLACE INTO history VALUES (?, ?, ?, ?)",
                                    [(s, *row) for row in inputs])
                self.db.executemany("INSERT OR REPLACE INTO output_history VALUES (?, ?, ?)",
                                    [(s, *row) for row in outputs])
                self.db.execute("COMMIT")
            except sqlite3.Error as e:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                self._input_queue[:0], self._output_queue[:0] = inputs, outputs
                log.warning("could not write history (%s); will retry", e)

    def end_session(self):
        with self._lock:
            if self._timer:
                self._timer.cancel()
                self._timer = None
            if self._closed or (self.db is None and not (self._input_queue or
                                                         self._output_queue)):
                return
            self.flush()
            try:
                self.db.execute("UPDATE sessions SET end=?, num_cmds=? WHERE session=?",
                                (datetime.datetime.now().isoformat(" "),
                                 len(self.input_hist), self.session_number))
            except sqlite3.Error as e:
                log.warning("could not close history session: %s", e)
            self._closed = True

    def close(self):
        self.end_session()
        with self._lock:
            if self.db is not None:
                self.db.close()
                self.db = None

    # -- reading
    def _query(self, sql, params, raw, output):
        self.flush()
        self._open()
        src = "source_raw" if raw else "source"
        if output:
            sql = (f"SELECT history.session, history.line, history.{src}, output_history.output "
                   "FROM history LEFT JOIN output_history USING (session, line) " + sql)
        else:
            sql = f"SELECT session, line, {src} FROM history " + sql
        with self._lock:
            rows = self.db.execute(sql, params).fetchall()
        if output:
            return [(s, n, (src_, out)) for s, n, src_, out in rows]
        return rows

    def _session(self, session):
        self._open()
        return self.session_number + session if session <= 0 else session

    def get_range(self, session=0, start=1, stop=None, raw=True, output=False):
        """Lines ``start`` to ``stop - 1`` (to the end when ``stop`` is None)."""
        session = self._session(session)
        if stop:
            return self._query("WHERE session=? AND line>=? AND line<? ORDER BY line",
                               (session, start, stop), raw, output)
        return self._query("WHERE session=? AND line>=? ORDER BY line",
                           (session, start), raw, output)

    def get_tail(self, n=10, raw=True, output=False, include_latest=True):
        """The last ``n`` inputs over all sessions, oldest first."""
        n += 0 if include_latest else 1
        rows = self._query("ORDER BY session DESC, line DESC LIMIT ?", (n,), raw, output)
        if not include_latest:
            rows = rows[1:]
        return rows[::-1]

    def search(self, pattern="*", raw=True, output=False, n=None, unique=False):
        """Inputs matching the glob ``pattern`` across all sessions, oldest first;
        the last ``n`` of them when ``n`` is given; each source once with ``unique``."""
        col = "source_raw" if raw else "source"
        where = f"WHERE {col} GLOB ?"
        if unique:
            where += (f" AND rowid IN (SELECT max(rowid) FROM history WHERE {col} GLOB ? "
                      f"GROUP BY {col})")
        where += " ORDER BY session DESC, line DESC"
        params = (pattern, pattern) if unique else (pattern,)
        if n:
            where += " LIMIT ?"
            params += (n,)
        return self._query(where, params, raw, output)[::-1]

    def sessions(self):
        self.flush()
        self._open()
        with self._lock:
            return self.db.execute("SELECT * FROM sessions ORDER BY session").fetchall()

    # -- ranges as %history, %save, %load and %rerun take them
    def get_range_by_str(self, spec, raw=True, output=False):
        """Rows for a range string such as ``4-6 8``, ``~2/1-5`` or ``3/`` (see
        parse_ranges); ValueError for a malformed one."""
        rows = []
        for session, start, stop in parse_ranges(spec):
            rows.extend(self.get_range(session, start, stop, raw=raw, output=output))
        return rows


def parse_ranges(spec):
    """``"4-6 8 ~2/1-5 3/"`` -> [(session, start, stop)], stop exclusive (None: to the
    end). Session 0 is this one, ``~N`` counts N back, a plain number is absolute;
    ``N-M`` includes M, as in IPython."""
    import re
    out = []
    for part in spec.replace(",", " ").split():
        m = re.fullmatch(r"(?:(~?)(\d+)/)?(\d+)?(?:([-:])(\d+))?", part)
        if not m or (m[3] is None and m[2] is None) or (m[3] is None and m[5]):
            raise ValueError(f"bad history range {part!r}: use N, N-M, S/N-M, ~S/N-M or S/")
        session = 0 if m[2] is None else (-int(m[2]) if m[1] else int(m[2]))
        if m[3] is None:
            out.append((session, 1, None))
            continue
        start = int(m[3])
        end = int(m[5]) if m[5] else start
        if end < start:
            raise ValueError(f"bad history range {part!r}: {end} comes before {start}")
        out.append((session, start, end + 1 if m[4] != ":" else end))
    return out
