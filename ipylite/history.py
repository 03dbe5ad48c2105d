"""History in SQLite: sessions, inputs and outputs, with IPython's schema.

    hm = HistoryManager(path)            # or HistoryManager(":memory:")
    hm.store_input(1, "a = 1", "a = 1")  # queued; written in batches off the hot path
    hm.get_tail(10) / hm.get_range(session, start, stop) / hm.search("a*")

Rows are ``(session, line, source)``, or ``(session, line, (source, output))`` with
``output=True``. Session numbers are real (>= 1); in requests 0 means this session and
a negative number counts back from it. Several processes may share one database: each
gets its own session number, writes in short transactions and waits (busy timeout)
rather than failing when another holds the lock.

Faults: only a file SQLite itself calls damaged (SQLITE_CORRUPT, SQLITE_NOTADB), at
start or later, is moved aside (``history.sqlite-corrupt-<time>``) and a new one
started. Anything else (a read-only file, no permission, a full disk, an I/O error)
never touches the file: history goes on in memory. Either way one one-line warning,
and this session's lines carry over. The file is created mode 0600, and an existing
one (with its -wal and -shm) loses any group and other permissions.
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
        self._session_start = None
        self._input_queue, self._output_queue = [], []
        self._lock = threading.RLock()
        self._timer = None
        self._closed = False
        self._busy_warned = False
        self.db = None
        self.input_hist = {}  # line -> (source, source_raw), this session's, in memory
        self.output_hist = {}  # line -> output text, this session's

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
            except sqlite3.Error as e:
                db.close()
                if _kind(e) != "busy" or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def _open(self):
        with self._lock:
            if self.db is not None:
                return
            if self.path != ":memory:":
                try:
                    _private_file(self.path)
                except OSError as e:
                    self._memory(f"cannot create {self.path}: {e.strerror}")
            try:
                if self.db is None:
                    self.db = self._connect(self.path)
                self._start_session()
            except sqlite3.Error as e:
                self._fault(e)

    def _fault(self, error):
        """SQLite failed on the file. Damaged: move it aside and start a new one;
        anything else: keep history in memory. One warning; this session carries over."""
        path = self.path
        if self.db is not None:
            try:
                self.db.close()
            except sqlite3.Error:
                pass
            self.db = None
        if path == ":memory:":
            raise error
        if _kind(error) == "corrupt":
            try:
                aside = _move_aside(path)
                _private_file(path)
                self.db = self._connect(path)
                log.warning("history database %s is corrupt (%s); moved it to %s and "
                            "started a new one", path, error, aside)
            except (OSError, sqlite3.Error) as e:
                self.db = None
                self._memory(f"{path} is corrupt ({error}) and cannot be replaced: "
                             f"{getattr(e, 'strerror', None) or e}")
        else:
            self._memory(f"cannot use {path}: {error}")
        try:
            self._start_session(carry_over=True)
        except sqlite3.Error as e:   # the new file failed at once: memory, then
            self.db.close()
            self._memory(f"cannot write {path}: {e}")
            self._start_session(carry_over=True)

    def _memory(self, why):
        log.warning("history kept in memory only: %s", why)
        self.path = ":memory:"
        self.db = self._connect(":memory:")

    def _start_session(self, carry_over=False):
        """Register this session in the open database: a new one, or (after a fault)
        the one already running, with its lines so far."""
        with self._lock:
            if self._session_number is None:
                self._session_start = datetime.datetime.now().isoformat(" ")
                cur = self.db.execute("INSERT INTO sessions VALUES (NULL, ?, NULL, NULL, '')",
                                      (self._session_start,))
                self._session_number = cur.lastrowid
                atexit.register(self.close)
            elif carry_over:
                s = self._session_number
                self.db.execute("INSERT OR REPLACE INTO sessions VALUES (?, ?, NULL, NULL, '')",
                                (s, self._session_start))
                self.db.executemany("INSERT OR REPLACE INTO history VALUES (?, ?, ?, ?)",
                                    [(s, n, *row) for n, row in self.input_hist.items()])
                self.db.executemany("INSERT OR REPLACE INTO output_history VALUES (?, ?, ?)",
                                    [(s, n, out) for n, out in self.output_hist.items()])

    @property
    def session_number(self):
        """This session's number (opening the database on first use)."""
        self._open()
        return self._session_number

    def new_session(self):
        """End this session and start another (after %reset)."""
        self.end_session()
        with self._lock:
            self._closed = False
            self._session_number = None
            self.input_hist, self.output_hist = {}, {}
            if self.db is None:
                self._open()
                return
            try:
                self._start_session()
            except sqlite3.Error as e:
                self._fault(e)

    # -- writing
    def store_input(self, line, source, source_raw=None):
        source_raw = source if source_raw is None else source_raw
        with self._lock:
            self.input_hist[line] = (source, source_raw)
            self._input_queue.append((line, source, source_raw))
            self._schedule()

    def store_output(self, line, output):
        with self._lock:
            self.output_hist[line] = output
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
            try:
                self._write(inputs, outputs)
            except sqlite3.Error as e:
                if _kind(e) == "busy":   # another process holds it: retry later
                    self._input_queue[:0], self._output_queue[:0] = inputs, outputs
                    if not self._busy_warned:
                        log.warning("could not write history (%s); will retry", e)
                    self._busy_warned = True
                    return
                self._fault(e)        # (the rows carry over from input_hist)
            self._busy_warned = False

    def _write(self, inputs, outputs):
        s = self.session_number
        try:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT OR REPLACE INTO history VALUES (?, ?, ?, ?)",
                                [(s, *row) for row in inputs])
            self.db.executemany("INSERT OR REPLACE INTO output_history VALUES (?, ?, ?)",
                                [(s, *row) for row in outputs])
            self.db.execute("COMMIT")
        except sqlite3.Error:
            try:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            raise

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
                if self.path != ":memory:" and _kind(e) != "busy":
                    self._fault(e)
                else:
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
        rows = self._read(sql, params)
        if output:
            return [(s, n, (src_, out)) for s, n, src_, out in rows]
        return rows

    def _read(self, sql, params=()):
        """Rows of a query; a file that fails to read is handled as a fault (moved
        aside if damaged, else left) and the query answered from what replaces it."""
        with self._lock:
            self._open()
            try:
                return self.db.execute(sql, params).fetchall()
            except sqlite3.Error as e:
                self._fault(e)
                return self.db.execute(sql, params).fetchall()

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
        return self._read("SELECT * FROM sessions ORDER BY session")

    # -- ranges as %history, %save, %load and %rerun take them
    def get_range_by_str(self, spec, raw=True, output=False):
        """Rows for a range string such as ``4-6 8``, ``~2/1-5`` or ``3/`` (see
        parse_ranges); ValueError for a malformed one."""
        rows = []
        for session, start, stop in parse_ranges(spec):
            rows.extend(self.get_range(session, start, stop, raw=raw, output=output))
        return rows


def _kind(error):
    """What SQLite says went wrong: "corrupt" (the file is damaged or not a
    database), "busy" (another connection holds a lock) or "other" (I/O, permission,
    read-only, full disk, ...)."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:
        text = str(error).lower()
        return "busy" if "locked" in text or "busy" in text else "other"
    code &= 0xFF   # the primary result code
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return "corrupt"
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return "busy"
    return "other"


def _private_file(path):
    """Make ``path``'s folder, and the file itself empty with mode 0600 if missing;
    take group and other permissions off an existing one (and its -wal and -shm)
    that is ours."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except PermissionError:
        return        # a folder we cannot write: SQLite opens the file read-only, if any
    for name in (path, path + "-wal", path + "-shm"):
        try:
            st = os.stat(name)
            if st.st_uid == os.getuid() and st.st_mode & 0o077:
                os.chmod(name, st.st_mode & 0o700)
        except OSError:
            pass


def _move_aside(path):
    """Rename a damaged database (and its WAL, which belongs with it) out of the way;
    returns the new name."""
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    aside = f"{path}-corrupt-{stamp}"
    os.replace(path, aside)
    if os.path.exists(path + "-wal"):
        os.replace(path + "-wal", aside + "-wal")
    if os.path.exists(path + "-shm"):
        os.remove(path + "-shm")
    return aside


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
