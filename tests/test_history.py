"""history.py on real SQLite files: sessions, queries, corruption, read-only files and
several processes writing one database at once."""

import logging
import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from ipylite.history import HistoryManager
from ipylite.shell import Shell


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


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Five cells and %history in a Shell on a history file, as a script a non-root user runs
# (root ignores file modes): the real HistoryManager, the real _connect.
AS_USER = textwrap.dedent("""
    import logging, sys
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
    from ipylite.history import HistoryManager
    from ipylite.shell import Shell
    hm = HistoryManager(sys.argv[1])
    sh = Shell(history=hm)
    for i in range(5):
        assert sh.run_cell(f"w{i} = {i}").success
    sh.run_cell("%history")
    hm.close()
""")


def digest(path):
    import hashlib
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def checkpointed(db):
    """A history file with its WAL folded in (as after a clean exit), its rows counted."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    n = con.execute("SELECT count(*) FROM history").fetchone()[0]
    con.close()
    for extra in ("-wal", "-shm"):
        if os.path.exists(db + extra):
            os.remove(db + extra)
    return n


@pytest.mark.parametrize("how", ["mode_0444", "owned_by_another_user",
                                 "in_a_read_only_folder"])
def test_read_only_history_is_left_alone_and_kept_in_memory(nonroot, how):
    # the fault done for real: a user who cannot write the file opens it
    folder = os.path.join(nonroot.dir, "profile")
    os.mkdir(folder)
    nonroot.own(folder)
    db = os.path.join(folder, "history.sqlite")
    hm = HistoryManager(db)
    hm.store_input(1, "older line")
    hm.close()
    assert checkpointed(db) == 1
    script = os.path.join(nonroot.dir, "cells.py")
    with open(script, "w") as f:
        f.write(AS_USER)
    if how == "owned_by_another_user":
        os.chmod(db, 0o644)          # root's, readable by all, writable by root only
    else:
        nonroot.own(db)
        os.chmod(db, 0o444)
    if how == "in_a_read_only_folder":   # as on a read-only mount
        os.chmod(folder, 0o555)
    before = digest(db)
    r = nonroot.run(["python", script, db], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    warnings = [line for line in r.stderr.splitlines() if line.startswith("WARNING")]
    assert len(warnings) == 1 and "history kept in memory only" in warnings[0], r.stderr
    assert "corrupt" not in r.stderr
    assert r.stdout == "w0 = 0\nw1 = 1\nw2 = 2\nw3 = 3\nw4 = 4\n%history\n"
    assert not [p for p in os.listdir(folder) if "corrupt" in p]
    assert digest(db) == before     # (SQLite may have made an empty -wal and -shm)


def damage(db, first_page=2, every=3):
    """Overwrite every ``every``-th page from ``first_page`` on with junk; the header
    (page 1) stays valid, so SQLite opens the file and finds the damage when it reads."""
    with open(db, "r+b") as f:
        data = bytearray(f.read())
        size = int.from_bytes(data[16:18], "big")
        for page in range(first_page, len(data) // size, every):
            data[page * size:(page + 1) * size] = b"\xde\xad" * (size // 2)
        f.seek(0)
        f.write(data)
    return bytes(data)


def a_big_history(db, n=3000):
    hm = HistoryManager(db)
    for i in range(1, n + 1):
        hm.store_input(i, f"x_{i} = {'y' * 200!r}")
    hm.close()
    assert checkpointed(db) == n


def test_damaged_pages_behind_a_valid_header_at_start(tmp_home):
    folder = tmp_home / ".ipylite" / "profile_default"
    folder.mkdir(parents=True)
    db = str(folder / "history.sqlite")
    a_big_history(db)
    damaged = damage(db)
    cmd = [sys.executable, "-m", "ipylite", "--no-banner", "-c"]
    r = subprocess.run(cmd + ["y = 1\n%history"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert r.stdout == "y = 1\n%history\n"
    assert len(r.stderr.splitlines()) == 1 and "is corrupt" in r.stderr, r.stderr
    aside = [p for p in os.listdir(folder) if "-corrupt-" in p]
    assert len(aside) == 1 and (folder / aside[0]).read_bytes() == damaged
    assert os.stat(db).st_mode & 0o777 == 0o600    # the new one is private too
    r = subprocess.run(cmd + ["%history -l 1"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert r.stdout == "y = 1\n%history\n"


def test_history_magic_in_a_shell_on_damaged_pages(tmp_path, capsys, caplog):
    db = str(tmp_path / "h.sqlite")
    a_big_history(db)
    damage(db)
    sh = Shell(history=HistoryManager(db))
    with caplog.at_level(logging.WARNING, logger="ipylite.history"):
        assert sh.run_cell("a = 1").success
        assert sh.run_cell("%history").success     # (was a DatabaseError, and then
        assert sh.run_cell("%history -n").success  # a TypeError: no session number)
    assert capsys.readouterr().out == ("a = 1\n%history\n"
                                       "   1: a = 1\n   2: %history\n   3: %history -n\n")
    assert len(caplog.records) == 1 and "is corrupt" in caplog.text
    sh.history.close()


def test_damage_found_by_a_later_query_moves_the_file_aside_and_keeps_the_session(
        tmp_path, caplog):
    db = str(tmp_path / "h.sqlite")
    a_big_history(db)
    damaged = damage(db, first_page=12, every=5)   # the sessions table is intact
    sh = Shell(history=HistoryManager(db))
    with caplog.at_level(logging.WARNING, logger="ipylite.history"):
        assert sh.run_cell("mine = 1").success
        sh.history.flush()
        assert not caplog.records       # opening and writing did not touch the damage
        rows = sh.history.search("*")   # reading every row does
        assert [r[2] for r in rows] == ["mine = 1"]
        assert sh.history.get_range(0) == [(sh.history.session_number, 1, "mine = 1")]
    assert len(caplog.records) == 1 and "corrupt" in caplog.text
    aside = [p for p in os.listdir(tmp_path) if "-corrupt-" in p]
    assert len(aside) == 1
    with open(tmp_path / aside[0], "rb") as f:
        assert f.read(len(damaged))[:4096] == damaged[:4096]
    sh.history.close()
    con = sqlite3.connect(db)
    assert con.execute("SELECT source FROM history").fetchall() == [("mine = 1",)]
    con.close()


def test_full_disk_at_start_keeps_the_database_and_warns_once(small_disk, caplog):
    db = os.path.join(small_disk.path, "history.sqlite")
    hm = HistoryManager(db)
    for i in range(1, 21):
        hm.store_input(i, f"line {i}")
    hm.close()
    assert checkpointed(db) == 20
    before = digest(db)
    small_disk.fill()
    with caplog.at_level(logging.WARNING, logger="ipylite.history"):
        sh = Shell(history=HistoryManager(db))
        for i in range(5):
            assert sh.run_cell(f"v = {i}").success
        assert [r[2] for r in sh.history.get_tail(5)] == ["v = %d" % i for i in range(5)]
        sh.history.close()
    assert len(caplog.records) == 1, caplog.text
    assert "history kept in memory only" in caplog.text
    assert "disk is full" in caplog.text or "disk I/O error" in caplog.text
    assert not [p for p in os.listdir(small_disk.path) if "corrupt" in p]
    assert digest(db) == before
    small_disk.free()
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM history").fetchone()[0] == 20
    con.close()


def test_full_disk_during_a_session_keeps_the_database_and_warns_once(small_disk, caplog):
    db = os.path.join(small_disk.path, "history.sqlite")
    sh = Shell(history=HistoryManager(db))
    assert sh.run_cell("first = 1").success
    sh.history.flush()
    small_disk.fill()
    with caplog.at_level(logging.WARNING, logger="ipylite.history"):
        for i in range(300):
            assert sh.run_cell(f"v = {'z' * 500!r}  # {i}").success
        sh.history.flush()
        rows = sh.history.get_range(0)
        sh.history.close()
    assert len(caplog.records) == 1 and "full" in caplog.text, caplog.text
    assert [r[1] for r in rows] == list(range(1, 302))
    assert not [p for p in os.listdir(small_disk.path) if "corrupt" in p]
    small_disk.free()
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert ("first = 1",) in con.execute("SELECT source FROM history").fetchall()
    con.close()


def test_history_files_are_private(tmp_path):
    db = str(tmp_path / "h.sqlite")
    hm = HistoryManager(db)
    hm.store_input(1, "secret = 'hunter2'")
    hm.flush()
    modes = {name: os.stat(tmp_path / name).st_mode & 0o777 for name in os.listdir(tmp_path)}
    assert modes == {"h.sqlite": 0o600, "h.sqlite-wal": 0o600, "h.sqlite-shm": 0o600}
    hm.close()
    old = tmp_path / "old.sqlite"              # made 0644 by an earlier version
    sqlite3.connect(old).close()
    old.write_bytes(b"")
    os.chmod(old, 0o644)
    hm = HistoryManager(str(old))
    assert hm.session_number == 1
    hm.close()
    assert os.stat(old).st_mode & 0o777 == 0o600
    os.chmod(old, 0o444)                      # read-only by choice: stays read-only
    hm = HistoryManager(str(old))
    assert hm.session_number
    hm.close()
    assert os.stat(old).st_mode & 0o777 == 0o400


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
    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(root=ROOT, db=db))
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
