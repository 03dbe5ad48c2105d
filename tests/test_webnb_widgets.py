"""ipywidgets in the notebook page: the real ipywidgets (and tqdm) package in a real
kernel (ipylite's and ipykernel's), the page in headless Chromium; values set in the
page are read back in the kernel, and the other way round."""

import os
import struct

import pytest

pytest.importorskip("ipywidgets")

from ipylite import nbfile
from ipylite.webserver import ws_frame, ws_unframe
from test_webnb_browser import browser, page, server, shut_kernels_down  # noqa: F401 (fixtures)

KERNELS = ["ipylite", "python3"]


def open_kernel_nb(page, server, name, kernel):
    nb = nbfile.new_notebook(kernel_name=kernel)
    nb["cells"].append({"cell_type": "code", "source": "", "metadata": {}, "id": "c0",
                        "outputs": [], "execution_count": None})
    (server["root"] / name).write_text(nbfile.writes(nb))
    page.goto(server["url"] + "/notebooks/" + name)
    page.wait_for_selector("body[data-loaded=true]")
    page.wait_for_selector("body[data-kernel-status=idle]", timeout=60000)
    assert page.text_content("#kernel-name") == kernel


def run(page, code, wait=True):
    """Type ``code`` into a new last cell and run it; that cell's output element."""
    page.keyboard.press("Escape")
    page.evaluate("IPL.nbSelect(IPL.nbCells().length - 1)")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.insert_text(code)
    page.keyboard.press("Control+Enter")
    n = page.locator(".cell").count()
    cell = page.locator(".cell").nth(n - 1)
    if wait:
        page.wait_for_function("() => !document.querySelector('.cell.selected').classList.contains('busy')"
                               " && document.body.getAttribute('data-kernel-status') === 'idle'")
    return cell.locator(".cell-output")


def kernel_value(page, expr):
    """What ``expr`` is in the kernel now, by running a cell."""
    out = run(page, "print(repr(%s))" % expr)
    return out.locator(".output-stream").last.text_content().strip()


def eventually(page, expr, expected, tries=60):
    for _ in range(tries):
        got = kernel_value(page, expr)
        if got == expected:
            return got
        page.wait_for_timeout(100)
    assert got == expected


def shot(page, name):
    d = os.environ.get("IPYLITE_SHOTS")
    if d:
        page.screenshot(path=os.path.join(d, name + ".png"), full_page=True)


# ------------------------------------------------------------- the framing

def test_binary_framing_matches_jupyter_server():
    base = pytest.importorskip("jupyter_server.services.kernels.connection.base")
    msg = {"header": {"msg_id": "1", "msg_type": "comm_msg"}, "parent_header": {}, "metadata": {},
           "content": {"comm_id": "c", "data": {"method": "update"}}, "channel": "shell",
           "buffers": [b"\x00\x01\x02", b"", b"png" * 100]}
    ours = ws_frame(msg)
    theirs = base.deserialize_binary_message(ours)
    assert [bytes(b) for b in theirs["buffers"]] == msg["buffers"]
    assert theirs["content"] == msg["content"] and theirs["channel"] == "shell"
    back = ws_unframe(base.serialize_binary_message(dict(msg)))
    assert back["buffers"] == msg["buffers"] and back["content"] == msg["content"]
    assert isinstance(ws_frame(dict(msg, buffers=[])), str)      # no buffers: a text message
    for bad in (b"", b"\x00\x00\x00\x09" + b"\x00" * 8, struct.pack(">II", 1, 2)):
        with pytest.raises(ValueError):
            ws_unframe(bad)


# ------------------------------------------------------ widgets in the page

@pytest.mark.parametrize("kernel", KERNELS)
def test_slider_set_in_the_page_is_read_in_the_kernel(page, server, kernel):
    open_kernel_nb(page, server, "slider-%s.ipynb" % kernel, kernel)
    out = run(page, "import ipywidgets as w\ns = w.IntSlider(value=3, min=0, max=10, description='n')\n"
                    "seen = []\ns.observe(lambda ch: seen.append(ch['new']), 'value')\ns")
    rng = out.locator(".widget-intslider input[type=range]")
    rng.wait_for()
    assert rng.input_value() == "3"
    assert out.locator(".w-desc").text_content() == "n"
    shot(page, "slider-" + kernel)
    # drag the handle to the right end
    box = rng.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] + 30, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    assert out.locator(".w-readout").text_content() == "10"
    eventually(page, "s.value", "10")
    assert kernel_value(page, "seen[-1]") == "10"
    # set in the kernel: the page follows
    run(page, "s.value = 7")
    page.wait_for_function("() => document.querySelector('.widget-intslider input').value === '7'")


@pytest.mark.parametrize("kernel", KERNELS)
def test_button_click_prints_in_its_cell_and_output_widget(page, server, kernel):
    open_kernel_nb(page, server, "button-%s.ipynb" % kernel, kernel)
    out = run(page, "import ipywidgets as w\nb = w.Button(description='Go', button_style='success')\n"
                    "o = w.Output()\nclicks = []\n"
                    "def go(btn):\n    clicks.append(1)\n    print('clicked', len(clicks))\n"
                    "    with o:\n        print('in output', len(clicks))\n"
                    "b.on_click(go)\nw.VBox([b, o])")
    btn = out.locator("button.w-btn", has_text="Go")
    btn.click()
    btn.click()
    out.locator(".widget-output >> text=in output 2").wait_for()
    out.locator(".output-stream >> text=clicked 2").wait_for()
    # the Output widget's text is inside the widget, not loose in the cell
    assert "in output" not in "".join(out.locator(":scope > .output-item.output-stream").all_text_contents())
    assert kernel_value(page, "len(clicks)") == "2"
    shot(page, "button-" + kernel)


@pytest.mark.parametrize("kernel", KERNELS)
def test_interact_updates_its_output(page, server, kernel):
    open_kernel_nb(page, server, "interact-%s.ipynb" % kernel, kernel)
    out = run(page, "from ipywidgets import interact\n"
                    "def f(x):\n    print('x squared is', x * x)\n    return x\n"
                    "_ = interact(f, x=5)")
    out.locator(".widget-output >> text=x squared is 25").wait_for()
    rng = out.locator("input[type=range]")
    rng.focus()
    page.keyboard.press("ArrowRight")        # 5 -> 6
    out.locator(".widget-output >> text=x squared is 36").wait_for()
    assert out.locator(".widget-output >> text=x squared is 25").count() == 0
    shot(page, "interact-" + kernel)


@pytest.mark.parametrize("kernel", KERNELS)
def test_tqdm_notebook_bar_reaches_100(page, server, kernel):
    open_kernel_nb(page, server, "tqdm-%s.ipynb" % kernel, kernel)
    out = run(page, "import time\nfrom tqdm.notebook import tqdm\n"
                    "for i in tqdm(range(20), desc='work'):\n    time.sleep(0.02)")
    bar = out.locator(".w-track")
    bar.wait_for()
    assert bar.get_attribute("aria-valuenow") == "20"
    assert "100%" in out.locator(".w-html").first.text_content()
    assert "work" in out.text_content() and "20/20" in out.text_content()
    shot(page, "tqdm-" + kernel)


def test_tqdm_auto_in_ipykernel_ends_at_100(page, server):
    """tqdm.auto chooses its bar itself (the widget bar where it finds a Jupyter kernel
    it knows, else its text bar; in whole-suite runs ipykernel has given either): the
    page must show whichever it drew at its end, 7/7. tqdm.notebook's widget bar is
    tested on both kernels above."""
    open_kernel_nb(page, server, "tqdm-auto.ipynb", "python3")
    out = run(page, "from tqdm.auto import trange\nfor i in trange(7):\n    pass")
    widget = out.locator(".w-track[aria-valuenow='7']")
    text = out.locator(".output-stderr")
    page.wait_for_function("(el) => el.querySelector(\".w-track[aria-valuenow='7']\") || "
                           "/100%.*7\\/7/.test(el.textContent)", arg=out.element_handle())
    shown = text.text_content() if text.count() else ""
    assert widget.count() == 1 or ("100%" in shown and "0%" not in shown.replace("100%", ""))
    assert "100%" in out.text_content()


def test_tqdm_auto_in_ipylite_kernel_ends_at_100(page, server):
    """tqdm.auto picks its widget bar only where it finds ipykernel loaded; on ipylite's
    kernel it draws its text bar, whose last state the page shows."""
    open_kernel_nb(page, server, "tqdm-auto-ipylite.ipynb", "ipylite")
    out = run(page, "from tqdm.auto import trange\nfor i in trange(7):\n    pass")
    text = out.locator(".output-stderr").text_content()
    assert "100%" in text and "7/7" in text and "0%" not in text.replace("100%", "")
    shot(page, "tqdm-auto-ipylite")


@pytest.mark.parametrize("kernel", KERNELS)
def test_core_controls_round_trip(page, server, kernel):
    open_kernel_nb(page, server, "controls-%s.ipynb" % kernel, kernel)
    out = run(page, "import ipywidgets as w\n"
                    "t = w.Text(value='hi'); ta = w.Textarea(value='a\\nb'); d = w.Dropdown(options=['red', 'green', 'blue'], value='green')\n"
                    "c = w.Checkbox(value=False, description='ok'); p = w.FloatProgress(value=2.5, max=10)\n"
                    "h = w.HTML('<b>bold</b> text'); l = w.Label('a label')\n"
                    "tab = w.Tab([w.Label('first page'), w.Label('second page')]); tab.titles = ('One', 'Two')\n"
                    "acc = w.Accordion([w.Label('inside')], titles=('Section',))\n"
                    "hm = w.HTMLMath('area $\\\\pi r^2$')\n"
                    "w.VBox([w.HBox([t, ta]), d, c, p, h, l, tab, acc, hm])")
    out.locator(".widget-tab").wait_for()
    shot(page, "controls-" + kernel)
    assert out.locator(".widget-text input").input_value() == "hi"
    assert out.locator(".widget-textarea textarea").input_value() == "a\nb"
    assert out.locator(".widget-hbox .widget-text").count() == 1
    assert out.locator(".widget-html b").text_content() == "bold"
    assert out.locator(".w-text").first.text_content() == "a label"
    assert out.locator(".w-track .w-bar").evaluate("e => e.style.width") == "25%"
    out.locator(".widget-text input").fill("typed")
    out.locator(".widget-dropdown select").select_option(label="blue")
    out.locator(".widget-checkbox input").check()
    out.locator(".widget-tab .w-tab-title", has_text="Two").click()
    out.locator(".widget-tab >> text=second page").wait_for()
    eventually(page, "(t.value, d.value, c.value, tab.selected_index)", "('typed', 'blue', True, 1)")
    # the kernel changes them: the page follows
    run(page, "p.value = 10; p.bar_style = 'success'; h.value = '<i>new</i>'; acc.selected_index = 0")
    page.wait_for_function("() => document.querySelector('.w-track .w-bar').style.width === '100%'")
    out.locator(".widget-html i", has_text="new").wait_for()
    out.locator(".widget-accordion >> text=inside").wait_for()
    assert out.locator(".widget-htmlmath math").count() == 1      # TeX drawn as MathML
    assert "$" not in out.locator(".widget-htmlmath").text_content()
    run(page, "l.close()")                                         # a closed widget's view goes
    page.wait_for_function("() => ![...document.querySelectorAll('.w-text')].some(e => e.textContent === 'a label')")
    assert out.locator(".widget-accordion >> text=inside").count() == 1    # the others stay


@pytest.mark.parametrize("kernel", KERNELS)
def test_jslink_and_observe(page, server, kernel):
    open_kernel_nb(page, server, "link-%s.ipynb" % kernel, kernel)
    out = run(page, "import ipywidgets as w\na = w.IntSlider(1); b = w.IntSlider(1); c = w.IntText(0)\n"
                    "w.jslink((a, 'value'), (b, 'value'))\n"
                    "a.observe(lambda ch: setattr(c, 'value', ch['new'] * 100), 'value')\n"
                    "w.VBox([a, b, c])")
    first = out.locator(".widget-intslider input").first
    first.focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")     # a: 1 -> 5; the page moves b itself
    page.wait_for_function("() => document.querySelectorAll('.widget-intslider input')[1].value === '5'")
    page.wait_for_function("() => document.querySelector('.widget-inttext input').value === '500'")
    eventually(page, "(a.value, b.value, c.value)", "(5, 5, 500)")


@pytest.mark.parametrize("kernel", KERNELS)
def test_binary_buffers_both_ways(page, server, kernel):
    """An Image's bytes reach the page as a binary WebSocket message, and a buffer the
    page sends reaches the kernel's widget whole."""
    open_kernel_nb(page, server, "image-%s.ipynb" % kernel, kernel)
    png = ("iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==")
    out = run(page, "import base64, ipywidgets as w\n"
                    "im = w.Image(value=base64.b64decode(%r), format='png', width=40)\nim" % png)
    img = out.locator(".widget-image img")
    img.wait_for()
    page.wait_for_function("() => { const i = document.querySelector('.widget-image img'); return i.complete && i.naturalWidth === 2; }")
    # the page sends bytes back (as a widget library's view would)
    page.evaluate("""() => {
        const id = document.querySelector('.widget-image').getAttribute('data-model-id');
        IPL.widgets.models[id].save({value: new Uint8Array([0, 1, 2, 250, 255])});
    }""")
    eventually(page, "bytes(im.value)", repr(bytes([0, 1, 2, 250, 255])))


@pytest.mark.parametrize("kernel", KERNELS)
def test_page_reload_shows_widgets_again(page, server, kernel):
    open_kernel_nb(page, server, "reload-%s.ipynb" % kernel, kernel)
    out = run(page, "import ipywidgets as w\ns = w.IntSlider(4)\no = w.Output()\n"
                    "with o:\n    print('captured once')\nw.VBox([s, o])")
    out.locator(".widget-output >> text=captured once").wait_for()
    eventually(page, "len(o.outputs)", "1")       # the page syncs what it captured back
    page.keyboard.press("Control+s")
    page.wait_for_timeout(300)
    run(page, "s.value = 6")
    page.reload()
    page.wait_for_selector("body[data-loaded=true]")
    page.wait_for_function("() => { const i = document.querySelector('.widget-intslider input');"
                           " return i && i.value === '6'; }")
    page.locator(".widget-output >> text=captured once").wait_for()
    page.wait_for_timeout(300)
    assert page.locator(".cell-output >> text=captured once").count() == 1   # not also loose in the cell


def test_unknown_widget_library_says_so(page, server):
    open_kernel_nb(page, server, "unknown.ipynb", "ipylite")
    out = run(page, "import ipywidgets as w, traitlets as t\n"
                    "class Fancy(w.DOMWidget):\n    _view_name = t.Unicode('FancyView').tag(sync=True)\n"
                    "    _view_module = t.Unicode('fancy-lib').tag(sync=True)\n"
                    "    _model_module = t.Unicode('fancy-lib').tag(sync=True)\nFancy()")
    out.locator(".widget-unsupported >> text=fancy-lib FancyView is not available").wait_for()


@pytest.mark.parametrize("kernel", KERNELS)
def test_error_inside_an_output_widget_shows_there(page, server, kernel):
    """ipywidgets' Output shows an exception raised in its `with` block through the
    shell's showtraceback(..., tb_offset=0), IPython's signature."""
    open_kernel_nb(page, server, "outerr-%s.ipynb" % kernel, kernel)
    out = run(page, "import ipywidgets as w\no = w.Output()\ndisplay(o)\n"
                    "with o:\n    print('before')\n    1 / 0\nprint('after')")
    out.locator(".widget-output .output-stream >> text=before").wait_for()
    out.locator(".widget-output .output-error >> text=ZeroDivisionError").first.wait_for()
    out.locator(":scope > .output-item.output-stream >> text=after").wait_for()
    assert out.locator(":scope > .output-item.output-error").count() == 0


@pytest.mark.parametrize("kernel", KERNELS)
def test_play_linked_to_a_slider_and_file_upload(page, server, kernel, tmp_path):
    open_kernel_nb(page, server, "play-%s.ipynb" % kernel, kernel)
    out = run(page, "import ipywidgets as w\np = w.Play(value=0, min=0, max=5, interval=20)\n"
                    "s = w.IntSlider(0, max=5); w.jslink((p, 'value'), (s, 'value'))\n"
                    "sel = w.SelectionSlider(options=['lo', 'mid', 'hi'], value='mid')\n"
                    "up = w.FileUpload(multiple=True)\nw.VBox([w.HBox([p, s]), sel, up])")
    out.locator(".widget-play button[title=play]").click()
    page.wait_for_function("() => document.querySelector('.widget-intslider input').value === '5'")
    eventually(page, "(p.value, s.value, p.playing)", "(5, 5, False)")
    assert out.locator(".widget-selectionslider .w-readout").text_content() == "mid"
    (tmp_path / "a.bin").write_bytes(bytes(range(256)) * 3)
    out.locator(".widget-fileupload input[type=file]").set_input_files(str(tmp_path / "a.bin"))
    eventually(page, "[(f.name, f.size, bytes(f.content) == bytes(range(256)) * 3) for f in up.value]",
               "[('a.bin', 768, True)]")


ANYWIDGET = '''import anywidget, traitlets
class Counter(anywidget.AnyWidget):
    _esm = """
    function render({ model, el }) {
      const b = document.createElement("button");
      b.className = "counter";
      const draw = () => { b.textContent = "count is " + model.get("value"); };
      b.addEventListener("click", () => { model.set("value", model.get("value") + 1); model.save_changes(); });
      model.on("change:value", draw);
      model.on("msg:custom", (msg) => { b.dataset.got = msg.hello; });
      draw();
      el.appendChild(b);
    }
    export default { render };
    """
    _css = ".counter { color: rgb(1, 2, 3) }"
    value = traitlets.Int(0).tag(sync=True)
c = Counter()
c'''


@pytest.mark.parametrize("kernel", KERNELS)
def test_anywidget_brings_its_own_view(page, server, kernel):
    pytest.importorskip("anywidget")
    open_kernel_nb(page, server, "any-%s.ipynb" % kernel, kernel)
    out = run(page, ANYWIDGET)
    btn = out.locator("button.counter")
    btn.click()
    btn.click()
    btn.locator("text=count is 2").wait_for()
    assert btn.evaluate("b => getComputedStyle(b).color") == "rgb(1, 2, 3)"
    eventually(page, "c.value", "2")
    run(page, "c.value = 10\nc.send({'hello': 'there'})")
    page.wait_for_function("() => document.querySelector('button.counter').textContent === 'count is 10'")
    page.wait_for_function("() => document.querySelector('button.counter').dataset.got === 'there'")


def test_readout_formats_and_styles(page, server):
    open_kernel_nb(page, server, "formats.ipynb", "ipylite")
    out = run(page, "import ipywidgets as w\n"
                    "w.VBox([w.FloatSlider(0.5), w.FloatSlider(0.25, readout_format='.1%'),\n"
                    "        w.IntSlider(12345, max=99999, readout_format=',d'), w.FloatLogSlider(100),\n"
                    "        w.Label('styled', style={'text_color': 'rgb(200, 0, 0)', 'font_weight': 'bold'})])")
    readouts = out.locator(".w-readout").all_text_contents()
    assert readouts == ["0.50", "25.0%", "12,345", "100"]
    lab = out.locator(".widget-label")
    assert lab.evaluate("e => [getComputedStyle(e).color, getComputedStyle(e).fontWeight]") == ["rgb(200, 0, 0)", "700"]


def test_widgets_after_a_kernel_restart(page, server):
    open_kernel_nb(page, server, "restart.ipynb", "ipylite")
    run(page, "import ipywidgets as w\nw.IntSlider(1)")
    page.locator("button[data-action=restart]").first.click()
    page.wait_for_selector(".widget-closed", timeout=30000)       # the old view greys out
    page.wait_for_selector("body[data-kernel-status=idle]", timeout=60000)
    out = run(page, "import ipywidgets as w\ns2 = w.IntSlider(2)\ns2")
    rng = out.locator(".widget-intslider input")
    rng.focus()
    page.keyboard.press("ArrowRight")
    eventually(page, "s2.value", "3")


def test_range_slider_handles_drag(page, server):
    open_kernel_nb(page, server, "range.ipynb", "ipylite")
    out = run(page, "import ipywidgets as w\nr = w.IntRangeSlider(value=(2, 6), min=0, max=10)\nr")
    wrap = out.locator(".w-range")
    box = wrap.bounding_box()
    y = box["y"] + box["height"] / 2
    x = lambda v: box["x"] + 7 + (box["width"] - 14) * v / 10      # the thumbs' centres
    page.mouse.move(x(6), y)                   # the upper handle, to the end
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] + 20, y, steps=5)
    page.mouse.up()
    page.mouse.move(x(2), y)                   # the lower handle, to the start
    page.mouse.down()
    page.mouse.move(box["x"] - 20, y, steps=5)
    page.mouse.up()
    assert out.locator(".w-readout").text_content() == "0 – 10"
    eventually(page, "r.value", "(0, 10)")


@pytest.mark.parametrize("kernel", KERNELS)
def test_two_pages_on_one_kernel_follow_each_other(page, server, kernel):
    """ipywidgets echoes a page's change to every page (echo_update): the other page
    follows, the page that made it skips its own echo."""
    open_kernel_nb(page, server, "two-%s.ipynb" % kernel, kernel)
    run(page, "import ipywidgets as w\ns = w.IntSlider(1)\ns")
    page.keyboard.press("Control+s")
    page.wait_for_timeout(300)
    other = page.context.new_page()
    try:
        other.goto(server["url"] + "/notebooks/two-%s.ipynb" % kernel)
        other.wait_for_function("() => { const i = document.querySelector('.widget-intslider input');"
                                " return i && i.value === '1'; }")
        rng = page.locator(".widget-intslider input")
        rng.focus()
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        other.wait_for_function("() => document.querySelector('.widget-intslider input').value === '4'")
        assert rng.input_value() == "4"
        eventually(page, "s.value", "4")
    finally:
        other.close()


def test_date_and_time_pickers(page, server):
    open_kernel_nb(page, server, "dates.ipynb", "ipylite")
    out = run(page, "import datetime as dt, ipywidgets as w\n"
                    "d = w.DatePicker(value=dt.date(2024, 2, 29)); t = w.TimePicker(value=dt.time(13, 45, 30))\n"
                    "n = w.NaiveDatetimePicker(value=dt.datetime(2020, 1, 2, 3, 4, 5))\nw.VBox([d, t, n])")
    date, time_, naive = (out.locator(".widget-%s input" % k) for k in ("datepicker", "time", "datetime"))
    assert date.input_value() == "2024-02-29"
    assert time_.input_value().startswith("13:45:30")
    assert naive.input_value() == "2020-01-02T03:04:05"
    date.fill("2025-12-31")
    time_.fill("08:09:10")
    naive.fill("2021-06-07T08:09:10")
    eventually(page, "(d.value, t.value, n.value)",
               "(datetime.date(2025, 12, 31), datetime.time(8, 9, 10), datetime.datetime(2021, 6, 7, 8, 9, 10))")


def test_tags_inputs(page, server):
    open_kernel_nb(page, server, "tags.ipynb", "ipylite")
    out = run(page, "import ipywidgets as w\ntg = w.TagsInput(value=['a', 'b'], allow_duplicates=False)\n"
                    "ints = w.IntsInput(value=[1, 2])\nw.VBox([tg, ints])")
    tags = out.locator(".widget-tagsinput")
    assert tags.locator(".w-tag").count() == 2
    tags.locator(".w-tag-input").fill("c")
    tags.locator(".w-tag-input").press("Enter")
    tags.locator(".w-tag-input").fill("a")                   # a duplicate: refused
    tags.locator(".w-tag-input").press("Enter")
    tags.locator(".w-tag", has_text="a").locator(".w-tag-x").click()
    out.locator(".widget-intsinput .w-tag-input").fill("7")
    out.locator(".widget-intsinput .w-tag-input").press("Enter")
    eventually(page, "(tg.value, ints.value)", "(['b', 'c'], [1, 2, 7])")


# ------------------------------------------------- widget state in the notebook

STATE_MIME = "application/vnd.jupyter.widget-state+json"
VIEW_MIME = "application/vnd.jupyter.widget-view+json"
PNG2 = ("iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==")


def saved_widgets_drawn(pg):
    """The widgets of test_widget_state_saved_and_drawn_without_its_kernel, as saved."""
    pg.wait_for_selector(".widget-intslider input[type=range]")
    assert pg.locator(".widget-intslider input[type=range]").input_value() == "7"
    assert pg.locator(".widget-intslider .w-readout").text_content() == "7"
    assert pg.locator(".widget-intslider .w-desc").text_content() == "n"
    assert pg.locator(".widget-label").text_content() == "second"
    assert pg.locator(".widget-progress .w-bar").evaluate("e => e.style.width") == "75%"
    assert pg.locator(".widget-text input").input_value() == "linked"
    assert pg.locator(".widget-html b").text_content() == "bold"
    pg.locator(".widget-output >> text=in output").wait_for()
    pg.wait_for_function("() => { const i = document.querySelector('.widget-image img');"
                         " return i && i.complete && i.naturalWidth === 2; }")
    assert pg.locator(".widget-pending").count() == 0
    assert pg.locator(".cell-output >> text=VBox(").count() == 0     # not the text/plain stand-in


def test_widget_state_saved_and_drawn_without_its_kernel(page, browser, server):
    """Saved as Jupyter saves it (metadata.widgets, version 2.0, binary buffers in
    base64); the file is a valid notebook; reopened on a new kernel that has none of the
    widgets, and in the HTML export, the widgets show their last values."""
    import ast
    import base64
    import json
    nbformat = pytest.importorskip("nbformat")
    from test_webnb_browser import api
    from test_webnb_output import fetch, show_export
    open_kernel_nb(page, server, "wstate.ipynb", "python3")
    out = run(page, "import base64, ipywidgets as w\n"
                    "s = w.IntSlider(value=3, min=0, max=10, description='n')\n"
                    "l = w.Label('first')\np = w.FloatProgress(value=0.25, max=1.0)\n"
                    "t = w.Text('linked')\nh = w.HTML('<b>bold</b>')\n"
                    "im = w.Image(value=base64.b64decode(%r), format='png')\n"
                    "o = w.Output()\nwith o:\n    print('in output')\n"
                    "ui = w.VBox([s, l, p, w.HBox([t, h]), im, o])\nui" % PNG2)
    rng = out.locator(".widget-intslider input[type=range]")
    rng.focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")            # 3 -> 7, in the page
    eventually(page, "s.value", "7")
    run(page, "l.value = 'second'\np.value = 0.75")   # and in the kernel
    page.wait_for_function("() => document.querySelector('.widget-label').textContent === 'second'")
    eventually(page, "len(o.outputs)", "1")
    # what ipywidgets' own embedding says the view needs, and a slider's keys
    need = ast.literal_eval(kernel_value(page, "sorted(__import__('ipywidgets.embed').embed."
                                               "embed_data(views=[ui])['manager_state']['state'])"))
    keys = ast.literal_eval(kernel_value(page, "sorted(s.get_state())"))
    ids = ast.literal_eval(kernel_value(page, "[s.model_id, l.model_id, p.model_id, im.model_id]"))
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    page.wait_for_selector("body[data-saved]")

    path = server["root"] / "wstate.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    ws = nb.metadata["widgets"][STATE_MIME]
    assert (ws["version_major"], ws["version_minor"]) == (2, 0)
    assert set(need) <= set(ws["state"])
    for e in ws["state"].values():
        assert isinstance(e["model_name"], str) and isinstance(e["model_module"], str)
        assert isinstance(e["model_module_version"], str) and isinstance(e["state"], dict)
        for b in e.get("buffers", []):
            assert set(b) == {"path", "data", "encoding"} and b["encoding"] == "base64"
    sl, lab, prog, img = (ws["state"][i] for i in ids)
    assert (sl["model_name"], sl["model_module"]) == ("IntSliderModel", "@jupyter-widgets/controls")
    assert sl["state"]["value"] == 7 and set(keys) <= set(sl["state"])
    assert lab["state"]["value"] == "second" and prog["state"]["value"] == 0.75
    assert [b["path"] for b in img["buffers"]] == [["value"]]
    assert base64.b64decode(img["buffers"][0]["data"]) == base64.b64decode(PNG2)
    json.dumps(ws)

    # reopened on a fresh kernel: none of these widgets are in it
    for sess in api(server, "GET", "/api/sessions"):
        api(server, "DELETE", "/api/sessions/" + sess["id"])
    page.goto(server["url"] + "/notebooks/wstate.ipynb")
    page.wait_for_selector("body[data-loaded=true]")
    page.wait_for_selector("body[data-kernel-status=idle]", timeout=60000)
    saved_widgets_drawn(page)
    assert page.evaluate("document.body.getAttribute('data-trusted')") == "true"
    page.locator(".widget-intslider input[type=range]").focus()
    page.keyboard.press("ArrowRight")                  # a saved widget still moves, here
    assert page.locator(".widget-intslider .w-readout").text_content() == "8"
    page.keyboard.press("Escape")
    # and saved again, the state is kept
    page.keyboard.press("Control+s")
    page.wait_for_function("() => !document.title.startsWith('*')")
    again = nbformat.read(str(path), as_version=4).metadata["widgets"][STATE_MIME]["state"]
    assert set(need) <= set(again) and again[ids[1]]["state"]["value"] == "second"

    # the HTML export draws them without any server or kernel
    ctx, pg = show_export(browser, fetch(page, server, "/nbconvert/html/wstate.ipynb"))
    try:
        saved_widgets_drawn(pg)
        assert not pg.errors, pg.errors
    finally:
        ctx.close()


def untrusted_widget_nb(server, name):
    """A notebook from elsewhere (not signed here) whose saved widget state carries HTML
    that would run script (under a model id with quotes in it)."""
    ctl = {"_model_module": "@jupyter-widgets/controls", "_view_module": "@jupyter-widgets/controls",
           "_model_module_version": "2.0.0", "_view_module_version": "2.0.0"}
    state = {
        "h'h]\"": {"model_name": "HTMLModel", "model_module": "@jupyter-widgets/controls", "model_module_version": "2.0.0",
               "state": dict(ctl, _model_name="HTMLModel", _view_name="HTMLView",
                             value="<b>kept</b><img src=x onerror=\"window.pwned='html'\">")},
        "oo": {"model_name": "OutputModel", "model_module": "@jupyter-widgets/output", "model_module_version": "1.0.0",
               "state": {"_model_name": "OutputModel", "_model_module": "@jupyter-widgets/output",
                         "_view_name": "OutputView", "_view_module": "@jupyter-widgets/output",
                         "outputs": [{"output_type": "display_data", "metadata": {},
                                      "data": {"text/html": "<i>out</i><img src=x onerror=\"window.pwned='out'\">"}}]}},
        "aa": {"model_name": "AnyModel", "model_module": "anywidget", "model_module_version": "*",
               "state": {"_model_name": "AnyModel", "_model_module": "anywidget", "_view_name": "AnyView",
                         "_view_module": "anywidget",
                         "_esm": "export default { render() { window.pwned = 'esm'; } }"}},
    }
    outs = [{"output_type": "display_data", "metadata": {},
             "data": {"text/plain": "W(%s)" % i, "application/vnd.jupyter.widget-view+json":
                      {"version_major": 2, "version_minor": 0, "model_id": i}}} for i in state]
    from test_webnb_browser import write_nb
    path = write_nb(server, name, [{"cell_type": "code", "source": "w", "outputs": outs, "execution_count": 1}])
    nb = nbfile.read(str(path))
    nb["metadata"]["widgets"] = {STATE_MIME: {"version_major": 2, "version_minor": 0, "state": state}}
    nbfile.write(nb, str(path))


def test_saved_widget_state_of_an_untrusted_notebook_runs_nothing(page, browser, server):
    from test_webnb_output import fetch, show_export
    untrusted_widget_nb(server, "wuntrusted.ipynb")
    page.goto(server["url"] + "/notebooks/wuntrusted.ipynb")
    page.wait_for_selector("body[data-loaded=true]")
    ctx, pg = show_export(browser, fetch(page, server, "/nbconvert/html/wuntrusted.ipynb"))
    try:
        for p in (page, pg):
            p.locator(".widget-html b >> text=kept").wait_for()
            p.locator(".widget-output i >> text=out").wait_for()
            p.locator(".widget-any >> text=untrusted notebook").wait_for()
            p.wait_for_timeout(300)
            assert p.evaluate("window.pwned") is None
            assert p.locator(".widget [onerror]").count() == 0
    finally:
        ctx.close()


def test_widget_state_written_by_nbclient_is_drawn(page, browser, server):
    """nbclient (the incumbent that runs notebooks for nbconvert and documentation
    builds) stores widget state in the notebook it executes: the page and the HTML export
    draw those widgets at their last values."""
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    from test_webnb_output import fetch, show_export
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("import ipywidgets as w\ns = w.IntSlider(value=4, max=9, description='m')\n"
                                          "l = w.Label('from nbclient')\nw.VBox([s, l])"),
                nbformat.v4.new_code_cell("s.value = 6\nl.value = 'set later'")]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    assert STATE_MIME in nb.metadata["widgets"]
    nbformat.write(nb, str(server["root"] / "nbc.ipynb"))
    page.goto(server["url"] + "/notebooks/nbc.ipynb")
    page.wait_for_selector("body[data-loaded=true]")
    ctx, pg = show_export(browser, fetch(page, server, "/nbconvert/html/nbc.ipynb"))
    try:
        for p in (page, pg):
            p.wait_for_selector(".widget-intslider input[type=range]")
            assert p.locator(".widget-intslider input[type=range]").input_value() == "6"
            assert p.locator(".widget-intslider .w-readout").text_content() == "6"
            assert p.locator(".widget-intslider .w-desc").text_content() == "m"
            assert p.locator(".widget-label").text_content() == "set later"
        assert not pg.errors, pg.errors
    finally:
        ctx.close()


def test_widget_state_without_defaults_is_drawn(browser):
    """A state saved without its default values (as JupyterLab saves it, and ipywidgets'
    own embed_data(drop_defaults=True)) is drawn with the defaults put back."""
    from ipywidgets.embed import embed_data
    from test_webnb_output import show_export
    import ipywidgets as w
    s, p, lab = w.IntSlider(value=5), w.FloatProgress(value=50.0), w.Label("no defaults")
    ui = w.VBox([s, p, lab])
    data = embed_data(views=[ui], drop_defaults=True)
    assert "_view_name" not in data["manager_state"]["state"][s.model_id]["state"]
    nb = nbfile.new_notebook()
    nb["cells"].append({"cell_type": "code", "id": "c0", "metadata": {}, "execution_count": 1, "source": "ui",
                        "outputs": [{"output_type": "display_data", "metadata": {},
                                     "data": {"text/plain": "VBox()", VIEW_MIME: data["view_specs"][0]}}]})
    nb["metadata"]["widgets"] = {STATE_MIME: data["manager_state"]}
    ctx, pg = show_export(browser, nbfile.to_html(nb).encode())
    try:
        pg.wait_for_selector(".widget-intslider input[type=range]")
        assert pg.locator(".widget-intslider input[type=range]").input_value() == "5"
        assert pg.locator(".widget-intslider input[type=range]").get_attribute("max") == "100"
        assert pg.locator(".widget-progress .w-bar").evaluate("e => e.style.width") == "50%"
        assert pg.locator(".widget-label").text_content() == "no defaults"
        assert not pg.errors, pg.errors
    finally:
        ctx.close()


MPL_WIDGET = "%matplotlib widget\nimport matplotlib.pyplot as plt\nfig = plt.figure()\nplt.plot([1, 2])\nprint(plt.get_backend())"


def iopub_of(kernel, code):
    """The iopub messages of ``code`` run on a fresh kernel (its reply must be ok)."""
    from jupyter_client.manager import start_new_kernel
    km, kc = start_new_kernel(kernel_name=kernel, startup_timeout=60)
    try:
        got = []
        reply = kc.execute_interactive(code, timeout=60, output_hook=got.append)
        assert reply["content"]["status"] == "ok", reply["content"]
        return got
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_matplotlib_widget_sends_what_ipykernel_sends():
    """%matplotlib widget (ipympl) on ipylite's kernel: the same widget models opened,
    the same backend name, and the canvas displayed with the same mime types as on
    ipykernel."""
    def summary(got):
        models = sorted(m["content"]["data"]["state"]["_model_name"]
                        for m in got if m["msg_type"] == "comm_open")
        shown = [sorted(m["content"]["data"]) for m in got if m["msg_type"] == "display_data"]
        text = "".join(m["content"]["text"] for m in got if m["msg_type"] == "stream")
        return models, shown, text
    ours, theirs = summary(iopub_of("ipylite", MPL_WIDGET)), summary(iopub_of("python3", MPL_WIDGET))
    assert ours == theirs
    assert "MPLCanvasModel" in ours[0] and ours[2] == "widget\n"
    assert ours[1] == [["application/vnd.jupyter.widget-view+json", "image/png", "text/html",
                        "text/plain"]]


def test_a_view_the_page_cannot_draw_shows_its_outputs_other_data(page, server):
    """A widget of a library whose JavaScript the page lacks, whose output also carries
    other data (as ipympl's canvas carries a PNG): that data shows, with one line."""
    open_kernel_nb(page, server, "still.ipynb", "ipylite")
    out = run(page, "import ipywidgets as w, traitlets as t\n"
                    "class Fancy(w.DOMWidget):\n    _view_name = t.Unicode('FancyView').tag(sync=True)\n"
                    "    _view_module = t.Unicode('fancy-lib').tag(sync=True)\n"
                    "    def _repr_mimebundle_(self, **kw):\n"
                    "        b = super()._repr_mimebundle_(**kw)\n"
                    "        b['text/html'] = '<b class=fancy-still>still</b>'\n"
                    "        return b\nFancy()")
    out.locator(".widget-static .fancy-still").wait_for()
    assert "fancy-lib FancyView: a still image" in out.locator(".widget-static .widget-unsupported").text_content()


def canvas_ink(page, out):
    """How many pixels of the live canvas are not white."""
    return out.locator(".mpl-canvas").evaluate(
        "c => { var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, n = 0;"
        " for (var i = 0; i < d.length; i += 4) if (d[i + 3] && (d[i] < 200 || d[i + 1] < 200)) n++; return n; }")


def zoom_home_and_click(page, out):
    """Zoom by a dragged rectangle, Home, then a plain click reaching mpl_connect."""
    out.locator(".mpl-tool[data-tool=zoom]").click()
    out.locator(".mpl-tool[data-tool=zoom].active").wait_for()
    box = out.locator(".mpl-rubberband").bounding_box()
    x0, y0 = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(1, 6):
        page.mouse.move(x0 + 30 * i, y0 + 25 * i)
        page.wait_for_timeout(50)
    page.mouse.up()
    lim = eventually_not(page, "tuple(round(float(v), 2) for v in plt.gca().get_xlim())", "(-0.05, 1.05)")
    assert float(lim.strip("()").split(",")[0]) > 0        # zoomed in
    out.locator(".mpl-tool[data-tool=home]").click()
    eventually(page, "tuple(round(float(v), 2) for v in plt.gca().get_xlim())", "(-0.05, 1.05)")
    out.locator(".mpl-tool[data-tool=zoom]").click()       # zoom off: clicks are plain clicks
    out.locator(".mpl-tool[data-tool=zoom]:not(.active)").wait_for()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    eventually(page, "clicks[-1:]", "[(<MouseButton.LEFT: 1>, True)]")


CLICKS = ("\nclicks = []\nfig.canvas.mpl_connect('button_press_event', "
          "lambda e: clicks.append((e.button, e.inaxes is not None)))")


@pytest.mark.parametrize("kernel", KERNELS)
def test_matplotlib_widget_canvas_is_live(page, server, kernel):
    """ipympl's canvas drawn by the page: frames from the kernel, the toolbar's zoom by
    a dragged rectangle and Home, and mouse clicks reaching mpl_connect callbacks."""
    open_kernel_nb(page, server, "mplw-%s.ipynb" % kernel, kernel)
    out = run(page, MPL_WIDGET + CLICKS)
    out.locator(".mpl-canvas[data-frames]").wait_for()
    assert canvas_ink(page, out) > 500                     # axes, ticks and the line
    assert out.locator(".mpl-header").text_content() == "Figure 1"
    zoom_home_and_click(page, out)
    shot(page, "mpl-widget-" + kernel)


@pytest.mark.parametrize("kernel", KERNELS)
def test_matplotlib_notebook_figure_is_live(page, server, kernel):
    """%matplotlib notebook (matplotlib's nbagg, a "matplotlib" comm): the page draws the
    figure itself (nbagg's own script needs the classic Notebook and is not run: no page
    error), with the same toolbar and events as the widget canvas."""
    open_kernel_nb(page, server, "nbagg-%s.ipynb" % kernel, kernel)
    out = run(page, "%matplotlib notebook\nimport matplotlib.pyplot as plt\nfig = plt.figure()\n"
                    "plt.plot([1, 2])" + CLICKS)
    out.locator(".mpl-nbagg .mpl-canvas[data-frames]").wait_for()
    assert canvas_ink(page, out) > 500
    assert out.locator(".mpl-header").text_content() == "Figure 1"
    zoom_home_and_click(page, out)
    shot(page, "mpl-nbagg-" + kernel)


def test_matplotlib_notebook_sends_what_ipykernel_sends():
    """%matplotlib notebook on ipylite's kernel: nbagg's script and <div> outputs and its
    "matplotlib" comm, as on ipykernel (nbagg builds ipykernel's Comm class, which only
    ipykernel's kernel can send through: ipylite gives it its own comms)."""
    code = "%matplotlib notebook\nimport matplotlib.pyplot as plt\nplt.figure()\nplt.plot([1, 2])\nplt.show()"

    def summary(got):
        return [(m["msg_type"], sorted(m["content"]["data"]) if m["msg_type"] == "display_data"
                 else m["content"].get("target_name")) for m in got
                if m["msg_type"] in ("display_data", "comm_open", "stream", "error")]
    ours, theirs = summary(iopub_of("ipylite", code)), summary(iopub_of("python3", code))
    assert ours == theirs == [("display_data", ["application/javascript", "text/plain"]),
                              ("display_data", ["text/html", "text/plain"]),
                              ("comm_open", "matplotlib")]


def eventually_not(page, expr, old, tries=60):
    for _ in range(tries):
        got = kernel_value(page, expr)
        if got != old:
            return got
        page.wait_for_timeout(100)
    assert got != old
