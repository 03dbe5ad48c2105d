"""protocol.py: signing, verifying, framing, connection files and kernelspecs."""

import json
import os
import stat
import subprocess
import sys

import pytest
import zmq

from ipylite.protocol import (DELIM, ProtocolError, Session, find_connection_file, json_dumps,
                              find_kernel_specs, get_kernel_spec, install_kernel_spec,
                              read_connection_file, write_connection_file)


def frames_after_delim(frames):
    return frames[frames.index(DELIM) + 1:]


def test_round_trip_with_buffers():
    s = Session(key=b"secret")
    msg = s.msg("execute_request", {"code": "1+1"})
    frames = s.serialize(msg, ident=[b"client"])
    assert frames[0] == b"client" and frames[1] == DELIM
    frames.append(b"\x00\x01binary")
    r = Session(key=b"secret")
    idents, rest = r.feed_identities(frames)
    got = r.deserialize(rest)
    assert idents == [b"client"]
    assert got["content"] == {"code": "1+1"}
    assert got["msg_type"] == "execute_request"
    assert got["header"]["version"] == "5.4"
    assert bytes(got["buffers"][0]) == b"\x00\x01binary"


def test_signature_is_hmac_sha256_of_the_four_frames():
    import hashlib
    import hmac
    s = Session(key=b"k")
    frames = frames_after_delim(s.serialize(s.msg("status", {"execution_state": "idle"})))
    h = hmac.new(b"k", digestmod=hashlib.sha256)
    for f in frames[1:5]:
        h.update(f)
    assert frames[0] == h.hexdigest().encode()


def test_header_date_is_iso8601_with_timezone():
    import datetime
    s = Session(key=b"k")
    date = s.msg("status")["header"]["date"]
    assert datetime.datetime.fromisoformat(date).tzinfo is not None


def test_bad_signature_rejected():
    s = Session(key=b"secret")
    frames = frames_after_delim(s.serialize(s.msg("kernel_info_request")))
    frames[0] = b"0" * 64
    with pytest.raises(ProtocolError, match="Invalid Signature"):
        Session(key=b"secret").deserialize(frames)


def test_tampered_content_rejected():
    s = Session(key=b"secret")
    frames = frames_after_delim(s.serialize(s.msg("execute_request", {"code": "1"})))
    frames[4] = json.dumps({"code": "import os; os.system('rm -rf /')"}).encode()
    with pytest.raises(ProtocolError, match="Invalid Signature"):
        Session(key=b"secret").deserialize(frames)


def test_unsigned_message_rejected_when_key_set():
    frames = frames_after_delim(Session(key=b"").serialize(Session().msg("kernel_info_request")))
    with pytest.raises(ProtocolError, match="Unsigned"):
        Session(key=b"secret").deserialize(frames)


def test_empty_key_means_unsigned():
    s = Session(key=b"")
    frames = frames_after_delim(s.serialize(s.msg("kernel_info_request")))
    assert frames[0] == b""
    assert Session(key=b"").deserialize(frames)["msg_type"] == "kernel_info_request"


def test_replayed_message_rejected():
    s = Session(key=b"secret")
    frames = frames_after_delim(s.serialize(s.msg("execute_request", {"code": "x"})))
    r = Session(key=b"secret")
    r.deserialize(frames)
    with pytest.raises(ProtocolError, match="Duplicate Signature"):
        r.deserialize(frames)


def test_malformed_messages():
    s = Session(key=b"")
    with pytest.raises(ProtocolError, match="Missing delimiter"):
        s.feed_identities([b"a", b"b", b"{}"])
    with pytest.raises(ProtocolError, match="frames"):
        s.deserialize([b"", b"{}"])
    with pytest.raises(ProtocolError, match="not JSON"):
        s.deserialize([b"", b"{not json", b"{}", b"{}", b"{}"])
    with pytest.raises(ProtocolError, match="msg_type"):
        s.deserialize([b"", b"{}", b"{}", b"{}", b"{}"])


def test_nan_and_odd_values_serialize():
    import datetime
    s = Session()
    msg = s.msg("x", {"nan": float("nan"), "when": datetime.datetime(2020, 1, 1), "b": b"\x00"})
    frames = frames_after_delim(s.serialize(msg))

    def refuse(name):
        raise AssertionError("bare %s is not JSON (browsers' JSON.parse refuses it)" % name)
    content = json.loads(frames[4], parse_constant=refuse)
    assert content["when"].startswith("2020-01-01") and content["nan"] == "nan"
    import numpy
    content = json.loads(json_dumps({"a": numpy.array([1.0, numpy.inf, -numpy.inf])}), parse_constant=refuse)
    assert content == {"a": [1.0, "inf", "-inf"]}


def test_send_recv_over_real_sockets():
    ctx = zmq.Context.instance()
    a, b = ctx.socket(zmq.DEALER), ctx.socket(zmq.ROUTER)
    port = b.bind_to_random_port("tcp://127.0.0.1")
    a.connect(f"tcp://127.0.0.1:{port}")
    try:
        key = os.urandom(32).hex()
        sa, sb = Session(key=key), Session(key=key)
        sent = sa.send(a, "kernel_info_request", {}, buffers=[memoryview(b"xyz")])
        assert b.poll(5000)
        idents, msg = sb.recv(b, 0)
        assert len(idents) == 1 and msg["msg_id"] == sent["msg_id"]
        assert bytes(msg["buffers"][0]) == b"xyz"
        sb.send(b, "kernel_info_reply", {"status": "ok"}, parent=msg, ident=idents)
        assert a.poll(5000)
        _, reply = sa.recv(a, 0)
        assert reply["parent_header"]["msg_id"] == sent["msg_id"]
    finally:
        a.close(0)
        b.close(0)


def test_connection_file(tmp_path):
    fname, info = write_connection_file(str(tmp_path / "k.json"))
    assert stat.S_IMODE(os.stat(fname).st_mode) == 0o600
    assert info["ip"] == "127.0.0.1" and info["transport"] == "tcp"
    assert info["signature_scheme"] == "hmac-sha256"
    assert len(bytes.fromhex(info["key"])) == 32
    ports = [info[k] for k in ("shell_port", "iopub_port", "stdin_port", "control_port",
                               "hb_port")]
    assert len(set(ports)) == 5 and all(p > 0 for p in ports)
    assert read_connection_file(fname) == info
    # jupyter_client reads what we write
    from jupyter_client.connect import ConnectionFileMixin
    m = ConnectionFileMixin()
    m.load_connection_file(fname)
    assert m.shell_port == info["shell_port"] and m.session.key == info["key"].encode()


def test_bad_connection_files(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text("{oops")
    with pytest.raises(ValueError, match="not JSON"):
        read_connection_file(str(p))
    p.write_text("{}")
    with pytest.raises(ValueError, match="lacks"):
        read_connection_file(str(p))
    with pytest.raises(FileNotFoundError):
        read_connection_file(str(tmp_path / "missing.json"))


def test_find_connection_file_newest(tmp_path):
    a, _ = write_connection_file(str(tmp_path / "kernel-a.json"))
    b, _ = write_connection_file(str(tmp_path / "kernel-b.json"))
    os.utime(a, (1, 1))
    assert find_connection_file(path=str(tmp_path)) == b
    assert find_connection_file("kernel-a", path=str(tmp_path)) == a
    with pytest.raises(FileNotFoundError, match="no connection file"):
        find_connection_file("nothing-like-this", path=str(tmp_path))


def test_kernelspec_install_seen_by_jupyter(tmp_path):
    dest = install_kernel_spec("ipylite-x", prefix=str(tmp_path))
    spec = json.load(open(os.path.join(dest, "kernel.json")))
    assert spec["argv"][1:] == ["-m", "ipylite.kernel", "-f", "{connection_file}"]
    env = dict(os.environ, JUPYTER_PATH=str(tmp_path / "share" / "jupyter"))
    out = subprocess.run([sys.executable, "-m", "jupyter", "kernelspec", "list", "--json"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert "ipylite-x" in json.loads(out.stdout)["kernelspecs"]


def test_kernel_install_command(tmp_path):
    out = subprocess.run([sys.executable, "-m", "ipylite.kernel", "install", "--prefix",
                          str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert os.path.isfile(tmp_path / "share/jupyter/kernels/ipylite/kernel.json")
    env = dict(os.environ, JUPYTER_PATH=str(tmp_path / "share" / "jupyter"))
    out = subprocess.run([sys.executable, "-m", "jupyter", "kernelspec", "list", "--json"],
                         env=env, capture_output=True, text=True, timeout=60)
    spec = json.loads(out.stdout)["kernelspecs"]["ipylite"]       # Jupyter finds the one installed
    assert os.path.samefile(spec["resource_dir"], tmp_path / "share/jupyter/kernels/ipylite")


def test_find_kernel_specs_sees_ipykernel_and_ours():
    specs = find_kernel_specs()
    assert "ipylite" in specs and "python3" in specs
    assert get_kernel_spec("ipylite")["language"] == "python"
    with pytest.raises(KeyError, match="no kernelspec named"):
        get_kernel_spec("no-such-kernel")


def test_write_private_makes_any_file_owner_only(tmp_path):
    from ipylite.protocol import write_private
    path = tmp_path / "secret.json"
    path.write_text("old")
    os.chmod(path, 0o644)                    # a file someone left readable
    write_private(str(path), "new")
    assert path.read_text() == "new" and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    write_private(str(tmp_path / "fresh"), b"x")
    assert stat.S_IMODE(os.stat(tmp_path / "fresh").st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".~")] == []


def test_strip_ansi_removes_colours_cursor_codes_and_osc_strings():
    from ipylite.protocol import strip_ansi
    text = ("\x1b[0;31mred\x1b[0m \x1b[38;5;200mx\x1b[39m \x1b[2K\rline \x1b[?2004h"
            "\x1b]8;;http://example.org\x1b\\link\x1b]8;;\x1b\\ \x1b]0;title\x07done")
    assert strip_ansi(text) == "red x \rline link done"
