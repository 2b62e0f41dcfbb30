"""Generate the flag server's data from the public-domain npm package `svg-country-flags`.

Converts the package's 100-px-wide PNGs to small 64-colour GIFs (about 220 KB for all 256)
and copies the code -> country name table. Run it only to refresh the committed data:

    python tools/make_flag_gifs.py                    # runs `npm pack` into a temporary folder
    python tools/make_flag_gifs.py /path/to/package   # an already unpacked package folder

Output: flagserver/data/flags/{cc}.gif, flagserver/data/countries.json, flagserver/data/LICENSE.txt
"""

import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from PIL import Image

from flagserver import DATA_DIR as DATA

PACKAGE = "svg-country-flags@1.2.10"
COLORS = 64

LICENSE = f"""\
Flag images: {PACKAGE} (npm), by Hampus Nilsson, https://github.com/hjnilsson/country-flags
License declared by the package: "PD" (public domain). Its README says: "The source files
were taken from Wikipedia and are not under copyright protection since flags are effectively
in public domain (there may be other restrictions on how the flag can be used though)."

The GIFs here were converted from the package's png100px/ folder by tools/make_flag_gifs.py
({COLORS}-colour palette, transparent parts on white). countries.json is the package's own.
"""


def fetch_package(workdir: Path) -> Path:
    """Download and unpack the npm package with `npm pack`; return the package folder."""
    subprocess.run(["npm", "pack", PACKAGE, "--silent"], cwd=workdir, check=True)
    (tarball,) = workdir.glob("svg-country-flags-*.tgz")
    with tarfile.open(tarball) as tar:
        tar.extractall(workdir, filter="data")
    return workdir / "package"


def to_gif(png: Path) -> bytes:
    """One flag PNG -> GIF bytes with a small adaptive palette."""
    rgba = Image.open(png).convert("RGBA")
    white = Image.new("RGBA", rgba.size, "white")
    rgb = Image.alpha_composite(white, rgba).convert("RGB")
    small = rgb.quantize(colors=COLORS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    small.save(buffer, "GIF", optimize=True)
    return buffer.getvalue()


def generate(package: Path) -> None:
    flags_dir = DATA / "flags"
    flags_dir.mkdir(parents=True, exist_ok=True)
    for old in flags_dir.glob("*.gif"):
        old.unlink()
    total = 0
    for png in sorted((package / "png100px").glob("*.png")):
        gif = to_gif(png)
        (flags_dir / f"{png.stem.lower()}.gif").write_bytes(gif)
        total += len(gif)
    names = json.loads((package / "countries.json").read_text(encoding="utf-8"))
    names = {code.lower(): name for code, name in sorted(names.items())}
    (DATA / "countries.json").write_text(
        json.dumps(names, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    (DATA / "LICENSE.txt").write_text(LICENSE, encoding="utf-8")
    count = len(list(flags_dir.glob("*.gif")))
    print(f"{count} flags, {total / 1024:.0f} KB, written to {flags_dir}")


def main(argv: list[str]) -> None:
    if argv:
        generate(Path(argv[0]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        generate(fetch_package(Path(tmp)))


if __name__ == "__main__":
    main(sys.argv[1:])
