"""Model files: `.npz` archives of named arrays, read defensively and written atomically.

Reading (`read_state`) never trusts the file. The archive's directory and every member's `.npy`
header (name, dtype, shape) are checked *before any array data is read*: an unexpected or missing
key, a non-numeric dtype, or a shape other than the parameter's is refused at a cost of a few
hundred bytes, so a small file that decompresses to gigabytes (a zip bomb) costs nothing. Data is
then read in exactly the promised size, `itemsize * prod(shape)` bytes, plus a one-byte probe
that must find the end of the member (the CRC-32 is checked there): a member with more data than
its header says, a truncated one, a corrupt deflate stream or a bad CRC is refused as well.
Every refusal is a ValueError naming the file (and the key when there is one); the model is never
touched before the whole file has been read and checked.

Writing (`write_state`) goes through a temporary file `.<name>.tmp-<pid>-<random>.npz` in the
target's directory: written, flushed and fsync'ed, given the permissions `np.savez` would give
(an existing file's mode, else 0o666 & ~umask), renamed over the target with `os.replace`
(atomic), then the directory is fsync'ed so the rename itself survives a power cut. A crash at any
moment leaves either the old file or the new one, never a mix. Temporary files that a killed
save left behind for the same target are removed by the next save of that target (only those
whose process is gone, so a concurrent save is never disturbed).
"""

from __future__ import annotations

import math
import os
import re
import secrets
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np
from numpy.lib import format as npformat

__all__ = ["StateFileError", "StateKeyError", "read_state", "write_state", "temp_name", "TEMP_PATTERN"]

_MAX_ITEMSIZE = 16  # the widest numeric dtype (float128): bounds what a header may promise per element
_READ_ERRORS = (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError,
                MemoryError, struct.error, KeyError, IndexError, OverflowError, TypeError, RecursionError,
                UnicodeError, AttributeError)

TEMP_PATTERN = r"\.{name}\.tmp-(\d+)-[0-9a-f]+\.npz"


class StateKeyError(KeyError, ValueError):
    """Keys of a state (dict or file) that do not match the model: a KeyError (as PyTorch), and a
    ValueError too, so everything `Module.load` refuses about a file is a ValueError."""

    def __str__(self) -> str:  # KeyError would show the message quoted, as a repr
        return str(self.args[0]) if self.args else ""


def _kind(e: BaseException) -> str:
    """An exception's type as a reader knows it: `zlib.error`, `BadZipFile`, `OSError`."""
    t = type(e)
    return t.__name__ if t.__module__ in ("builtins", "zipfile") else f"{t.__module__}.{t.__name__}"


class StateFileError(ValueError):
    """A model file refused by `read_state` (a ValueError whose message names the file and key)."""


def _file_error(path: str, reason: str) -> ValueError:
    return StateFileError(f"load: {path!r} is not a readable .npz state file ({reason}); the model is unchanged")


def _key_error(path: str, key: str, reason: str) -> ValueError:
    return StateFileError(f"load: {path!r}, key {key!r}: {reason}; the model is unchanged")


@contextmanager
def _read_errors(path: str, key: str | None = None, reason: str = "{}") -> Iterator[None]:
    """Inside the block, a low-level read error (zlib, zipfile, OSError, ...) becomes a
    StateFileError naming the file (and `key`), its type and message put into `reason`; the
    StateFileErrors of our own checks pass through unchanged."""
    try:
        yield
    except StateFileError:
        raise
    except _READ_ERRORS as e:
        why = reason.format(f"{_kind(e)}: {e}")
        raise (_file_error(path, why) if key is None else _key_error(path, key, why)) from None


def _members(path: str, zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """{key: member} from the archive's directory; np.savez stores key `k` as `k.npy`."""
    members: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
        if key in members:
            raise _file_error(path, f"it holds {key!r} twice")
        members[key] = info
    return members


def _header(path: str, key: str, member: Any) -> tuple[tuple[int, ...], bool, np.dtype]:
    """(shape, fortran_order, dtype) from a member's .npy header, reading only the header."""
    version = npformat.read_magic(member)
    if version == (1, 0):
        return npformat.read_array_header_1_0(member)
    if version == (2, 0):
        return npformat.read_array_header_2_0(member)
    raise _key_error(path, key, f"unsupported .npy format version {version}")


def _check_header(path: str, key: str, info: zipfile.ZipInfo, header: tuple, target: np.ndarray) -> int:
    """Refuse a header that promises anything but the target's shape in a plain numeric dtype;
    return the number of data bytes it promises."""
    shape, _, dtype = header
    if dtype.hasobject or dtype.kind not in "biufc" or dtype.fields is not None or dtype.subdtype is not None:
        raise _key_error(path, key, f"dtype {dtype} is not a plain numeric array (arrays of objects are never "
                                    "unpickled)")
    if dtype.itemsize > _MAX_ITEMSIZE:
        raise _key_error(path, key, f"dtype {dtype} has {dtype.itemsize}-byte elements")
    if tuple(shape) != target.shape:
        promised = math.prod(shape) * dtype.itemsize if all(n >= 0 for n in shape) else "?"
        raise _key_error(path, key, f"shape mismatch: the file's header promises {tuple(shape)} ({promised} bytes "
                                    f"of {dtype}), the model has {target.shape}; nothing was read")
    return math.prod(shape) * dtype.itemsize


def _read_exact(path: str, key: str, member: Any, nbytes: int, header: tuple) -> np.ndarray:
    """Exactly `nbytes` of array data, then a probe that must hit the member's end (and its CRC)."""
    shape, fortran, dtype = header
    chunks, left = [], nbytes
    while left > 0:
        chunk = member.read(min(left, 1 << 24))
        if not chunk:
            raise _key_error(path, key, f"the data is truncated: {nbytes - left} of the {nbytes} bytes its header "
                                        "promises")
        chunks.append(chunk)
        left -= len(chunk)
    if member.read(1):
        raise _key_error(path, key, f"the member holds more data than the {nbytes} bytes its header promises")
    data = b"".join(chunks)
    arr = np.frombuffer(data, dtype=dtype, count=math.prod(shape))
    return arr.reshape(shape[::-1]).T.copy() if fortran else arr.reshape(shape).copy()


def read_state(path: str, targets: Mapping[str, np.ndarray], strict: bool = True) -> dict[str, np.ndarray]:
    """Read the arrays of `path` that `targets` ({key: current array}) expects, checking names,
    dtypes and shapes from the headers first (see the module docstring).

    With `strict=True` a missing or unexpected key raises StateKeyError (a KeyError and a
    ValueError) before any data is read; with `strict=False` unexpected members are never read and
    missing keys are skipped (a BatchNorm `num_batches_tracked` may always be missing). Anything
    unreadable raises ValueError naming the file and the key. FileNotFoundError passes through.
    """
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise
    except OSError as e:
        raise _file_error(path, f"{_kind(e)}: {e}") from None
    with f:
        with _read_errors(path):
            if f.read(len(npformat.MAGIC_PREFIX)) == npformat.MAGIC_PREFIX:
                raise _file_error(path, "it holds a single array, not named arrays (use save())")
            f.seek(0)
            zf = zipfile.ZipFile(f)
        with zf:
            with _read_errors(path):
                members = _members(path, zf)
            if not members:
                raise _file_error(path, "it holds no arrays")
            missing = [k for k in targets if k not in members and not k.endswith("num_batches_tracked")]
            unexpected = [k for k in members if k not in targets]
            if strict and (missing or unexpected):
                parts = ([f"missing key(s) {missing}"] if missing else []) + (
                    [f"unexpected key(s) {unexpected}"] if unexpected else [])
                raise StateKeyError(f"load: {path!r}: {'; '.join(parts)} (the model has {list(targets)}); "
                                    "the model is unchanged")
            wanted = [k for k in targets if k in members]
            for key in wanted:
                info = members[key]
                if info.flag_bits & 0x1:
                    raise _key_error(path, key, "the member is encrypted")
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    raise _key_error(path, key, f"unsupported compression method {info.compress_type} (np.savez "
                                                "stores, np.savez_compressed deflates)")
            headers = {}
            for key in wanted:  # every header is checked before any data is read
                try:
                    with zf.open(members[key]) as member:
                        headers[key] = _header(path, key, member)
                except StateFileError:
                    raise
                except ValueError as e:
                    raise _key_error(path, key, f"bad .npy header ({e})") from None
                except _READ_ERRORS as e:
                    raise _key_error(path, key, f"{_kind(e)}: {e}") from None
            sizes = {key: _check_header(path, key, members[key], headers[key], np.asarray(targets[key]))
                     for key in wanted}
            state = {}
            for key in wanted:
                with _read_errors(path, key, "corrupt data ({})"), zf.open(members[key]) as member:
                    _header(path, key, member)  # skip the header again (a few hundred bytes)
                    state[key] = _read_exact(path, key, member, sizes[key], headers[key])
    return state


# --- writing -------------------------------------------------------------------------------------

def temp_name(target: str) -> str:
    """The temporary file a save of `target` writes first: `.<name>.tmp-<pid>-<random>.npz`."""
    directory, name = os.path.split(target)
    return os.path.join(directory, f".{name}.tmp-{os.getpid()}-{secrets.token_hex(4)}.npz")


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would send CTRL_C_EVENT there: assume alive
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, under another user
        return True
    return True


def remove_stale_temps(target: str) -> list[str]:
    """Delete temporary files of earlier, killed saves of `target` (their process is gone)."""
    directory, name = os.path.split(target)
    pattern = re.compile(TEMP_PATTERN.format(name=re.escape(name)) + r"\Z")
    removed = []
    try:
        entries = os.listdir(directory or ".")
    except OSError:
        return removed
    for entry in entries:
        m = pattern.match(entry)
        if m and int(m.group(1)) != os.getpid() and not _pid_alive(int(m.group(1))):
            try:
                os.unlink(os.path.join(directory, entry))
                removed.append(entry)
            except OSError:
                pass
    return removed


def _fsync_dir(directory: str) -> None:
    if os.name == "nt":
        return
    try:
        fd = os.open(directory or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems cannot sync a directory
        pass
    finally:
        os.close(fd)


def write_state(path: str | os.PathLike, state: Mapping[str, np.ndarray]) -> None:
    """Write `state` as an .npz at `path` atomically, durably, with np.savez's permissions."""
    target = os.path.realpath(os.fspath(path))  # through a symlink, as np.savez(open(path, "wb")) writes
    directory = os.path.dirname(target)
    remove_stale_temps(target)
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)  # np.savez keeps an existing file's mode
    except OSError:
        mode = None  # a new file: 0o666 & ~umask, which os.open applies itself
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    while True:
        tmp = temp_name(target)
        try:
            fd = os.open(tmp, flags, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as f:
            if mode is not None:
                os.chmod(tmp, mode)
            np.savez(f, **state)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(directory)
