"""`hall demo`: a simulated district network in the data contract's tables.

How a day of a hall is made (deterministic for a seed, each hall-day from its own random
stream, so a day looks the same whatever range is generated):
1. The roster: every window's owner has a shift; lunch-hour, evening and weekend rotas decide
   who covers extended hours; leave, absence and lateness come from the punches; spare staff
   cover vacant windows. The attendance rows are that roster.
2. Arrivals: a non-homogeneous Poisson process per queue and half hour — the weekday shape
   (morning peak 9:30–11:00, lunch dip, afternoon peak), Monday highest, surges around
   holidays, social-security queues at the start of each month, tax filing in the first half,
   travel documents in summer — scaled by a day-level gamma factor (real days are overdispersed).
   Appointments with slots, priority tickets.
3. The queues are simulated against the windows the roster actually opened
   (`simulation.queueing`), so fewer staff means longer waits; no wait is a random number.
4. Cases follow served tickets (items of the queue's department, completion against the
   working-day deadline, a few late, returned or stuck), plus online, self-service, proxy and
   mail cases; evaluations follow service (device, QR, SMS, default ratings), with bad reviews
   more likely after long waits and their return calls and rectifications.
5. Everything after `now` is cut: today's tickets are waiting or being served, cases not yet
   completed are in progress.

A few records are deliberately wrong, as real exports are: about one served ticket in 8,000 has
a call time before its issue time and one in 4,000 lacks its finish time; the data-quality
report finds them.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import polars as pl

from simulation import network as net
from simulation.queueing import (
    APPOINTMENT,
    PRIORITY,
    SERVED,
    TRANSFERRED,
    WALK_IN,
    Tickets,
    Window,
    simulate,
)
from workdays import WorkCalendar, china_calendar, holiday_closures, service_weekday

DAY = dt.timedelta(days=1)

# --- the network, built once for a seed ---------------------------------------------------------


@dataclass
class Staff:
    staff_id: str
    name: str
    hall_id: str
    dept_id: str | None
    role: str
    speed: float  # service time multiplier
    grumpiness: float  # multiplies the chance of a bad review


@dataclass
class WindowInfo:
    window_id: str
    label: str
    kind: str
    dept_id: str | None
    group: net.WindowGroup
    index_in_group: int
    queues: tuple[int, ...]  # indices into HallRuntime.queues
    owner: Staff | None


@dataclass
class QueueInfo:
    queue_id: str
    spec: net.QueueSpec
    item_ids: list[str]
    item_weights: list[float]  # cumulative (`_weights`)


@dataclass
class HallRuntime:
    index: int
    spec: net.HallSpec
    queues: list[QueueInfo]
    windows: list[WindowInfo]
    staff: list[Staff]  # all staff of the hall
    spares: list[Staff]
    back_office: list[Staff]
    guides: list[Staff]
    hours: dict[int, list[tuple[float, float, str]]]  # weekday → (start, end, kind) minutes
    online_items: tuple[list[str], list[float]]
    proxy_items: tuple[list[str], list[float]]
    kiosk_items: tuple[list[str], list[float]]
    mail_items: tuple[list[str], list[float]]
    # 一件事: item → the packages (bundle_id, item ids) containing it whose items are all here
    packages: dict[str, list[tuple[str, list[str]]]] = field(default_factory=dict)


@dataclass
class Network:
    seed: int
    halls: list[HallRuntime]
    items: dict[str, net.ItemRow]  # item_id → row
    reference: dict[str, pl.DataFrame]  # table name → rows


def _minutes(hhmm: str) -> float:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _weights(rows: list[tuple[str, float]]) -> tuple[list[str], list[float]]:
    """The ids and the cumulative shares of their weights that `_draw` searches."""
    ids = [r[0] for r in rows]
    w = np.array([r[1] for r in rows], dtype=float)
    if not len(w):
        return ids, []
    cdf = (w / w.sum()).cumsum()
    cdf /= cdf[-1]
    return ids, cdf.tolist()


def _draw(rng: np.random.Generator, cdf: list[float]) -> int:
    """An index drawn with the weights of `cdf` (from `_weights`): what
    `rng.choice(len(cdf), p=shares)` draws, with the same one `rng.random()` (so the same demo
    for a seed), without numpy's checks of p on every call (27 → 1 µs a draw)."""
    return bisect.bisect_right(cdf, rng.random())


def _person_name(rng: np.random.Generator, used: set[str]) -> str:
    while True:
        surname = net.SURNAMES[rng.integers(len(net.SURNAMES))]
        given = "".join(
            net.GIVEN_CHARS[rng.integers(len(net.GIVEN_CHARS))]
            for _ in range(1 if rng.random() < 0.3 else 2)
        )
        name = surname + given
        if name not in used:
            used.add(name)
            return name


def _hall_packages(
    offered: dict[str, net.ItemRow], item_ids: dict[str, str]
) -> dict[str, list[tuple[str, list[str]]]]:
    """item → the packages containing it that the hall offers whole (every item offered)."""
    out: dict[str, list[tuple[str, list[str]]]] = {}
    for bundle_id, _name, _lead, names in net.BUNDLES:
        ids = [item_ids[n] for n in names]
        if all(i in offered for i in ids):
            for i in ids:
                out.setdefault(i, []).append((bundle_id, ids))
    return out


def build_network(seed: int = 7, halls_spec: tuple[net.HallSpec, ...] = net.HALLS) -> Network:
    """The halls, departments, windows, staff and items of the demo, deterministic for a seed.

    `halls_spec` is the network's definition: the 1+2+4 district by default, or a bigger one
    (simulation.city builds the 1+12+137 city from the same kinds of hall)."""
    rng = np.random.default_rng([seed, 0])
    items = {f"I{n + 1:03d}": row for n, row in enumerate(net.ITEMS)}
    used_names: set[str] = set()
    staff_counter = 0

    def new_staff(hall_id: str, dept_id: str | None, role: str) -> Staff:
        nonlocal staff_counter
        staff_counter += 1
        return Staff(
            staff_id=f"S{staff_counter:04d}",
            name=_person_name(rng, used_names),
            hall_id=hall_id,
            dept_id=dept_id,
            role=role,
            speed=float(np.clip(rng.normal(1.0, 0.12), 0.75, 1.35)),
            grumpiness=float(rng.choice([0.6, 1.0, 1.0, 1.0, 1.6, 2.5])),
        )

    halls: list[HallRuntime] = []
    ref_rows: dict[str, list[dict]] = {
        k: []
        for k in ("halls", "departments", "windows", "staff", "items", "queues", "service_hours")
    }
    ref_rows["departments"] = [{"dept_id": d, "name": n} for d, n in net.DEPARTMENTS]
    ref_rows["bundles"] = [
        {"bundle_id": b, "name": name, "dept_id": lead} for b, name, lead, _items in net.BUNDLES
    ]
    item_ids = {row[2]: iid for iid, row in items.items()}  # name → id
    for item_id, (dept, theme, name, kind, promised, legal, *_rest) in items.items():
        ref_rows["items"].append(
            {
                "item_id": item_id,
                "name": name,
                "dept_id": dept,
                "theme": theme,
                "kind": kind,
                "promised_workdays": promised,
                "legal_workdays": legal,
            }
        )

    for h_index, spec in enumerate(halls_spec):
        ref_rows["halls"].append(
            {
                "hall_id": spec.hall_id,
                "name": spec.name,
                "level": spec.level,
                "parent_hall_id": spec.parent_hall_id,
                "timezone": net.TIMEZONE,
            }
        )
        level = spec.level[0]  # d / s / c
        offered = {iid: row for iid, row in items.items() if level in row[7]}
        dedicated = {q.dept_id for q in spec.queues if q.dept_id}
        queues: list[QueueInfo] = []
        for q in spec.queues:
            if q.prefix == net.CONSULTATION_PREFIX:
                depts: set[str] = set()
            elif q.dept_id and spec.level == "district":
                depts = {q.dept_id}
            elif q.dept_id:  # street 社保医保 queue takes both social-security departments
                depts = {"D01", "D02"}
            elif spec.level == "district":
                depts = set(net.COMPREHENSIVE_DISTRICT_DEPTS) - (dedicated - {"D01", "D02", "D06"})
            else:
                depts = {d for d, _ in net.DEPARTMENTS} - (
                    {"D01", "D02"} if "D01" in dedicated else set()
                )
            ids, w = _weights([(iid, r[6]) for iid, r in offered.items() if r[0] in depts])
            queues.append(QueueInfo(f"{spec.hall_id}-{q.prefix}", q, ids, w))
            ref_rows["queues"].append(
                {
                    "queue_id": f"{spec.hall_id}-{q.prefix}",
                    "hall_id": spec.hall_id,
                    "name": q.name,
                    "prefix": q.prefix,
                    "dept_id": q.dept_id,
                }
            )
        prefix_index = {q.spec.prefix: i for i, q in enumerate(queues)}

        staff: list[Staff] = []
        windows: list[WindowInfo] = []
        for group in spec.windows:
            for k in range(group.count):
                label = f"{group.label_prefix}{k + 1:02d}"
                owner = None
                if group.kind != "self_service":
                    role = "guide" if group.kind == "consultation" else "front"
                    owner = new_staff(spec.hall_id, group.dept_id, role)
                    staff.append(owner)
                windows.append(
                    WindowInfo(
                        window_id=f"{spec.hall_id}-{label}",
                        label=label,
                        kind=group.kind,
                        dept_id=group.dept_id,
                        group=group,
                        index_in_group=k,
                        queues=tuple(prefix_index[p] for p in group.queues),
                        owner=owner,
                    )
                )
                ref_rows["windows"].append(
                    {
                        "window_id": f"{spec.hall_id}-{label}",
                        "hall_id": spec.hall_id,
                        "label": label,
                        "kind": group.kind,
                        "dept_id": group.dept_id,
                    }
                )
        spares = [new_staff(spec.hall_id, None, "front") for _ in range(spec.spares)]
        guides = [new_staff(spec.hall_id, None, "guide") for _ in range(spec.guides)]
        dept_cycle = [d for d, _ in net.DEPARTMENTS]
        back = [
            new_staff(spec.hall_id, dept_cycle[i % len(dept_cycle)], "back")
            for i in range(spec.back_office)
        ]
        staff += spares + guides + back

        hours: dict[int, list[tuple[float, float, str]]] = {d: [] for d in range(1, 8)}
        for weekday, start, end, kind in net.SERVICE_HOURS[spec.hours]:
            hours[weekday].append((_minutes(start), _minutes(end), kind))
            ref_rows["service_hours"].append(
                {
                    "hall_id": spec.hall_id,
                    "weekday": weekday,
                    "start": dt.time.fromisoformat(start),
                    "end": dt.time.fromisoformat(end),
                    "kind": kind,
                    "valid_from": None,
                    "valid_to": None,
                }
            )

        def pick(pred, offered=offered) -> tuple[list[str], list[float]]:
            return _weights([(iid, r[6]) for iid, r in offered.items() if pred(r)])

        halls.append(
            HallRuntime(
                index=h_index,
                spec=spec,
                queues=queues,
                windows=windows,
                staff=staff,
                spares=spares,
                back_office=back,
                guides=guides,
                hours=hours,
                online_items=pick(lambda r: r[8]),
                proxy_items=pick(lambda r: "c" in r[7]),
                kiosk_items=pick(lambda r: r[8] and r[3] == "instant"),
                mail_items=pick(lambda r: r[3] == "promised"),
                packages=_hall_packages(offered, item_ids),
            )
        )
        for s in staff:
            ref_rows["staff"].append(
                {
                    "staff_id": s.staff_id,
                    "name": s.name,
                    "hall_id": s.hall_id,
                    "dept_id": s.dept_id,
                    "role": s.role,
                }
            )

    reference = {
        name: pl.DataFrame(rows, infer_schema_length=None) for name, rows in ref_rows.items()
    }
    return Network(seed=seed, halls=halls, items=items, reference=reference)


# --- the calendar of a day --------------------------------------------------------------------


@dataclass(frozen=True)
class DayKind:
    """How a hall treats a date: its service-hours weekday (None = closed) and demand."""

    hours_weekday: int | None
    demand: float  # per-slot intensity relative to an ordinary Wednesday
    is_workday: bool


class DemoCalendar:
    """Working days, holiday blocks and the demand effects around them."""

    WEEKDAY_DEMAND: ClassVar[dict[int, float]] = {1: 1.22, 2: 1.05, 3: 1.0, 4: 0.97, 5: 0.93}
    SATURDAY, SUNDAY, MAKEUP_DAY = 0.45, 0.34, 0.88

    def __init__(self, first: dt.date, last: dt.date):
        self.frame = china_calendar(first - dt.timedelta(days=40), last + dt.timedelta(days=200))
        self.work = WorkCalendar.from_frame(self.frame)
        self.holiday_days = holiday_closures(self.frame)
        self._after: dict[dt.date, float] = {}
        self._before: dict[dt.date, float] = {}
        block: list[dt.date] = []
        for d in sorted(self.holiday_days):
            if block and (d - block[-1]).days > 1:
                self._mark(block)
                block = []
            block.append(d)
        if block:
            self._mark(block)

    def _mark(self, block: list[dt.date]) -> None:
        if len(block) < 3 or block[0] - DAY < self.work.first or block[-1] + DAY > self.work.last:
            return
        try:
            first_back = self.work.next_workday(block[-1])
            second_back = self.work.next_workday(first_back)
        except ValueError:
            return
        self._after[first_back] = 1.45
        self._after[second_back] = 1.18
        last_before = block[0] - DAY
        while last_before >= self.work.first and not self.work.is_workday(last_before):
            last_before -= DAY
        self._before[last_before] = 1.15

    def kind(self, day: dt.date) -> DayKind:
        if day in self.holiday_days:
            return DayKind(None, 0.0, False)
        weekday = day.isoweekday()
        if self.work.is_workday(day):
            base = self.WEEKDAY_DEMAND.get(weekday, self.MAKEUP_DAY)
            base *= self._after.get(day, 1.0) * self._before.get(day, 1.0)
            return DayKind(service_weekday(day, True), base, True)
        return DayKind(weekday, self.SATURDAY if weekday == 6 else self.SUNDAY, False)


def _queue_factor(prefix: str, spec: net.HallSpec, day: dt.date) -> float:
    """Seasonal surges of one queue on one date."""
    f = 1.0
    social = prefix in ("B", "C") or (spec.level != "district" and prefix == "A")
    if social and day.day <= 5:
        f *= 1.4 if prefix != "A" else 1.12  # monthly social-security business
    if prefix == "H" and day.day <= 15:
        f *= 1.25  # tax filing period
    if prefix == "F" and day.month in (7, 8):
        f *= 1.45  # summer travel documents
    if prefix == "F" and day.month == 1:
        f *= 1.25
    if prefix == "K" and (day.month, day.day) in ((2, 14), (5, 20), (8, 19)):
        f *= 3.0  # popular wedding dates
    if prefix == "D" and day.month in (3, 4, 5, 9, 10):
        f *= 1.1
    return f


# --- one hall-day ------------------------------------------------------------------------------


@dataclass
class DayFacts:
    tickets: pl.DataFrame
    cases: pl.DataFrame
    evaluations: pl.DataFrame
    attendance: pl.DataFrame


@dataclass
class _Shift:
    staff: Staff
    kind: str  # regular / extended / weekend
    start: float
    end: float
    window: WindowInfo | None
    open_intervals: list[tuple[float, float]] = field(default_factory=list)
    clock_in: float | None = None
    clock_out: float | None = None
    leave: str | None = None


LEAVE_KINDS = ("annual", "sick", "personal", "training")
LEAVE_P = (0.022, 0.012, 0.006, 0.005)

TICKET_SCHEMA = {
    "ticket_id": pl.String,
    "hall_id": pl.String,
    "queue_id": pl.String,
    "ticket_no": pl.String,
    "issued_at": pl.Datetime("us"),
    "called_at": pl.Datetime("us"),
    "finished_at": pl.Datetime("us"),
    "window_id": pl.String,
    "staff_id": pl.String,
    "status": pl.String,
    "source": pl.String,
    "appointment_start": pl.Datetime("us"),
    "case_id": pl.String,
}
CASE_SCHEMA = {
    "case_id": pl.String,
    "hall_id": pl.String,
    "item_id": pl.String,
    "window_id": pl.String,
    "staff_id": pl.String,
    "channel": pl.String,
    "applicant_kind": pl.String,
    "accepted_at": pl.Datetime("us"),
    "due_at": pl.Datetime("us"),
    "completed_at": pl.Datetime("us"),
    "status": pl.String,
    "visits": pl.Int32,
    "tolerance": pl.Boolean,
    "suspended_workdays": pl.Int32,
    "ticket_id": pl.String,
    "bundle_id": pl.String,
    "application_id": pl.String,
}
EVAL_SCHEMA = {
    "eval_id": pl.String,
    "hall_id": pl.String,
    "evaluated_at": pl.Datetime("us"),
    "rating": pl.Int32,
    "channel": pl.String,
    "is_default": pl.Boolean,
    "ticket_id": pl.String,
    "case_id": pl.String,
    "window_id": pl.String,
    "staff_id": pl.String,
    "item_id": pl.String,
    "comment": pl.String,
    "revisited_at": pl.Datetime("us"),
    "rectified_at": pl.Datetime("us"),
    "rectification_note": pl.String,
}
ATTENDANCE_SCHEMA = {
    "staff_id": pl.String,
    "hall_id": pl.String,
    "work_date": pl.Date,
    "shift_kind": pl.String,
    "scheduled_start": pl.Datetime("us"),
    "scheduled_end": pl.Datetime("us"),
    "clock_in": pl.Datetime("us"),
    "clock_out": pl.Datetime("us"),
    "window_id": pl.String,
    "leave": pl.String,
}


PACKAGE_CHANNELS = ("window", "online", "proxy")  # how a 一件事 application is filed

# the simulator's own columns on ticket frames, dropped by `cut_at`
HELPER_COLUMNS = {
    "_service_min": pl.Float64,
    "_queue_index": pl.Float64,
    "_left_at": pl.Datetime("us"),
}


def _at(day: dt.date, minutes: float | None) -> dt.datetime | None:
    if minutes is None or (isinstance(minutes, float) and math.isnan(minutes)):
        return None
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=round(minutes * 60))


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59))


class HallDaySimulator:
    """Makes the facts of one hall on one date. `staffing` scales the rostered windows."""

    def __init__(self, network: Network, calendar: DemoCalendar, staffing: float = 1.0):
        self.net = network
        self.cal = calendar
        self.staffing = staffing

    # -- roster ----------------------------------------------------------------------------
    def _rota(self, group: net.WindowGroup, count: int, day: dt.date, salt: int) -> set[int]:
        """Which windows of a group cover an extended slot today (a rotation by date)."""
        count = min(group.count, max(0, count))
        if count == 0:
            return set()
        if self.staffing < 1.0:
            count = max(1, round(count * self.staffing))
        start = (day.toordinal() + salt) % group.count
        return {(start + k) % group.count for k in range(count)}

    def _keep(self, group: net.WindowGroup, k: int) -> bool:
        """Whether window k of a group is rostered at all under the staffing factor."""
        if self.staffing >= 1.0:
            return True
        keep = max(1, round(group.count * self.staffing))
        return k < keep

    def roster(
        self, hall: HallRuntime, day: dt.date, kind: DayKind, rng: np.random.Generator
    ) -> list[_Shift]:
        hours = hall.hours[kind.hours_weekday] if kind.hours_weekday else []
        if not hours:
            return []
        shifts: list[_Shift] = []
        regular = [(s, e) for s, e, k in hours if k == "regular"]
        extended = [(s, e, k) for s, e, k in hours if k == "extended"]
        weekend = kind.hours_weekday in (6, 7)
        if weekend:
            start, end = min(s for s, _, _ in hours), max(e for _, e, _ in hours)
            count_attr = "saturday" if kind.hours_weekday == 6 else "sunday"
            for w in hall.windows:
                if w.owner is None:
                    continue
                rota = self._rota(w.group, getattr(w.group, count_attr), day, hall.index)
                if w.index_in_group in rota:
                    opening = [(s, e) for s, e, _ in hours]
                    shifts.append(_Shift(w.owner, "weekend", start, end, w, opening))
        else:
            reg_start = min(s for s, _ in regular)
            reg_end = max(e for _, e in regular)
            lunch = [(s, e) for s, e, _ in extended if reg_start < s < reg_end]
            evening = [(s, e) for s, e, _ in extended if s >= reg_end]
            for w in hall.windows:
                if w.owner is None or not self._keep(w.group, w.index_in_group):
                    continue
                opening = list(regular)
                if lunch and w.index_in_group in self._rota(w.group, w.group.lunch, day, 3):
                    opening += lunch
                shifts.append(_Shift(w.owner, "regular", reg_start, reg_end, w, opening))
                if evening and w.index_in_group in self._rota(w.group, w.group.evening, day, 7):
                    ev_start, ev_end = evening[0][0], evening[-1][1]
                    shifts.append(_Shift(w.owner, "extended", ev_start, ev_end, w, evening))
            for s in hall.spares + hall.guides + hall.back_office:
                shifts.append(_Shift(s, "regular", reg_start, reg_end, None, list(regular)))

        # Punches: leave, absence, lateness; spares take over vacant windows.
        vacant: list[_Shift] = []
        for sh in shifts:
            r = rng.random()
            p = 0.0
            for leave, lp in zip(LEAVE_KINDS, LEAVE_P, strict=True):
                p += lp * (0.4 if sh.kind != "regular" else 1.0)
                if r < p:
                    sh.leave = leave
                    break
            if sh.leave is None and rng.random() < 0.003:
                sh.leave = "absent"  # no punches and no leave: an absence
            if sh.leave is not None:
                if sh.window is not None and sh.kind == "regular":
                    vacant.append(sh)
                continue
            if rng.random() < 0.035:
                sh.clock_in = sh.start + rng.uniform(6, 35)  # late beyond the 5-min grace
            else:
                sh.clock_in = sh.start - rng.uniform(2, 22)
        cover = [
            sh
            for sh in shifts
            if sh.window is None and sh.staff.role == "front" and sh.leave is None
        ]
        for sh_vacant, sh_spare in zip(vacant, cover, strict=False):
            sh_spare.window = sh_vacant.window
            sh_spare.open_intervals = sh_vacant.open_intervals
        for sh in shifts:
            if sh.window is None or sh.clock_in is None:
                continue
            opened = []
            for s, e in sh.open_intervals:
                s = max(s, sh.clock_in)
                if e > s:
                    opened.append((s, e))
            sh.open_intervals = opened
        return shifts

    # -- arrivals ---------------------------------------------------------------------------
    def arrivals(
        self, hall: HallRuntime, day: dt.date, kind: DayKind, rng: np.random.Generator
    ) -> tuple[Tickets, list[dt.datetime | None]]:
        hours = hall.hours[kind.hours_weekday] if kind.hours_weekday else []
        spec = hall.spec
        weekday_hours = hall.hours[3]
        slots_weekday = [t for s, e, _ in weekday_hours for t in np.arange(s, e, 30.0)]
        shape_total = sum(net.ARRIVAL_SHAPE[_hhmm(t)] for t in slots_weekday)
        per_shape = spec.weekday_tickets / shape_total
        day_noise = rng.gamma(80.0, 1 / 80.0)
        lunch_like = kind.hours_weekday and kind.hours_weekday <= 5

        issued, queue, klass, ready, service, patience = [], [], [], [], [], []
        cancels, misses, transfer, appt = [], [], [], []
        for s, e, hkind in hours:
            for t0 in np.arange(s, e, 30.0):
                t1 = min(t0 + 30.0, e)
                if hkind == "regular":
                    open_q = list(range(len(hall.queues)))
                elif lunch_like and s < 17 * 60:
                    open_q = [i for i, q in enumerate(hall.queues) if q.spec.open_lunch]
                elif lunch_like:
                    open_q = [i for i, q in enumerate(hall.queues) if q.spec.open_evening]
                elif kind.hours_weekday == 6:
                    open_q = [i for i, q in enumerate(hall.queues) if q.spec.open_saturday]
                else:
                    open_q = [i for i, q in enumerate(hall.queues) if q.spec.open_sunday]
                if not open_q:
                    continue
                share_total = sum(hall.queues[i].spec.share for i in open_q)
                base = per_shape * net.ARRIVAL_SHAPE[_hhmm(t0)] * kind.demand * day_noise
                base *= (t1 - t0) / 30.0
                for qi in open_q:
                    q = hall.queues[qi]
                    lam = (
                        base * q.spec.share / share_total * _queue_factor(q.spec.prefix, spec, day)
                    )
                    n = rng.poisson(lam)
                    for t in np.sort(rng.uniform(t0, t1, n)):
                        r = rng.random()
                        slot = None
                        if r < 0.03:
                            k, rd, pat = PRIORITY, t, 240.0
                        elif r < 0.03 + q.spec.appointment_share:
                            k = APPOINTMENT
                            slot = math.ceil((t + 1) / 30.0) * 30.0
                            if slot >= e:
                                slot = math.floor(t / 30.0) * 30.0
                            if rng.random() < 0.15:
                                t = min(slot + rng.uniform(0, 12), e - 1)  # arrives late
                            rd = max(t, slot)
                            pat = float(rng.lognormal(math.log(110), 0.5))
                        else:
                            k, rd = WALK_IN, t
                            pat = float(rng.lognormal(math.log(75), 0.6))
                        issued.append(float(t))
                        queue.append(qi)
                        klass.append(k)
                        ready.append(float(rd))
                        service.append(self._service(q.spec.service_min, rng))
                        patience.append(pat)
                        cancels.append(rng.random() < 0.25)
                        misses.append(rng.random() < 0.012)
                        transfer.append(self._transfer(hall, qi, rng))
                        appt.append(_at(day, slot) if slot is not None else None)
        return (
            Tickets(issued, queue, klass, ready, service, patience, cancels, misses, transfer),
            appt,
        )

    @staticmethod
    def _service(mean: float, rng: np.random.Generator) -> float:
        sigma = 0.52
        return max(1.0, float(rng.lognormal(math.log(mean) - sigma**2 / 2, sigma)))

    @staticmethod
    def _transfer(hall: HallRuntime, qi: int, rng: np.random.Generator) -> int:
        """About 2% of comprehensive-queue visitors are sent on to a dedicated queue."""
        q = hall.queues[qi]
        if q.spec.dept_id is not None or q.spec.prefix == net.CONSULTATION_PREFIX:
            return -1
        if rng.random() >= 0.02:
            return -1
        targets = [i for i, x in enumerate(hall.queues) if x.spec.dept_id is not None]
        return int(rng.choice(targets)) if targets else -1

    # -- the day ----------------------------------------------------------------------------
    def run(self, hall: HallRuntime, day: dt.date) -> DayFacts:
        rng = np.random.default_rng([self.net.seed, hall.index + 1, day.toordinal()])
        kind = self.cal.kind(day)
        shifts = self.roster(hall, day, kind, rng)
        tickets, appt = self.arrivals(hall, day, kind, rng)

        # one simulated server per desk: a window staffed by a day shift and an evening shift is
        # still one window, and whoever is at the desk when a ticket is called serves it
        desks: dict[str, list[_Shift]] = {}
        for sh in shifts:
            if sh.window is None or sh.window.kind == "self_service" or sh.clock_in is None:
                continue
            desks.setdefault(sh.window.window_id, []).append(sh)
        desk_shifts = list(desks.values())
        sim_windows = [
            Window(
                group[0].window.queues,
                [iv for sh in group for iv in sh.open_intervals],
                float(np.mean([sh.staff.speed for sh in group])),
            )
            for group in desk_shifts
        ]

        def transfer_service(qi: int) -> tuple[float, float]:
            return self._service(hall.queues[qi].spec.service_min, rng), 90.0

        outcome = simulate(tickets, sim_windows, transfer_service)
        served_by: list[_Shift | None] = [
            _at_desk(desk_shifts[wi], called) if wi >= 0 and called is not None else None
            for wi, called in zip(outcome.window, outcome.called_min, strict=True)
        ]
        last_finish: dict[int, float] = {}
        for sh, f in zip(served_by, outcome.finished_min, strict=True):
            if sh is not None and f is not None and f > last_finish.get(id(sh), -1.0):
                last_finish[id(sh)] = f
        for group in desk_shifts:
            for sh in group:
                end = max(sh.end, last_finish.get(id(sh), sh.end))
                sh.clock_out = end + rng.uniform(1, 15)
        for sh in shifts:
            if sh.clock_in is not None and sh.clock_out is None:
                sh.clock_out = sh.end + rng.uniform(0, 25)
            if sh.clock_out is not None and rng.random() < 0.004:
                sh.clock_out = None  # forgot to punch out

        tickets_df = self._tickets_frame(hall, day, tickets, appt, outcome, served_by, rng)
        cases_df, tickets_df = self._cases(hall, day, kind, tickets_df, rng)
        evals_df = self._evaluations(hall, day, tickets_df, cases_df, rng)
        attendance_df = self._attendance(hall, day, shifts)
        cases_df = self._packages(hall, day, cases_df)
        return DayFacts(tickets_df, cases_df, evals_df, attendance_df)

    # -- 一件事一次办 -------------------------------------------------------------------------
    def _packages(self, hall, day: dt.date, cases_df: pl.DataFrame) -> pl.DataFrame:
        """File a few cases as 一件事 packages: a case of an item some package (offered at this
        hall) contains becomes, with chance BUNDLE_RATE, the first case of an application of
        that package, and the package's other items are accepted with it at the same window,
        by the same staff member, in the same trip (they share its `visits`). Each case is
        then handled on its own time limit: the application is done when its last case is.
        Drawn from a random stream of its own, so tickets, evaluations and the other cases
        are exactly those of a demo without packages."""
        options = hall.packages
        if not options or cases_df.is_empty():
            return cases_df
        rng = np.random.default_rng([self.net.seed, hall.index + 1, day.toordinal(), 17])
        candidates = cases_df.with_row_index("__row").filter(
            pl.col("item_id").is_in(list(options)) & pl.col("channel").is_in(PACKAGE_CHANNELS)
        )
        chosen = candidates.filter(pl.Series(rng.random(candidates.height) < net.BUNDLE_RATE))
        if chosen.is_empty():
            return cases_df
        stamp = day.strftime("%Y%m%d")
        anchors: dict[int, tuple[str, str]] = {}
        extra = []
        for n_app, row in enumerate(chosen.iter_rows(named=True), start=1):
            packages = options[row["item_id"]]
            bundle_id, items = packages[int(rng.integers(len(packages)))]
            application_id = f"YJS-{hall.spec.hall_id}-{stamp}-{n_app:04d}"
            anchors[row["__row"]] = (bundle_id, application_id)
            siblings = [i for i in items if i != row["item_id"]]
            for k, sibling in enumerate(siblings):
                at = row["accepted_at"]  # one application: its cases accepted together
                case = list(
                    self._case_row(
                        hall,
                        f"{row['case_id']}Y{k + 1}",
                        sibling,
                        at,
                        row["channel"],
                        rng,
                        window_id=row["window_id"],
                        staff_id=row["staff_id"],
                        ticket_id=row["ticket_id"],
                    )
                )
                case[6] = row["applicant_kind"]  # one applicant
                case[11] = row["visits"]  # one trip for the whole package
                case[15], case[16] = bundle_id, application_id
                extra.append(tuple(case))
        rows = list(anchors)
        marks = pl.DataFrame(
            {
                "__row": pl.Series(rows, dtype=pl.UInt32),
                "__b": [anchors[r][0] for r in rows],
                "__a": [anchors[r][1] for r in rows],
            }
        )
        marked = (
            cases_df.with_row_index("__row")
            .join(marks, on="__row", how="left")
            .with_columns(pl.col("__b").alias("bundle_id"), pl.col("__a").alias("application_id"))
            .select(cases_df.columns)
        )
        return pl.concat([marked, pl.DataFrame(extra, schema=cases_df.schema, orient="row")])

    def _tickets_frame(self, hall, day, tickets: Tickets, appt, outcome, served_by, rng):
        n = len(tickets)
        if n == 0:
            return pl.DataFrame(schema=TICKET_SCHEMA | HELPER_COLUMNS)
        appt = appt + [None] * (n - len(appt))
        order = sorted(range(n), key=lambda i: tickets.issued_min[i])
        counters: dict[int, int] = {}
        rows = []
        stamp = day.strftime("%Y%m%d")
        for seq, i in enumerate(order, start=1):
            qi = tickets.queue[i]
            counters[qi] = counters.get(qi, 0) + 1
            q = hall.queues[qi]
            sh = served_by[i]
            status = outcome.status[i]
            called = outcome.called_min[i]
            finished = outcome.finished_min[i] if status in (SERVED, TRANSFERRED) else None
            if status == SERVED and rng.random() < 1 / 8000:
                called = tickets.issued_min[i] - rng.uniform(1, 5)  # caller clock skew
            if status == SERVED and rng.random() < 1 / 4000:
                finished = None  # window never pressed "finish"
            if status == "cancelled":
                called, sh = None, None
            source = ("priority", "appointment", "walk_in")[tickets.klass[i]]
            rows.append(
                (
                    f"{hall.spec.hall_id}-{stamp}-{seq:05d}",
                    hall.spec.hall_id,
                    q.queue_id,
                    f"{q.spec.prefix}{counters[qi]:03d}",
                    _at(day, tickets.issued_min[i]),
                    _at(day, called),
                    _at(day, finished),
                    sh.window.window_id if sh else None,
                    sh.staff.staff_id if sh else None,
                    status,
                    source,
                    appt[i],
                    None,
                    tickets.service_min[i],
                    float(tickets.queue[i]),
                    _at(day, tickets.issued_min[i] + tickets.patience_min[i]),
                )
            )
        schema = dict(TICKET_SCHEMA) | HELPER_COLUMNS
        return pl.DataFrame(rows, schema=schema, orient="row")

    # -- cases ------------------------------------------------------------------------------
    def _completion(
        self,
        item: net.ItemRow,
        accepted: dt.datetime,
        rng: np.random.Generator,
        finished: dt.datetime | None,
    ) -> tuple[dt.datetime, dt.datetime | None, str, int | None]:
        """(due_at, completed_at, status, suspended_workdays) of a case accepted at `accepted`."""
        work = self.cal.work
        promised = item[4]
        day = accepted.date()
        r = rng.random()
        if item[3] == "instant":
            due = _end_of(day)
            if r < 0.004:
                return due, None, "returned", None
            done = finished or accepted + dt.timedelta(minutes=rng.uniform(3, 20))
            if rng.random() < 0.01:  # instant, but finished the next working day
                done = dt.datetime.combine(work.next_workday(day), dt.time(10)) + dt.timedelta(
                    minutes=rng.uniform(0, 300)
                )
            return due, done.replace(microsecond=0), "completed", None
        suspended = int(rng.integers(3, 11)) if rng.random() < 0.01 else 0
        due = _end_of(work.add_workdays(day, promised + suspended))
        if r < 0.008:
            return due, None, "returned", suspended or None
        if r < 0.011:
            return due, None, "rejected", suspended or None
        if r < 0.014:
            return due, None, "withdrawn", suspended or None
        if r < 0.0165:
            return due, None, "in_progress", suspended or None  # stuck: will go overdue
        if rng.random() < 0.015:
            used = promised + suspended + int(rng.integers(1, 5))  # late
        else:
            used = max(1, math.ceil((promised + suspended) * rng.beta(2.6, 1.5)))
        done_day = work.add_workdays(day, used)
        done = dt.datetime.combine(done_day, dt.time(9)) + dt.timedelta(
            minutes=float(rng.uniform(0, 510))
        )
        return due, done.replace(microsecond=0), "completed", suspended or None

    def _case_row(
        self,
        hall,
        case_id,
        item_id,
        accepted,
        channel,
        rng,
        *,
        window_id=None,
        staff_id=None,
        ticket_id=None,
        finished=None,
    ):
        item = self.net.items[item_id]
        due, done, status, suspended = self._completion(item, accepted, rng, finished)
        enterprise = item[1] in ("商事登记", "税务", "交通运输", "住房城建")
        applicant = "enterprise" if rng.random() < (0.75 if enterprise else 0.04) else "person"
        tolerance = item[9] and rng.random() < 0.18
        visits = None
        if channel in ("window", "proxy"):
            v = rng.random()
            visits = 1 if v < 0.955 else (2 if v < 0.99 else 3)
        elif channel != "online":
            visits = 0 if channel == "mail" else 1
        else:
            visits = 0
        return (
            case_id,
            hall.spec.hall_id,
            item_id,
            window_id,
            staff_id,
            channel,
            applicant,
            accepted,
            due,
            done,
            status,
            visits,
            tolerance,
            suspended,
            ticket_id,
            None,  # bundle_id, application_id: set by `_packages`
            None,
        )

    def _cases(self, hall, day, kind: DayKind, tickets_df: pl.DataFrame, rng):
        rows = []
        stamp = day.strftime("%Y%m%d")
        case_ids: list[str | None] = []
        seq = 0
        for t in tickets_df.select(
            "ticket_id",
            "window_id",
            "staff_id",
            "status",
            "called_at",
            "finished_at",
            "_service_min",
            "_queue_index",
        ).iter_rows():
            ticket_id, window_id, staff_id, status, called, finished, service, qi = t
            q = hall.queues[int(qi)]
            if status != SERVED or not q.item_ids or called is None or rng.random() < 0.08:
                case_ids.append(None)
                continue
            seq += 1
            case_id = f"C{hall.spec.hall_id}{stamp}{seq:05d}"
            item_id = q.item_ids[_draw(rng, q.item_weights)]
            accepted = max(called, called + dt.timedelta(minutes=service * 0.6))
            accepted = accepted.replace(microsecond=0)
            if finished is not None:
                accepted = min(accepted, finished)
            rows.append(
                self._case_row(
                    hall,
                    case_id,
                    item_id,
                    accepted,
                    "window",
                    rng,
                    window_id=window_id,
                    staff_id=staff_id,
                    ticket_id=ticket_id,
                    finished=finished,
                )
            )
            case_ids.append(case_id)
        tickets_df = tickets_df.with_columns(pl.Series("case_id", case_ids, dtype=pl.String))

        window_cases = len(rows)
        expected = hall.spec.weekday_tickets * 0.8 * (kind.demand if kind.is_workday else 0)
        extra: list[tuple[str, str, tuple[list[str], list[float]], float, bool]] = [
            ("W", "online", hall.online_items, expected * hall.spec.online_cases_ratio, True),
            ("P", "proxy", hall.proxy_items, hall.spec.proxy_cases_per_day * kind.is_workday, True),
            (
                "M",
                "mail",
                hall.mail_items,
                (5.0 if hall.spec.level == "district" else 0.0) * kind.is_workday,
                True,
            ),
        ]
        kiosk = next((w for w in hall.windows if w.kind == "self_service"), None)
        if kiosk is not None and kind.hours_weekday:
            extra.append(
                ("K", "self_service", hall.kiosk_items, max(window_cases, 1) * 0.06, False)
            )
        for letter, channel, (ids, weights), lam, office_hours in extra:
            if not ids or lam <= 0:
                continue
            n = rng.poisson(lam)
            for k in range(n):
                item_id = ids[_draw(rng, weights)]
                if office_hours:
                    minute = rng.uniform(8.5 * 60, 18 * 60)
                else:
                    minute = rng.uniform(9 * 60, 17.5 * 60)
                accepted = _at(day, minute)
                staff_id = None
                if channel in ("online", "mail") and hall.back_office:
                    dept = self.net.items[item_id][0]
                    pool = [s for s in hall.back_office if s.dept_id == dept] or hall.back_office
                    staff_id = pool[rng.integers(len(pool))].staff_id
                elif channel == "proxy":
                    owners = [w.owner for w in hall.windows if w.owner is not None]
                    staff_id = owners[rng.integers(len(owners))].staff_id
                rows.append(
                    self._case_row(
                        hall,
                        f"C{hall.spec.hall_id}{stamp}{letter}{k + 1:04d}",
                        item_id,
                        accepted,
                        channel,
                        rng,
                        window_id=kiosk.window_id if channel == "self_service" else None,
                        staff_id=staff_id,
                        finished=accepted + dt.timedelta(minutes=4)
                        if channel == "self_service"
                        else None,
                    )
                )
        return pl.DataFrame(rows, schema=CASE_SCHEMA, orient="row"), tickets_df

    # -- evaluations ------------------------------------------------------------------------
    def _follow_up(self, evaluated: dt.datetime, rng) -> tuple[dt.datetime | None, ...]:
        work = self.cal.work
        d = evaluated.date()
        revisit_deadline = _end_of(work.add_workdays(d, 1))
        r = rng.random()
        if r < 0.88:
            revisited = min(
                evaluated + dt.timedelta(hours=rng.uniform(0.5, 20)),
                revisit_deadline - dt.timedelta(minutes=rng.uniform(30, 300)),
            )
            revisited = max(revisited, evaluated + dt.timedelta(minutes=10))
        elif r < 0.97:
            revisited = revisit_deadline + dt.timedelta(hours=rng.uniform(1, 72))
        else:
            revisited = None
        if revisited is not None:
            revisited = revisited.replace(microsecond=0)  # timestamps are to the second
        r = rng.random()
        if r < 0.76:
            k = int(rng.integers(2, 15))
        elif r < 0.9:
            k = int(rng.integers(16, 26))
        else:
            return revisited, None, None
        rectified = dt.datetime.combine(work.add_workdays(d, k), dt.time(10)) + dt.timedelta(
            minutes=float(rng.uniform(0, 420))
        )
        note = net.RECTIFICATION_NOTES[rng.integers(len(net.RECTIFICATION_NOTES))]
        return revisited, rectified.replace(microsecond=0), note

    def _rating(self, wait_min: float, grumpiness: float, rng) -> int:
        p_bad = min(0.2, (0.0035 + 0.0006 * max(0.0, wait_min - 20.0)) * grumpiness)
        r = rng.random()
        if r < p_bad:
            return 2 if rng.random() < 0.6 else 1
        r = rng.random()
        return 5 if r < 0.905 else (4 if r < 0.975 else 3)

    def _evaluations(self, hall, day, tickets_df: pl.DataFrame, cases_df: pl.DataFrame, rng):
        staff_by_id = {s.staff_id: s for s in hall.staff}
        item_of_case = dict(zip(cases_df["case_id"], cases_df["item_id"], strict=True))
        rows = []
        stamp = day.strftime("%Y%m%d")
        seq = 0

        def add(
            evaluated,
            rating,
            channel,
            is_default,
            ticket_id,
            case_id,
            window_id,
            staff_id,
            comment=None,
        ):
            nonlocal seq
            seq += 1
            revisited = rectified = note = None
            if rating <= 2 and comment is None:
                comment = net.BAD_COMMENTS[rng.integers(len(net.BAD_COMMENTS))]
            if rating <= 2 and not is_default:
                revisited, rectified, note = self._follow_up(evaluated, rng)
            rows.append(
                (
                    f"E{hall.spec.hall_id}{stamp}{seq:05d}",
                    hall.spec.hall_id,
                    evaluated.replace(microsecond=0),
                    rating,
                    channel,
                    is_default,
                    ticket_id,
                    case_id,
                    window_id,
                    staff_id,
                    item_of_case.get(case_id),
                    comment,
                    revisited,
                    rectified,
                    note,
                )
            )

        for (
            ticket_id,
            status,
            issued,
            called,
            finished,
            window_id,
            staff_id,
            case_id,
            appt,
        ) in tickets_df.select(
            "ticket_id",
            "status",
            "issued_at",
            "called_at",
            "finished_at",
            "window_id",
            "staff_id",
            "case_id",
            "appointment_start",
        ).iter_rows():
            if status != SERVED or finished is None:
                continue
            start = max(issued, appt) if appt is not None else issued
            wait = max(0.0, (called - start).total_seconds() / 60)
            grumpy = staff_by_id[staff_id].grumpiness if staff_id in staff_by_id else 1.0
            r = rng.random()
            if r < 0.76:
                channel, at = "device", finished + dt.timedelta(seconds=rng.uniform(5, 90))
            elif r < 0.81:
                channel, at = "qr", finished + dt.timedelta(minutes=rng.uniform(1, 20))
            elif r < 0.89:
                channel, at = "sms", finished + dt.timedelta(minutes=rng.uniform(30, 1440))
            elif r < 0.92:  # no answer: some regions record a default 满意 after three days
                at = dt.datetime.combine(day + 3 * DAY, dt.time(0, 5))
                add(at, 4, "sms", True, ticket_id, case_id, window_id, staff_id)
                continue
            elif r < 0.9205:
                channel, at = "hotline", finished + dt.timedelta(hours=rng.uniform(2, 48))
                grumpy *= 8.0
            else:
                continue
            rating = self._rating(wait, grumpy, rng)
            comment = None
            if rating <= 2:
                comment = net.BAD_COMMENTS[0 if wait > 30 else rng.integers(len(net.BAD_COMMENTS))]
            elif rng.random() < 0.05:
                comment = net.GOOD_COMMENTS[rng.integers(len(net.GOOD_COMMENTS))]
            add(at, rating, channel, False, ticket_id, case_id, window_id, staff_id, comment)

        online = cases_df.filter(
            pl.col("channel").is_in(["online", "mail", "proxy"])
            & pl.col("completed_at").is_not_null()
        )
        for case_id, completed, channel in online.select(
            "case_id", "completed_at", "channel"
        ).iter_rows():
            if rng.random() >= 0.3:
                continue
            ch = (
                "app"
                if channel == "online" and rng.random() < 0.6
                else ("web" if channel == "online" else "sms")
            )
            at = completed + dt.timedelta(minutes=rng.uniform(5, 2880))
            add(at, self._rating(0.0, 1.2, rng), ch, False, None, case_id, None, None)
        return pl.DataFrame(rows, schema=EVAL_SCHEMA, orient="row")

    # -- attendance -------------------------------------------------------------------------
    def _attendance(self, hall, day, shifts: list[_Shift]) -> pl.DataFrame:
        rows = []
        for sh in shifts:
            leave = None if sh.leave == "absent" else sh.leave
            rows.append(
                (
                    sh.staff.staff_id,
                    hall.spec.hall_id,
                    day,
                    sh.kind,
                    _at(day, sh.start),
                    _at(day, sh.end),
                    _at(day, sh.clock_in),
                    _at(day, sh.clock_out),
                    sh.window.window_id if sh.window else None,
                    leave,
                )
            )
        return pl.DataFrame(rows, schema=ATTENDANCE_SCHEMA, orient="row")


def _at_desk(group: list[_Shift], minute: float) -> _Shift:
    """The shift at a desk at `minute`: the one open then, else the latest begun before it."""
    for sh in group:
        if any(s <= minute < e for s, e in sh.open_intervals):
            return sh
    begun = [sh for sh in group if sh.open_intervals and sh.open_intervals[0][0] <= minute]
    return max(begun, key=lambda sh: sh.open_intervals[0][0]) if begun else group[0]


def _hhmm(minutes: float) -> str:
    m = int(minutes)
    return f"{m // 60:02d}:{m % 60:02d}"


# --- cutting at `now` ----------------------------------------------------------------------------


def cut_at(facts: DayFacts, now: dt.datetime) -> DayFacts:
    """The facts as a database would hold them at `now`: nothing from the future.

    Tickets issued later vanish; called later → waiting; being served → serving; cases accepted
    later vanish and later completions become in progress; evaluations, return calls,
    rectifications and punches after `now` are not there yet.
    """
    n = pl.lit(now)
    t = facts.tickets.filter(pl.col("issued_at") <= n)
    later_call = pl.col("called_at").is_not_null() & (pl.col("called_at") > n)
    # a cancellation is known when the visitor left: before that they are still waiting
    unresolved = later_call | ((pl.col("status") == "cancelled") & (pl.col("_left_at") > n))
    serving = (
        pl.col("called_at").is_not_null()
        & (pl.col("called_at") <= n)
        & pl.col("finished_at").is_not_null()
        & (pl.col("finished_at") > n)
    )
    t = t.with_columns(
        status=pl.when(unresolved)
        .then(pl.lit("waiting"))
        .when(serving)
        .then(pl.lit("serving"))
        .otherwise(pl.col("status")),
        window_id=pl.when(unresolved).then(None).otherwise(pl.col("window_id")),
        staff_id=pl.when(unresolved).then(None).otherwise(pl.col("staff_id")),
        called_at=pl.when(unresolved).then(None).otherwise(pl.col("called_at")),
        finished_at=pl.when(unresolved | serving).then(None).otherwise(pl.col("finished_at")),
    )
    c = facts.cases.filter(pl.col("accepted_at") <= n).with_columns(
        status=pl.when(pl.col("completed_at") > n)
        .then(pl.lit("in_progress"))
        .otherwise(pl.col("status")),
        completed_at=pl.when(pl.col("completed_at") > n)
        .then(None)
        .otherwise(pl.col("completed_at")),
    )
    known_cases = c["case_id"]
    t = t.with_columns(
        case_id=pl.when(pl.col("case_id").is_in(known_cases.implode())).then(pl.col("case_id"))
    ).drop(*HELPER_COLUMNS)
    e = facts.evaluations.filter(pl.col("evaluated_at") <= n).with_columns(
        revisited_at=pl.when(pl.col("revisited_at") <= n).then(pl.col("revisited_at")),
        rectified_at=pl.when(pl.col("rectified_at") <= n).then(pl.col("rectified_at")),
        rectification_note=pl.when(pl.col("rectified_at") <= n).then(pl.col("rectification_note")),
    )
    a = facts.attendance.filter(pl.col("work_date") <= now.date()).with_columns(
        clock_in=pl.when(pl.col("clock_in") <= n).then(pl.col("clock_in")),
        clock_out=pl.when(pl.col("clock_out") <= n).then(pl.col("clock_out")),
    )
    return DayFacts(t, c, e, a)


# --- the whole range -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoOptions:
    end: dt.date
    days: int = 120
    seed: int = 7
    now: dt.datetime | None = None  # cut-off; default: the end of `end`
    staffing: float = 1.0
    chunk_days: int = 14

    @property
    def first(self) -> dt.date:
        return self.end - dt.timedelta(days=self.days - 1)

    @property
    def cutoff(self) -> dt.datetime:
        return self.now or _end_of(self.end)


def generate(options: DemoOptions, network: Network | None = None) -> Iterator[DayFacts]:
    """Facts in chunks of `chunk_days` days (all halls), cut at the options' cut-off.

    The frames follow the data contract (the simulator's helper columns are dropped).
    """
    network = network or build_network(options.seed)
    calendar = DemoCalendar(options.first, options.end)
    sim = HallDaySimulator(network, calendar, options.staffing)
    day = options.first
    while day <= options.end:
        chunk_end = min(options.end, day + dt.timedelta(days=options.chunk_days - 1))
        parts: list[DayFacts] = []
        d = day
        while d <= chunk_end:
            for hall in network.halls:
                parts.append(sim.run(hall, d))
            d += DAY
        facts = DayFacts(
            pl.concat([p.tickets for p in parts]),
            pl.concat([p.cases for p in parts]),
            pl.concat([p.evaluations for p in parts]),
            pl.concat([p.attendance for p in parts]),
        )
        yield cut_at(facts, options.cutoff)
        day = chunk_end + DAY


def calendar_span(options: DemoOptions) -> tuple[dt.date, dt.date]:
    """The dates the demo's `calendar` rows must cover (deadlines run past the end)."""
    last = options.end + dt.timedelta(days=200)
    return dt.date(options.first.year, 1, 1), dt.date(last.year, 12, 31)
