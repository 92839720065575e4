"""An inbox folder as a feed: exports land there and are imported once.

A file is taken when its size and modification time are the same in two looks `settle_s`
apart (a file still being copied is left for the next round). It is imported with exactly the
`hall import` rules, in the mode a feed needs: the good rows go in, the bad rows go to a
rejects file (`--skip-bad --rejects`). Afterwards the file moves to `done/`, or — when it had
rejected rows, or could not be read at all — to `rejected/` with `<name>.rejects.csv` (its
bad rows with line and reason) or `<name>.error.txt` (why the file was refused) beside it.

The file's SHA-256 is recorded in `hallpulse_sync_files` in the same transaction as its rows,
and the move happens after the commit. A file whose content was taken before is never imported
again: dropped a second time, or left in the inbox by a crash between the commit and the move,
it is only moved.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Connection, Engine

from imports.importer import FileRejected, ImportReport, import_file
from sync import state
from sync.config import SourceConfig
from sync.sqlsource import RoundResult, SyncSourceError
from workdays import clock

DONE, REJECTED = "done", "rejected"
SKIP_SUFFIXES = (".tmp", ".part", ".crdownload", ".partial", ".swp")


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _candidates(inbox: Path) -> dict[Path, tuple[int, int]]:
    out = {}
    for p in sorted(inbox.iterdir()):
        name = p.name
        if name.startswith((".", "~$")) or name.lower().endswith(SKIP_SUFFIXES):
            continue
        try:
            if not p.is_file():
                continue
            st = p.stat()
        except FileNotFoundError:
            continue
        out[p] = (st.st_size, st.st_mtime_ns)
    return out


def _free_name(folder: Path, name: str) -> Path:
    """folder/name, or folder/<stem>-<time><suffix> when that name is taken."""
    target = folder / name
    if not target.exists():
        return target
    stem, suffix = Path(name).stem, Path(name).suffix
    stamp = clock.now().strftime("%Y%m%d-%H%M%S")
    n = 1
    while True:
        target = folder / f"{stem}-{stamp}{'' if n == 1 else f'-{n}'}{suffix}"
        if not target.exists():
            return target
        n += 1


class FolderSource:
    def __init__(self, cfg: SourceConfig):
        self.cfg = cfg

    def close(self) -> None:
        pass

    def run_round(
        self,
        target: Engine,
        stop: threading.Event,
        log: Callable[[str], None] | None = None,
    ) -> RoundResult:
        cfg = self.cfg
        inbox = cfg.path
        if not inbox.is_dir():
            raise SyncSourceError(f"{cfg.name}: the inbox folder {inbox} does not exist")
        result = RoundResult()
        first = _candidates(inbox)
        if first and cfg.settle_s > 0:
            stop.wait(cfg.settle_s)
        taken_any = False
        if not stop.is_set():
            second = _candidates(inbox)
            for path, look in first.items():
                if second.get(path) != look:
                    if log:
                        log(f"{cfg.name}: {path.name} is still changing; next round")
                    continue
                self._take(target, path, result, first=not taken_any, log=log)
                taken_any = True
                if stop.is_set():
                    break
        if not taken_any:
            with target.begin() as conn:
                state.record_quiet_round(
                    conn,
                    cfg.name,
                    cfg.kind,
                    cfg.table,
                )
        return result

    def _take(
        self,
        target: Engine,
        path: Path,
        result: RoundResult,
        *,
        first: bool,
        log: Callable[[str], None] | None,
    ) -> None:
        cfg = self.cfg
        digest = sha256(path)
        with target.connect() as conn:
            seen = state.file_seen(conn, cfg.name, digest)
        if seen is not None:
            moved = self._move(path, seen["status"])
            note = (
                f"{cfg.name}: {path.name} has the content of {seen['file_name']}, taken "
                f"{seen['taken_at']:%Y-%m-%d %H:%M:%S}: not imported again, moved to {moved}"
            )
            result.notes.append(note)
            if log:
                log(note)
            return
        rejected_dir = path.parent / REJECTED
        rejects = rejected_dir / f"{path.name}.rejects.csv"
        rejects = _free_name(rejected_dir, rejects.name)

        def before_commit(conn: Connection, report: ImportReport) -> None:
            status = REJECTED if report.rejected else DONE
            state.record_file(
                conn, cfg.name, digest, path.name, status, report.imported, report.rejected
            )
            error = None
            if report.rejected:
                p = report.problems[0] if report.problems else None
                error = f"{cfg.name}: {path.name}: {report.rejected:,} rows rejected"
                if p is not None:
                    error += f"; first: {p.text(path.name)}"
                error += f"; rejected rows in {REJECTED}/{rejects.name}"
            state.record_success(
                conn,
                cfg.name,
                cfg.kind,
                cfg.table,
                mark=None,
                rows=report.imported,
                new_rows=report.new_rows,
                rejected=report.rejected,
                newest=report.newest,
                error=error,
                first_of_round=first,
            )

        try:
            report = import_file(
                target,
                cfg.table,
                path,
                name=f"{cfg.name}/{path.name}",
                declared=cfg.declared,
                skip_bad=True,
                rejects=rejects,
                before_commit=before_commit,
            )
        except FileRejected as exc:
            self._refuse(target, path, digest, str(exc), first)
            result.notes.append(str(exc))
            if log:
                log(f"{cfg.name}: {path.name} refused: {exc}")
            return
        if not report.rejected:
            rejects.unlink(missing_ok=True)
        moved = self._move(path, REJECTED if report.rejected else DONE)
        result.batches += 1
        result.rows += report.imported
        result.rejected += report.rejected
        if report.rejected:
            result.rejects_files.append(rejects)
        if log:
            log(
                f"{cfg.name}: {path.name}: {report.imported:,} rows imported, "
                f"{report.rejected:,} rejected → {moved}"
            )

    def _refuse(self, target: Engine, path: Path, digest: str, message: str, first: bool) -> None:
        """A file that cannot be imported at all: its reason beside it in rejected/."""
        cfg = self.cfg
        folder = path.parent / REJECTED
        folder.mkdir(exist_ok=True)
        note = _free_name(folder, f"{path.name}.error.txt")
        note.write_text(message + "\n", encoding="utf-8")
        with target.begin() as conn:
            state.record_file(conn, cfg.name, digest, path.name, REJECTED, 0, 0)
            state.record_quiet_round(
                conn,
                cfg.name,
                cfg.kind,
                cfg.table,
                error=f"{message} (file moved to {REJECTED}/, reason in {note.name})",
                first_of_round=first,
            )
        self._move(path, REJECTED)

    def _move(self, path: Path, status: str) -> Path:
        folder = path.parent / (REJECTED if status == REJECTED else DONE)
        folder.mkdir(exist_ok=True)
        target = _free_name(folder, path.name)
        path.replace(target)
        return target


__all__ = ["FolderSource", "sha256"]
