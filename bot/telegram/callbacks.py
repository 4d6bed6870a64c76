"""Callback data for inline buttons: short, versioned, and safe to decode after a restart.

Format: ``<version>:<action>[:<arg>...]`` within Telegram's 64-byte limit. The version is the
knowledge version the running bot was built with (bound once by ``build_application``), so a
button made from other knowledge (an old message, a bot updated since) decodes to ``None`` and
the person gets "this menu is out of date" with a fresh menu instead of a wrong answer. The same
knowledge after a restart keeps every button working.
"""

MAX_BYTES = 64
SEPARATOR = ":"

_version: str | None = None


def bind_version(version: str) -> None:
    """Make ``encode`` stamp buttons with this knowledge version (the engine's)."""
    global _version
    if not version or SEPARATOR in version:
        raise ValueError(f"unusable knowledge version {version!r}")
    _version = version


def encode(action: str, *args: str) -> str:
    if _version is None:
        raise RuntimeError("callbacks.bind_version() must run before buttons are made")
    parts = (_version, action, *args)
    if any(not part or SEPARATOR in part for part in parts[1:]):
        raise ValueError(f"callback parts must be non-empty and free of {SEPARATOR!r}: {parts}")
    data = SEPARATOR.join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def decode(data: str, version: str) -> tuple[str, list[str]] | None:
    """``(action, args)``, or None when the data is stale (other version) or not ours."""
    version_part, _, rest = data.partition(SEPARATOR)
    if version_part != version or not rest:
        return None
    action, *args = rest.split(SEPARATOR)
    return action, args


def action_of(data: object) -> str | None:
    """The action named in callback data whatever its version (for handler patterns)."""
    if not isinstance(data, str):
        return None
    parts = data.split(SEPARATOR)
    return parts[1] if len(parts) > 1 else None
