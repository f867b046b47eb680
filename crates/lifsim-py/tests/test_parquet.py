"""Spikes that do not fit in memory: record.spikes = "file" (Parquet, streamed) and "counts"."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import lifsim

# 70 000 neurons: two blocks, so that two shards are possible; 20 ms at 0.1 ms, a few
# thousand spikes.
RUN = dict(n=70_000, t_max="20 ms", dt="0.1 ms", noise="white", sigma_v="5 mV", i_mean="250 pA", traces=3)


@pytest.fixture(scope="module")
def memory() -> lifsim.Result:
    return lifsim.simulate(**RUN)


def memory_spikes(result: lifsim.Result) -> pd.DataFrame:
    return pd.DataFrame({"neuron": result.spike_neurons, "step": result.spike_steps, "time": result.spike_times})


def assert_same_run(a: lifsim.Result, b: lifsim.Result) -> None:
    """Everything but the spikes themselves, bit for bit."""
    for name in ["v_mean", "v_var", "activity", "spike_counts", "v_traces", "hist_counts"]:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.summary["spikes"] == b.summary["spikes"]


def test_file_run_streams_exactly_the_memory_runs_spikes(tmp_path, memory):
    assert len(memory.spike_steps) > 2000
    out = tmp_path / "run"
    streamed = lifsim.simulate(**RUN, spikes="file", out=out)
    assert streamed.spike_mode == "file" and len(streamed.spike_steps) == 0
    assert streamed.spike_files == [os.path.join(out, "spikes.parquet")]
    assert_same_run(streamed, memory)
    expected = memory_spikes(memory)
    pd.testing.assert_frame_equal(streamed.spikes(), expected, check_dtype=False)
    table = pq.read_table(out / "spikes.parquet")
    assert table.column_names == ["neuron", "step", "time"]
    assert str(table.schema.field("neuron").type) == "uint32"
    # The run's directory is one run, as lifsim run writes it; load reads the spikes lazily.
    assert sorted(p.name for p in out.iterdir()) == [".lifsim-run.json", "results.npz", "spikes.parquet", "summary.json"]
    back = lifsim.load(out)
    assert back.spike_files == streamed.spike_files
    pd.testing.assert_frame_equal(back.spikes(), expected, check_dtype=False)
    timings = back.summary["timings"]
    assert set(timings["files_s"]) == {"spikes.parquet", "results.npz"} and timings["simulation_s"] > 0


def test_counts_run_keeps_counts_and_activity_only(tmp_path, memory):
    counted = lifsim.simulate(**RUN, spikes="counts")
    assert_same_run(counted, memory)
    assert len(counted.spike_steps) == 0 and counted.spike_files == []
    assert counted.analysis["rate_hz"] == memory.analysis["rate_hz"]
    assert counted.analysis["isi_count"] == 0 and np.isnan(counted.analysis["cv_isi"])
    with pytest.raises(ValueError, match="counts"):
        counted.spikes()
    out = tmp_path / "counts"
    counted.save(out)
    assert not any(p.name.startswith("spikes") for p in out.iterdir())


def test_a_file_run_needs_a_directory():
    with pytest.raises(ValueError, match="out="):
        lifsim.simulate(**RUN, spikes="file")


@pytest.mark.parametrize("executor", [ThreadPoolExecutor, ProcessPoolExecutor])
def test_shards_of_a_file_run_write_one_part_each(tmp_path, memory, executor):
    out = tmp_path / "spread"
    # A part of an earlier run with more shards must not be mistaken for one of this run.
    os.makedirs(out / "spikes")
    (out / "spikes" / "part-00007.parquet").write_bytes(b"stale")
    with executor(2) as pool:
        spread = lifsim.simulate(**RUN, spikes="file", out=out, client=pool, shards=2)
    assert [os.path.basename(f) for f in spread.spike_files] == ["part-00000.parquet", "part-00001.parquet"]
    assert_same_run(spread, memory)
    np.testing.assert_array_equal(spread.v_mean, memory.v_mean)
    pd.testing.assert_frame_equal(spread.spikes(), memory_spikes(memory), check_dtype=False)
    # Each part holds its shard's neurons; together, every spike once.
    first = pq.read_table(spread.spike_files[0]).column("neuron").to_numpy()
    assert first.max() < 65_536
    back = lifsim.load(out)
    pd.testing.assert_frame_equal(back.spikes(), memory_spikes(memory), check_dtype=False)
    assert not any(name.endswith(".tmp") for name in os.listdir(out / "spikes"))
    # Spikes larger than memory: Dask reads the parts lazily, one partition per row group.
    dd = pytest.importorskip("dask.dataframe")
    lazy = dd.read_parquet(spread.spike_files)
    assert list(lazy.columns) == ["neuron", "step", "time"]
    assert int(lazy["neuron"].count().compute()) == len(memory.spike_steps)


def test_save_reports_each_files_seconds(tmp_path, memory):
    seconds = memory.save(tmp_path / "saved")
    assert set(seconds) == {"results.npz", "spikes.csv"} and all(s >= 0 for s in seconds.values())
    assert lifsim.load(tmp_path / "saved").summary["timings"]["files_s"] == pytest.approx(seconds)
