"""history.py on real SQLite files: sessions, queries, corruption, read-only files and
several processes writing one database at once."""

import logging
import os
import sqlite3
import subprocess
import sys
import textwrap


from ipylite.history import HistoryManager


def test_sessions_tail_range_search_and_output(tmp_path):
    db = str(tmp_path / "h.sqlite")
    a = HistoryManager(db)
    a.store_input(1, "x = 1", "x = 1")
    a.store_input(2, "x + 1", "x + 1")
    a.store_output(2, "2")
    first = a.session_number
    a.close()
    b = HistoryManager(db)
    b.store_input(1, "get_ipython().run_line_magic('who', '')", "%who")
    assert b.session_number == first + 1
    assert b.get_tail(3) == [(first, 1, "x = 1"), (first, 2, "x + 1"),
                            (first + 1, 1, "%who")]
    assert b.get_tail(1, raw=False)[0][2] == "get_ipython().run_line_magic('who', '')"
    assert b.get_range(-1, 2, 3, output=True) == [(first, 2, ("x + 1", "2"))]
    assert b.get_range(0) == [(first + 1, 1, "%who")]
    assert [r[2] for r in b.search("x*")] == ["x = 1", "x + 1"]
    assert [r[2] for r in b.search("x*", n=1)] == ["x + 1"]
    b.store_input(2, "x = 1", "x = 1")
    assert [r[:2] for r in b.search("x = 1", unique=True)] == [(first + 1, 2)]
    assert len(b.sessions()) == 2
    b.close()


def test_rows_written_only_in_batches_but_none_lost_at_close(tmp_path):
    db = str(tmp_path / "h.sqlite")
    hm = HistoryManager(db)
    assert hm.session_number == 1
    for i in range(1, 51):
        hm.store_input(i, f"cell {i}")
    other = sqlite3.connect(db)
    assert other.execute("SELECT count(*) FROM history").fetchone()[0] == 0
    hm.close()
    assert other.execute("SELECT count(*) FROM history").fetchone()[0] == 50
    other.close()


def test_corrupt_database_is_moved_aside(tmp_path, caplog):
    db = tmp_path / "h.sqlite"
    db.write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.WARNING, logger="ipylite.history"):
        hm = HistoryManager(str(db))
        hm.store_input(1, "after corruption")
        hm.flush()
    assert "corrupt" in caplog.text
    assert len(caplog.records) == 1 and "\n" not in caplog.records[0].getMessage()
    aside = [p for p in os.listdir(tmp_path) if "corrupt" in p]
    assert aside and (tmp_path / aside[0]).read_bytes().startswith(b"this is not")
    assert hm.get_tail(1)[0][2] == "after corruption"
    hm.close()


def test_unwritable_folder_falls_back_to_memory(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    with caplog.at_level(logging.WARNING, logger="ipylite.history"):
        hm = HistoryManager(str(blocker / "sub" / "h.sqlite"))
        hm.store_input(1, "kept in memory")
        assert hm.get_tail(1)[0][2] == "kept in memory"
    assert "memory" in caplog.text
    assert hm.path == ":memory:"
    hm.close()


def test_read_only_database_falls_back_to_memory(tmp_path, caplog):
    db = str(tmp_path / "h.sqlite")
    HistoryManager(db).close()
    uri = f"file:{db}?mode=ro"

    class ReadOnly(HistoryManager):  # a database opened read-only, as on a RO mount
        def _connect(self, path):
            if path == ":memory:":
                return super()._connect(path)
            con = sqlite3.connect(uri, uri=True, isolation_level=None,
                                  check_same_thread=False)
            return con

    with caplog.at_level(logging.WARNING, logger="ipylite.history"):
        hm = ReadOnly(db)
        hm.store_input(1, "still works")
        assert hm.get_tail(1)[0][2] == "still works"
    assert "memory" in caplog.text
    hm.close()


WRITER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from ipylite.history import HistoryManager
    hm = HistoryManager({db!r})
    hm.flush_batch = 7          # many small transactions: the hard case for locking
    for i in range(1, 501):
        hm.store_input(i, f"proc {{sys.argv[1]}} cell {{i}}")
        hm.store_output(i, str(i))
    hm.close()
""")


def test_four_processes_500_cells_each(tmp_path):
    db = str(tmp_path / "shared.sqlite")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(root=root, db=db))
    procs = [subprocess.Popen([sys.executable, str(script), str(n)],
                              stderr=subprocess.PIPE, text=True) for n in range(4)]
    errs = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errs
    assert not any("locked" in e or "Traceback" in e for e in errs), errs
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM history").fetchone()[0] == 2000
    assert con.execute("SELECT count(*) FROM output_history").fetchone()[0] == 2000
    assert con.execute("SELECT count(DISTINCT session) FROM history").fetchone()[0] == 4
    con.close()
