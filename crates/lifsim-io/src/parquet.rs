//! `spikes.parquet`: a run's spikes as a Parquet table (neuron, step, time), written row group by row group while the run goes.
//!
//! Columns: `neuron` and `step` (unsigned 32-bit integers; Parquet INT32 with the logical type
//! UINT_32) and `time` (s, 64-bit float: `step * dt` on the grid, the spike's own time with
//! precise crossings). Rows are in the recording's order (by step, then neuron). A writer holds
//! at most one row group ([`ROW_GROUP`] spikes) besides the file's few-kilobyte footer, so a run
//! of 1e8 spikes streams through a few tens of megabytes. Snappy compression (what pandas and
//! pyarrow write by default); `step` is delta-encoded (it only grows), so it costs about a bit.
//! pandas, polars, pyarrow and `dask.dataframe.read_parquet` read the file as it is.

use lifsim::TimeGrid;
use lifsim::record::{SpikeSink, Spikes};
use parquet::basic::{Compression, Encoding};
use parquet::data_type::{DoubleType, Int32Type};
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use std::io::{self, Write};
use std::sync::Arc;

/// Spikes per row group: 16 MiB of values before compression, so that the writer's memory
/// stays bounded and readers (Dask) get partitions of a useful size.
pub const ROW_GROUP: usize = 1 << 20;

/// The table's schema, in Parquet's message syntax.
const SCHEMA: &str = "message spikes {
    required int32 neuron (INTEGER(32, false));
    required int32 step (INTEGER(32, false));
    required double time;
}";

/// Streams spikes into a Parquet file on `W`, one row group per [`ROW_GROUP`] spikes.
///
/// ```
/// use lifsim::record::{SpikeSink, Spikes};
/// let grid = lifsim::TimeGrid::new(1e-3, 10);
/// let mut writer = lifsim_io::parquet::SpikeWriter::new(Vec::new(), grid).unwrap();
/// writer.write(&Spikes { neuron: vec![4, 1], step: vec![2, 3], time: Vec::new() }).unwrap();
/// let bytes = writer.finish().unwrap();
/// let back = lifsim_io::parquet::read_spikes_bytes(bytes).unwrap();
/// assert_eq!((back.neuron, back.step, back.time), (vec![4, 1], vec![2, 3], vec![2e-3, 3e-3]));
/// ```
pub struct SpikeWriter<W: Write + Send> {
    writer: SerializedFileWriter<W>,
    grid: TimeGrid,
    /// Spikes not yet written, fewer than [`ROW_GROUP`] between calls.
    pending: Spikes,
    /// Whether the spikes carry their own times (else `time` is derived from `step`).
    timed: bool,
}

/// A Parquet error as an I/O error.
fn io_error(e: parquet::errors::ParquetError) -> io::Error {
    match e {
        parquet::errors::ParquetError::External(inner) => io::Error::other(inner),
        other => io::Error::other(other.to_string()),
    }
}

impl<W: Write + Send> SpikeWriter<W> {
    /// A writer of the spikes of a run on `grid` into `inner` (buffer it: Parquet writes in
    /// pieces).
    ///
    /// # Errors
    /// The error of writing the file's header.
    pub fn new(inner: W, grid: TimeGrid) -> io::Result<Self> {
        let schema = Arc::new(parse_message_type(SCHEMA).map_err(io_error)?);
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            // Dictionaries cost time and save nothing on 1e6 distinct neurons and times.
            .set_dictionary_enabled(false)
            .set_column_encoding("step".into(), Encoding::DELTA_BINARY_PACKED)
            .set_max_row_group_row_count(Some(ROW_GROUP))
            .set_created_by(format!("lifsim {}", env!("CARGO_PKG_VERSION")))
            .build();
        let writer = SerializedFileWriter::new(inner, schema, Arc::new(properties)).map_err(io_error)?;
        Ok(Self { writer, grid, pending: Spikes::default(), timed: false })
    }

    /// Adds `spikes` (in the recording's order, after those added before); full row groups are
    /// written at once.
    ///
    /// # Errors
    /// Any I/O error; precise and grid spikes mixed in one file.
    pub fn push(&mut self, spikes: &Spikes) -> io::Result<()> {
        if spikes.is_empty() {
            return Ok(());
        }
        if self.pending.is_empty() && self.writer.flushed_row_groups().is_empty() {
            self.timed = spikes.is_timed();
        }
        if spikes.is_timed() != self.timed {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "spikes with and without precise times mixed"));
        }
        let mut at = 0;
        while at < spikes.len() {
            let take = (ROW_GROUP - self.pending.len()).min(spikes.len() - at);
            let range = at..at + take;
            self.pending.neuron.extend_from_slice(&spikes.neuron[range.clone()]);
            self.pending.step.extend_from_slice(&spikes.step[range.clone()]);
            if self.timed {
                self.pending.time.extend_from_slice(&spikes.time[range]);
            }
            at += take;
            if self.pending.len() == ROW_GROUP {
                self.flush_group()?;
            }
        }
        Ok(())
    }

    /// Writes the pending spikes as one row group.
    fn flush_group(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let spikes = std::mem::take(&mut self.pending);
        let written = self.write_group(&spikes.neuron, &spikes.step, self.timed.then_some(spikes.time.as_slice()));
        // Keep the buffers' room for the next group.
        self.pending = spikes;
        self.pending.neuron.clear();
        self.pending.step.clear();
        self.pending.time.clear();
        written
    }

    /// Writes one row group straight from the columns (`time`: the precise times, or `None`
    /// for `step * dt`).
    fn write_group(&mut self, neuron: &[u32], step: &[u32], time: Option<&[f64]>) -> io::Result<()> {
        // Parquet stores unsigned 32-bit integers in INT32 columns, bit for bit: the slices are
        // reinterpreted, not copied.
        let (neurons, steps): (&[i32], &[i32]) = (bytemuck::cast_slice(neuron), bytemuck::cast_slice(step));
        let derived: Vec<f64>;
        let times = match time {
            Some(times) => times,
            None => {
                derived = step.iter().map(|&k| self.grid.time(k as usize)).collect();
                &derived
            }
        };
        let mut group = self.writer.next_row_group().map_err(io_error)?;
        for column in [Column::Int(neurons), Column::Int(steps), Column::Float(times)] {
            let mut writer = group.next_column().map_err(io_error)?.ok_or_else(|| io::Error::other("schema ended"))?;
            match column {
                Column::Int(values) => writer.typed::<Int32Type>().write_batch(values, None, None),
                Column::Float(values) => writer.typed::<DoubleType>().write_batch(values, None, None),
            }
            .map_err(io_error)?;
            writer.close().map_err(io_error)?;
        }
        group.close().map_err(io_error)?;
        Ok(())
    }

    /// Writes the last row group and the footer, and gives back the inner writer (flush and
    /// sync it).
    ///
    /// # Errors
    /// Any I/O error.
    pub fn finish(mut self) -> io::Result<W> {
        self.flush_group()?;
        self.writer.into_inner().map_err(io_error)
    }
}

/// One column's values for [`SpikeWriter::flush_group`].
enum Column<'a> {
    Int(&'a [i32]),
    Float(&'a [f64]),
}

impl<W: Write + Send> SpikeSink for SpikeWriter<W> {
    fn write(&mut self, spikes: &Spikes) -> Result<(), String> {
        self.push(spikes).map_err(|e| format!("spikes.parquet: {e}"))
    }
}

/// Writes all of `spikes` (of a run on `grid`) as a Parquet file on `w`, row group by row
/// group straight from the recording's vectors.
///
/// # Errors
/// Any I/O error.
pub fn write_spikes(w: impl Write + Send, spikes: &Spikes, grid: TimeGrid) -> io::Result<()> {
    let mut writer = SpikeWriter::new(w, grid)?;
    let mut at = 0;
    while at < spikes.len() {
        let end = (at + ROW_GROUP).min(spikes.len());
        let time = spikes.is_timed().then(|| &spikes.time[at..end]);
        writer.write_group(&spikes.neuron[at..end], &spikes.step[at..end], time)?;
        at = end;
    }
    writer.finish()?.flush()
}

/// Reads a spike file written by [`SpikeWriter`] (all its rows, in order): `time` holds every
/// spike's time, derived or precise.
///
/// # Errors
/// An I/O error, or a file that is no spike table.
pub fn read_spikes(file: std::fs::File) -> io::Result<Spikes> {
    read_table(file)
}

/// [`read_spikes`] from the bytes of a spike file.
///
/// # Errors
/// Bytes that are no spike table.
pub fn read_spikes_bytes(bytes: Vec<u8>) -> io::Result<Spikes> {
    read_table(bytes::Bytes::from(bytes))
}

/// The spike table in `file`.
fn read_table<R: parquet::file::reader::ChunkReader + 'static>(file: R) -> io::Result<Spikes> {
    let reader = SerializedFileReader::new(file).map_err(io_error)?;
    let rows = usize::try_from(reader.metadata().file_metadata().num_rows()).map_err(io::Error::other)?;
    let mut spikes = Spikes::default();
    let (mut ints, mut floats) = (Vec::with_capacity(rows), Vec::with_capacity(rows));
    for g in 0..reader.num_row_groups() {
        let group = reader.get_row_group(g).map_err(io_error)?;
        let len = usize::try_from(group.metadata().num_rows()).map_err(io::Error::other)?;
        for (c, target) in [(0, &mut spikes.neuron), (1, &mut spikes.step)] {
            ints.clear();
            match group.get_column_reader(c).map_err(io_error)? {
                parquet::column::reader::ColumnReader::Int32ColumnReader(mut r) => {
                    r.read_records(len, None, None, &mut ints).map_err(io_error)?;
                }
                _ => return Err(io::Error::new(io::ErrorKind::InvalidData, "not a lifsim spike table")),
            }
            target.extend(ints.iter().map(|&v| v as u32));
        }
        floats.clear();
        match group.get_column_reader(2).map_err(io_error)? {
            parquet::column::reader::ColumnReader::DoubleColumnReader(mut r) => {
                r.read_records(len, None, None, &mut floats).map_err(io_error)?;
            }
            _ => return Err(io::Error::new(io::ErrorKind::InvalidData, "not a lifsim spike table")),
        }
        spikes.time.extend_from_slice(&floats);
    }
    if spikes.neuron.len() != rows || spikes.step.len() != rows || spikes.time.len() != rows {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "a spike table with columns of unequal lengths"));
    }
    Ok(spikes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spikes cut into uneven pieces and over several row groups come back as they went in,
    /// with grid times `step dt` or their own times.
    #[test]
    fn spikes_round_trip_through_row_groups() {
        let grid = TimeGrid::new(1e-4, 100_000);
        let count = 2 * ROW_GROUP + 12_345;
        let step: Vec<u32> = (0..count).map(|i| (i / 40) as u32).collect();
        let neuron: Vec<u32> = (0..count).map(|i| ((i * 7919) % 2_000_003) as u32).collect();
        for timed in [false, true] {
            let time: Vec<f64> =
                if timed { step.iter().map(|&k| (f64::from(k) - 0.375) * 1e-4).collect() } else { Vec::new() };
            let spikes = Spikes { neuron: neuron.clone(), step: step.clone(), time: time.clone() };
            let mut writer = SpikeWriter::new(Vec::new(), grid).unwrap();
            for piece in [0..1, 1..700_000, 700_000..700_000, 700_000..count] {
                let part = Spikes {
                    neuron: neuron[piece.clone()].to_vec(),
                    step: step[piece.clone()].to_vec(),
                    time: if timed { time[piece].to_vec() } else { Vec::new() },
                };
                writer.push(&part).unwrap();
            }
            let streamed = writer.finish().unwrap();
            let mut whole = Vec::new();
            write_spikes(&mut whole, &spikes, grid).unwrap();
            for bytes in [streamed, whole] {
                let back = read_spikes_bytes(bytes).unwrap();
                assert_eq!((&back.neuron, &back.step), (&spikes.neuron, &spikes.step), "timed {timed}");
                let expected: Vec<f64> = (0..count).map(|i| spikes.time_of(i, grid)).collect();
                assert_eq!(back.time, expected, "timed {timed}");
            }
        }
    }

    /// Precise and grid spikes cannot share a file.
    #[test]
    fn mixed_spikes_are_refused() {
        let mut writer = SpikeWriter::new(Vec::new(), TimeGrid::new(1e-3, 10)).unwrap();
        writer.push(&Spikes { neuron: vec![0], step: vec![1], time: Vec::new() }).unwrap();
        let err = writer.push(&Spikes { neuron: vec![0], step: vec![2], time: vec![1.5e-3] }).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }
}
