"""Ensembles and sweeps on a Dask LocalCluster and on executors: the same bits as one machine."""

import multiprocessing
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

import lifsim

distributed = pytest.importorskip("distributed")

#: 7 blocks of 64 chunks of 1024 neurons, a short run with spikes, traces and a histogram.
ENSEMBLE = dict(
    n=420_000,
    t_max="3 ms",
    dt="0.1 ms",
    noise="white",
    sigma_v="8 mV",
    i_mean="450 pA",
    v_init="-52 mV",
    traces=3,
    hist_times=["1 ms"],
)
ARRAYS = ("v_mean", "v_var", "activity", "spike_counts", "spike_neurons", "spike_times", "v_traces", "hist_counts")


@pytest.fixture(scope="module")
def client():
    """One LocalCluster of 2 worker processes (one thread each) for the whole module."""
    cluster = distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None, silence_logs=40
    )
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


@pytest.fixture(scope="module")
def local():
    """The ensemble run on this machine, without a client."""
    return lifsim.simulate(**ENSEMBLE, threads=1)


def same(a, b):
    """Bitwise equality of every recorded array (NaN and -0.0 would differ)."""
    for name in ARRAYS:
        x, y = np.asarray(getattr(a, name)), np.asarray(getattr(b, name))
        assert x.dtype == y.dtype and x.shape == y.shape, name
        assert x.tobytes() == y.tobytes(), name
    assert len(a.spike_times) > 0


@pytest.mark.parametrize("shards", [1, 2, 3, 7])
def test_shards_on_a_cluster_give_the_local_bits(client, local, shards):
    same(lifsim.simulate(**ENSEMBLE, client=client, shards=shards, threads=1), local)


def test_default_shards_and_the_executor_interface(client, local):
    same(lifsim.simulate(**ENSEMBLE, client=client), local)
    same(lifsim.simulate(**ENSEMBLE, client=client.get_executor(), shards=3), local)


def test_a_sweep_on_a_cluster_is_the_local_sweep(client):
    vary = {"i_mean": ("300 pA", "500 pA", 5)}
    params = dict(n=2000, t_max="50 ms", noise="white", sigma_v="4 mV")
    spread = lifsim.sweep(vary, **params, client=client, threads=1)
    here = lifsim.sweep(vary, **params, threads=1)
    assert list(spread.columns) == list(here.columns)
    for name in here.columns:
        assert np.asarray(spread[name]).tobytes() == np.asarray(here[name]).tobytes(), name


def _die_once(marker):
    """A task hook that kills its worker process the first time any worker runs a task."""

    def hook(_what):
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL)
        except FileExistsError:
            return
        os.close(fd)
        os._exit(1)

    return hook


def _install(hook):
    import lifsim._distributed

    lifsim._distributed._before_task = hook


def test_a_lost_worker_is_retried_and_the_result_is_the_same(client, local, tmp_path):
    client.run(_install, _die_once(str(tmp_path / "died")))
    try:
        result = lifsim.simulate(**ENSEMBLE, client=client, shards=3, threads=1)
    finally:
        client.run(_install, None)
    assert (tmp_path / "died").exists()
    same(result, local)


def test_a_file_run_on_a_cluster_writes_one_part_per_shard_even_with_a_lost_worker(client, local, tmp_path):
    """Each shard's spikes in its own Parquet part; a retried shard rewrites its part whole."""
    pd = pytest.importorskip("pandas")
    out = tmp_path / "run"
    client.run(_install, _die_once(str(tmp_path / "died")))
    try:
        result = lifsim.simulate(**ENSEMBLE, client=client, shards=3, threads=1, spikes="file", out=out)
    finally:
        client.run(_install, None)
    assert (tmp_path / "died").exists()
    assert [os.path.basename(f) for f in result.spike_files] == [f"part-{i:05d}.parquet" for i in range(3)]
    np.testing.assert_array_equal(result.v_mean, local.v_mean)
    expected = pd.DataFrame({"neuron": local.spike_neurons, "step": local.spike_steps, "time": local.spike_times})
    pd.testing.assert_frame_equal(lifsim.load(out).spikes(), expected, check_dtype=False)


def test_ctrl_c_cancels_every_pending_task(client):
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            lifsim.simulate(n=420_000, t_max="2 s", client=client, shards=7, threads=1)
    finally:
        timer.cancel()
    # Every future was cancelled and released: nothing of the run stays on the cluster.
    distributed.wait([], timeout=1)
    assert not [key for key in client.futures if "run_shard" in str(key)]


def test_a_process_pool_gives_the_same_result(local):
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        same(lifsim.simulate(**ENSEMBLE, client=pool, shards=3, threads=1), local)


def test_a_forked_process_pool_does_not_hang(local):
    # This process already has worker threads (the local run); forked children start their own.
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        same(lifsim.simulate(**ENSEMBLE, client=pool, shards=2, threads=1), local)


def test_bad_arguments_and_networks_are_refused(client):
    with pytest.raises(ValueError, match="shards = 0 is invalid"):
        lifsim.simulate(n=100, client=client, shards=0)
    with pytest.raises(ValueError, match="needs client="):
        lifsim.simulate(n=100, shards=2)
    with pytest.raises(ValueError, match="retries = -1 is invalid"):
        lifsim.simulate(n=100, client=client, retries=-1)
    network = lifsim.brunel2000(order=20, t_max="10 ms")
    with pytest.raises(ValueError, match="a network cannot be cut into shards"):
        lifsim.simulate(network, client=client)
