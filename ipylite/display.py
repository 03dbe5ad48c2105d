"""The display protocol: how objects become mime bundles and where bundles go.

    display(obj, ...)            format obj and publish it (returns a DisplayHandle
                                 when display_id is given)
    update_display(obj, display_id=...), clear_output(wait=False),
    publish_display_data(data, metadata=None, transient=None)
    HTML, Markdown, Latex, Math, Image, SVG, JSON, Javascript, Pretty, Code, FileLink
    DisplayFormatter             obj -> (data, metadata), via _repr_*_ methods and
                                 printers registered with for_type / for_type_by_name
    DisplayPublisher             where bundles go; this one writes to the terminal,
                                 the kernel subclasses it to send iopub messages
    enable_matplotlib_inline(shell)

A bundle is a dict {mimetype: data}; binary types (png, jpeg, gif, pdf) are base64
text, as Jupyter expects.  Everything here uses the current Shell's formatter and
publisher when there is one, so the same calls work in a terminal and in a kernel.
"""
import os
import sys

__all__ = ['display', 'update_display', 'clear_output', 'publish_display_data',
           'DisplayHandle', 'DisplayObject', 'HTML', 'Markdown', 'Latex', 'Math',
           'Image', 'SVG', 'JSON', 'Javascript', 'Pretty', 'Code', 'FileLink',
           'IFrame', 'YouTubeVideo', 'Audio', 'ProgressBar', 'FileLinks', 'print_figure', 'display_pretty', 'display_html', 'display_markdown',
           'display_svg', 'display_png', 'display_jpeg', 'display_latex', 'display_json',
           'display_javascript', 'display_pdf',
           'DisplayFormatter', 'DisplayPublisher', 'enable_matplotlib_inline']

# Mimetypes whose data travel base64 encoded.
BINARY_MIMES = ('image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf')


def _log():
    import logging
    return logging.getLogger(__name__)


# ---------------------------------------------------------------- publishing

class DisplayPublisher:
    """Where display output goes.  This one writes to the terminal; the kernel
    overrides all four methods to send iopub messages instead."""

    def publish(self, data, metadata=None, transient=None, update=False):
        text = data.get('text/plain')
        if text is not None:
            sys.stdout.write(text + '\n')

    def clear_output(self, wait=False):
        out = sys.stdout
        if getattr(out, 'isatty', lambda: False)():
            out.write('\033[2K\r')

    def execute_result(self, execution_count, data, metadata):
        text = data.get('text/plain', '')
        sep = '\n' if '\n' in text else ''
        sys.stdout.write('Out[%d]: %s%s\n' % (execution_count, sep, text))

    def error(self, content):
        sys.stderr.write('\n'.join(content['traceback']) + '\n')


class UsageError(Exception):
    """A mistake in using a magic or command: shown as one line, no traceback.
    (Defined here, the interpreter's lowest module; ``shell.UsageError`` is this.)"""


_active = None     # the shell display() shows through: Shell.activate() sets it


def active_shell():
    """The shell that display() and get_ipython() use (the last one activated)."""
    return _active


def set_active_shell(shell):
    global _active
    _active = shell


def _shell():
    return _active


def _publisher():
    shell = _shell()
    return shell.display_pub if shell is not None else DisplayPublisher()


def _formatter():
    shell = _shell()
    return shell.display_formatter if shell is not None else DisplayFormatter()


def display(*objs, include=None, exclude=None, metadata=None, transient=None,
            display_id=None, raw=False, clear=False, update=False, **kwargs):
    """Show objects with their richest representations.

    raw=True means each obj is already a mime bundle.  display_id (True for a
    fresh one) names the output so it can be updated later; a DisplayHandle for it
    is returned.
    """
    if display_id is True:
        import uuid
        display_id = uuid.uuid4().hex
    if display_id:
        transient = dict(transient or {}, display_id=display_id)
    if clear:
        clear_output(wait=True)
    pub = _publisher()
    for obj in objs:
        if raw:
            pub.publish(obj, metadata, transient=transient, update=update)
            continue
        data, md = _formatter().format(obj, include=include, exclude=exclude)
        if not data:        # handled by its own _ipython_display_
            continue
        if metadata:
            md.update(metadata)
        pub.publish(data, md, transient=transient, update=update)
    if display_id and not update:
        return DisplayHandle(display_id)


def _display_mime(mime):
    def show(*objs, raw=False, metadata=None):
        if raw:
            for obj in objs:
                publish_display_data({mime: obj}, metadata)
        else:
            display(*objs, include=[mime], metadata=metadata)
    return show


display_pretty, display_html, display_markdown, display_svg, display_png, display_jpeg, \
    display_latex, display_json, display_javascript, display_pdf = (
        _display_mime(m) for m in (
            'text/plain', 'text/html', 'text/markdown', 'image/svg+xml', 'image/png',
            'image/jpeg', 'text/latex', 'application/json', 'application/javascript',
            'application/pdf'))
for _f, _m in ((display_png, 'image/png'), (display_html, 'text/html')):
    _f.__doc__ = 'display_%s(*objs, raw=False): show only the objects\' %s form.' % (
        _m.split('/')[1], _m)


def update_display(obj, *, display_id, **kwargs):
    """Replace what was shown under display_id with obj."""
    kwargs['update'] = True
    display(obj, display_id=display_id, **kwargs)


def clear_output(wait=False):
    """Clear the output of the current cell (wait=True: when new output arrives)."""
    _publisher().clear_output(wait)


def publish_display_data(data, metadata=None, transient=None, update=False, **kwargs):
    """Publish a ready-made mime bundle."""
    _publisher().publish(data, metadata, transient=transient, update=update)


class DisplayHandle:
    """A name for one output area, so it can be shown and then updated in place."""

    def __init__(self, display_id=None):
        if display_id is None:
            import uuid
            display_id = uuid.uuid4().hex
        self.display_id = display_id

    def __repr__(self):
        return '<%s display_id=%s>' % (type(self).__name__, self.display_id)

    def display(self, obj, **kwargs):
        display(obj, display_id=self.display_id, **kwargs)

    def update(self, obj, **kwargs):
        update_display(obj, display_id=self.display_id, **kwargs)


# ------------------------------------------------------------ display objects

class DisplayObject:
    """Data with a rich representation: give data, a filename or a url."""
    _read_flags = 'r'

    def __init__(self, data=None, url=None, filename=None, metadata=None):
        if isinstance(data, str) and url is None and filename is None:
            if data.startswith(('http://', 'https://')):
                url, data = data, None
            elif len(data) < 4096 and '\n' not in data and os.path.isfile(data):
                filename, data = data, None
        self.data, self.url, self.filename = data, url, filename
        self.metadata = dict(metadata or {})
        self.reload()

    def reload(self):
        """Read the data from filename (or fetch url) when no data was given."""
        if self.data is not None:
            return
        if self.filename is not None:
            with open(self.filename, self._read_flags) as f:
                self.data = f.read()
        elif self.url is not None and self._fetch_url:
            from urllib.request import urlopen
            with urlopen(self.url) as response:
                data = response.read()
            self.data = data if 'b' in self._read_flags else data.decode('utf-8', 'replace')

    _fetch_url = True

    def __repr__(self):
        return '<%s.%s object>' % (type(self).__module__, type(self).__name__)

    def _data_and_metadata(self):
        return (self.data, self.metadata) if self.metadata else self.data


class TextDisplayObject(DisplayObject):
    def __init__(self, data=None, url=None, filename=None, metadata=None):
        if isinstance(data, (list, tuple)):
            data = '\n'.join(data)
        super().__init__(data, url, filename, metadata)


class HTML(TextDisplayObject):
    def _repr_html_(self):
        return self._data_and_metadata()


class Markdown(TextDisplayObject):
    def _repr_markdown_(self):
        return self._data_and_metadata()


class Latex(TextDisplayObject):
    def _repr_latex_(self):
        return self._data_and_metadata()


class Math(TextDisplayObject):
    """A formula, typeset in display style: Math(r'\\int_0^1 x\\,dx')."""

    def _repr_latex_(self):
        s = r'$\displaystyle %s$' % self.data.strip().strip('$')
        return (s, self.metadata) if self.metadata else s


class SVG(DisplayObject):
    def _repr_svg_(self):
        data = self.data
        if isinstance(data, bytes):
            data = data.decode('utf-8', 'replace')
        start = data.find('<svg') if data else -1
        return data[start:] if start > 0 else data


class Javascript(TextDisplayObject):
    def _repr_javascript_(self):
        return self._data_and_metadata()


class JSON(DisplayObject):
    """JSON data (a dict or list, or a JSON string) for a collapsible tree view."""

    def __init__(self, data=None, url=None, filename=None, expanded=False,
                 metadata=None, root='root'):
        super().__init__(data, url, filename, metadata)
        if isinstance(self.data, (str, bytes)):
            import json
            self.data = json.loads(self.data)
        self.metadata.update(expanded=expanded, root=root)

    def _repr_json_(self):
        return self.data, self.metadata


class Pretty(TextDisplayObject):
    """Text shown as it is, as the text/plain form."""

    def __repr__(self):
        return self.data


class Code(TextDisplayObject):
    """Source code, shown preformatted; language is a hint for frontends."""

    def __init__(self, data=None, url=None, filename=None, language=None):
        self.language = language
        super().__init__(data, url, filename)

    def __repr__(self):
        return self.data

    def _repr_html_(self):
        import html
        return '<pre><code>%s</code></pre>' % html.escape(self.data)

    def _repr_markdown_(self):
        return '```%s\n%s\n```' % (self.language or '', self.data.rstrip('\n'))


class FileLink:
    """A link to a local file: FileLink('results/plot.png')."""

    def __init__(self, path, url_prefix=''):
        if os.path.isdir(path):
            raise ValueError('Cannot link to the directory %r: use a file' % path)
        self.path, self.url_prefix = path, url_prefix

    def __repr__(self):
        return os.path.abspath(self.path)

    def _repr_html_(self):
        import html
        if not os.path.exists(self.path):
            return 'Path (<tt>%s</tt>) doesn\'t exist.' % html.escape(self.path)
        href = html.escape(self.url_prefix + self.path, quote=True)
        return "<a href='%s' target='_blank'>%s</a><br>" % (href, html.escape(self.path))


class IFrame:
    """An <iframe> of src: IFrame('https://example.org', width=400, height=300)."""
    _iframe = ('\n        <iframe\n            width="{width}"\n            height="{height}"\n'
               '            src="{src}{params}"\n            frameborder="0"\n'
               '            allowfullscreen\n            {extras}\n        ></iframe>\n        ')

    def __init__(self, src, width, height, extras=None, **kwargs):
        self.src, self.width, self.height = src, width, height
        self.extras, self.params = extras or [], kwargs

    def _repr_html_(self):
        from urllib.parse import urlencode
        params = '?' + urlencode(self.params) if self.params else ''
        return self._iframe.format(src=self.src, width=self.width, height=self.height,
                                   params=params, extras=' '.join(self.extras))


class YouTubeVideo(IFrame):
    """A YouTube video by its id, in an iframe."""

    def __init__(self, id, width=400, height=300, allow_autoplay=False, **kwargs):
        self.id = id
        extras = ['allow="autoplay"'] if allow_autoplay else []
        super().__init__('https://www.youtube.com/embed/{0}'.format(id), width, height,
                         extras, **kwargs)


class ProgressBar:
    """A bar that redraws itself in place: `for i in ProgressBar(10): ...`, or set
    `.progress` after `.display()`. Its text form is `[=====     ] 5/10`."""
    text_width, html_width = 60, '60ex'

    def __init__(self, total):
        import uuid
        self.total, self._progress = total, 0
        self._display_id = uuid.uuid4().hex[:16]

    def __repr__(self):
        done = int(self.text_width * self._progress / self.total) if self.total else 0
        return '[%s%s] %s/%s' % ('=' * done, ' ' * (self.text_width - done), self._progress,
                                 self.total)

    def _repr_html_(self):
        return "<progress style='width:%s' max='%s' value='%s'></progress>" % (
            self.html_width, self.total, self._progress)

    def display(self):
        display(self, display_id=self._display_id)

    def update(self):
        update_display(self, display_id=self._display_id)

    @property
    def progress(self):
        return self._progress

    @progress.setter
    def progress(self, value):
        self._progress = value
        self.update()

    def __iter__(self):
        self.display()
        self._progress = -1
        return self

    def __next__(self):
        self.progress = self._progress + 1
        if self._progress >= self.total:
            raise StopIteration
        return self._progress


class Audio(DisplayObject):
    """Sound for an <audio> player: Audio(url=...), Audio(filename=...), Audio(wav bytes),
    or Audio(samples, rate=8000) from a sequence of numbers (a numpy array: one row per
    channel), written as 16-bit WAV."""
    _read_flags = 'rb'

    def __init__(self, data=None, filename=None, url=None, embed=None, rate=None,
                 autoplay=False, normalize=True, element_id=None):
        if filename is None and url is None and data is None:
            raise ValueError('Audio needs data, a filename or a url')
        url_given = url is not None
        if isinstance(data, str) and data.startswith(('http://', 'https://')):
            url, data = data, None
        self.embed = embed if embed is not None else not url_given
        self._fetch_url = self.embed
        self.autoplay, self.element_id = autoplay, element_id
        if data is not None and not isinstance(data, (bytes, str)):
            if rate is None:
                raise ValueError('Audio of samples needs rate=')
            data = _wav(data, rate, normalize)
        super().__init__(data, url, filename)

    def _repr_html_(self):
        import base64
        import html
        if self.embed and self.data:
            src = 'data:audio/wav;base64,' + base64.b64encode(self.data).decode('ascii')
        else:
            src = self.url or self.filename or ''
        return ('<audio %s controls="controls"%s>\n<source src="%s" type="audio/%s" />\n'
                'Your browser does not support the audio element.\n</audio>') % (
            'id="%s"' % html.escape(self.element_id) if self.element_id else '',
            ' autoplay="autoplay"' if self.autoplay else '', html.escape(src, quote=True),
            'wav' if self.embed else 'x-wav')


def _wav(samples, rate, normalize=True):
    """16-bit PCM WAV bytes for samples (rows are channels for a 2-D array)."""
    import io
    import struct
    import wave
    rows = samples.tolist() if hasattr(samples, 'tolist') else list(samples)
    channels = rows if rows and isinstance(rows[0], list) else [rows]
    peak = max((abs(x) for ch in channels for x in ch), default=0) if normalize else 1
    scale = 32767 / peak if peak else 0
    frames = b''.join(struct.pack('<%dh' % len(channels), *(int(ch[i] * scale) for ch in channels))
                      for i in range(len(channels[0])))
    buf = io.BytesIO()
    with wave.open(buf, 'wb') as w:
        w.setnchannels(len(channels))
        w.setsampwidth(2)
        w.setframerate(int(rate))
        w.writeframes(frames)
    return buf.getvalue()


class FileLinks:
    """Links to the files under a folder (walked as os.walk goes), as FileLink does
    for one: FileLinks('.', included_suffixes=['.ipynb'])."""

    def __init__(self, path, url_prefix='', included_suffixes=None, recursive=True):
        if not os.path.isdir(path):
            raise ValueError('Cannot list %r: FileLinks takes a directory (FileLink a file)'
                             % path)
        self.path, self.url_prefix, self.recursive = path, url_prefix, recursive
        self.suffixes = tuple(included_suffixes) if included_suffixes else None

    def _walk(self):
        for folder, dirs, files in os.walk(self.path):
            picked = [f for f in files if self.suffixes is None or f.endswith(self.suffixes)]
            if picked:
                yield folder, picked
            if not self.recursive:
                break

    def __repr__(self):
        lines = []
        for folder, files in self._walk():
            lines.append(folder + ('' if folder.endswith('/') else '/'))
            lines.extend('  ' + f for f in files)
        return '\n'.join(lines)

    def _repr_html_(self):
        import html
        out = []
        for folder, files in self._walk():
            out.append('%s<br>' % html.escape(folder + ('' if folder.endswith('/') else '/')))
            for f in files:
                href = html.escape(self.url_prefix + os.path.join(folder, f), quote=True)
                out.append("&nbsp;&nbsp;<a href='%s' target='_blank'>%s</a><br>"
                           % (href, html.escape(f)))
        return '\n'.join(out)


def print_figure(fig, fmt='png', bbox_inches='tight', base64=False, **kwargs):
    """A matplotlib figure as image bytes (IPython.core.pylabtools.print_figure), or
    None for an empty figure; base64=True gives ASCII text."""
    if not fig.axes and not fig.lines and not fig.texts and not fig.images:
        return None
    import io
    buf = io.BytesIO()
    fig.canvas.print_figure(buf, format=fmt, bbox_inches=bbox_inches, **kwargs)
    data = buf.getvalue()
    if fmt == 'svg':
        return data.decode('utf-8')
    if base64:
        import base64 as b64
        return b64.b64encode(data).decode('ascii')
    return data


_IMAGE_MAGIC = ((b'\x89PNG\r\n\x1a\n', 'png'), (b'\xff\xd8', 'jpeg'),
                (b'GIF87a', 'gif'), (b'GIF89a', 'gif'))
_IMAGE_FORMATS = {'png': 'image/png', 'jpeg': 'image/jpeg', 'jpg': 'image/jpeg',
                  'gif': 'image/gif', 'webp': 'image/webp'}


def _png_size(data):
    """Pixel (width, height) from a PNG's IHDR chunk, or (None, None)."""
    if data[:8] == b'\x89PNG\r\n\x1a\n' and data[12:16] == b'IHDR':
        return int.from_bytes(data[16:20], 'big'), int.from_bytes(data[20:24], 'big')
    return None, None


class Image(DisplayObject):
    """A PNG, JPEG, GIF or WebP image, from bytes, a filename or a url.

    Embedded images (bytes, files; urls with embed=True) go in the bundle as
    base64; a url left unembedded becomes an <img> tag.  width and height are
    display sizes in pixels; retina=True halves a PNG's own size for HiDPI screens.
    """
    _read_flags = 'rb'

    def __init__(self, data=None, url=None, filename=None, format=None, embed=None,
                 width=None, height=None, retina=False, unconfined=False,
                 metadata=None, alt=None):
        url_given = url is not None       # as IPython: Image(url=u) links, Image(u) embeds
        if isinstance(data, str) and data.startswith(('http://', 'https://')):
            url, data = data, None
        elif isinstance(data, str) and filename is None and os.path.exists(data):
            filename, data = data, None
        self.embed = embed if embed is not None else not url_given
        self._fetch_url = self.embed
        self.width, self.height, self.retina = width, height, retina
        self.unconfined, self.alt = unconfined, alt
        super().__init__(data, url, filename, metadata)
        self.format = self._find_format(format)
        if self.embed and self.format not in _IMAGE_FORMATS:
            raise ValueError("Cannot embed the %r image format" % self.format)
        if retina and self.format == 'png' and self.width is None:
            w, h = _png_size(self.data)
            if w:
                self.width, self.height = w // 2, h // 2

    def _find_format(self, fmt):
        if fmt:
            return fmt.lower()
        if isinstance(self.data, bytes):
            for magic, name in _IMAGE_MAGIC:
                if self.data.startswith(magic):
                    return name
            if self.data[:4] == b'RIFF' and self.data[8:12] == b'WEBP':
                return 'webp'
        name = self.filename or self.url or ''
        ext = os.path.splitext(name.split('?')[0])[1].lower().lstrip('.')
        return 'jpeg' if ext == 'jpg' else (ext or 'png')

    @property
    def mimetype(self):
        return _IMAGE_FORMATS.get(self.format, 'image/' + self.format)

    def _md(self):
        options = dict(width=self.width, height=self.height, alt=self.alt,
                       unconfined=self.unconfined or None)
        return dict(self.metadata, **{k: v for k, v in options.items() if v})

    def _repr_mimebundle_(self, include=None, exclude=None):
        if self.embed:
            md = self._md()
            return {self.mimetype: self.data}, ({self.mimetype: md} if md else {})
        return {'text/html': self._repr_html_()}, {}

    def _repr_html_(self):
        if not self.embed:
            import html
            attrs = ''.join(' %s="%s"' % (k, html.escape(str(v))) for k, v in self._md().items()
                            if k in ('width', 'height', 'alt'))
            return '<img src="%s"%s/>' % (html.escape(self.url, quote=True), attrs)

    def _repr_png_(self):
        if self.embed and self.format == 'png':
            return self.data, self._md()

    def _repr_jpeg_(self):
        if self.embed and self.format == 'jpeg':
            return self.data, self._md()


# ----------------------------------------------------------------- formatting

# (mimetype, method) in the order the formatter asks for them.
REPR_METHODS = (
    ('text/html', '_repr_html_'), ('text/markdown', '_repr_markdown_'),
    ('image/svg+xml', '_repr_svg_'), ('image/png', '_repr_png_'),
    ('image/jpeg', '_repr_jpeg_'), ('text/latex', '_repr_latex_'),
    ('application/json', '_repr_json_'), ('application/javascript', '_repr_javascript_'),
    ('application/pdf', '_repr_pdf_'),
)


def _method(obj, name):
    """obj's bound method `name`, or None; never for classes, never for objects
    that claim to have every attribute."""
    if isinstance(obj, type):
        return None
    try:
        if getattr(obj, '_ipython_canary_method_should_not_exist_', None) is not None:
            return None
        method = getattr(obj, name, None)
    except Exception:
        return None
    return method if callable(method) else None


class DisplayFormatter:
    """Turn an object into (data, metadata), the two dicts of a display message.

    The object's _repr_mimebundle_ comes first, then the single _repr_*_ methods
    in REPR_METHODS order for the types still missing; text/plain is always there.
    A printer registered for the object's type (for_type, for_type_by_name) takes
    the place of the object's own method for that mimetype.
    """
    plain_text_only = False
    max_width = 79          # builtin containers longer than this are pretty-printed

    def __init__(self):
        self.printers = {}      # mime -> {type: func}
        self.deferred = {}      # mime -> {(module, name): func}
        self.float_format = None
        self.formatters = _Formatters(self)

    @property
    def float_precision(self):
        """An int (digits after the point) or a %-format such as '%.3f'; '' resets."""
        return self.float_format or ''

    @float_precision.setter
    def float_precision(self, value):
        if value in (None, ''):
            self.float_format = None
        else:
            self.float_format = value if '%' in str(value) else '%%.%df' % int(value)

    def for_type(self, typ, func=None, mime='text/html'):
        """Show instances of typ (and subclasses) with func(obj) as mime.

        func may return data or (data, metadata).  Returns the printer it replaces.
        """
        old = self.printers.get(mime, {}).get(typ)
        if func is not None:
            self.printers.setdefault(mime, {})[typ] = func
        return old

    def for_type_by_name(self, module, name, func=None, mime='text/html'):
        """Like for_type for module.name, without importing that module."""
        key = (module, name)
        old = self.deferred.get(mime, {}).get(key)
        if func is not None:
            self.deferred.setdefault(mime, {})[key] = func
        return old

    def lookup(self, obj, mime):
        """The printer registered for type(obj) (or a base class) as mime, or None."""
        printers, deferred = self.printers.get(mime), self.deferred.get(mime)
        if not printers and not deferred:
            return None
        for cls in type(obj).__mro__:
            if printers and cls in printers:
                return printers[cls]
            if deferred:
                func = deferred.pop((cls.__module__, cls.__qualname__), None)
                if func is not None:
                    self.printers.setdefault(mime, {})[cls] = func
                    return func
        return None

    def format(self, obj, include=None, exclude=None):
        """Return (data, metadata) for obj; ({}, {}) when obj displayed itself."""
        data, md = {}, {}

        def wanted(mime):
            return mime not in data and (not include or mime in include) and \
                not (exclude and mime in exclude)
        if not self.plain_text_only:
            own_display = _method(obj, '_ipython_display_')
            if own_display is not None:
                try:
                    own_display()
                    return {}, {}
                except NotImplementedError:     # as in IPython: "use my other reprs"
                    pass                        # (ipympl's Canvas says so)
            bundle = _method(obj, '_repr_mimebundle_')
            if bundle is not None:
                result = self._call(lambda: bundle(include=include, exclude=exclude), obj,
                                    'a mime bundle')
                result, meta = result if isinstance(result, tuple) else (result, {})
                data.update([(mime, self._encode(mime, value))
                             for mime, value in (result or {}).items() if wanted(mime)])
                md.update(meta or {})
            for mime, name in REPR_METHODS:
                printer = self.lookup(obj, mime) if wanted(mime) else None
                method = (lambda: printer(obj)) if printer else \
                    _method(obj, name) if wanted(mime) else None
                result = self._call(method, obj, mime) if method else None
                if isinstance(result, tuple) and len(result) == 2:
                    result, meta = result
                    if meta and result is not None:
                        md[mime] = meta
                if result is not None:
                    data[mime] = self._encode(mime, result)
        if 'text/plain' not in data and wanted('text/plain'):
            data['text/plain'] = self.plain(obj)
        return data, md

    def _call(self, func, obj, mime):
        """Call one repr method; its failure is logged and costs only its mimetype."""
        try:
            return func()
        except NotImplementedError:         # a repr that declines, as IPython allows
            return None
        except Exception:
            _log().warning('Formatting a %s as %s failed', type(obj).__name__, mime,
                           exc_info=True)
            return None

    @staticmethod
    def _encode(mime, value):
        if isinstance(value, bytes):
            if mime in BINARY_MIMES:
                import base64
                return base64.b64encode(value).decode('ascii')
            return value.decode('utf-8', 'replace')
        return value

    max_seq_length = 1000   # items shown of a list, tuple, set or dict; then '...'

    def plain(self, obj, column=0, _seen=()):
        """The text/plain form: registered printer, float precision, _repr_pretty_;
        builtin containers as IPython's pretty printer lays them out (one item a line
        when they do not fit max_width, at most max_seq_length items, the items in
        their own text/plain form); else repr()."""
        func = self.lookup(obj, 'text/plain')
        if func is not None:
            return str(func(obj))
        if self.float_format and isinstance(obj, float):
            return self.float_format % obj
        pretty = _method(obj, '_repr_pretty_')
        if pretty is not None:
            printer = _PrettyPrinter(self)
            pretty(printer, id(obj) in _seen)
            return ''.join(printer.parts)
        if _default_repr(obj):
            return _object_text(obj)
        kind = type(obj)
        base = _base(kind)       # list, tuple... or a subclass that keeps their repr
        if base is not None and kind.__repr__ is base.__repr__:
            return self._container(obj, base, column, _seen)
        return repr(obj)

    def _container(self, obj, base, column, seen):
        open_, close = _BRACKETS[base]
        if id(obj) in seen:                                     # a cycle
            return open_ + '...' + close
        seen = (*seen, id(obj))
        if not obj:
            return {set: 'set()', frozenset: 'frozenset()'}.get(base, open_ + close)
        import itertools
        items = obj.items() if base is dict else obj
        if base in (set, frozenset) and len(obj) <= self.max_seq_length:
            try:
                items = sorted(obj)
            except TypeError:
                pass
        parts, inner = [], column + len(open_)
        for item in itertools.islice(items, self.max_seq_length):
            if base is dict:
                key = self.plain(item[0], inner, seen)
                parts.append(key + ': ' + self.plain(item[1], inner + len(key) + 2, seen))
            else:
                parts.append(self.plain(item, inner, seen))
        if len(obj) > self.max_seq_length:
            parts.append('...')
        tail = ',' if base is tuple and len(obj) == 1 else ''
        flat = open_ + ', '.join(parts) + tail + close
        if '\n' not in flat and column + len(flat) <= self.max_width:
            return flat
        return open_ + (',\n' + ' ' * inner).join(parts) + tail + close


_BRACKETS = {list: ('[', ']'), tuple: ('(', ')'), dict: ('{', '}'), set: ('{', '}'),
             frozenset: ('frozenset({', '})')}


def _base(kind):
    return next((b for b in kind.__mro__ if b in _BRACKETS), None)


def _default_repr(obj):
    """Whether obj's repr is object.__repr__ (not a class)."""
    return not isinstance(obj, type) and type(obj).__repr__ is object.__repr__


def _object_text(obj):
    """IPython's text for an object without a repr: <module.Class at 0x...>."""
    cls = type(obj)
    name = cls.__qualname__ if cls.__module__ == 'builtins' else \
        '%s.%s' % (cls.__module__, cls.__qualname__)
    return '<%s at 0x%x>' % (name, id(obj))


class _MimeFormatter:
    """One mimetype's printers, shaped as IPython's ``display_formatter.formatters[mime]``:
    for_type(typ or 'module.Name', func), for_type_by_name, lookup, pop, type_printers,
    deferred_printers. They share the DisplayFormatter's own tables."""

    def __init__(self, owner, mime):
        self.owner, self.mime, self.enabled = owner, mime, True

    @property
    def type_printers(self):
        return self.owner.printers.setdefault(self.mime, {})

    @property
    def deferred_printers(self):
        return self.owner.deferred.setdefault(self.mime, {})

    def _wrap(self, func):
        return func

    def for_type(self, typ, func=None):
        if isinstance(typ, str):
            module, name = typ.rsplit('.', 1)
            return self.for_type_by_name(module, name, func)
        return self.owner.for_type(typ, func and self._wrap(func), self.mime)

    def for_type_by_name(self, type_module, type_name, func=None):
        return self.owner.for_type_by_name(type_module, type_name, func and self._wrap(func),
                                           self.mime)

    def lookup(self, obj):
        func = self.owner.lookup(obj, self.mime)
        if func is None:
            raise KeyError('No registered printer for %r' % type(obj))
        return func

    def pop(self, typ, *default):
        return self.type_printers.pop(typ, *default)

    def __contains__(self, typ):
        return typ in self.type_printers

    def __call__(self, obj):
        data, _ = self.owner.format(obj, include={self.mime})
        return data.get(self.mime)


class _PrettyCall:
    """A text/plain printer in IPython's form f(obj, p, cycle), called as f(obj)."""

    def __init__(self, func, owner):
        self.func, self.owner = func, owner

    def __call__(self, obj):
        printer = _PrettyPrinter(self.owner)
        self.func(obj, printer, False)
        return ''.join(printer.parts)


class _PlainTextFormatter(_MimeFormatter):
    """formatters['text/plain']: printers take (obj, p, cycle) as IPython's do."""

    def _wrap(self, func):
        return _PrettyCall(func, self.owner)

    @property
    def float_precision(self):
        return self.owner.float_precision

    @float_precision.setter
    def float_precision(self, value):
        self.owner.float_precision = value


# IPython's names for its formatters, in its order.
_FORMATTER_NAMES = (
    ('text/plain', 'PlainTextFormatter'), ('text/html', 'HTMLFormatter'),
    ('text/markdown', 'MarkdownFormatter'), ('image/svg+xml', 'SVGFormatter'),
    ('image/png', 'PNGFormatter'), ('application/pdf', 'PDFFormatter'),
    ('image/jpeg', 'JPEGFormatter'), ('text/latex', 'LatexFormatter'),
    ('application/json', 'JSONFormatter'), ('application/javascript', 'JavascriptFormatter'))


class _Formatters(dict):
    """mime -> formatter for every mimetype the DisplayFormatter knows."""

    def __init__(self, owner):
        super().__init__()
        for mime, name in _FORMATTER_NAMES:
            base = _PlainTextFormatter if mime == 'text/plain' else _MimeFormatter
            self[mime] = type(name, (base,), {'__module__': __name__})(owner, mime)

    def __missing__(self, mime):
        self[mime] = _MimeFormatter(self['text/plain'].owner, mime)
        return self[mime]


class _PrettyPrinter:
    """Enough of IPython.lib.pretty's printer for _repr_pretty_(p, cycle) methods:
    text, breakable, pretty and groups (which add only their brackets)."""

    def __init__(self, formatter):
        self.formatter, self.parts = formatter, []

    def text(self, s):
        self.parts.append(str(s))

    def breakable(self, sep=' '):
        self.parts.append(sep)

    def pretty(self, obj):
        self.text(self.formatter.plain(obj))

    def begin_group(self, indent=0, open=''):
        self.text(open)

    def end_group(self, dedent=0, close=''):
        self.text(close)

    def group(self, indent=0, open='', close=''):
        import contextlib

        @contextlib.contextmanager
        def group():
            self.text(open)
            yield
            self.text(close)
        return group()

    def indent(self, indent):
        return self.group()


# ---------------------------------------------------------- IPython.display

_IPYTHON_DISPLAY = 'IPython.core.display_functions'


def _use_ours(module):
    module.display, module.update_display = display, update_display
    module.clear_output, module.DisplayHandle = clear_output, DisplayHandle


class PatchingFinder:
    """A meta path finder for one module of another package (IPython's): the module
    is found and run as usual, then ``after(module)`` points some of its names at
    ours. Used for IPython's display functions (below) and its get_ipython
    (ipycompat)."""

    def __init__(self, name, after):
        self.name, self.after = name, after

    def find_spec(self, name, path=None, target=None):
        if name != self.name:
            return None
        import importlib.machinery
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        run, after = spec.loader.exec_module, self.after

        def exec_module(module):
            run(module)
            after(module)
        spec.loader.exec_module = exec_module
        return spec

    def installed(self):
        """Whether a finder for the same module is on sys.meta_path already."""
        return any(isinstance(f, PatchingFinder) and f.name == self.name for f in sys.meta_path)


def route_ipython_display():
    """Notebooks written for Jupyter say ``from IPython.display import display, HTML``.
    Outside an IPython shell IPython's display() only prints the object's repr; in an
    ipylite kernel it shows through ipylite instead (IPython's HTML, Markdown, Image...
    objects have the usual _repr_*_ methods). IPython itself stays optional."""
    if _IPYTHON_DISPLAY in sys.modules:
        _use_ours(sys.modules[_IPYTHON_DISPLAY])   # (names already imported keep theirs)
    elif not PatchingFinder(_IPYTHON_DISPLAY, _use_ours).installed():
        sys.meta_path.insert(0, PatchingFinder(_IPYTHON_DISPLAY, _use_ours))


# ---------------------------------------------------------- matplotlib inline

FIGURE_MIMES = {'png': 'image/png', 'retina': 'image/png', 'png2x': 'image/png',
                'jpeg': 'image/jpeg', 'jpg': 'image/jpeg', 'svg': 'image/svg+xml',
                'pdf': 'application/pdf'}


def inline_settings(shell):
    """The shell's InlineBackend settings (``%config InlineBackend.figure_format =
    'svg'``, config.KEYS): its formats as {mime: format}, its savefig keyword arguments,
    whether to close figures, and the rcParams to set."""
    ib = getattr(shell, 'inline_backend', None) or {}
    formats = ib.get('figure_formats') or [ib.get('figure_format') or 'png']
    by_mime = {}
    for fmt in formats:
        by_mime.setdefault(FIGURE_MIMES.get(fmt, 'image/png'), fmt)
    kwargs = ib.get('print_figure_kwargs')
    return (by_mime, {'bbox_inches': 'tight'} if kwargs is None else dict(kwargs),
            ib.get('close_figures', True), ib.get('rc') or {})


def enable_matplotlib_inline(shell, close_figures=True):
    """Show matplotlib figures in the output (as PNG unless the shell's InlineBackend
    settings say otherwise): those left open at the end of each execution, and a Figure
    that is the value of the last expression.
    close_figures=False (the terminal's way) keeps figures open from cell to cell and
    shows one again after a cell changed it."""
    try:
        import matplotlib
    except ImportError:
        raise UsageError('matplotlib is not installed: pip install matplotlib') from None
    matplotlib.use('agg')
    rc = inline_settings(shell)[3]
    if rc:
        matplotlib.rcParams.update(rc)
    if getattr(shell, '_mpl_inline_hook', None) is not None:
        return
    shown = set()       # figures already shown through the formatter in this cell

    def formatter(mime):
        def figure_data(fig):
            by_mime, kwargs = inline_settings(shell)[:2]
            if mime not in by_mime:
                return None
            shown.add(id(fig))
            return _figure_data(fig, by_mime[mime], getattr(shell, 'figure_scale', 1),
                                kwargs)
        return figure_data

    def flush_figures():
        by_mime, kwargs, close, _ = inline_settings(shell)
        _flush_figures(shell.display_pub, shown, getattr(shell, 'figure_scale', 1),
                       close_figures and close, by_mime, kwargs)

    for mime in set(FIGURE_MIMES.values()):
        shell.display_formatter.for_type_by_name('matplotlib.figure', 'Figure',
                                                  formatter(mime), mime=mime)
    shell.events.register('post_execute', flush_figures)
    shell._mpl_inline_hook = flush_figures


def enable_matplotlib_comm_backend(shell, gui):
    """%matplotlib widget (ipympl) or notebook (matplotlib's nbagg) in a kernel, as
    ipykernel does: interactive mode on, each figure a canvas the frontend draws and
    drives over comms. nbagg builds ipykernel's own Comm class, which sends only through
    ipykernel's kernel: it is given the `comm` package's comms (this kernel's) instead."""
    widget = gui in ('widget', 'ipympl')
    try:
        import comm
        import matplotlib
        if widget:
            import ipympl  # noqa: F401
        else:
            from matplotlib.backends import backend_nbagg
    except ImportError as e:
        name = (e.name or ('ipympl' if widget else 'ipykernel')).split('.')[0]
        raise UsageError('%%matplotlib %s needs %s, which is not installed (pip install %s); '
                         '%%matplotlib inline works here' % (gui, name, name)) from None
    if not getattr(shell, 'pager_payload', False):
        raise UsageError('%%matplotlib %s works in a kernel, not here' % gui)
    import matplotlib.pyplot as plt
    if not widget:
        def nbagg_comm(target_name='', data=None, **kw):
            return comm.create_comm(target_name=target_name, data=data, **kw)
        backend_nbagg.Comm = nbagg_comm
    disable_matplotlib_inline(shell)
    matplotlib.interactive(True)
    if not widget:
        plt.switch_backend('nbagg')
        return
    try:        # matplotlib >= 3.9 knows ipympl's names once it has read its entry points
        from matplotlib.backends.registry import backend_registry
        plt.switch_backend(backend_registry.resolve_gui_or_backend('widget')[0])
    except (ImportError, ValueError, RuntimeError):
        plt.switch_backend('module://ipympl.backend_nbagg')


def inline_figures_by_default(shell):
    """As ipykernel does in a kernel process (and so on ipyparallel's engines):
    matplotlib draws inline without ``%matplotlib inline`` first, from the cell that
    imports pyplot on, and never opens a window of its own."""
    os.environ.setdefault('MPLBACKEND', 'agg')

    def enable():
        if 'matplotlib.pyplot' not in sys.modules:
            return
        shell.events.unregister('post_execute', enable)
        import matplotlib
        if getattr(shell, '_mpl_inline_hook', None) is None \
                and matplotlib.get_backend().lower() == 'agg':  # not a user's choice
            enable_matplotlib_inline(shell)
            shell._mpl_inline_hook()   # this cell's figures (registered too late)
    shell.events.register('post_execute', enable)


def _figure_data(fig, fmt='png', scale=1, kwargs=None):
    """A Figure drawn as ``fmt`` (png, retina/png2x: png at twice the pixels, jpeg,
    svg, pdf): bytes (svg: str), or for a PNG (bytes, {'width', 'height'} in logical
    pixels); None if the figure is empty. ``scale`` (the shell's ``figure_scale``,
    which a HiDPI console sets to its device pixel ratio) multiplies the pixels, not
    the size the figure is shown at."""
    if not fig.axes and not fig.lines and not fig.texts and not fig.images:
        return None
    import io
    import matplotlib
    kwargs = {'bbox_inches': 'tight'} if kwargs is None else dict(kwargs)
    dpi = kwargs.pop('dpi', matplotlib.rcParams['savefig.dpi'])
    if dpi == 'figure':
        dpi = fig.dpi
    if fmt in ('retina', 'png2x'):
        scale = max(2, scale if isinstance(scale, (int, float)) else 1)
    try:
        dpi *= max(1.0, min(4.0, float(scale)))
    except (TypeError, ValueError):
        pass                    # a nonsense figure_scale: ignore it
    if fmt not in ('png', 'retina', 'png2x'):
        buf = io.BytesIO()
        fig.canvas.print_figure(buf, format={'jpg': 'jpeg'}.get(fmt, fmt), **kwargs)
        data = buf.getvalue()
        return data.decode('utf-8') if fmt == 'svg' else data
    buf = io.BytesIO()
    fig.canvas.print_figure(buf, format='png', dpi=dpi, **kwargs)
    data = buf.getvalue()
    width, height = _png_size(data)
    if not width:
        return data
    scale = fig.dpi / dpi       # > 1 dpi per logical pixel: a HiDPI image
    return data, {'width': round(width * scale), 'height': round(height * scale)}


def disable_matplotlib_inline(shell):
    """Undo enable_matplotlib_inline (another backend was chosen)."""
    hook = getattr(shell, '_mpl_inline_hook', None)
    if hook is not None:
        shell.events.unregister('post_execute', hook)
        shell._mpl_inline_hook = None
    fmt = shell.display_formatter
    for mime in set(FIGURE_MIMES.values()):
        fmt.deferred.get(mime, {}).pop(('matplotlib.figure', 'Figure'), None)
        for cls in [c for c in fmt.printers.get(mime, {})
                    if (c.__module__, c.__qualname__) == ('matplotlib.figure', 'Figure')]:
            del fmt.printers[mime][cls]


def _flush_figures(pub, shown, scale=1, close=True, by_mime=None, kwargs=None):
    """Publish every open figure not shown yet this cell, then close them all
    (close=False: keep them, and publish only those changed since last shown).
    ``by_mime`` {mime: format} says which formats to draw (default: PNG)."""
    helpers = sys.modules.get('matplotlib._pylab_helpers')
    if helpers is None:
        return
    by_mime = by_mime or {'image/png': 'png'}
    try:
        for manager in helpers.Gcf.get_all_fig_managers():
            fig = manager.canvas.figure
            if id(fig) in shown or not (close or fig.stale):
                fig.stale = False
                continue
            bundle, md = {}, {}
            for mime, fmt in by_mime.items():
                out = _figure_data(fig, fmt, scale, kwargs)
                if out is None:
                    continue
                data, meta = out if isinstance(out, tuple) else (out, {})
                bundle[mime] = DisplayFormatter._encode(mime, data)
                if meta:
                    md[mime] = meta
            fig.stale = False       # drawn as it is now; a change makes it stale again
            if not bundle:
                continue
            bundle['text/plain'] = repr(fig)
            pub.publish(bundle, md)
    finally:
        shown.clear()
        if close:
            helpers.Gcf.destroy_all()
