"""The installed package: importable from anywhere, versioned from one source, errors mapped."""
import pathlib
import subprocess
import sys

import pytest

import ecgad

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_version_comes_from_the_version_file():
    assert ecgad.__version__ == (ROOT / "VERSION").read_text().strip()


def test_imports_from_another_directory(tmp_path):
    code = "import ecgad, ecgad.signal; print(ecgad.__version__, ecgad.__file__)"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True,
                         capture_output=True, text=True).stdout.split()
    assert out[0] == ecgad.__version__
    assert not out[1].startswith(str(ROOT / "python")), "imported the source tree, not the install"


def test_error_classes_map_to_builtin_exceptions():
    assert issubclass(ecgad.InvalidArgument, ValueError)
    assert issubclass(ecgad.FormatError, ValueError)
    assert issubclass(ecgad.IoError, OSError)
    assert issubclass(ecgad.StateError, RuntimeError)
    with pytest.raises(ecgad.InvalidArgument, match="order must be >= 1"):
        ecgad.signal.butter(0, 10.0, fs_hz=100.0)


def test_torch_backend_is_linked_and_works():
    info = ecgad.model.backend_info()
    assert info["torch_version"].startswith("1.")
    assert info["intra_op_threads"] >= 1
    assert ecgad._core.model.torch_self_check() == 54.0
    with pytest.raises(ValueError, match="thread count must be >= 1"):
        ecgad.model.set_num_threads(0)


def test_typing_files_are_installed():
    package = pathlib.Path(ecgad.__file__).parent
    assert (package / "py.typed").exists()
    assert (package / "_core.pyi").exists()
