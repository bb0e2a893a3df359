"""The package surface: quick import, every public name resolves, the console script runs."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import tda_nn


def test_import_is_light():
    code = "import sys, tda_nn; print(sorted(m for m in ('torch', 'gudhi', 'matplotlib', 'sklearn') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_public_name_resolves():
    for name in tda_nn.__all__:
        assert getattr(tda_nn, name) is not None, name


def test_every_module_declares_its_public_surface():
    for info in pkgutil.walk_packages(tda_nn.__path__, prefix="tda_nn."):
        mod = importlib.import_module(info.name)
        assert hasattr(mod, "__all__"), f"{info.name} has no __all__"
        for name in mod.__all__:
            assert hasattr(mod, name), f"{info.name}.__all__ lists missing {name!r}"


def test_console_script_version():
    out = subprocess.run(["tda-nn", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"tda-nn {tda_nn.__version__}"
    bare = subprocess.run([sys.executable, "-m", "tda_nn.cli"], capture_output=True, text=True)
    assert bare.returncode == 2 and "analyze" in bare.stdout
