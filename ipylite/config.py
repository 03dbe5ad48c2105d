"""Profiles: where each profile keeps its history, config and security files.

    ipylite_dir()                    ~/.ipylite, or $IPYLITE_DIR
    profile_dir("default")           ~/.ipylite/profile_default, made on first use

Nothing is created at import; a home folder that cannot be written only disables
what needs it, with a warning.
"""

import logging
import os

log = logging.getLogger("ipylite.config")


def ipylite_dir():
    return os.environ.get("IPYLITE_DIR") or os.path.join(os.path.expanduser("~"), ".ipylite")


def profile_dir(name="default"):
    """The profile's folder, made (with ``security/`` and ``startup/``) if missing.
    Returns None, after a warning, when it cannot be made."""
    path = os.path.join(ipylite_dir(), "profile_" + name)
    try:
        for sub in ("", "security", "startup"):
            os.makedirs(os.path.join(path, sub), exist_ok=True)
        os.chmod(os.path.join(path, "security"), 0o700)
    except OSError as e:
        log.warning("cannot create profile folder %s (%s); history and config are off",
                    path, e.strerror)
        return None
    return path
