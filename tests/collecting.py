"""Collecting static files in a test as the image does: without brotli, in a few seconds."""

from pathlib import Path


def image_like_pythonpath(tmp_path: Path) -> str:
    """A PYTHONPATH on which `import brotli` fails, as in the image.

    The runtime lock does not bring brotli (the dev tools here do), and WhiteNoise
    compresses every file with it when it can: 30 s instead of 3 s per collectstatic.
    """
    folder = tmp_path / "no-brotli"
    folder.mkdir(exist_ok=True)
    (folder / "brotli.py").write_text('raise ImportError("as in the image")\n')
    return str(folder)
