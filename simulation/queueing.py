"""A discrete-event simulation of a hall's ticket queues against the windows actually open.

Times are minutes after midnight (floats). Each window serves a set of queues and is open over
the intervals its staff are at the desk (the attendance roster); a free, open window calls the
most urgent ready ticket among its queues: priority (绿色通道) first, then appointments whose
slot has started, then walk-ins, oldest first. Visitors lose patience: one who has left when
called is a no-show (the window spends the recalls on them), or a cancellation if they cancelled
on their phone. At the end of its last interval of the day a window keeps serving until everyone
who took a ticket for it before then is served (延时办, "serve until the last customer"); a
window closing for a break leaves its queue to the windows still open.

The engine knows nothing of halls or databases: arrays in, arrays out.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

PRIORITY, APPOINTMENT, WALK_IN = 0, 1, 2

SERVED, NO_SHOW, CANCELLED, TRANSFERRED = "served", "no_show", "cancelled", "transferred"

RECALL_MIN = 1.5  # time a window spends calling (and recalling) a visitor who is not there


@dataclass
class Window:
    """A window: the queues it serves (in order), its open intervals, its staff's pace."""

    queues: tuple[int, ...]
    intervals: list[tuple[float, float]]  # sorted, non-overlapping (start, end) minutes
    speed: float = 1.0  # service time multiplier (<1 faster)


@dataclass
class Tickets:
    """The visitors of one day, in arrays of equal length (grown by transfers).

    `ready_min` is when the ticket may be called: the issue time, or an appointment's slot
    start when the visitor came early. `patience_min` is how long the visitor waits before
    leaving; `cancels` says whether a leaver cancels on the phone (else a no-show when called).
    `transfer_to` is a queue index the window sends the visitor on to, or -1.
    """

    issued_min: list[float]
    queue: list[int]
    klass: list[int]
    ready_min: list[float]
    service_min: list[float]
    patience_min: list[float]
    cancels: list[bool]
    misses_call: list[bool]
    transfer_to: list[int]
    parent: list[int] = field(default_factory=list)  # for transfers: the ticket it came from

    def __post_init__(self) -> None:
        if not self.parent:
            self.parent = [-1] * len(self.issued_min)

    def __len__(self) -> int:
        return len(self.issued_min)


@dataclass
class Outcome:
    """Per ticket: when called (last call for a no-show), when finished, by which window."""

    called_min: list[float | None]
    finished_min: list[float | None]
    window: list[int]
    status: list[str]


_READY, _OPEN, _FREE, _CLOSE = 0, 1, 2, 3


def merge_intervals(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sorted intervals with touching or overlapping ones joined; empty ones dropped."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def simulate(
    tickets: Tickets,
    windows: list[Window],
    transfer_service: Callable[[int], tuple[float, float]] | None = None,
    recall_min: float = RECALL_MIN,
    offer_every_free_window: bool = False,
) -> Outcome:
    """Run the day. Returns an `Outcome` aligned with `tickets` (which transfers may extend).

    `transfer_service(queue)` returns (service_min, patience_min) for the follow-up ticket of a
    transfer; without it no ticket is transferred. `recall_min` is the time a window spends on
    a visitor who is not there. A new ticket is offered to the window idle longest; a window
    past its last interval refuses tickets issued after it closed, and with
    `offer_every_free_window` the ticket then goes to the next free window, as in a hall
    (without it, as the demo has always run, it waits for the next window to free up).
    """
    n = len(tickets)
    called: list[float | None] = [None] * n
    finished: list[float | None] = [None] * n
    served_by = [-1] * n
    status = [""] * n

    # (time, kind, seq, payload): seq breaks ties in the order events were scheduled
    events: list[tuple[float, int, int, int]] = [
        (t, _READY, i, i) for i, t in enumerate(tickets.ready_min)
    ]
    seq = itertools.count(n)
    heappush, heappop = heapq.heappush, heapq.heappop  # the loop runs ~10^5 times a day

    def push(t: float, kind: int, payload: int) -> None:
        heappush(events, (t, kind, next(seq), payload))

    queue_count = 1 + max([q for w in windows for q in w.queues] + list(tickets.queue) + [0])
    waiting: list[list[tuple[int, float, int]]] = [[] for _ in range(queue_count)]
    serving_windows: list[list[int]] = [[] for _ in range(queue_count)]
    for wi, w in enumerate(windows):
        w.intervals = merge_intervals(w.intervals)
        for q in w.queues:
            serving_windows[q].append(wi)
        for start, end in w.intervals:
            events.append((start, _OPEN, next(seq), wi))
            events.append((end, _CLOSE, next(seq), wi))
    heapq.heapify(events)  # the same order as pushing them one by one: every key is unique

    last_end = [max((e for _, e in w.intervals), default=-1.0) for w in windows]
    is_open = [False] * len(windows)
    soft = [False] * len(windows)  # after its last interval: serve the backlog, then go
    busy = [False] * len(windows)
    idle_since = [0.0] * len(windows)
    window_queues = [w.queues for w in windows]
    window_speed = [w.speed for w in windows]
    issued_min, patience_min = tickets.issued_min, tickets.patience_min

    def pick(wi: int) -> int:
        """Pop the most urgent ready ticket among the window's queues, or -1.

        A window past its last interval only takes tickets issued before it closed.
        """
        best_q, best_key = -1, None
        for q in window_queues[wi]:
            heap = waiting[q]
            if heap and (best_key is None or heap[0] < best_key):
                best_q, best_key = q, heap[0]
        if best_q < 0:
            return -1
        if not is_open[wi] and issued_min[best_key[2]] > last_end[wi]:
            return -1
        return heappop(waiting[best_q])[2]

    def dispatch(wi: int, now: float) -> None:
        while True:
            i = pick(wi)
            if i < 0:
                busy[wi] = False
                idle_since[wi] = now
                return
            left_at = issued_min[i] + patience_min[i]
            if left_at <= now and tickets.cancels[i]:
                status[i] = CANCELLED
                continue
            busy[wi] = True
            served_by[i] = wi
            if left_at <= now or tickets.misses_call[i]:
                called[i] = now + recall_min
                status[i] = NO_SHOW
                push(now + recall_min, _FREE, wi)
                return
            called[i] = now
            done = now + tickets.service_min[i] * window_speed[wi]
            finished[i] = done
            target = tickets.transfer_to[i]
            if target >= 0 and transfer_service is not None:
                status[i] = TRANSFERRED
                _spawn(i, target, done)
            else:
                status[i] = SERVED
            push(done, _FREE, wi)
            return

    def _spawn(parent: int, queue: int, at: float) -> None:
        service, patience = transfer_service(queue)
        j = len(tickets.issued_min)
        issue = at + 0.5
        tickets.issued_min.append(issue)
        tickets.queue.append(queue)
        tickets.klass.append(WALK_IN)
        tickets.ready_min.append(issue)
        tickets.service_min.append(service)
        tickets.patience_min.append(patience)
        tickets.cancels.append(False)
        tickets.misses_call.append(False)
        tickets.transfer_to.append(-1)
        tickets.parent.append(parent)
        called.append(None)
        finished.append(None)
        served_by.append(-1)
        status.append("")
        push(issue, _READY, j)

    def longest_idle(wi: int) -> tuple[float, int]:
        return idle_since[wi], wi

    queue_of, klass, ready_min = tickets.queue, tickets.klass, tickets.ready_min
    while events:
        now, kind, _, payload = heappop(events)
        if kind == _READY:
            i = payload
            q = queue_of[i]
            heappush(waiting[q], (klass[i], ready_min[i], i))
            free = [wi for wi in serving_windows[q] if not busy[wi] and (is_open[wi] or soft[wi])]
            if not free:
                continue
            if not offer_every_free_window:
                dispatch(min(free, key=longest_idle), now)
            else:
                for wi in sorted(free, key=longest_idle):
                    if not waiting[q]:
                        break
                    dispatch(wi, now)
        elif kind == _OPEN:
            is_open[payload] = True
            if not busy[payload]:
                dispatch(payload, now)
        elif kind == _CLOSE:
            wi = payload
            is_open[wi] = False
            if now >= last_end[wi]:
                soft[wi] = True
                if not busy[wi]:
                    dispatch(wi, now)
        else:  # _FREE
            wi = payload
            busy[wi] = False
            idle_since[wi] = now
            if is_open[wi] or soft[wi]:
                dispatch(wi, now)

    # Whoever is still waiting now had no open window serving their queue: they gave up.
    for q_heap in waiting:
        for _, _, i in q_heap:
            if not status[i]:
                status[i] = CANCELLED
    return Outcome(called, finished, served_by, status)
