//! NumPy `.npz` archives (a zip of `.npy` arrays, stored uncompressed), written without NumPy.
//!
//! The `.npy` format is NumPy's documented version 1.0: magic, a Python-dict header padded to
//! a multiple of 64 bytes, then the little-endian data in C order.

use lifsim::Recording;
use lifsim::record::Column;
use std::io::{self, Seek, Write};
use zip::write::SimpleFileOptions;

/// An element type that `.npy` can hold.
pub trait Element: bytemuck::Pod {
    /// NumPy's dtype string, e.g. `<f8`.
    const DESCR: &'static str;
    /// Appends the little-endian bytes.
    fn put(self, out: &mut Vec<u8>);
}

impl Element for f64 {
    const DESCR: &'static str = "<f8";
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}
impl Element for u32 {
    const DESCR: &'static str = "<u4";
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}
impl Element for u64 {
    const DESCR: &'static str = "<u8";
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

/// The `.npy` header for an array of `shape`.
fn header<T: Element>(shape: &[usize]) -> Vec<u8> {
    header_for(T::DESCR, shape)
}

/// The `.npy` header for an array of dtype `descr` and `shape`.
fn header_for(descr: &str, shape: &[usize]) -> Vec<u8> {
    let dims = match shape {
        [single] => format!("({single},)"),
        many => format!("({})", many.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")),
    };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {dims}, }}");
    // magic (6) + version (2) + length (2) + dict + '\n' must be a multiple of 64.
    let unpadded = 10 + dict.len() + 1;
    dict.push_str(&" ".repeat(unpadded.next_multiple_of(64) - unpadded));
    dict.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

/// A zip archive of `.npy` arrays being written.
pub struct NpzWriter<W: Write + Seek> {
    zip: zip::ZipWriter<W>,
    buffer: Vec<u8>,
}

impl<W: Write + Seek> NpzWriter<W> {
    /// Starts an archive on `inner`.
    pub fn new(inner: W) -> Self {
        Self { zip: zip::ZipWriter::new(inner), buffer: Vec::new() }
    }

    /// Adds array `name` (without `.npy`) of `shape` holding `data` in C order.
    ///
    /// # Errors
    /// An I/O or zip error; `InvalidInput` when `shape` does not match `data`.
    pub fn add<T: Element>(
        &mut self,
        name: &str,
        shape: &[usize],
        data: impl IntoIterator<Item = T>,
    ) -> io::Result<()> {
        let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored).large_file(true);
        self.zip.start_file(format!("{name}.npy"), options).map_err(io::Error::other)?;
        self.zip.write_all(&header::<T>(shape))?;
        let expected: usize = shape.iter().product();
        let mut count = 0;
        self.buffer.clear();
        for x in data {
            x.put(&mut self.buffer);
            count += 1;
            if self.buffer.len() >= 1 << 16 {
                self.zip.write_all(&self.buffer)?;
                self.buffer.clear();
            }
        }
        self.zip.write_all(&self.buffer)?;
        if count != expected {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("array {name}: {count} values for shape {shape:?}"),
            ));
        }
        Ok(())
    }

    /// Adds array `name` of `shape` holding `data` in C order, written straight from the slice
    /// on a little-endian machine (no copy into a buffer; the zip's checksum reads it once).
    ///
    /// # Errors
    /// An I/O or zip error; `InvalidInput` when `shape` does not match `data`.
    pub fn add_slice<T: Element>(&mut self, name: &str, shape: &[usize], data: &[T]) -> io::Result<()> {
        if !cfg!(target_endian = "little") {
            return self.add(name, shape, data.iter().copied());
        }
        if shape.iter().product::<usize>() != data.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("array {name}: {} values for shape {shape:?}", data.len()),
            ));
        }
        let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored).large_file(true);
        self.zip.start_file(format!("{name}.npy"), options).map_err(io::Error::other)?;
        self.zip.write_all(&header::<T>(shape))?;
        self.zip.write_all(bytemuck::cast_slice(data))
    }

    /// Adds array `name` of `shape` holding `texts` in C order as NumPy unicode strings
    /// (`<U{width}`, UTF-32, each padded with zeros to the longest).
    ///
    /// # Errors
    /// An I/O or zip error; `InvalidInput` when `shape` does not match `texts`.
    pub fn add_text(&mut self, name: &str, shape: &[usize], texts: &[String]) -> io::Result<()> {
        if shape.iter().product::<usize>() != texts.len() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("array {name}: shape {shape:?}")));
        }
        let width = texts.iter().map(|t| t.chars().count()).max().unwrap_or(0).max(1);
        let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored).large_file(true);
        self.zip.start_file(format!("{name}.npy"), options).map_err(io::Error::other)?;
        self.zip.write_all(&header_for(&format!("<U{width}"), shape))?;
        for text in texts {
            let mut chars: Vec<u8> = text.chars().flat_map(|c| u32::from(c).to_le_bytes()).collect();
            chars.resize(4 * width, 0);
            self.zip.write_all(&chars)?;
        }
        Ok(())
    }

    /// Finishes the archive and returns the inner writer.
    ///
    /// # Errors
    /// An I/O or zip error.
    pub fn finish(self) -> io::Result<W> {
        self.zip.finish().map_err(io::Error::other)
    }
}

/// Writes the recording's arrays ([`Recording::arrays`], the one table of names, shapes and
/// data) as `results.npz` content into `w`.
///
/// # Errors
/// Any I/O error of `w`.
pub fn write_recording(w: impl Write + Seek, rec: &Recording) -> io::Result<()> {
    let mut npz = NpzWriter::new(w);
    for array in rec.arrays() {
        let (name, shape) = (array.name, array.shape.as_slice());
        match array.data {
            Column::F64(data) => npz.add_slice(name, shape, &data)?,
            Column::U32(data) => npz.add_slice(name, shape, &data)?,
            Column::U64(data) => npz.add_slice(name, shape, &data)?,
            Column::Text(data) => npz.add_text(name, shape, &data)?,
        }
    }
    npz.finish()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn npy_header_is_padded_to_64_bytes_and_ends_with_newline() {
        for shape in [vec![0], vec![7], vec![3, 1000]] {
            let h = header::<f64>(&shape);
            assert_eq!(h.len() % 64, 0);
            assert_eq!(*h.last().unwrap(), b'\n');
            assert_eq!(&h[..8], b"\x93NUMPY\x01\x00");
            assert_eq!(u16::from_le_bytes([h[8], h[9]]) as usize, h.len() - 10);
        }
        let text = String::from_utf8_lossy(&header::<u32>(&[3, 4])[10..]).into_owned();
        assert!(text.contains("'descr': '<u4', 'fortran_order': False, 'shape': (3, 4), }"));
    }

    #[test]
    fn shape_mismatch_is_an_error() {
        let mut npz = NpzWriter::new(Cursor::new(Vec::new()));
        assert!(npz.add("x", &[3], [1.0f64, 2.0]).is_err());
        assert!(npz.add_slice("y", &[3], &[1.0f64, 2.0]).is_err());
    }

    /// A slice written at once gives the same archive as its values written one by one.
    #[test]
    fn slices_and_values_give_the_same_bytes() {
        let data: Vec<u32> = (0..100_000u32).map(|i| i.wrapping_mul(2_654_435_761).rotate_left(i % 32)).collect();
        let floats: Vec<f64> = data.iter().map(|&x| f64::from(x) * 1e-7).collect();
        let by_value = {
            let mut npz = NpzWriter::new(Cursor::new(Vec::new()));
            npz.add("a", &[data.len()], data.iter().copied()).unwrap();
            npz.add("b", &[100, 1000], floats.iter().copied()).unwrap();
            npz.finish().unwrap().into_inner()
        };
        let by_slice = {
            let mut npz = NpzWriter::new(Cursor::new(Vec::new()));
            npz.add_slice("a", &[data.len()], &data).unwrap();
            npz.add_slice("b", &[100, 1000], &floats).unwrap();
            npz.finish().unwrap().into_inner()
        };
        assert!(by_value == by_slice, "the archives differ");
    }
}
