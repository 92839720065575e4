"""`[access]` in hallpulse.toml: how people sign in and the rules for local passwords.

    [access]
    auth = "local"              # local accounts; "oidc": Streamlit's st.login; "none": no sign-in
    min_password_length = 12
    max_failures = 5            # failed sign-ins in a row before the account is locked …
    lockout_min = 15            # … for this many minutes
    idle_timeout_min = 30       # a session unused this long signs out

Every key is optional; an unknown key or a bad value is an error naming the file and the key.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from metrics.settings import SettingsError, config_path

AUTH_MODES = ("local", "oidc", "none")


@dataclass(frozen=True)
class AccessSettings:
    auth: str = "local"
    min_password_length: int = 12
    max_failures: int = 5
    lockout_min: int = 15
    idle_timeout_min: int = 30

    def as_dict(self) -> dict[str, str | int]:
        return asdict(self)


def load_access_settings(path: Path | None = None) -> AccessSettings:
    path = path or config_path()
    if not path.exists():
        return AccessSettings()
    try:
        section = tomllib.loads(path.read_text(encoding="utf-8")).get("access", {})
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    known = [f.name for f in fields(AccessSettings)]
    unknown = sorted(set(section) - set(known))
    if unknown:
        raise SettingsError(
            f"{path}: unknown setting(s) {', '.join(unknown)}; known: [access] " + ", ".join(known)
        )
    values: dict[str, str | int] = {}
    for key, value in section.items():
        if key == "auth":
            if value not in AUTH_MODES:
                raise SettingsError(
                    f"{path}: [access] auth must be one of {', '.join(AUTH_MODES)}, not {value!r}"
                )
            values[key] = value
            continue
        smallest = 1 if key != "min_password_length" else 8
        if isinstance(value, bool) or not isinstance(value, int) or value < smallest:
            raise SettingsError(
                f"{path}: [access] {key} must be a whole number ≥ {smallest}, not {value!r}"
            )
        values[key] = value
    return replace(AccessSettings(), **values)
