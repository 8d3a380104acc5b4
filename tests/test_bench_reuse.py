"""The benchmark's ``--reuse`` (bench/scale.py): a kept run's file, its directory or a URL; anything else a clear
refusal before any work, not a traceback from the first connection."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.scale import reuse_url

ROOT = Path(__file__).resolve().parents[1]


def test_reuse_takes_the_file_its_directory_or_a_url(tmp_path):
    big = tmp_path / "big.db"
    big.write_bytes(b"")
    assert reuse_url(str(big)) == f"sqlite:///{big.resolve()}"
    assert reuse_url(str(tmp_path)) == f"sqlite:///{big.resolve()}"
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/bench10m"
    assert reuse_url(url) == url


def test_a_path_without_a_database_is_refused_naming_what_was_looked_for(tmp_path):
    with pytest.raises(FileNotFoundError, match="big.db"):
        reuse_url(str(tmp_path))  # a directory without big.db
    with pytest.raises(FileNotFoundError, match="nothing.db"):
        reuse_url(str(tmp_path / "nothing.db"))


def test_the_command_line_refuses_it_without_a_traceback(tmp_path):
    run = subprocess.run([sys.executable, "-m", "bench.scale", "--reuse", str(tmp_path), "--skip-sessions"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2, run.stdout + run.stderr
    assert "--reuse: no database file at" in run.stderr
    assert "Traceback" not in run.stderr
    assert "scale benchmark" not in run.stdout  # refused before any work: no temporary directory made
