//! Scratch files: where the audit puts what it cannot hold in memory at agency scale and reads
//! back later in the same run. A site of 200,000 pages waits for its template with every page
//! read (packed, a few KB each), and the duplicate index samples a thousand passage hashes of a
//! long page: held in memory, both grow with the agency; on disk, the audit's memory does not.
//!
//! The files are anonymous temporary files (in `TMPDIR`, or the system's temporary directory):
//! the system deletes them when the audit ends, killed or not.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};

/// A scratch file could not be written or read back.
#[derive(Debug, thiserror::Error)]
#[error(
    "could not use a scratch file in the temporary directory {}: {source}; \
     free some space there or point TMPDIR at a directory with room (an audit of a million \
     pages needs a few GB)",
    std::env::temp_dir().display()
)]
pub struct Error {
    #[from]
    source: io::Error,
}

/// An append-only file of byte records, each read back by where it was put, from any thread.
pub(super) struct Records {
    file: File,
    len: u64,
}

/// Where a record is in its [`Records`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Spot {
    offset: u64,
    len: u32,
}

impl Records {
    /// A new, empty file.
    pub fn new() -> Result<Records, Error> {
        Ok(Records {
            file: tempfile::tempfile()?,
            len: 0,
        })
    }

    /// Appends a record (at most 4 GB).
    pub fn put(&mut self, bytes: &[u8]) -> Result<Spot, Error> {
        let len = u32::try_from(bytes.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "record over 4 GB"))?;
        (&self.file).write_all(bytes)?;
        let spot = Spot {
            offset: self.len,
            len,
        };
        self.len += u64::from(len);
        Ok(spot)
    }

    /// Reads the record at `spot` back.
    pub fn get(&self, spot: Spot) -> Result<Vec<u8>, Error> {
        let mut buf = vec![0; spot.len as usize];
        read_at(&self.file, &mut buf, spot.offset)?;
        Ok(buf)
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

/// Lists of `u32` under an `i64` key, written in `parts` files by the caller's choice of part
/// and read back one part at a time, in the order written.
pub(super) struct Parts {
    files: Vec<BufWriter<File>>,
}

impl Parts {
    /// `parts` new, empty files.
    pub fn new(parts: usize) -> Result<Parts, Error> {
        let files = (0..parts)
            .map(|_| Ok(BufWriter::new(tempfile::tempfile()?)))
            .collect::<Result<_, Error>>()?;
        Ok(Parts { files })
    }

    /// Appends `values` under `key` to part `part` (nothing when `values` is empty).
    pub fn put(&mut self, part: usize, key: i64, values: &[u32]) -> Result<(), Error> {
        if values.is_empty() {
            return Ok(());
        }
        let Some(file) = self.files.get_mut(part) else {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "no such part").into());
        };
        let n = u32::try_from(values.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "list too long"))?;
        file.write_all(&key.to_le_bytes())?;
        file.write_all(&n.to_le_bytes())?;
        for v in values {
            file.write_all(&v.to_le_bytes())?;
        }
        Ok(())
    }

    /// Calls `each` with every list of part `part`, in the order they were put.
    pub fn read(&mut self, part: usize, each: &mut dyn FnMut(i64, &[u32])) -> Result<(), Error> {
        let Some(file) = self.files.get_mut(part) else {
            return Ok(());
        };
        file.flush()?;
        let mut reader = BufReader::new(file.get_ref());
        io::Seek::seek(&mut reader, io::SeekFrom::Start(0))?;
        let mut values = Vec::new();
        let mut head = [0u8; 12];
        loop {
            match reader.read_exact(&mut head) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(e.into()),
            }
            let key = i64::from_le_bytes(head[..8].try_into().unwrap_or_default());
            let n = u32::from_le_bytes(head[8..].try_into().unwrap_or_default()) as usize;
            let mut bytes = vec![0u8; n * 4];
            reader.read_exact(&mut bytes)?;
            values.clear();
            values.extend(
                bytes
                    .chunks_exact(4)
                    .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            );
            each(key, &values);
        }
        // Appends after a read go to the end again.
        io::Seek::seek(file.get_mut(), io::SeekFrom::End(0))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_back_as_put() {
        let mut r = Records::new().unwrap();
        let a = r.put(b"first record").unwrap();
        let empty = r.put(b"").unwrap();
        let b = r.put(&[7u8; 10_000]).unwrap();
        assert_eq!(r.get(b).unwrap(), vec![7u8; 10_000]);
        assert_eq!(r.get(a).unwrap(), b"first record");
        assert!(r.get(empty).unwrap().is_empty());
    }

    #[test]
    fn parts_read_back_in_order_one_part_at_a_time() {
        let mut p = Parts::new(3).unwrap();
        p.put(0, 5, &[1, 2, 3]).unwrap();
        p.put(2, -1, &[u32::MAX]).unwrap();
        p.put(0, 9, &[]).unwrap();
        p.put(0, 7, &[4]).unwrap();
        let read = |p: &mut Parts, part| {
            let mut got = Vec::new();
            p.read(part, &mut |k, v| got.push((k, v.to_vec()))).unwrap();
            got
        };
        assert_eq!(read(&mut p, 0), vec![(5, vec![1, 2, 3]), (7, vec![4])]);
        assert!(read(&mut p, 1).is_empty());
        assert_eq!(read(&mut p, 2), vec![(-1, vec![u32::MAX])]);
        // Read twice, and written to after a read.
        p.put(0, 8, &[6]).unwrap();
        assert_eq!(read(&mut p, 0).len(), 3);
        assert!(p.put(3, 1, &[1]).is_err());
    }
}
