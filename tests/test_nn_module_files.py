"""Model files under hostile input: Module.load checks names/dtypes/shapes from the headers before
reading any data (zip bombs cost nothing), every refusal is a ValueError naming file and key with
the model bit-identical afterwards; load_state_dict refuses bool / NaN / non-mappings / strings;
Module.save is atomic, durable, cleans up after killed saves and keeps np.savez's permissions."""

from __future__ import annotations

import io
import json
import os
import random
import re
import signal
import stat
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.lib import format as npf

import nn
from nn import BatchNorm1d, Linear, Module, Sequential
from nn.state_file import StateKeyError
from tinygrad_edu import manual_seed

ROOT = Path(__file__).resolve().parents[1]


# --- helpers ------------------------------------------------------------------------------------

def snapshot(model: Module) -> dict[str, tuple[str, tuple, bytes]]:
    """Every parameter and buffer as (dtype, shape, raw bytes): equality means bit-identical."""
    return {k: (v.dtype.str, v.shape, v.tobytes()) for k, v in model.state_dict().items()}


def make_model(seed: int = 0) -> Sequential:
    manual_seed(seed)
    model = Sequential(Linear(3, 4), BatchNorm1d(4))
    model[1].running_mean[:] = np.arange(4) + 0.5 + seed
    return model


def npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    npf.write_array(buf, np.asarray(arr), allow_pickle=False)
    return buf.getvalue()


def npy_header(shape: tuple, descr: str = "<f8", fortran: bool = False) -> bytes:
    buf = io.BytesIO()
    npf.write_array_header_1_0(buf, {"descr": descr, "fortran_order": fortran, "shape": shape})
    return buf.getvalue()


def raw_zip(members: list[tuple[str, int, int, int, bytes]], flags: int = 0) -> bytes:
    """A zip archive from (name, method, crc32, uncompressed size, stored bytes) — by hand, so a
    test can lie about anything the format holds."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, method, crc, usize, data in members:
        offset = out.tell()
        n = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, method, 0, 0x21, crc, len(data), usize, len(n), 0))
        out.write(n + data)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, method, 0, 0x21, crc, len(data),
                                  usize, len(n), 0, 0, 0, 0, 0, offset))
        central.write(n)
    cd = central.getvalue()
    start = out.tell()
    out.write(cd)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(cd), start, 0))
    return out.getvalue()


def stored(name: str, payload: bytes) -> tuple[str, int, int, int, bytes]:
    return name, 0, zlib.crc32(payload), len(payload), payload


def deflated_zeros(name: str, prefix: bytes, mib: int) -> tuple[str, int, int, int, bytes]:
    """`prefix` then `mib` MiB of zeros, deflated (~1 KB per MiB): built from one compressed MiB
    repeated after full flushes, so a 1 GiB member costs a fraction of a second to make."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    zeros = bytes(1 << 20)
    piece = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(prefix)
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    return name, 8, crc, len(prefix) + (mib << 20), head + piece * mib + c.flush()


def good_members(model: Module, skip: tuple[str, ...] = ()) -> list[tuple[str, int, int, int, bytes]]:
    return [stored(k + ".npy", npy(v)) for k, v in model.state_dict().items() if k not in skip]


def refused(model: Module, path: Path, error: type = ValueError, match: str = "", **kw) -> str:
    """Load must raise `error` whose message names the file and matches `match`; model unchanged."""
    before = snapshot(model)
    with pytest.raises(error) as info:
        model.load(path, **kw)
    msg = str(info.value)
    assert path.name in msg, msg
    assert re.search(match, msg), msg
    assert isinstance(info.value, ValueError)
    assert snapshot(model) == before
    return msg


# --- load_state_dict -----------------------------------------------------------------------------

def test_bool_arrays_are_refused_with_the_reason():
    model = make_model()
    before = snapshot(model)
    sd = model.state_dict()
    sd["0.weight"] = np.ones((4, 3), dtype=bool)
    with pytest.raises(ValueError, match=r"'0.weight' is a bool array.*0/1 weights"):
        model.load_state_dict(sd)
    assert snapshot(model) == before


def test_a_bool_buffer_still_loads_bool():
    class Masked(Module):
        def __init__(self):
            self.w = Linear(2, 2)
            self.register_buffer("mask", np.array([True, False]))

    m = Masked()
    sd = m.state_dict()
    sd["mask"] = np.array([False, True])
    m.load_state_dict(sd)
    assert m.mask.dtype == bool and m.mask.tolist() == [False, True]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_weights_are_refused_unless_allowed(bad):
    model = make_model()
    before = snapshot(model)
    sd = model.state_dict()
    sd["1.running_var"] = sd["1.running_var"].copy()
    sd["1.running_var"][2] = bad
    with pytest.raises(ValueError, match=r"'1.running_var' holds 1 NaN/Inf value\(s\).*index \(2,\).*"
                                         r"allow_nonfinite=True"):
        model.load_state_dict(sd)
    assert snapshot(model) == before
    model.load_state_dict(sd, allow_nonfinite=True)
    got = model[1].running_var[2]
    assert (np.isnan(got) if np.isnan(bad) else got == bad)


def test_overflow_when_casting_counts_as_nonfinite():
    model = Linear(2, 2, dtype=np.float32)
    before = snapshot(model)
    with pytest.raises(ValueError, match="after casting float64 to float32"):
        model.load_state_dict({"weight": np.full((2, 2), 1e300), "bias": np.zeros(2)})
    assert snapshot(model) == before


def test_nan_into_an_integer_buffer_is_always_refused():
    model = make_model()
    sd = model.state_dict()
    sd["1.num_batches_tracked"] = np.array(np.nan)
    with pytest.raises(ValueError, match="num_batches_tracked.*int64 cannot hold"):
        model.load_state_dict(sd, allow_nonfinite=True)


def test_a_list_instead_of_a_mapping_is_a_clear_type_error():
    model = make_model()
    before = snapshot(model)
    with pytest.raises(TypeError, match=r"expected a mapping \{name: array\}.*got list.*dict\(\.\.\.\)"):
        model.load_state_dict(list(model.state_dict().items()))
    with pytest.raises(TypeError, match="got ndarray"):
        model.load_state_dict(np.zeros(3))
    assert snapshot(model) == before


@pytest.mark.parametrize("value, match", [
    ("0.5", r"'0.bias' must be a numeric array, got str '0.5'"),
    (b"abcd", "got bytes"),
    (None, "got NoneType"),
    (np.array(["a", "b", "c", "d"]), "got dtype <U1"),
    (np.array([object()] * 4), "got dtype object"),
    ({"a": 1}, "got dict"),
])
def test_non_numeric_values_are_type_errors(value, match):
    model = make_model()
    before = snapshot(model)
    sd = model.state_dict()
    sd["0.bias"] = value
    with pytest.raises(TypeError, match=match):
        model.load_state_dict(sd)
    assert snapshot(model) == before


def test_complex_values_are_refused():
    model = make_model()
    sd = model.state_dict()
    sd["0.bias"] = sd["0.bias"] + 1j
    with pytest.raises(ValueError, match="imaginary part"):
        model.load_state_dict(sd)


def test_key_errors_are_key_errors_and_value_errors():
    model = make_model()
    with pytest.raises(KeyError, match="unexpected key") as info:
        model.load_state_dict({**model.state_dict(), "extra": np.zeros(1)})
    assert isinstance(info.value, ValueError) and str(info.value).startswith("load_state_dict:")


# --- load: the archive is checked from its headers first ----------------------------------------

def test_round_trip_including_fortran_order_and_big_endian(tmp_path):
    src, dst = make_model(1), make_model(2)
    sd = src.state_dict()
    members = [stored(k + ".npy", npy(np.asfortranarray(v) if k == "0.weight" else v.astype(v.dtype.newbyteorder(">"))))
               for k, v in sd.items()]
    path = tmp_path / "variants.npz"
    path.write_bytes(raw_zip(members))
    dst.load(path)
    for k, v in dst.state_dict().items():
        np.testing.assert_array_equal(v, sd[k], err_msg=k)


def test_corrupt_deflate_in_the_header_is_a_value_error(tmp_path):
    model = make_model()
    path = tmp_path / "deflate.npz"
    bad = ("0.weight.npy", 8, 0, 200, b"\xff" * 64)  # block type 3: invalid
    path.write_bytes(raw_zip([bad] + good_members(model, skip=("0.weight",))))
    msg = refused(model, path, match=r"key '0.weight'.*(zlib|invalid|Error)")
    assert "zlib.error" in msg  # the original error is named inside ours


def test_corrupt_deflate_in_the_data_is_a_value_error(tmp_path):
    manual_seed(0)
    model = Sequential(Linear(40, 50))
    path = tmp_path / "data.npz"
    np.savez_compressed(path, **{k: np.random.default_rng(0).normal(size=v.shape) for k, v in
                                 model.state_dict().items()})
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("0.weight.npy")
    name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26: info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    for i in range(start + info.compress_size // 2, start + info.compress_size // 2 + 40):
        raw[i] ^= 0x5A
    path.write_bytes(bytes(raw))
    refused(model, path, match=r"key '0.weight'.*corrupt data \((zlib.error|BadZipFile)")


def test_a_bad_crc_is_a_value_error(tmp_path):
    model = make_model()
    path = tmp_path / "crc.npz"
    members = good_members(model)
    name, method, crc, usize, data = members[0]
    members[0] = (name, method, crc ^ 1, usize, data)
    path.write_bytes(raw_zip(members))
    refused(model, path, match=r"key '0.weight'.*BadZipFile: Bad CRC-32")


def test_a_header_promising_a_huge_array_is_refused_before_reading(tmp_path):
    """The former raw MemoryError: a header claiming 10**12 elements under a real key."""
    model = make_model()
    path = tmp_path / "lying.npz"
    liar = stored("0.weight.npy", npy_header((10**6, 10**6)) + bytes(64))
    path.write_bytes(raw_zip([liar] + good_members(model, skip=("0.weight",))))
    refused(model, path, match=r"key '0.weight': shape mismatch: the file's header promises \(1000000, 1000000\) "
                               r"\(8000000000000 bytes of float64\), the model has \(4, 3\); nothing was read")


def test_truncated_and_overlong_data_are_refused(tmp_path):
    model = make_model()
    short = tmp_path / "short.npz"
    short.write_bytes(raw_zip([stored("0.weight.npy", npy_header((4, 3)) + bytes(40))]
                              + good_members(model, skip=("0.weight",))))
    refused(model, short, match=r"key '0.weight': the data is truncated: 40 of the 96 bytes")
    long = tmp_path / "long.npz"
    long.write_bytes(raw_zip([stored("0.weight.npy", npy_header((4, 3)) + bytes(200))]
                             + good_members(model, skip=("0.weight",))))
    refused(model, long, match=r"key '0.weight': the member holds more data than the 96 bytes")


@pytest.mark.parametrize("descr, match", [
    ("|O", "not a plain numeric array"),
    ("<U4", "not a plain numeric array"),
    ("[('a', '<f8')]", "not a plain numeric array"),
    ("|V8", "not a plain numeric array"),
])
def test_non_numeric_dtypes_in_headers_are_refused(tmp_path, descr, match):
    model = make_model()
    path = tmp_path / "dtype.npz"
    buf = io.BytesIO()
    header = "{'descr': " + descr + ", 'fortran_order': False, 'shape': (4, 3), }"
    buf.write(npf.MAGIC_PREFIX + b"\x01\x00" + struct.pack("<H", len(header) + 1) + header.encode() + b"\n")
    path.write_bytes(raw_zip([stored("0.weight.npy", buf.getvalue() + bytes(96))]
                             + good_members(model, skip=("0.weight",))))
    refused(model, path, match=r"key '0.weight': (dtype .* " + match + "|bad .npy header)")


def test_bool_in_a_file_is_refused_with_the_file_named(tmp_path):
    model = make_model()
    path = tmp_path / "bool.npz"
    sd = model.state_dict()
    np.savez(path, **{**sd, "0.weight": np.ones((4, 3), dtype=bool)})
    refused(model, path, match=r"bool.npz.*'0.weight' is a bool array")


def test_nan_in_a_file_is_refused_unless_allowed(tmp_path):
    model = make_model()
    path = tmp_path / "nan.npz"
    sd = model.state_dict()
    sd["0.bias"][1] = np.nan
    np.savez(path, **sd)
    refused(model, path, match=r"'0.bias' holds 1 NaN/Inf")
    model.load(path, allow_nonfinite=True)
    assert np.isnan(model[0].bias.data[1])


def test_archive_level_oddities(tmp_path):
    model = make_model()
    dup = tmp_path / "dup.npz"
    dup.write_bytes(raw_zip(good_members(model) + good_members(model)[:1]))
    refused(model, dup, match="holds '0.weight' twice")
    bz = tmp_path / "bzip.npz"
    members = good_members(model)
    name, _, crc, usize, data = members[0]
    members[0] = (name, 12, crc, usize, data)  # method 12: bzip2, whose reader is not size-bounded
    bz.write_bytes(raw_zip(members))
    refused(model, bz, match=r"key '0.weight': unsupported compression method 12")
    enc = tmp_path / "enc.npz"
    enc.write_bytes(raw_zip(good_members(model), flags=1))
    refused(model, enc, match="encrypted")
    single = tmp_path / "single.npz"
    with open(single, "wb") as f:
        np.save(f, np.zeros(3))
    refused(model, single, match="single array")
    empty = tmp_path / "empty.npz"
    empty.write_bytes(raw_zip([]))
    refused(model, empty, match="holds no arrays")
    folder = tmp_path / "folder.npz"
    folder.mkdir()
    refused(model, folder, match="IsADirectoryError|PermissionError")
    with pytest.raises(FileNotFoundError):
        model.load(tmp_path / "absent.npz")


def test_key_mismatch_from_a_file_is_a_key_error_naming_the_file(tmp_path):
    model = make_model()
    path = tmp_path / "keys.npz"
    path.write_bytes(raw_zip(good_members(model, skip=("0.bias",)) + [stored("x.npy", npy(np.zeros(2)))]))
    msg = refused(model, path, error=StateKeyError, match=r"missing key\(s\) \['0.bias'\]; unexpected key\(s\) \['x'\]")
    assert isinstance(StateKeyError("x"), KeyError) and msg.startswith("load: ")


def test_non_strict_load_never_reads_unexpected_members(tmp_path):
    src, model = make_model(3), make_model(4)
    path = tmp_path / "extra.npz"
    bomb = deflated_zeros("bomb.npy", npy_header((2**27,)), 1024)  # 1 GiB of float64 zeros, ~1 MB on disk
    path.write_bytes(raw_zip(good_members(src) + [bomb]))
    assert path.stat().st_size < 2 << 20
    t = time.perf_counter()
    model.load(path, strict=False)
    assert time.perf_counter() - t < 0.5
    assert snapshot(model) == snapshot(src)


BOMB_SCRIPT = r"""
import json, resource, sys, time, tracemalloc
import numpy as np
import nn
from nn import BatchNorm1d, Linear, Sequential


def status(field):  # Linux: peak (VmHWM) and current (VmRSS) resident set, in KiB
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


def reset_peak():  # Linux >= 4.0: writing 5 to clear_refs resets VmHWM to the current RSS
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return status("VmRSS"), lambda: status("VmHWM")
    except OSError:  # elsewhere: ru_maxrss, a peak since start (less tight)
        return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


model = Sequential(Linear(3, 4), BatchNorm1d(4))
before = {k: v.tobytes() for k, v in model.state_dict().items()}
base, peak = reset_peak()
tracemalloc.start()
out = {}
for path in sys.argv[1:]:
    t = time.perf_counter()
    try:
        model.load(path)
        err = None
    except Exception as e:
        err = [type(e).__name__, isinstance(e, ValueError), str(e)]
    out[path] = {"seconds": time.perf_counter() - t, "error": err}
out["rss_growth_kib"] = peak() - base
out["traced_peak_kib"] = tracemalloc.get_traced_memory()[1] // 1024
out["unchanged"] = before == {k: v.tobytes() for k, v in model.state_dict().items()}
tracemalloc.stop()
base, peak = reset_peak()
control = np.ones(64 << 17)  # 64 MiB: shows the RSS measure sees a real allocation
out["control_growth_kib"] = peak() - base
print(json.dumps(out))
"""


def test_zip_bombs_cost_no_memory_and_no_time(tmp_path):
    """1 GiB arrays in ~1 MB files: under an unexpected key, under a real key with a huge header,
    and under a real key whose header tells the truth about the shape but whose data never ends."""
    model = make_model()
    gib = 2**27  # float64 elements in 1 GiB
    cases = {
        "unexpected.npz": good_members(model) + [deflated_zeros("bomb.npy", npy_header((gib,)), 1024)],
        "huge_header.npz": good_members(model, skip=("0.weight",))
        + [deflated_zeros("0.weight.npy", npy_header((gib,)), 1024)],
        "endless_data.npz": good_members(model, skip=("0.weight",))
        + [deflated_zeros("0.weight.npy", npy_header((4, 3)), 1024)],
    }
    paths = []
    for name, members in cases.items():
        (tmp_path / name).write_bytes(raw_zip(members))
        assert (tmp_path / name).stat().st_size < 2 << 20
        paths.append(str(tmp_path / name))
    res = subprocess.run([sys.executable, "-c", BOMB_SCRIPT, *paths], capture_output=True, text=True, timeout=120,
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    print(json.dumps(out, indent=1))  # the figures (pytest -s shows them)
    assert out["unchanged"]
    assert out["rss_growth_kib"] < 50 * 1024 and out["traced_peak_kib"] < 50 * 1024
    assert out["control_growth_kib"] > 60 * 1024  # the baseline hides at most a few MiB
    expected = {"unexpected.npz": r"unexpected key\(s\) \['bomb'\]",
                "huge_header.npz": r"key '0.weight': shape mismatch: the file's header promises \(134217728,\)",
                "endless_data.npz": r"key '0.weight': the member holds more data than the 96 bytes"}
    for path in paths:
        name = os.path.basename(path)
        kind, is_value_error, msg = out[path]["error"]
        assert is_value_error and name in msg and re.search(expected[name], msg), msg
        assert out[path]["seconds"] < 1.0


# --- save: atomic, durable, tidy, np.savez's permissions ----------------------------------------

def temp_files(folder: Path) -> list[str]:
    return sorted(p for p in os.listdir(folder) if ".tmp-" in p)


def test_save_writes_a_recognisable_temp_file_in_the_same_directory(tmp_path, monkeypatch):
    seen = []
    real = np.savez

    def spy(file, **kw):
        seen.append(temp_files(tmp_path))
        return real(file, **kw)

    monkeypatch.setattr(np, "savez", spy)
    make_model().save(tmp_path / "model.npz")
    assert len(seen) == 1 and len(seen[0]) == 1
    assert re.fullmatch(rf"\.model\.npz\.tmp-{os.getpid()}-[0-9a-f]+\.npz", seen[0][0])
    assert os.listdir(tmp_path) == ["model.npz"]


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_stale_temp_files_of_the_same_path_are_cleaned_on_the_next_save(tmp_path):
    stale = tmp_path / f".model.npz.tmp-{dead_pid()}-0badc0de.npz"
    stale.write_bytes(b"half a zip")
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        busy = tmp_path / f".model.npz.tmp-{live.pid}-12345678.npz"  # a concurrent save: left alone
        busy.write_bytes(b"in progress")
        other = tmp_path / f".other.npz.tmp-{dead_pid()}-0badc0de.npz"  # another target: not ours
        other.write_bytes(b"x")
        make_model().save(tmp_path / "model.npz")
        assert not stale.exists() and busy.exists() and other.exists()
    finally:
        live.kill()
        live.wait()


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_permissions_are_those_np_savez_gives(tmp_path, umask):
    old = os.umask(umask)
    try:
        np.savez(tmp_path / "ref.npz", a=np.zeros(1))
        make_model().save(tmp_path / "model.npz")
    finally:
        os.umask(old)
    mode = stat.S_IMODE(os.stat(tmp_path / "model.npz").st_mode)
    assert mode == stat.S_IMODE(os.stat(tmp_path / "ref.npz").st_mode) == 0o666 & ~umask


def test_an_existing_files_mode_is_kept_as_np_savez_keeps_it(tmp_path):
    path = tmp_path / "model.npz"
    make_model().save(path)
    os.chmod(path, 0o640)
    make_model(1).save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_file_and_directory_are_fsynced_around_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append("dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        return real_fsync(fd)

    def replace(a, b):
        events.append("replace")
        return real_replace(a, b)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    make_model().save(tmp_path / "model.npz")
    assert events == ["file", "replace", "dir"]


def test_saving_through_a_symlink_keeps_the_link(tmp_path):
    real = tmp_path / "real.npz"
    link = tmp_path / "link.npz"
    make_model(0).save(real)
    link.symlink_to(real)
    make_model(5).save(link)
    assert link.is_symlink()
    assert snapshot(make_model(9).load(real)) == snapshot(make_model(5))


CRASH_SCRIPT = r"""
import sys
import numpy as np
from nn import Linear, Sequential
model = Sequential(Linear(200, 300), Linear(300, 10))
print("ready", flush=True)
k = int(sys.argv[2])
while True:
    k += 1
    for p in model.parameters():
        p.data = np.full(p.shape, float(k))
    model.save(sys.argv[1])
"""


@pytest.mark.slow
def test_sigkill_during_save_never_loses_the_previous_file(tmp_path):
    """20 saving processes killed at random moments: the file is always complete, one generation."""
    path = tmp_path / "model.npz"
    model = Sequential(Linear(200, 300), Linear(300, 10))
    for p in model.parameters():
        p.data = np.full(p.shape, 0.0)
    model.save(path)
    rng = random.Random(0)
    left_behind, generations = 0, []
    t0 = time.perf_counter()
    for i in range(20):
        proc = subprocess.Popen([sys.executable, "-c", CRASH_SCRIPT, str(path), str(1000 * i)], cwd=ROOT,
                                stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.15))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
        assert proc.returncode == -signal.SIGKILL
        left_behind += bool(temp_files(tmp_path))
        loaded = Sequential(Linear(200, 300), Linear(300, 10)).load(path)  # always loadable
        values = {float(v) for p in loaded.parameters() for v in np.unique(p.data)}
        assert len(values) == 1, values  # complete: every array from the same save
        generations.append(values.pop())
        model.save(path)  # the next save cleans what the killed one left
        assert os.listdir(tmp_path) == ["model.npz"]
    print(f"crash test: 20 kills in {time.perf_counter() - t0:.1f} s, {left_behind} left a temp file, "
          f"generations seen {generations}")
    assert time.perf_counter() - t0 < 90


# --- fuzz: random bytes and mutated valid files ---------------------------------------------------

def _valid_files() -> dict[str, bytes]:
    sd = make_model(7).state_dict()
    out = {}
    for name, saver in (("stored", np.savez), ("deflated", np.savez_compressed)):
        buf = io.BytesIO()
        saver(buf, **sd)
        out[name] = buf.getvalue()
    return out


VALID = _valid_files()
SOURCE = snapshot(make_model(7))


def _load_or_refuse(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.npz"
    path.write_bytes(data)
    model = make_model(8)
    before = snapshot(model)
    t = time.perf_counter()
    try:
        model.load(path)
    except ValueError:  # includes StateKeyError
        assert snapshot(model) == before
    else:
        assert snapshot(model) == SOURCE  # a load that succeeds loaded exactly the saved model
    assert time.perf_counter() - t < 2.0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=3000), st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b)))
def test_fuzz_random_bytes(tmp_path, data):
    _load_or_refuse(tmp_path, data)


@st.composite
def mutated(draw):
    data = bytearray(VALID[draw(st.sampled_from(sorted(VALID)))])
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["set", "set", "xor", "insert", "delete", "truncate"]))
        i = draw(st.integers(0, len(data) - 1))
        if kind == "set":
            data[i] = draw(st.integers(0, 255))
        elif kind == "xor":
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif kind == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del data[i:i + draw(st.integers(1, 16))]
        else:
            del data[i:]
        if not data:
            break
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutated())
def test_fuzz_mutated_valid_files(tmp_path, data):
    _load_or_refuse(tmp_path, data)


def test_the_unmutated_files_load(tmp_path):
    for name, data in VALID.items():
        path = tmp_path / f"{name}.npz"
        path.write_bytes(data)
        model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
        assert snapshot(model.load(path)) == SOURCE
