"""Where the course's files are: the repository root, found once, for every helper.

The notebooks write their scripts to the repository root (`%%writefile ../flags_seq.py` from
`notebooks/`), and the helpers run them from there. The root is the folder that holds
`notebooks/` and `flags_seq.py`: in a checkout (`pip install -e .`, what `make` does) it is the
parent of this package's folder; when the package is installed elsewhere (a Binder image, a
wheel) it is the notebook's working directory or one of its parents.
"""

from pathlib import Path

MARKERS = ("notebooks", "flags_seq.py")  # what a folder must hold to be the course's root


def is_repo_root(folder: Path) -> bool:
    return all((folder / marker).exists() for marker in MARKERS)


def find_repo_root(package_dir: Path, cwd: Path) -> Path:
    """The course's root: beside this package, else the working directory or a parent of it."""
    for folder in [package_dir.parent, cwd, *cwd.parents]:
        if is_repo_root(folder):
            return folder
    raise RuntimeError(
        f"cannot find the course's folder (one with {' and '.join(MARKERS)}) beside the "
        f"package or above {cwd}: start JupyterLab from the course's checkout (make lab)"
    )


REPO_ROOT = find_repo_root(Path(__file__).resolve().parent, Path.cwd().resolve())
SOLUTIONS_DIR = REPO_ROOT / "solutions"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
