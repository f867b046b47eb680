//! spikes.csv at disk speed: rows formatted in parallel batches with itoa and ryu, the same bytes as Rust's `Display`.
//!
//! `write!(w, "{neuron},{step},{time}")` per spike spent most of a large run's whole-process time
//! in `core::fmt` (about a quarter at n = 1e5). Here each batch of spikes is formatted into one
//! byte buffer per thread with `itoa` (integers) and `ryu` (the shortest round-trip digits of a
//! float, rewritten into `Display`'s positional notation), and the buffers are written in
//! order, so the file is byte for byte what the `fmt` loop wrote, and memory stays bounded by
//! one batch.

use lifsim::Recording;
use rayon::prelude::*;
use std::io::{self, Write};

/// Spikes per formatting task; a batch is this times the thread count.
const TASK_SPIKES: usize = 1 << 16;

/// Writes the spikes as CSV with the header `neuron,step,time_s`, `time_s` being the step's
/// grid time written as Rust's `Display` writes an `f64`.
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
    w.write_all(b"neuron,step,time_s\n")?;
    let (neurons, steps) = (&rec.spikes.neuron[..], &rec.spikes.step[..]);
    let batch = TASK_SPIKES * rayon::current_num_threads().max(1);
    let mut buffers: Vec<Vec<u8>> = Vec::new();
    for start in (0..neurons.len()).step_by(batch) {
        let end = (start + batch).min(neurons.len());
        let tasks = (end - start).div_ceil(TASK_SPIKES);
        buffers.resize_with(tasks, Vec::new);
        buffers.par_iter_mut().enumerate().for_each(|(task, out)| {
            let first = start + task * TASK_SPIKES;
            let last = (first + TASK_SPIKES).min(end);
            out.clear();
            for (&neuron, &step) in neurons[first..last].iter().zip(&steps[first..last]) {
                put_row(out, neuron, step, rec.grid.time(step as usize));
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

/// Appends `value` as `format!("{value}")` would: the shortest digits that read back to the
/// same `f64`, in positional notation (no exponent), `"1"` for 1.0, `"0.00001"` for 1e-5.
fn put_display_f64(out: &mut Vec<u8>, value: f64) {
    if !value.is_finite() {
        out.extend_from_slice(format!("{value}").as_bytes());
        return;
    }
    let mut buffer = ryu::Buffer::new();
    let text = buffer.format_finite(value).as_bytes();
    let (sign, text) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    if sign {
        out.push(b'-'); // -0.0 too: Display writes "-0"
    }
    let Some(e) = text.iter().position(|&b| b == b'e') else {
        // Positional already ("123.456", "1.0"): only "X.0" loses its point.
        out.extend_from_slice(text.strip_suffix(b".0").unwrap_or(text));
        return;
    };
    // "d.ddde-X" or "deX": the digits without the point, and the point's place after the first.
    let (mantissa, exponent) = (&text[..e], parse_exponent(&text[e + 1..]));
    let (first, rest) = (mantissa[0], mantissa.get(2..).unwrap_or(&[]));
    let place = 1 + exponent;
    let len = 1 + rest.len() as i64;
    if place <= 0 {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', (-place) as usize));
        out.push(first);
        out.extend_from_slice(rest);
    } else if place >= len {
        out.push(first);
        out.extend_from_slice(rest);
        out.extend(std::iter::repeat_n(b'0', (place - len) as usize));
    } else {
        // ryu uses an exponent only below 1e-5 or from 1e16, so the point never falls inside.
        out.push(first);
        out.extend_from_slice(&rest[..place as usize - 1]);
        out.push(b'.');
        out.extend_from_slice(&rest[place as usize - 1..]);
    }
}

/// The exponent after ryu's `e` ("-7", "20").
fn parse_exponent(text: &[u8]) -> i64 {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let magnitude = digits.iter().fold(0i64, |acc, &d| acc * 10 + i64::from(d - b'0'));
    if negative { -magnitude } else { magnitude }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn display(value: f64) -> String {
        let mut out = Vec::new();
        put_display_f64(&mut out, value);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn floats_are_written_as_display_writes_them() {
        let cases = [
            0.0,
            -0.0,
            1.0,
            1.5,
            0.1,
            1e-5,
            1.5e-7,
            123.456,
            1e15,
            1e16,
            1e20,
            1.2345e21,
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
            0.30000000000000004,
            99999.99999,
            1e-4,
            2.5e-3,
            -3.25e-9,
        ];
        for value in cases {
            assert_eq!(display(value), format!("{value}"), "{value:e}");
        }
    }

    #[test]
    fn grid_times_are_written_as_display_writes_them() {
        for dt in [1e-4, 0.1e-3, 2.5e-5, 1e-3 / 3.0, 0.5e-3, 7e-6] {
            for k in (0..200_000u32).step_by(7).chain([u32::MAX - 1, 1 << 30]) {
                let time = f64::from(k) * dt;
                assert_eq!(display(time), format!("{time}"), "k {k} dt {dt}");
            }
        }
    }

    proptest! {
        #[test]
        fn any_finite_float_is_written_as_display_writes_it(bits in any::<u64>()) {
            let value = f64::from_bits(bits);
            prop_assume!(value.is_finite());
            prop_assert_eq!(display(value), format!("{value}"));
        }
    }
}
