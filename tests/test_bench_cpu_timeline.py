"""bench/cpu_timeline.py, the tool that shows when a cold refresh leaves the cores idle: it
runs a real refresh against its own feed server and reports every bucket and the phases."""

from __future__ import annotations

import re

import pytest

from bench import cpu_timeline

ROW = re.compile(r"^\s*(\d+\.\d\d)((?:\s+-?\d+%)+)\s*$")


def test_a_cold_refresh_is_reported_bucket_by_bucket(capsys: pytest.CaptureFixture[str]) -> None:
    assert cpu_timeline.main(["--feeds", "12", "--corpus", "ascii", "--hosts", "4",
                              "--every", "5", "--bucket", "20"]) == 0
    out = capsys.readouterr().out
    rows = [ROW.match(line) for line in out.splitlines()]
    shares = [[int(cell.rstrip("%")) for cell in row.group(2).split()] for row in rows if row]
    assert len(shares) >= 3  # a refresh of 12 feeds lasts more than two 20 ms buckets
    # No column ever goes backwards (each thread is followed on its own, so one that ends
    # takes nothing away), and each row's total is its columns' sum (to rounding).
    assert all(share >= 0 for row in shares for share in row)
    assert all(abs(sum(row[:-1]) - row[-1]) <= len(row) for row in shares)
    summary = re.search(r"CPU: the command (\d+\.\d+) s, the processes below it (\d+\.\d+) s "
                        r"\((\d+) seen\)", out)
    assert summary is not None
    command, below, seen = float(summary[1]), float(summary[2]), int(summary[3])
    assert command > 0 and below > 0 and seen >= 1  # 12 feeds: the parser processes ran
    # The rows add up to the totals: the command's column is its CPU, bucket by bucket.
    assert sum(row[0] for row in shares) / 100 * 0.020 == pytest.approx(command, abs=0.01)
    assert re.search(r"phases: the command alone \d+\.\d\d s; with workers \d+\.\d\d s", out)


def test_nothing_to_measure_is_said_in_words(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        cpu_timeline.main(["--feeds", "0"])
    assert stop.value.code == 2
    assert "--feeds, --every and --bucket must be positive" in capsys.readouterr().err
