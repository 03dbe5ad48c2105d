"""Profiles and configuration: where each profile keeps its files, and its settings.

    ipylite_dir()                    ~/.ipylite, or $IPYLITE_DIR
    profile_dir("default")           ~/.ipylite/profile_default, made on first use
    cfg = Config.load("default", ["--Shell.xmode=Plain"])   # file, then overrides
    run_startup(shell, profile_dir("default"), cfg)         # startup files, exec_lines
    (shell.make_shell("default", argv_overrides) makes a configured Shell)

A profile folder holds ``ipylite_config.toml`` (one ``[Section]`` per component),
``startup/*.py`` (run in name order when a shell starts), ``history.sqlite``,
``security/`` (connection files) and ``db/`` (%store, bookmarks).

Every setting is listed in KEYS below, with its default and what it does: that table
is the documentation (``%config`` and ``profile create`` print it). A mistake in the
file (bad TOML, unknown section or key, wrong type) is one warning naming the file,
the line and the key; the app starts with the defaults for what was wrong.
Nothing is created at import.
"""

import logging
import os

log = logging.getLogger("ipylite.config")

CONFIG_FILE = "ipylite_config.toml"

# section -> key -> (default, help).  The one place every key is documented.
KEYS = {
    "Shell": {
        "colors": ("", "colour scheme: NoColor, Linux, LightBG or Neutral; empty lets the "
                       "app choose (the terminal: colour when writing to a terminal and "
                       "NO_COLOR is unset; kernels: Linux)"),
        "xmode": ("Context", "traceback mode: Plain, Context, Verbose or Minimal"),
        "automagic": (True, "a bare `name args` runs the line magic `name` when no "
                            "variable of that name exists"),
        "pdb": (False, "start the debugger after every uncaught exception"),
        "tb_before": (2, "lines of context before the failing line in tracebacks"),
        "tb_after": (1, "lines of context after the failing line in tracebacks"),
    },
    "Display": {
        "float_precision": ("", "digits (or a %-format) for floats; '' is repr"),
    },
    "History": {
        "enabled": (True, "keep history in the profile's SQLite database"),
        "flush_interval": (1.0, "seconds between background writes of history"),
        "flush_batch": (200, "write at once when this many rows wait"),
    },
    "Startup": {
        "exec_lines": ([], "lines of code run when a shell starts"),
        "exec_files": ([], "files run when a shell starts (after startup/*.py)"),
    },
    "Store": {
        "autorestore": (False, "restore every %store'd variable when a shell starts"),
    },
    "Terminal": {
        "confirm_exit": (True, "ask before leaving on Ctrl-D"),
        "banner": (True, "print the banner at start"),
    },
    "InlineBackend": {
        "figure_format": ("png", "inline figures' format: png, retina (png at twice the "
                                 "pixels), jpeg, svg or pdf (as IPython's "
                                 "%config InlineBackend.figure_format)"),
        "figure_formats": ([], "several formats at once (e.g. ['png', 'svg']); when "
                               "set, it wins over figure_format"),
        "rc": ({}, "matplotlib rcParams set when inline figures are turned on"),
        "print_figure_kwargs": ({"bbox_inches": "tight"}, "keyword arguments of "
                                "Figure.savefig for inline figures"),
        "close_figures": (True, "close every figure after the cell that drew it"),
    },
    "Timeit": {
        "repeat": (7, "default -r for %timeit"),
        "min_time": (0.2, "%timeit picks loops so that one run takes at least this (s)"),
    },
}


FIGURE_FORMATS = ("png", "retina", "png2x", "jpeg", "jpg", "svg", "pdf")

# (section, key) -> (test, what the value must be): checked when the file is read
CHECKS = {
    ("Shell", "colors"): (lambda v: v in ("", "NoColor", "Linux", "LightBG", "Neutral"),
                          "one of NoColor, Linux, LightBG, Neutral (or empty)"),
    ("Shell", "xmode"): (lambda v: v in ("Plain", "Context", "Verbose", "Minimal"),
                         "one of Plain, Context, Verbose, Minimal"),
    ("Shell", "tb_before"): (lambda v: v >= 0, "0 or more"),
    ("Shell", "tb_after"): (lambda v: v >= 0, "0 or more"),
    ("History", "flush_interval"): (lambda v: v > 0, "more than 0"),
    ("History", "flush_batch"): (lambda v: v >= 1, "at least 1"),
    ("InlineBackend", "figure_format"): (lambda v: v in FIGURE_FORMATS,
                                         "one of " + ", ".join(FIGURE_FORMATS)),
    ("InlineBackend", "figure_formats"): (lambda v: all(f in FIGURE_FORMATS for f in v),
                                          "a list of " + ", ".join(FIGURE_FORMATS)),
    ("Timeit", "repeat"): (lambda v: v >= 1, "at least 1"),
    ("Timeit", "min_time"): (lambda v: v > 0, "more than 0"),
}


def ipylite_dir():
    return os.environ.get("IPYLITE_DIR") or os.path.join(os.path.expanduser("~"), ".ipylite")


def profile_path(name="default"):
    """The profile folder's path (not created)."""
    return os.path.join(ipylite_dir(), "profile_" + name)


def profile_dir(name="default"):
    """The profile's folder, made (with ``security/`` and ``startup/``) if missing.
    Returns None, after a warning, when it cannot be made."""
    path = profile_path(name)
    try:
        for sub in ("", "security", "startup"):
            os.makedirs(os.path.join(path, sub), exist_ok=True)
        os.chmod(os.path.join(path, "security"), 0o700)
    except OSError as e:
        log.warning("cannot create profile folder %s (%s); history and config are off",
                    path, e.strerror)
        return None
    return path


def list_profiles():
    try:
        names = os.listdir(ipylite_dir())
    except OSError:
        return []
    return sorted(n[len("profile_"):] for n in names
                  if n.startswith("profile_") and os.path.isdir(os.path.join(ipylite_dir(), n)))


def documentation(section=None):
    """Every key (or one section's) with its default and help, as TOML comments."""
    out = []
    for sec, keys in KEYS.items():
        if section and sec != section:
            continue
        out.append(f"[{sec}]")
        for key, (default, text) in keys.items():
            out.append(f"# {text}")
            out.append(f"# {key} = {toml_value(default)}")
        out.append("")
    return "\n".join(out)


def toml_value(value):
    """``value`` as TOML writes it (what --help-all and the commented config show)."""
    import json
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):         # an inline table
        return "{" + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}"
                               for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value)


# ------------------------------------------------------------------- Config

class ConfigError(ValueError):
    """A bad key or value; its message is the one line shown to the user."""


class Config:
    """Settings by section: ``cfg["Shell"]["xmode"]``; defaults for what is unset.
    ``errors`` holds the one-line messages for what was wrong and ignored."""

    def __init__(self):
        self.values = {sec: {k: v[0] for k, v in keys.items()} for sec, keys in KEYS.items()}
        self.errors = []
        self.path = None

    def __getitem__(self, section):
        return self.values[section]

    @classmethod
    def load(cls, profile="default", overrides=(), path=None):
        """The profile's config file (or ``path``), then ``--Section.key=value``
        overrides; problems are logged and listed in .errors, never raised."""
        cfg = cls()
        if path is None:
            path = os.path.join(profile_path(profile), CONFIG_FILE)
        cfg.path = path
        if os.path.exists(path):
            cfg._read_file(path)
        for item in overrides:
            try:
                cfg.set_from_string(item.lstrip("-"))
            except ConfigError as e:
                cfg._error(f"command line {item!r}: {e}")
        return cfg

    def _error(self, message):
        self.errors.append(message)
        log.warning("%s", message)

    def _read_file(self, path):
        import tomllib
        try:
            with open(path, "rb") as f:
                raw = f.read()
            data = tomllib.loads(raw.decode("utf-8"))
        except (OSError, UnicodeDecodeError) as e:
            return self._error(f"{path}: cannot read: {e}")
        except tomllib.TOMLDecodeError as e:
            return self._error(f"{path}: {e}; using the defaults")
        text = raw.decode("utf-8")
        for section, keys in data.items():
            if section not in KEYS:
                self._error(f"{path}:{_line_of(text, None, section)}: unknown section "
                            f"[{section}]; known: {', '.join(KEYS)}")
                continue
            if not isinstance(keys, dict):
                self._error(f"{path}:{_line_of(text, None, section)}: {section} must be a "
                            f"[section]")
                continue
            for key, value in keys.items():
                try:
                    self.set(section, key, value)
                except ConfigError as e:
                    self._error(f"{path}:{_line_of(text, section, key)}: {e}")

    def set(self, section, key, value):
        """Set one key, checking the section, the key and the value's type."""
        if section not in KEYS:
            raise ConfigError(f"unknown section {section!r}; known: {', '.join(KEYS)}")
        if key not in KEYS[section]:
            import difflib
            near = difflib.get_close_matches(key, KEYS[section], 1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise ConfigError(f"unknown key {section}.{key}{hint}")
        default = KEYS[section][key][0]
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, float):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            value = float(value) if ok else value
        elif isinstance(default, list) and isinstance(value, (set, tuple, frozenset)):
            value, ok = sorted(value), True     # IPython writes {'png', 'svg'}
        else:
            ok = type(value) is type(default) or (default == "" and isinstance(value, int))
        if not ok:
            raise ConfigError(f"{section}.{key} must be {type(default).__name__}, "
                              f"not {value!r}")
        test, what = CHECKS.get((section, key), (None, ""))
        if test is not None and not test(value):
            raise ConfigError(f"{section}.{key} must be {what}, not {value!r}")
        self.values[section][key] = value

    def set_from_string(self, text):
        """``Section.key=value`` (value a Python/TOML literal, else a string)."""
        import ast
        name, sep, value = text.partition("=")
        section, dot, key = name.strip().partition(".")
        if not sep or not dot:
            raise ConfigError(f"expected Section.key=value, not {text!r}")
        value = value.strip()
        lowered = {"true": True, "false": False}.get(value.lower(), _MISSING)
        if lowered is not _MISSING:
            parsed = lowered
        else:
            try:
                parsed = ast.literal_eval(value)
            except (ValueError, SyntaxError):
                parsed = value
        self.set(section, key.strip(), parsed)

    def apply(self, shell):
        """Push the settings into a Shell (and its formatter and history)."""
        s = self.values["Shell"]
        for key in ("colors", "xmode"):
            if not s[key]:
                continue
            try:
                setattr(shell, key, s[key])
            except Exception as e:
                self._error(f"Shell.{key}: {e}")
        shell.automagic = s["automagic"]
        shell.tb_before, shell.tb_after = s["tb_before"], s["tb_after"]
        try:
            shell.display_formatter.float_precision = self.values["Display"]["float_precision"]
        except (ValueError, TypeError) as e:
            self._error(f"Display.float_precision: {e}")
        hm = shell.history
        if hm is not None:
            hm.flush_interval = self.values["History"]["flush_interval"]
            hm.flush_batch = self.values["History"]["flush_batch"]
        shell.inline_backend = dict(self.values["InlineBackend"])
        magics = getattr(shell, "magics_state", None)
        if magics is not None:
            magics.set_pdb(s["pdb"])
        shell.config = self


_MISSING = object()


def _line_of(text, section, key):
    """The line number where ``key`` is set (in ``[section]``), or '?'."""
    import re
    current = None
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r"\s*\[\s*([^\]]+?)\s*\]", line)
        if m:
            current = m[1]
            if section is None and current == key:
                return n
            continue
        m = re.match(r"\s*([\w\"'.-]+)\s*=", line)
        if m and m[1].strip("\"'") == key and current == section:
            return n
    return "?"


# ------------------------------------------------------------- shells, startup

def run_startup(shell, path, cfg=None):
    """startup/*.py and *.ipy in name order, then Startup.exec_files and exec_lines;
    Store.autorestore restores %store'd variables first."""
    cfg = cfg or Config()
    if cfg["Store"]["autorestore"]:
        shell.run_line_magic("store", "-r")
    files = []
    if path:
        folder = os.path.join(path, "startup")
        try:
            files = [os.path.join(folder, n) for n in sorted(os.listdir(folder))
                     if n.endswith((".py", ".ipy"))]
        except OSError:
            pass
    files += [os.path.expanduser(f) for f in cfg["Startup"]["exec_files"]]
    for name in files:
        try:
            import tokenize
            with tokenize.open(name) as f:      # its coding cookie, else UTF-8
                source = f.read()
        except (OSError, SyntaxError, UnicodeDecodeError) as e:
            log.warning("cannot read startup file %s: %s", name, getattr(e, "strerror", e))
            continue
        shell.user_ns["__file__"] = name
        if name.endswith(".ipy"):                # IPython syntax: a cell
            shell.run_cell(source, store_history=False)
        else:                                    # Python: tracebacks name the file
            _run_startup_file(shell, name, source)
        shell.user_ns.pop("__file__", None)
    for line in cfg["Startup"]["exec_lines"]:
        shell.run_cell(line, store_history=False)


def _run_startup_file(shell, path, source):
    try:
        exec(compile(source, path, "exec", dont_inherit=True), shell.user_global_ns,
             shell.user_ns)
    except SyntaxError:
        shell.showsyntaxerror()
    except SystemExit:
        pass
    except Exception:
        shell.showtraceback()


def profile_main(argv):
    """``python -m ipylite profile create|list|locate [NAME]``."""
    usage = "usage: python -m ipylite profile create|list|locate [NAME]"
    if not argv or argv[0] not in ("create", "list", "locate"):
        print(usage, file=__import__("sys").stderr)
        return 2
    cmd, name = argv[0], (argv[1] if len(argv) > 1 else "default")
    if cmd == "list":
        print(f"Available profiles in {ipylite_dir()}:")
        for n in list_profiles():
            print(f"    {n}")
        return 0
    path = profile_path(name)
    if cmd == "locate":
        if not os.path.isdir(path):
            print(f"error: no profile named {name!r} in {ipylite_dir()}",
                  file=__import__("sys").stderr)
            return 1
        print(path)
        return 0
    if profile_dir(name) is None:
        return 1
    config = os.path.join(path, CONFIG_FILE)
    if not os.path.exists(config):
        with open(config, "w", encoding="utf-8") as f:
            f.write(f"# ipylite configuration for profile {name!r}. Every key, with its "
                    "default:\n\n" + documentation())
    print(f"Created profile {name!r} in {path}")
    return 0
