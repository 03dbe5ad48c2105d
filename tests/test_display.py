"""The display protocol, in process: the publisher, display() and its handles, the
display classes, the formatter and matplotlib inline figures."""

import base64
import json
import logging
import sys
import zlib

import pytest

from ipylite import display as d
from ipylite.display import DisplayFormatter, DisplayHandle, DisplayPublisher
from ipylite.shell import Shell, UsageError


class Recorder(DisplayPublisher):
    """A publisher that keeps what it is given, as the kernel's would send it."""

    def __init__(self):
        self.displays, self.results, self.errors, self.clears = [], [], [], []

    def publish(self, data, metadata=None, transient=None, update=False):
        self.displays.append((data, metadata, transient, update))

    def clear_output(self, wait=False):
        self.clears.append(wait)

    def execute_result(self, execution_count, data, metadata):
        self.results.append((execution_count, data, metadata))

    def error(self, content):
        self.errors.append(content)


@pytest.fixture
def shell():
    return Shell(display_pub=Recorder())


def make_png(width, height):
    """A real (grey) PNG of the given size, made with the standard library."""
    def chunk(kind, data):
        body = kind + data
        return len(data).to_bytes(4, 'big') + body + zlib.crc32(body).to_bytes(4, 'big')
    ihdr = width.to_bytes(4, 'big') + height.to_bytes(4, 'big') + bytes([8, 0, 0, 0, 0])
    raw = b''.join(b'\0' + b'\x80' * width for _ in range(height))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr) +
            chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))


JPEG = b'\xff\xd8\xff\xe0\x00\x10JFIF\x00' + b'\0' * 20
GIF = b'GIF89a\x01\x00\x01\x00' + b'\0' * 20


def b64(data):
    return base64.b64encode(data).decode('ascii')


# ---------------------------------------------------------- the publisher

def test_terminal_publisher_writes_text(capsys):
    pub = DisplayPublisher()
    pub.publish({'text/plain': 'hello', 'text/html': '<b>hello</b>'})
    pub.publish({'text/html': 'only html'})
    pub.execute_result(3, {'text/plain': '42'}, {})
    pub.execute_result(4, {'text/plain': '[1,\n 2]'}, {})
    pub.clear_output()          # captured stdout is no tty: nothing
    pub.error({'ename': 'E', 'evalue': 'v', 'traceback': ['line one', 'E: v']})
    out, err = capsys.readouterr()
    assert out == 'hello\nOut[3]: 42\nOut[4]: \n[1,\n 2]\n'
    assert err == 'line one\nE: v\n'


def test_terminal_publisher_is_used_by_default(capsys):
    shell = Shell()
    shell.run_cell('6 * 7')
    shell.run_cell('1/0')
    out, err = capsys.readouterr()
    assert out == 'Out[1]: 42\n'
    assert err.rstrip().endswith('ZeroDivisionError: division by zero')


# --------------------------------------------------------------- display()

def test_display_formats_and_publishes(shell):
    d.display(d.HTML('<i>x</i>'), 5, metadata={'isolated': True})
    (html, _, _, update), (five, md, transient, _) = shell.display_pub.displays
    assert html == {'text/html': '<i>x</i>', 'text/plain': '<ipylite.display.HTML object>'}
    assert five == {'text/plain': '5'} and md == {'isolated': True}
    assert transient is None and update is False


def test_display_from_a_cell(shell):
    shell.run_cell('from ipylite.display import display, Markdown\ndisplay(Markdown("*hi*"))')
    assert shell.display_pub.displays[0][0]['text/markdown'] == '*hi*'


def test_display_ids_and_handles(shell):
    handle = d.display('first', display_id=True)
    assert isinstance(handle, DisplayHandle) and len(handle.display_id) == 32
    handle.update('second')
    handle.display('third')
    d.update_display('fourth', display_id=handle.display_id)
    named = d.display('x', display_id='mine')
    assert named.display_id == 'mine' and repr(named) == '<DisplayHandle display_id=mine>'
    got = [(data['text/plain'], transient, update)
           for data, _, transient, update in shell.display_pub.displays]
    tid = {'display_id': handle.display_id}
    assert got == [("'first'", tid, False), ("'second'", tid, True), ("'third'", tid, False),
                   ("'fourth'", tid, True), ("'x'", {'display_id': 'mine'}, False)]
    assert d.display('no id') is None


def test_raw_bundles_clear_and_publish_display_data(shell):
    d.display({'text/plain': 'raw', 'text/html': '<p>raw</p>'}, raw=True)
    d.clear_output(wait=True)
    d.display('after', clear=True)
    d.publish_display_data({'text/plain': 'direct'}, {'k': 1}, transient={'display_id': 'z'})
    pub = shell.display_pub
    assert pub.displays[0][0] == {'text/plain': 'raw', 'text/html': '<p>raw</p>'}
    assert pub.clears == [True, True]
    assert pub.displays[2] == ({'text/plain': 'direct'}, {'k': 1}, {'display_id': 'z'}, False)


def test_display_without_a_shell_prints(monkeypatch, capsys):
    monkeypatch.setattr(d, '_active', None)      # no shell activated
    d.display([1, 2], d.HTML('<b>b</b>'))
    assert capsys.readouterr().out == '[1, 2]\n<ipylite.display.HTML object>\n'


def test_ipython_display_method_is_honoured(shell):
    class Widget:
        def _ipython_display_(self):
            d.display({'text/plain': 'drawn by itself'}, raw=True)
    d.display(Widget())
    shell.push({'w': Widget()})
    shell.run_cell('w')
    assert [data for data, *_ in shell.display_pub.displays] == [
        {'text/plain': 'drawn by itself'}] * 2
    assert shell.display_pub.results == []


# --------------------------------------------------------- display classes

def fmt(obj, **kw):
    return DisplayFormatter().format(obj, **kw)


def test_text_classes():
    assert fmt(d.HTML('<b>x</b>'))[0] == {'text/html': '<b>x</b>',
                                          'text/plain': '<ipylite.display.HTML object>'}
    assert fmt(d.Markdown('# T'))[0]['text/markdown'] == '# T'
    assert fmt(d.Latex(r'$\alpha$'))[0]['text/latex'] == r'$\alpha$'
    assert fmt(d.Math(r'\int_0^1 x\,dx'))[0]['text/latex'] == r'$\displaystyle \int_0^1 x\,dx$'
    assert fmt(d.Math('$x^2$'))[0]['text/latex'] == r'$\displaystyle x^2$'
    assert fmt(d.Javascript('alert(1)'))[0] == {
        'application/javascript': 'alert(1)', 'text/plain': '<ipylite.display.Javascript object>'}
    assert fmt(d.Pretty('as is\n  kept'))[0] == {'text/plain': 'as is\n  kept'}
    code = fmt(d.Code('a < b', language='python'))[0]
    assert code['text/plain'] == 'a < b'
    assert code['text/html'] == '<pre><code>a &lt; b</code></pre>'
    assert code['text/markdown'] == '```python\na < b\n```'
    assert fmt(d.HTML(['<p>1</p>', '<p>2</p>']))[0]['text/html'] == '<p>1</p>\n<p>2</p>'
    assert fmt(d.HTML('<b>x</b>', metadata={'isolated': True}))[1] == {
        'text/html': {'isolated': True}}


def test_text_classes_read_files(tmp_path):
    page = tmp_path / 'page.html'
    page.write_text('<h1>from file</h1>')
    assert fmt(d.HTML(filename=str(page)))[0]['text/html'] == '<h1>from file</h1>'
    assert fmt(d.HTML(str(page)))[0]['text/html'] == '<h1>from file</h1>'


def test_svg_strips_the_xml_prolog():
    svg = '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><circle r="1"/></svg>'
    data = fmt(d.SVG(svg.encode()))[0]
    assert data['image/svg+xml'].startswith('<svg') and data['text/plain'] == \
        '<ipylite.display.SVG object>'


def test_json():
    data, md = fmt(d.JSON({'a': [1, 2]}, expanded=True))
    assert data['application/json'] == {'a': [1, 2]}
    assert md == {'application/json': {'expanded': True, 'root': 'root'}}
    data, md = fmt(d.JSON('[1, 2, 3]', root='numbers'))
    assert data['application/json'] == [1, 2, 3]
    assert md['application/json'] == {'expanded': False, 'root': 'numbers'}
    json.dumps(data)


def test_image_from_bytes_detects_the_format():
    png = make_png(4, 2)
    data, md = fmt(d.Image(png, width=40))
    assert data['image/png'] == b64(png) and md == {'image/png': {'width': 40}}
    assert data['text/plain'] == '<ipylite.display.Image object>'
    assert list(fmt(d.Image(JPEG))[0]) == ['image/jpeg', 'text/plain']
    assert list(fmt(d.Image(GIF))[0]) == ['image/gif', 'text/plain']
    assert d.Image(png)._repr_png_()[0] == png and d.Image(png)._repr_jpeg_() is None


def test_image_from_file_url_and_options(tmp_path):
    path = tmp_path / 'pic.png'
    png = make_png(20, 10)
    path.write_bytes(png)
    data, md = fmt(d.Image(filename=str(path), height=5, unconfined=True, alt='a pic'))
    assert data['image/png'] == b64(png)
    assert md == {'image/png': {'height': 5, 'unconfined': True, 'alt': 'a pic'}}
    assert fmt(d.Image(str(path), retina=True))[1] == {'image/png': {'width': 10, 'height': 5}}
    jpg = tmp_path / 'photo.jpg'
    jpg.write_bytes(JPEG)
    assert d.Image(filename=str(jpg)).format == 'jpeg'
    data, md = fmt(d.Image(url='https://example.org/cat.gif', width=30))
    assert data['text/html'] == '<img src="https://example.org/cat.gif" width="30"/>'
    assert 'image/gif' not in data
    with pytest.raises(ValueError, match='Cannot embed'):
        d.Image(b'not an image at all', format='tiff')


def test_file_link(tmp_path):
    path = tmp_path / 'out.csv'
    path.write_text('1,2')
    data = fmt(d.FileLink(str(path)))[0]
    assert data['text/plain'] == str(path)
    assert data['text/html'] == "<a href='%s' target='_blank'>%s</a><br>" % (path, path)
    assert "doesn't exist" in fmt(d.FileLink(str(tmp_path / 'nope')))[0]['text/html']


# ------------------------------------------------------------ the formatter

class Rich:
    def _repr_mimebundle_(self, include=None, exclude=None):
        return {'text/html': '<b>from bundle</b>', 'application/x-custom': 'c'}, \
            {'application/x-custom': {'m': 1}}

    def _repr_html_(self):
        return '<b>from method</b>'

    def _repr_markdown_(self):
        return '**md**', {'note': 'x'}

    def _repr_latex_(self):
        return None

    def _repr_png_(self):
        return b'\x89PNG raw'


def test_bundle_first_then_methods_fill_in():
    data, md = fmt(Rich())
    assert data['text/html'] == '<b>from bundle</b>'
    assert data['application/x-custom'] == 'c' and data['text/markdown'] == '**md**'
    assert data['image/png'] == b64(b'\x89PNG raw')
    assert 'text/latex' not in data and data['text/plain'].startswith('<')
    assert md == {'application/x-custom': {'m': 1}, 'text/markdown': {'note': 'x'}}
    assert list(data) == ['text/html', 'application/x-custom', 'text/markdown', 'image/png',
                          'text/plain']


def test_include_and_exclude():
    data, _ = fmt(Rich(), include={'text/markdown', 'text/plain'})
    assert set(data) == {'text/markdown', 'text/plain'}
    data, _ = fmt(Rich(), exclude={'text/html', 'image/png'})
    assert set(data) == {'application/x-custom', 'text/markdown', 'text/plain'}


def test_a_failing_repr_method_costs_only_its_mimetype(caplog):
    class Flaky:
        def _repr_html_(self):
            raise ValueError('html broke')

        def _repr_markdown_(self):
            return 'fine'

        def __repr__(self):
            return 'Flaky()'
    with caplog.at_level(logging.WARNING, logger='ipylite.display'):
        data, _ = fmt(Flaky())
    assert data == {'text/markdown': 'fine', 'text/plain': 'Flaky()'}
    assert 'html broke' in caplog.text


def test_a_repr_that_raises_not_implemented_declines_quietly(caplog):
    """As in IPython, NotImplementedError from _ipython_display_ or a _repr_*_ method
    means "use my other representations" (ipympl's Canvas says so from
    _ipython_display_): no warning, and the others are used."""
    class Declines:
        def _ipython_display_(self):
            raise NotImplementedError

        def _repr_html_(self):
            return '<i>html</i>'

        def _repr_latex_(self):
            raise NotImplementedError

        def __repr__(self):
            return 'Declines()'
    with caplog.at_level(logging.WARNING, logger='ipylite.display'):
        data, _ = fmt(Declines())
    assert data == {'text/html': '<i>html</i>', 'text/plain': 'Declines()'}
    assert caplog.text == ''


def test_classes_and_everything_claimers_are_not_asked():
    class Anything:
        def __getattr__(self, name):
            return lambda *a, **k: '<b>surprise</b>'

        def __repr__(self):
            return 'Anything()'
    assert fmt(Rich) == ({'text/plain': repr(Rich)}, {})
    assert fmt(Anything()) == ({'text/plain': 'Anything()'}, {})


def test_plain_text_only_float_precision_and_pprint():
    f = DisplayFormatter()
    f.plain_text_only = True
    rich = Rich()
    assert f.format(rich)[0] == {'text/plain': f.plain(rich)}
    f = DisplayFormatter()
    f.float_precision = 3
    assert f.format(3.14159)[0]['text/plain'] == '3.142'
    f.float_precision = '%.1e'
    assert f.format(31415.9)[0]['text/plain'] == '3.1e+04'
    f.float_precision = ''
    assert f.format(0.5)[0]['text/plain'] == '0.5'
    long_dict = {'key%d' % i: list(range(5)) for i in range(10)}
    text = f.format(long_dict)[0]['text/plain']
    assert text.startswith("{'key0': [0, 1, 2, 3, 4],\n 'key1'")
    assert f.format([1, 2])[0]['text/plain'] == '[1, 2]'


def test_repr_pretty_is_used_for_text():
    class Point:
        def _repr_pretty_(self, p, cycle):
            with p.group(1, 'Point(', ')'):
                p.text('x=1,')
                p.breakable()
                p.pretty([2, 3])
    assert fmt(Point())[0]['text/plain'] == 'Point(x=1, [2, 3])'


def test_for_type_registers_printers_for_types_you_do_not_own():
    f = DisplayFormatter()

    class Base:
        pass

    class Child(Base):
        def _repr_html_(self):
            return '<i>own method</i>'
    assert f.for_type(Base, lambda obj: '<b>registered</b>') is None
    assert f.format(Base())[0]['text/html'] == '<b>registered</b>'
    assert f.format(Child())[0]['text/html'] == '<b>registered</b>'   # printer wins
    old = f.for_type(Base, lambda obj: ('<u>new</u>', {'k': 1}))
    assert old(Base()) == '<b>registered</b>'
    assert f.format(Base())[1] == {'text/html': {'k': 1}}
    f.for_type(int, lambda n: 'int %d' % n, mime='text/plain')
    assert f.format(7)[0]['text/plain'] == 'int 7'


def test_for_type_by_name_does_not_import_the_module():
    f = DisplayFormatter()
    f.for_type_by_name('not_imported_anywhere.sub', 'Thing', lambda obj: 'thing!',
                       mime='text/markdown')
    assert 'not_imported_anywhere' not in sys.modules
    Thing = type('Thing', (), {'__module__': 'not_imported_anywhere.sub'})
    assert f.format(Thing())[0]['text/markdown'] == 'thing!'
    assert f.for_type(Thing, mime='text/markdown')(None) == 'thing!'


def test_displayhook_uses_the_formatter(shell):
    shell.display_formatter.for_type(complex, lambda z: '<i>z</i>')
    shell.run_cell('1j')
    assert shell.display_pub.results == [(1, {'text/html': '<i>z</i>', 'text/plain': '1j'}, {})]


# ------------------------------------------------------- matplotlib inline

@pytest.fixture
def mpl_shell(shell):
    shell.run_cell('%matplotlib inline')
    assert shell.display_pub.errors == []
    return shell


def png_of(bundle):
    return base64.b64decode(bundle['image/png'])


def pil_size(png):
    """(width, height) as Pillow reads the PNG: not the module's own reader."""
    import io
    from PIL import Image
    return Image.open(io.BytesIO(png)).size


def test_matplotlib_figures_are_published_after_the_cell(mpl_shell):
    import matplotlib
    from matplotlib._pylab_helpers import Gcf
    assert matplotlib.get_backend().lower() == 'agg'
    result = mpl_shell.run_cell('import matplotlib.pyplot as plt\n'
                                'plt.figure(figsize=(3, 2), dpi=50)\nplt.plot([1, 3, 2]);\n'
                                'plt.figure()\nplt.plot([1]);')
    assert result.success, mpl_shell.display_pub.errors
    shown = mpl_shell.display_pub.displays
    assert len(shown) == 2
    data, md, _, _ = shown[0]
    png = png_of(data)
    assert png.startswith(b'\x89PNG\r\n\x1a\n')
    assert data['text/plain'].startswith('<Figure size 150x100 with 1 Axes')
    width, height = md['image/png']['width'], md['image/png']['height']
    assert (width, height) == pil_size(png) and 100 < width <= 160
    assert Gcf.get_all_fig_managers() == []
    mpl_shell.run_cell('x = 1')
    assert len(mpl_shell.display_pub.displays) == 2


def test_figure_scale_doubles_the_pixels_not_the_size(mpl_shell):
    # what a HiDPI console asks for: twice the pixels, shown at the same logical size
    code = ('import matplotlib.pyplot as plt\n'
            'plt.figure(figsize=(2, 2), dpi=50)\nplt.plot([1, 2]);')
    mpl_shell.run_cell(code)
    data1, md1, _, _ = mpl_shell.display_pub.displays[-1]
    mpl_shell.figure_scale = 2
    try:
        mpl_shell.run_cell(code)
    finally:
        mpl_shell.figure_scale = 1
    data2, md2, _, _ = mpl_shell.display_pub.displays[-1]
    w1, w2 = pil_size(png_of(data1))[0], pil_size(png_of(data2))[0]
    assert 1.9 < w2 / w1 < 2.1      # (the tight bounding box rounds a little)
    assert abs(md2['image/png']['width'] - md1['image/png']['width']) <= 0.05 * w1


def test_matplotlib_hidpi_metadata_is_in_logical_pixels(mpl_shell):
    import matplotlib
    with matplotlib.rc_context({'savefig.dpi': 100}):
        mpl_shell.run_cell('import matplotlib.pyplot as plt\n'
                           'plt.figure(figsize=(2, 2), dpi=50)\nplt.plot([1, 2]);')
    data, md, _, _ = mpl_shell.display_pub.displays[-1]
    pixels = pil_size(png_of(data))
    assert md['image/png']['width'] == round(pixels[0] / 2)


def test_a_figure_as_the_last_value_shows_once_as_png(mpl_shell):
    mpl_shell.run_cell('import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\n'
                       'ax.plot([1, 2])\nfig')
    ((count, data, md),) = mpl_shell.display_pub.results
    assert png_of(data).startswith(b'\x89PNG') and data['text/plain'].startswith('<Figure')
    assert set(md['image/png']) == {'width', 'height'}
    assert mpl_shell.display_pub.displays == []


def test_enabling_twice_registers_one_hook(mpl_shell):
    mpl_shell.run_cell('%matplotlib inline')
    assert len(mpl_shell.events.callbacks['post_execute']) == 1
    mpl_shell.run_cell('%matplotlib qt')
    assert mpl_shell.display_pub.errors[-1]['ename'] == 'UsageError'


def test_without_matplotlib_one_clear_line(shell, monkeypatch):
    monkeypatch.setitem(sys.modules, 'matplotlib', None)     # import now fails
    shell.run_cell('%matplotlib inline')
    assert shell.display_pub.errors[-1]['traceback'] == [
        'UsageError: matplotlib is not installed: pip install matplotlib']
    with pytest.raises(UsageError):
        d.enable_matplotlib_inline(shell)


def test_list_subclasses_are_laid_out_like_lists():
    """An SList (x = !ls) keeps list's repr, so it is laid out as IPython lays out a
    long list: one item a line."""
    from ipylite.shell import SList
    names = SList('%s notebook.ipynb' % w for w in ('first', 'second', 'third', 'fourth', 'fifth'))
    text = d.DisplayFormatter().plain(names)
    assert text.splitlines()[1] == " 'second notebook.ipynb',"
