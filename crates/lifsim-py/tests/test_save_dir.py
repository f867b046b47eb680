"""Result.save into a directory: one run per directory, never a mix; files lifsim did not write
kept; one writer at a time (the rules of the command line's --out)."""

import json
import signal
import subprocess
import sys
import time

import pytest

import lifsim

MANIFEST = ".lifsim-run.json"
RUN = [MANIFEST, "results.npz", "spikes.csv", "summary.json"]

posix = pytest.mark.skipif(sys.platform == "win32", reason="flock and signals are POSIX")


def names(path):
    return sorted(p.name for p in path.iterdir())


def small(**kwargs):
    return lifsim.simulate(**{"n": 20, "traces": 2, **kwargs})


def test_saving_twice_leaves_one_run_and_its_manifest(tmp_path):
    run = tmp_path / "run"
    small().save(run)
    first = json.loads((run / MANIFEST).read_text())
    small(n=30, seed=5).save(run)
    assert names(run) == RUN
    manifest = json.loads((run / MANIFEST).read_text())
    assert manifest["files"] == ["results.npz", "spikes.csv", "summary.json"]
    assert manifest["date"] >= first["date"] and manifest["lifsim_version"] == lifsim.__version__
    assert lifsim.load(run).summary["n"] == 30
    assert names(tmp_path) == ["run"], "nothing left beside it"


def test_saving_replaces_a_command_line_run_with_figures(tmp_path, lifsim_cli):
    run = tmp_path / "run"
    subprocess.run([lifsim_cli, "run", "--quiet", "--out", str(run), "--set", "simulation.n=20"], check=True)
    assert (run / "report.html").exists() and (run / "voltage.png").exists()
    small().save(run)
    assert names(run) == RUN, "no figure or report of the earlier run is left"


def test_files_lifsim_did_not_write_survive(tmp_path):
    run = tmp_path / "run"
    small().save(run)
    (run / "notes.txt").write_text("mine")
    (run / "mine").mkdir()
    (run / "mine" / "fit.csv").write_text("1,2\n")
    inode = (run / "notes.txt").stat().st_ino
    small(seed=2).save(run)
    assert names(run) == sorted([*RUN, "mine", "notes.txt"])
    assert (run / "notes.txt").read_text() == "mine"
    assert (run / "notes.txt").stat().st_ino == inode, "the same file, not a copy"
    assert (run / "mine" / "fit.csv").read_text() == "1,2\n"


def test_a_file_of_someone_elses_with_a_result_name_is_refused(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "spikes.csv").write_text("my spikes")
    with pytest.raises(FileExistsError, match=r"spikes\.csv.*will not overwrite a file it did not write"):
        small().save(run)
    assert names(run) == ["spikes.csv"]
    assert (run / "spikes.csv").read_text() == "my spikes"
    assert names(tmp_path) == ["run"]


@posix
def test_a_directory_locked_by_another_process_is_refused(tmp_path):
    import fcntl

    run = tmp_path / "run"
    with open(tmp_path / ".run.lifsim-lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(BlockingIOError, match="another lifsim run is writing into"):
            small().save(run)
        assert not run.exists()
    small().save(run)
    assert names(run) == RUN


@posix
def test_a_directory_a_command_line_run_is_writing_into_is_refused(tmp_path, lifsim_cli):
    run = tmp_path / "run"
    small().save(run)
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    long_run = [lifsim_cli, "run", "--quiet", "--no-plots", "--out", str(run)]
    long_run += ["--set", "simulation.n=100000", "--set", "simulation.t_max=1000"]
    # A free membrane keeps no spikes: a long run that fits in memory.
    long_run += ["--set", "neuron.v_th=none", "--set", "record.traces=0", "--set", "record.hist_times=[]"]
    child = subprocess.Popen(long_run, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not any(p.name.startswith(".run.lifsim-new-") for p in tmp_path.iterdir()):
            assert time.monotonic() < deadline, "the command line run did not start"
            time.sleep(0.01)
        with pytest.raises(BlockingIOError, match="another lifsim run is writing into"):
            small(seed=3).save(run)
    finally:
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=60)
    assert child.returncode == 143, err
    assert {p.name: p.read_bytes() for p in run.iterdir()} == before, "the earlier run is intact"
    assert names(tmp_path) == ["run"]
