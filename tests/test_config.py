"""Profiles and configuration: the TOML file, command-line overrides, mistakes reported
with file, line and key, startup files, and `python -m ipylite profile ...`."""

import os
import subprocess
import sys

import pytest

from ipylite.config import KEYS, Config, documentation, profile_path
from ipylite.shell import make_shell

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_config(home, text, profile='default'):
    path = home / '.ipylite' / ('profile_' + profile)
    path.mkdir(parents=True, exist_ok=True)
    (path / 'ipylite_config.toml').write_text(text)
    return path / 'ipylite_config.toml'


def test_defaults_file_and_overrides(tmp_home):
    cfg = Config.load('default')
    assert cfg['Shell']['xmode'] == 'Context' and cfg.errors == []
    write_config(tmp_home, '[Shell]\nxmode = "Plain"\nautomagic = false\n'
                           '[History]\nflush_interval = 2\n')
    cfg = Config.load('default', ['--Shell.xmode=Verbose', '--Timeit.repeat=3'])
    assert cfg['Shell']['xmode'] == 'Verbose' and cfg['Shell']['automagic'] is False
    assert cfg['History']['flush_interval'] == 2.0 and cfg['Timeit']['repeat'] == 3
    assert cfg.errors == []


def test_mistakes_name_file_line_and_key_and_keep_defaults(tmp_home, caplog):
    path = write_config(tmp_home, '# comment\n[Shell]\nxmode = "Plain"\n\nxmdoe = "Verbose"\n'
                                  'automagic = "yes"\n[Nope]\na = 1\n')
    cfg = Config.load('default', ['--Shell.colors', '--Shell.tb_before=x'])
    assert cfg.errors == [
        "%s:5: unknown key Shell.xmdoe (did you mean 'xmode'?)" % path,
        "%s:6: Shell.automagic must be bool, not 'yes'" % path,
        "%s:7: unknown section [Nope]; known: %s" % (path, ', '.join(KEYS)),
        "command line '--Shell.colors': expected Section.key=value, not 'Shell.colors'",
        "command line '--Shell.tb_before=x': Shell.tb_before must be int, not 'x'",
    ]
    assert cfg['Shell']['xmode'] == 'Plain' and cfg['Shell']['automagic'] is True
    assert all(e in caplog.text for e in cfg.errors)
    path.write_text('[Shell]\nxmode = \n')
    cfg = Config.load('default')
    assert len(cfg.errors) == 1 and cfg.errors[0].startswith(str(path) + ': ')
    assert 'line 2' in cfg.errors[0] and cfg['Shell']['xmode'] == 'Context'


def test_every_key_documented_in_one_place():
    doc = documentation()
    for section, keys in KEYS.items():
        assert '[%s]' % section in doc
        for key, (default, text) in keys.items():
            assert text and '# %s = ' % key in doc
    import tomllib
    uncommented = '\n'.join(line[2:] if line.startswith('# ') and ' = ' in line else line
                            for line in doc.splitlines())
    parsed = tomllib.loads(uncommented)
    assert parsed == {s: {k: v[0] for k, v in keys.items()} for s, keys in KEYS.items()}


def test_make_shell_applies_config_and_runs_startup(tmp_home):
    write_config(tmp_home, '[Shell]\nxmode = "Minimal"\n[Startup]\nexec_lines = ["c = a + b"]\n'
                           '[Display]\nfloat_precision = 2\n')
    startup = tmp_home / '.ipylite' / 'profile_default' / 'startup'
    startup.mkdir()
    (startup / '10-first.py').write_text('a = 1\norder = ["10"]\n')
    (startup / '20-second.py').write_text('b = 2\norder.append("20")\n')
    (startup / '30-magic.ipy').write_text('%alias hello echo hi\n')
    shell = make_shell('default', ['--Shell.automagic=False'])
    try:
        assert shell.xmode == 'Minimal' and shell.automagic is False
        assert shell.user_ns['order'] == ['10', '20'] and shell.user_ns['c'] == 3
        assert 'hello' in shell.magics['line']
        assert shell.display_formatter.format(1.2345)[0]['text/plain'] == '1.23'
        assert shell.history.path == str(tmp_home / '.ipylite' / 'profile_default' /
                                         'history.sqlite')
        shell.run_cell('%config Shell.automagic = True')
        assert shell.automagic is True
    finally:
        shell.history.close()


def test_store_autorestore(tmp_home):
    shell = make_shell('default')
    shell.run_cell('kept = [1, 2]\n%store kept')
    shell.history.close()
    write_config(tmp_home, '[Store]\nautorestore = true\n')
    again = make_shell('default')
    assert again.user_ns['kept'] == [1, 2]
    again.history.close()


def cli(*args, home, stdin=None):
    env = dict(os.environ, HOME=str(home), IPYLITE_DIR=str(home / '.ipylite'),
               PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, '-m', 'ipylite', *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_profile_command_and_profile_option(tmp_home):
    r = cli('profile', 'create', 'work', home=tmp_home)
    path = tmp_home / '.ipylite' / 'profile_work'
    assert r.returncode == 0 and r.stdout == "Created profile 'work' in %s\n" % path
    text = (path / 'ipylite_config.toml').read_text()
    assert '# xmode = "Context"' in text and '[History]' in text
    assert cli('profile', 'locate', 'work', home=tmp_home).stdout == str(path) + '\n'
    r = cli('profile', 'locate', 'nothere', home=tmp_home)
    assert r.returncode == 1 and r.stderr.startswith("error: no profile named 'nothere'")
    cli('profile', 'create', home=tmp_home)
    assert cli('profile', 'list', home=tmp_home).stdout.splitlines()[1:] == [
        '    default', '    work']
    assert cli('profile', 'sideways', home=tmp_home).returncode == 2
    (path / 'startup' / 'a.py').write_text('from_startup = "yes"\n')
    text = text.replace('[Shell]\n', '[Shell]\nxmode = "Minimal"\nbad_key = 1\n')
    (path / 'ipylite_config.toml').write_text(text)
    bad_line = text.splitlines().index('bad_key = 1') + 1
    r = cli('--profile', 'work', '--Shell.colors=NoColor', '-c',
            'print(from_startup, get_ipython().xmode, get_ipython().profile)', home=tmp_home)
    assert r.stdout == 'yes Minimal work\n'
    assert r.stderr == '%s:%d: unknown key Shell.bad_key\n' % (
        path / 'ipylite_config.toml', bad_line)
    r = cli('--profile', 'work', '--Shell.xmode=Verbose', '-c', 'print(get_ipython().xmode)',
            home=tmp_home)
    assert r.stdout == 'Verbose\n'
    assert (path / 'history.sqlite').exists()
    assert profile_path('work') == str(tmp_home / '.ipylite' / 'profile_work')


@pytest.mark.parametrize('line', ['Shell.xmode', 'xmode=1', 'Shell.nokey=1'])
def test_set_from_string_rejects_bad_input(line):
    from ipylite.config import ConfigError
    with pytest.raises(ConfigError):
        Config().set_from_string(line)
