"""The index directory: open it, tell whether it can be used, write to it, rebuild it.

The index is a cache of the database. A missing directory, an index written with another schema
version, or one Whoosh cannot read is reported by ``status`` and rebuilt from the database;
a rebuild is written beside the live index and swapped in at the end, so searching keeps
working on the old one (or on the database) meanwhile.

Segment files are read through ordinary file handles, never mapped into memory: a segment file
truncated under a mapped reader (a full disk, a damaged copy, an operator's mistake) kills the
whole process with SIGBUS, where a plain read fails with an exception that is answered as a
corrupt index. A failure while searching or writing is checked against ``status``: when the
index is unusable it becomes ``IndexUnavailable``, otherwise the error is re-raised.

Whoosh keeps no checksums, and bytes garbled inside a segment (same size, readable header) were
seen to go unnoticed at open and to fail only some queries, with whatever error its reader hit.
So every segment (written once, never changed: deletions live in the table of contents) is
sealed after the commit that wrote it: ``<segment>.sha256`` beside it holds the SHA-256 of its
files (Whoosh deletes it together with the segment). ``status`` checks the seals (each file
hashed once per process while its size and time are unchanged); a new searcher or a write
checks the segments not yet checked; after a failure inside Whoosh the check hashes every file
again and reads every posting of a segment without a seal, so a query that hits damage answers
"corrupt", not an error.

Whoosh allows one writer at a time: writers wait for the lock (``WRITE_TIMEOUT``) rather than
fail, and every write is a synchronous commit (Whoosh's AsyncWriter loses writes when the process
exits the way an RQ work-horse does).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.searching import Searcher
from whoosh.writing import LockError

from .schema import SCHEMA_VERSION, SearchDocument, build_schema

MARKER = "regrepeal-schema.json"
WRITE_TIMEOUT = 60.0
PROGRESS_EVERY = 100


class IndexUnavailable(RuntimeError):
    """The index is missing, of another schema version, or unreadable: rebuild it."""

    def __init__(self, status: str) -> None:
        super().__init__(f"search index {status}")
        self.status = status


_opened: dict[str, Any] = {}
_searchers: dict[str, Searcher] = {}
_lock = threading.RLock()


def _forget(directory: str) -> None:
    with _lock:
        searcher = _searchers.pop(directory, None)
        if searcher is not None:
            with contextlib.suppress(Exception):
                searcher.close()
        _opened.pop(directory, None)


@atexit.register
def _forget_all() -> None:
    """Close this process's searchers (their segment files are open file handles)."""
    for directory in list(_searchers):
        _forget(directory)


def _storage(directory: str) -> FileStorage:
    return FileStorage(directory, supports_mmap=False)


def _unusable(directory: str, exc: BaseException) -> IndexUnavailable | None:
    """After ``exc`` while reading or writing: ``IndexUnavailable`` if the index is unusable
    (the process's cached index and searcher are dropped), ``None`` if it is fine."""
    state = status(directory, thorough=True)
    if state == "ok":
        return None
    _forget(directory)
    error = IndexUnavailable(state)
    error.__cause__ = exc
    return error


def status(directory: str, thorough: bool = False) -> str:
    """``ok``, ``missing``, ``stale`` (another schema version) or ``corrupt``. ``thorough``:
    after a failure inside Whoosh, hash every sealed file again (not only the files this process
    has not checked yet) and read every stored document and posting."""
    path = Path(directory)
    if not path.is_dir() or not any(path.glob("_MAIN_*.toc")):
        return "missing"
    try:
        marker = json.loads((path / MARKER).read_text())
    except (OSError, ValueError):
        return "stale"
    if marker.get("version") != SCHEMA_VERSION:
        return "stale"
    storage = _TrackingStorage(str(path))
    try:
        ix = storage.open_index()
        if sorted(ix.schema.names()) != sorted(build_schema().names()):
            return "stale"
        if not _intact(ix, path, thorough):
            return "corrupt"
        with ix.searcher() as searcher:
            searcher.doc_count()
            if thorough:
                _read_unsealed(searcher, path)
    except Exception:  # any failure to open and read the index
        # A damaged index fails inside Whoosh with whatever its reader hits (struct.error,
        # EOFError, KeyError, unpickling errors …): any failure to open and read it means
        # "corrupt", which the caller answers by searching the database and queueing a rebuild.
        return "corrupt"
    finally:
        storage.close_opened()  # Whoosh leaves a file it failed to read open
    return "ok"


def _read_unsealed(searcher: Searcher, path: Path) -> None:
    """Decode every stored document and posting of the segments without a seal (raises what a
    damaged segment raises). Slow (about 5 ms a document, pure Python), so only for segments
    the seals cannot vouch for: those written by an older release, or not sealed yet."""
    for reader, _base in searcher.reader().leaf_readers():
        segment = reader.segment() if hasattr(reader, "segment") else None
        if segment is None or (path / f"{segment.segment_id()}{SEAL}").exists():
            continue
        for _fields in reader.all_stored_fields():
            pass
        for _posting in reader.iter_postings():
            pass


# ---------------------------------------------------------------- seals (segment checksums)

SEAL = ".sha256"
_checked: set[tuple[str, int, int]] = set()  # (file, size, mtime) whose seal matched


def _identity(file: Path) -> tuple[str, int, int]:
    stat = file.stat()
    return (str(file), stat.st_size, stat.st_mtime_ns)


def _digest(file: Path) -> str:
    digest = hashlib.sha256()
    with file.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _segment_ids(ix: Any) -> list[str]:
    return [segment.segment_id() for segment in ix._segments()]


def _seal(ix: Any, path: Path) -> None:
    """Seal the index's segments that have no seal yet (the ones just written)."""
    for segment_id in _segment_ids(ix):
        seal = path / f"{segment_id}{SEAL}"
        if seal.exists():
            continue
        files = sorted(p for p in path.glob(f"{segment_id}.*") if p.name != seal.name)
        if not files:
            continue
        digests = {}
        for file in files:
            identity = _identity(file)
            digests[file.name] = _digest(file)
            _checked.add(identity)
        # Written whole, then renamed: a reader never sees half a seal. A name beginning with a
        # dot is one Whoosh's clean-up leaves alone.
        partial = path / f".{segment_id}.{os.getpid()}.{threading.get_ident()}.partial"
        partial.write_text(json.dumps(digests))
        os.replace(partial, seal)


def _intact(ix: Any, path: Path, thorough: bool = False) -> bool:
    """Whether every sealed file of the index's segments still has its checksum. A segment
    without a seal (being sealed by its writer, or written by an older release) is not checked;
    ``thorough``: hash every file again, also those this process checked before."""
    for segment_id in _segment_ids(ix):
        try:
            digests = json.loads((path / f"{segment_id}{SEAL}").read_text())
        except FileNotFoundError:
            continue
        except (OSError, ValueError):
            return False
        if not isinstance(digests, dict):
            return False
        for name, expected in digests.items():
            file = path / str(name)
            try:
                identity = _identity(file)
                if not thorough and identity in _checked:
                    continue
                if _digest(file) != expected:
                    return False
            except FileNotFoundError:
                # Merged into a new segment and deleted by another process's commit since the
                # table of contents was read: not damage, unless the segment is still listed.
                if segment_id in _segment_ids(ix):
                    return False
                break
            except OSError:
                return False
            _checked.add(identity)
    return True


class _TrackingStorage(FileStorage):
    def __init__(self, path: str) -> None:
        super().__init__(path, supports_mmap=False)
        self.opened: list[Any] = []

    def open_file(self, name: str, **kwargs: Any) -> Any:
        stream = super().open_file(name, **kwargs)
        self.opened.append(stream)
        return stream

    def close_opened(self) -> None:
        for stream in self.opened:
            with contextlib.suppress(Exception):
                stream.close()


def _forget_if_unusable(directory: str) -> None:
    """Before a write or a new searcher: a full check, unless this process has the index open
    and its directory still holds the index of this schema version (the cheap, usual case)."""
    with _lock:
        if directory in _opened:
            try:
                marker = json.loads((Path(directory) / MARKER).read_text())
            except (OSError, ValueError):
                marker = {}
            if marker.get("version") == SCHEMA_VERSION:
                try:
                    intact = _intact(_opened[directory], Path(directory))
                except Exception:  # the table of contents cannot be read: the full check says
                    intact = False
                if intact:
                    return
        state = status(directory)
        if state != "ok":
            _forget(directory)
            raise IndexUnavailable(state)


def open_index(directory: str) -> Any:
    """The usable index in ``directory`` (cached per process), or ``IndexUnavailable``."""
    with _lock:
        ix = _opened.get(directory)
        if ix is not None and Path(directory, MARKER).exists():
            return ix
        state = status(directory)
        if state != "ok":
            raise IndexUnavailable(state)
        ix = _storage(directory).open_index()
        _opened[directory] = ix
        return ix


@contextlib.contextmanager
def searching(directory: str) -> Iterator[Searcher]:
    """A searcher on the latest committed state; kept per process while the index is unchanged.

    A changed index gets a new searcher rather than ``Searcher.refresh()``, whose reused segment
    readers were seen to miss deletions committed since.
    """
    ix = open_index(directory)
    with _lock:
        searcher = _searchers.get(directory)
        try:
            if searcher is None or searcher.reader().generation() != ix.latest_generation():
                if searcher is not None:
                    searcher.close()
                _forget_if_unusable(directory)
                searcher = ix.searcher()
        except Exception as exc:
            _forget(directory)
            raise IndexUnavailable("corrupt") from exc
        _searchers[directory] = searcher
        try:
            yield searcher
        except IndexUnavailable:
            raise
        except Exception as exc:
            # A segment damaged under an open searcher fails inside Whoosh with whatever its
            # reader hits (struct.error, EOFError, ValueError …); ``_unusable`` tells that apart
            # from any other error, which is re-raised as it is.
            unusable = _unusable(directory, exc)
            if unusable is None:
                raise
            raise unusable from exc


def _create(path: Path) -> Any:
    path.mkdir(parents=True, exist_ok=True)
    ix = _storage(str(path)).create_index(build_schema())
    (path / MARKER).write_text(json.dumps({"version": SCHEMA_VERSION}))
    return ix


def write(
    directory: str, documents: Iterable[SearchDocument], deletions: Iterable[int] = ()
) -> int:
    """Add or replace ``documents`` and delete ``deletions`` (ids) in one commit."""
    _forget_if_unusable(directory)
    ix = open_index(directory)
    try:
        writer = ix.writer(timeout=WRITE_TIMEOUT)
    except LockError:
        raise
    except Exception as exc:
        _forget(directory)
        raise IndexUnavailable("corrupt") from exc
    count = 0
    try:
        for proposal_id in deletions:
            writer.delete_by_term("id", str(proposal_id))
        for document in documents:
            writer.update_document(**document.fields())
            count += 1
        writer.commit()
        _seal(ix, Path(directory))
    except Exception as exc:
        # As in ``searching``: a damaged segment read by the writer (to replace or merge)
        # means a rebuild, any other failure is re-raised as it is.
        with contextlib.suppress(Exception):  # already committed or cancelled
            writer.cancel()
        unusable = _unusable(directory, exc)
        if unusable is None:
            raise
        raise unusable from exc
    except BaseException:
        writer.cancel()
        raise
    return count


def rebuild(
    directory: str,
    documents: Iterable[SearchDocument],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write a fresh index of ``documents`` beside the live one, then swap it in."""
    target = Path(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A folder of its own: two rebuilds at once (threads of one process too) never share one.
    fresh = Path(tempfile.mkdtemp(prefix=f"{target.name}.rebuild-", dir=target.parent))
    ix = _create(fresh)
    count = 0
    writer = ix.writer(limitmb=256)
    try:
        for document in documents:
            writer.add_document(**document.fields())
            count += 1
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(count)
        writer.commit()
        _seal(ix, fresh)
    except BaseException:
        writer.cancel()
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    if progress is not None:
        progress(count)
    _swap(target, fresh)
    return count


def _swap(target: Path, fresh: Path) -> None:
    with _lock:
        _forget(str(target))
        old = target.with_name(f"{target.name}.old-{os.getpid()}-{int(time.time())}")
        if target.exists():
            target.rename(old)
        fresh.rename(target)
        shutil.rmtree(old, ignore_errors=True)


def stored_documents(directory: str) -> list[dict[str, Any]]:
    """Every document's stored fields, as plain values."""
    with searching(directory) as searcher:
        return [dict(fields) for fields in searcher.all_stored_fields()]


def document_count(directory: str) -> int:
    with searching(directory) as searcher:
        return int(searcher.doc_count())


def size_bytes(directory: str) -> int:
    return sum(p.stat().st_size for p in Path(directory).glob("*") if p.is_file())
