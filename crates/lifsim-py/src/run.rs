//! Running simulations from Python: a worker pool of the requested size, the GIL released,
//! Ctrl-C honoured. Shared by `simulate` and `sweep`.

use crate::error::Failure;
use lifsim::{Recording, Simulation};
use pyo3::prelude::*;
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::Duration;

/// How often the waiting Python thread looks for a pending signal (Ctrl-C).
const SIGNAL_POLL: Duration = Duration::from_millis(20);

/// The pools built so far, by worker count (0: the default), kept for the life of the process:
/// starting the threads takes about as long as a whole small run (bench/RESULTS.md, fourth
/// round), which a loop of small runs, a sweep in Python or a Dask task would pay every call.
/// The pools are tagged with the id of the process that started them: a child forked from a
/// process with pools (a `ProcessPoolExecutor` on Linux) has none of their threads, so it
/// starts its own instead of waiting forever on the parent's.
static POOLS: OnceLock<Mutex<(u32, Pools)>> = OnceLock::new();

/// The pools of one process, by worker count.
type Pools = HashMap<usize, Arc<rayon::ThreadPool>>;

/// A pool of `threads` workers (`None`: one per core, or `RAYON_NUM_THREADS`), built on first
/// use and shared by later calls.
///
/// # Errors
/// `ValueError` for fewer than one thread, `OSError` when the threads cannot be started.
pub fn pool(threads: Option<i64>) -> Result<Arc<rayon::ThreadPool>, Failure> {
    let max = lifsim::engine::max_threads();
    let threads = match threads.map(usize::try_from) {
        None => 0,
        Some(Ok(count)) if (1..=max).contains(&count) => count,
        Some(_) => {
            return Err(Failure::Value(format!(
                "threads = {} is invalid: expected a whole number from 1 to {max} (4 per core on this machine), \
                 or None for all cores",
                threads.unwrap_or_default()
            )));
        }
    };
    // A poisoned lock only means another call panicked while holding it; the map stays valid.
    let mut guard = POOLS.get_or_init(Mutex::default).lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let (owner, pools) = &mut *guard;
    if *owner != std::process::id() {
        // The parent's pools have no threads here; dropping them would wait for those threads.
        std::mem::forget(std::mem::take(pools));
        *owner = std::process::id();
    }
    if let Some(pool) = pools.get(&threads) {
        return Ok(Arc::clone(pool));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Failure::Io(std::io::Error::other(format!("cannot start worker threads: {e}"))))?;
    Ok(Arc::clone(pools.entry(threads).or_insert(Arc::new(pool))))
}

/// The memory a run may use (bytes): `max_memory`, else what the system has available.
pub fn memory_budget(max_memory: Option<u64>) -> u64 {
    max_memory.or_else(lifsim_io::memory::available).unwrap_or(u64::MAX)
}

/// Runs `sim` on `pool` with the GIL released and returns its recording.
///
/// The run goes to a worker of the pool, while this (Python) thread waits for it and, every
/// few milliseconds, lets Python handle its signals: only the main thread can, so a signal
/// handler's exception (`KeyboardInterrupt` on Ctrl-C) cancels the run at its next window and
/// is raised here.
pub fn run(py: Python<'_>, sim: &Simulation, pool: &rayon::ThreadPool) -> Result<Recording, Failure> {
    run_task(py, pool, |control| lifsim::run_with(sim, control))
}

/// Runs `task` (a core run given its window callback) on `pool` with the GIL released and
/// Ctrl-C honoured, as [`run`] does.
pub fn run_task<T: Send>(
    py: Python<'_>,
    pool: &rayon::ThreadPool,
    task: impl FnOnce(&mut dyn FnMut(lifsim::Progress) -> ControlFlow<()>) -> Result<T, lifsim::Error> + Send,
) -> Result<T, Failure> {
    let cancel = AtomicBool::new(false);
    let mut raised = None;
    let recording = py.detach(|| {
        pool.in_place_scope(|scope| {
            let (done, finished) = mpsc::channel();
            let cancel = &cancel;
            scope.spawn(move |_| {
                let mut control =
                    |_| if cancel.load(Ordering::Relaxed) { ControlFlow::Break(()) } else { ControlFlow::Continue(()) };
                // The receiver outlives this task, so the send cannot fail.
                let _ = done.send(task(&mut control));
            });
            loop {
                match finished.recv_timeout(SIGNAL_POLL) {
                    Ok(result) => return Some(result),
                    Err(mpsc::RecvTimeoutError::Disconnected) => return None, // the task panicked
                    Err(mpsc::RecvTimeoutError::Timeout) if raised.is_none() => {
                        if let Err(e) = Python::attach(|py| py.check_signals()) {
                            raised = Some(e);
                            cancel.store(true, Ordering::Relaxed);
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                }
            }
        })
    });
    if let Some(e) = raised {
        return Err(Failure::Python(e));
    }
    // A panic in the task is re-raised by `in_place_scope` before this point.
    Ok(recording.ok_or_else(|| Failure::Value("the run stopped without a result".into()))??)
}
