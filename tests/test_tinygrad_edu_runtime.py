"""The process-wide settings applied at `import tinygrad_edu` (tinygrad_edu/runtime.py): the BLAS
thread policy and the malloc thresholds. Each case runs in a fresh interpreter, since both act
when the library (and numpy) load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tinygrad_edu import allocator, threads

ROOT = Path(__file__).resolve().parent.parent
VARS = (*threads.USER_VARS, threads.OWN_VAR, allocator.OFF_VAR)
pytest.importorskip("threadpoolctl")

REPORT = """
import json, os
from threadpoolctl import threadpool_info
n = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas" and "numpy" in i["filepath"]]
print(json.dumps({"numpy_blas": n[0] if n else None, "env": os.environ.get("OPENBLAS_NUM_THREADS"),
                  "threads": tinygrad_edu.threads.describe(), "malloc": tinygrad_edu.allocator.describe()}))
"""


def run(code: str, **env: str) -> dict:
    full = {k: v for k, v in os.environ.items() if k not in VARS}
    full.update(env)
    out = subprocess.run([sys.executable, "-c", code + REPORT], cwd=ROOT, env=full, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def numpy_default() -> int:
    code = ("import json; import numpy; from threadpoolctl import threadpool_info; "
            "print(json.dumps([i['num_threads'] for i in threadpool_info() if 'numpy' in i['filepath']][0]))")
    full = {k: v for k, v in os.environ.items() if k not in VARS}
    return json.loads(subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True,
                                     timeout=120).stdout)


def test_one_thread_by_default_and_the_environment_left_clean():
    r = run("import tinygrad_edu")
    assert r["numpy_blas"] == 1
    assert r["env"] is None  # not leaked to child processes or other libraries
    assert "1 thread" in r["threads"]


def test_numpy_loaded_first_is_set_with_threadpoolctl():
    r = run("import numpy\nimport tinygrad_edu")
    assert r["numpy_blas"] == 1 and "threadpoolctl" in r["threads"]


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs 2 cores to tell 2 threads from 1")
def test_user_variables_and_threadpoolctl_override():
    assert run("import tinygrad_edu", OPENBLAS_NUM_THREADS="2")["numpy_blas"] == 2
    assert run("import tinygrad_edu", OMP_NUM_THREADS="2")["numpy_blas"] == 2
    assert run("import tinygrad_edu", TINYGRAD_EDU_THREADS="2")["numpy_blas"] == 2
    assert run("import tinygrad_edu", TINYGRAD_EDU_THREADS="default")["numpy_blas"] == numpy_default()
    later = run("import tinygrad_edu\nfrom threadpoolctl import threadpool_limits\n"
                "threadpool_limits(2, user_api='blas')")
    assert later["numpy_blas"] == 2
    before = run("import numpy\nfrom threadpoolctl import threadpool_limits\nthreadpool_limits(1)\n"
                 "import tinygrad_edu")
    assert before["numpy_blas"] == 1


def test_bad_thread_count_is_refused():
    with pytest.raises(ValueError, match="TINYGRAD_EDU_THREADS"):
        threads.wanted_threads({"TINYGRAD_EDU_THREADS": "many"})
    assert threads.wanted_threads({"MKL_NUM_THREADS": "3", "TINYGRAD_EDU_THREADS": "2"}) is None


FAULTS = """
import resource
import numpy as np
import tinygrad_edu
def step():  # as a training step: several large arrays alive at once, all freed at the end
    arrays = [np.ones(1 << 19) for _ in range(4)]  # 4 MiB each
    return sum(float(a[-1]) for a in arrays)
for _ in range(5):
    step()
f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(50):
    step()
faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / 50
print(faults)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the malloc setting is for glibc")
def test_malloc_setting_removes_the_page_faults_and_can_be_turned_off():
    if allocator._glibc() is None:
        pytest.skip("not glibc")
    on = run(FAULTS)
    off = run(FAULTS, TINYGRAD_EDU_MALLOC="0")
    assert "M_MMAP_THRESHOLD" in on["malloc"] and "left as it is" in off["malloc"]
    faults = {}
    for name, env in (("on", {}), ("off", {"TINYGRAD_EDU_MALLOC": "0"})):
        full = {k: v for k, v in os.environ.items() if k not in VARS}
        full.update(env)
        out = subprocess.run([sys.executable, "-c", FAULTS], env=full, capture_output=True, text=True, timeout=120)
        faults[name] = float(out.stdout.split()[-1])
    assert faults["on"] < 50 < faults["off"], faults  # a 4 MiB array is 1,024 pages
