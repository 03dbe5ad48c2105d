"""What the notebook server sends the page is strict JSON: browsers' JSON.parse refuses
Python's bare NaN and Infinity, and a refused message would be an output lost."""

import json
import time

from test_webnb_server import WS, TOKEN, http, msg, server  # noqa: F401  (the module's server)


class RawWS(WS):
    def recv_text(self, timeout=30):
        self.sock.settimeout(timeout)
        b1, b2 = self._read(2)
        n = b2 & 0x7F
        if n == 126:
            n = int.from_bytes(self._read(2), "big")
        elif n == 127:
            n = int.from_bytes(self._read(8), "big")
        return self._read(n).decode("utf-8")


def strict(text):
    def refuse(name):
        raise AssertionError("bare %s reached the page: JSON.parse would drop this message" % name)
    return json.loads(text, parse_constant=refuse)


def test_nan_and_infinity_reach_the_page_as_strict_json(server):  # noqa: F811
    p = server["port"]
    st, _, body = http(p, "POST", "/api/sessions", {"path": "nan.ipynb", "type": "notebook",
                                                    "kernel": {"name": "ipylite"}})
    kid = json.loads(body)["kernel"]["id"]
    try:
        ws = RawWS(p, "/api/kernels/%s/channels" % kid, token=TOKEN)
        code = ("from ipylite.display import display\n"
                "display({'application/json': {'x': float('nan'), 'y': [float('inf')]}, 'text/plain': 'nan'},"
                " raw=True)\nfloat('nan')")
        m = msg("execute_request", {"code": code, "silent": False, "store_history": True,
                                    "user_expressions": {}, "allow_stdin": False})
        ws.send(m)
        seen, deadline = [], time.monotonic() + 60
        while time.monotonic() < deadline:
            obj = strict(ws.recv_text())
            if obj.get("parent_header", {}).get("msg_id") != m["header"]["msg_id"]:
                continue
            seen.append(obj)
            if obj["msg_type"] == "status" and obj["content"]["execution_state"] == "idle":
                break
        disp = [o for o in seen if o["msg_type"] == "display_data"]
        assert disp and disp[0]["content"]["data"]["application/json"] == {"x": "nan", "y": ["inf"]}
        res = [o for o in seen if o["msg_type"] == "execute_result"]
        assert res and res[0]["content"]["data"]["text/plain"] == "nan"
        ws.close()
    finally:
        http(p, "DELETE", "/api/kernels/" + kid)
