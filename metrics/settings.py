"""Deployment settings (`hallpulse.toml`): targets, deadlines, grace and sample sizes.

Defaults are metrics.md's. The file is looked for at $HALLPULSE_CONFIG, else ./hallpulse.toml;
every key is optional and an unknown key is an error (a typo must not silently keep a default).

    [metrics]
    wait_target_min = 20
    revisit_workdays = 1
    rectify_workdays = 15
    late_grace_min = 5
    min_served = 30
    min_evaluations = 20
    staffing_service_level = 0.8
    staffing_quantile = 0.7
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

CONFIG_ENV = "HALLPULSE_CONFIG"
DEFAULT_PATH = Path("hallpulse.toml")


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    wait_target_min: float = 20.0  # 等候达标: called within this many minutes
    revisit_workdays: int = 1  # 差评回访: by the end of the N-th working day after
    rectify_workdays: int = 15  # 差评整改: by the end of the N-th working day after
    late_grace_min: float = 5.0  # 迟到: clock-in later than scheduled start + grace
    min_served: int = 30  # rankings: groups with fewer served tickets are not ranked
    min_evaluations: int = 20  # rankings: groups with fewer evaluations are not ranked
    wait_target_rate: float = 0.8  # target share of waits within wait_target_min
    on_time_target: float = 1.0  # target on-time completion (按时办结率 100%)
    satisfaction_target: float = 0.995  # target 好评率
    # staffing (预测与排班): share called within wait_target_min, occupancy cap, the forecast
    # quantile windows are sized for (risk: 0.5 = the median day), break allowance on top of
    # absence learned from attendance, simulated days per plan day
    staffing_service_level: float = 0.8
    staffing_occupancy_cap: float = 0.85
    staffing_quantile: float = 0.7
    staffing_break_share: float = 0.05
    staffing_sim_replications: int = 10

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV) or DEFAULT_PATH)


def load_settings(path: Path | None = None) -> Settings:
    """Settings from the file if it exists, else the defaults."""
    path = path or config_path()
    if not path.exists():
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    section = data.get("metrics", {})
    known = {f.name: f.type for f in fields(Settings)}
    # [screen] holds the big screen's settings (metrics.live.load_screen_settings), [access]
    # the sign-in rules (access.settings.load_access_settings), [alerts] the alert rules and
    # channels (alerts.rules.load_alert_settings), [sync] the feeds (sync.config), [imports]
    # the importer's size limits (imports.limits.load_import_limits)
    others = {"metrics", "screen", "access", "alerts", "sync", "imports"}
    unknown = sorted(set(section) - set(known)) + sorted(set(data) - others)
    if unknown:
        raise SettingsError(
            f"{path}: unknown setting(s) {', '.join(unknown)}; known: [metrics] " + ", ".join(known)
        )
    values = {}
    for key, value in section.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise SettingsError(f"{path}: [metrics] {key} must be a non-negative number")
        default = getattr(Settings(), key)
        values[key] = int(value) if isinstance(default, int) else float(value)
    return replace(Settings(), **values)
