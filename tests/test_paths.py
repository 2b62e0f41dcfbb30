"""course.paths: the course's folder is found beside the package, or from the notebook's folder."""

import pytest

from course.paths import MARKERS, REPO_ROOT, find_repo_root, is_repo_root


def make_course(folder):
    (folder / "notebooks").mkdir(parents=True)
    (folder / "flags_seq.py").write_text("")
    return folder


def test_the_checkout_is_the_root_and_holds_the_scripts_and_notebooks():
    assert is_repo_root(REPO_ROOT)
    assert (REPO_ROOT / "notebooks" / "00_start_here.ipynb").exists()


def test_in_a_checkout_the_root_is_the_packages_parent(tmp_path):
    root = make_course(tmp_path / "course-checkout")
    assert find_repo_root(root / "course", cwd=tmp_path) == root


def test_an_installed_package_finds_the_root_from_the_notebooks_folder(tmp_path):
    root = make_course(tmp_path / "checkout")
    site_packages = tmp_path / "venv" / "site-packages" / "course"
    assert find_repo_root(site_packages, cwd=root / "notebooks") == root


def test_no_course_folder_anywhere_is_a_clear_error(tmp_path):
    with pytest.raises(RuntimeError, match="cannot find the course's folder.*make lab"):
        find_repo_root(tmp_path / "pkg" / "course", cwd=tmp_path)
    assert MARKERS == ("notebooks", "flags_seq.py")
