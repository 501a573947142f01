"""Build the ecgad Python package with scikit-build (classic), Debian's python3-skbuild.

    /usr/bin/python3 -m venv --system-site-packages .venv
    .venv/bin/pip install --no-build-isolation .

Metadata lives in pyproject.toml; the version comes from the VERSION file, as for CMake.
"""
import pathlib
import sys

from skbuild import setup

HERE = pathlib.Path(__file__).resolve().parent
VERSION = (HERE / "VERSION").read_text().strip()

setup(
    version=VERSION,
    packages=["ecgad"],
    package_dir={"": "python"},
    package_data={"ecgad": ["py.typed", "_core.pyi"]},
    # CMake's install(TARGETS _core DESTINATION .) lands in python/ecgad, i.e. the package.
    cmake_install_dir="python/ecgad",
    cmake_args=[
        f"-DPython_EXECUTABLE={sys.executable}",
        "-DECGAD_BUILD_PYTHON=ON",
        "-DECGAD_BUILD_TESTS=OFF",
        "-DECGAD_BUILD_BENCHMARKS=OFF",
        "-DECGAD_BUILD_CLI=OFF",
        "-DECGAD_INSTALL=OFF",
        # Static core inside the extension: the wheel carries one .so besides LibTorch.
        "-DECGAD_SHARED=OFF",
    ],
)
