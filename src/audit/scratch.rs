//! Scratch files: where the audit puts what it cannot hold in memory at agency scale and reads
//! back later in the same run. A site of 200,000 pages waits for its template with every page
//! read (packed, a few KB each), the duplicate index samples a thousand passage hashes of a
//! long page, and the pairs of pages that share one of those passages number tens of millions
//! (almost all sharing one, which is nothing): held in memory, all three grow with the agency;
//! on disk, the audit's memory does not.
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

/// Counts by `u64` key, added as sorted lists (one per part of some work) and summed by a merge
/// of the lists: the duplicate index's pairs of pages that share a passage, tens of millions
/// at a million pages, are on disk until merged, not in a map of all of them.
///
/// A list that cannot be written to the scratch file is kept in memory instead (with a
/// warning): the counts are the same, only the memory is not bounded.
pub(super) struct Counts {
    file: Option<Records>,
    lists: Vec<List>,
    warned: bool,
}

/// One sorted list of (key, count): where it is.
enum List {
    Spilled(Spot),
    Held(Vec<(u64, u16)>),
}

/// Bytes of one (key, count) entry on disk: the key, then the count, little-endian.
const ENTRY: usize = 10;

/// Entries a list's cursor reads from the file at a time.
const CURSOR_ENTRIES: usize = 8_192;

impl Counts {
    /// No counts yet.
    pub fn new() -> Counts {
        Counts {
            file: None,
            lists: Vec::new(),
            warned: false,
        }
    }

    /// Adds one list of (key, count), sorted by key with each key once.
    pub fn add(&mut self, list: Vec<(u64, u16)>) {
        if list.is_empty() {
            return;
        }
        match self.spill(&list) {
            Ok(spot) => self.lists.push(List::Spilled(spot)),
            Err(e) => {
                if !std::mem::replace(&mut self.warned, true) {
                    log::warn!("{e}; counting in memory instead");
                }
                self.lists.push(List::Held(list));
            }
        }
    }

    fn spill(&mut self, list: &[(u64, u16)]) -> Result<Spot, Error> {
        let file = match &mut self.file {
            Some(f) => f,
            None => self.file.insert(Records::new()?),
        };
        let mut bytes = Vec::with_capacity(list.len() * ENTRY);
        for &(key, n) in list {
            bytes.extend_from_slice(&key.to_le_bytes());
            bytes.extend_from_slice(&n.to_le_bytes());
        }
        file.put(&bytes)
    }

    /// Calls `each(key, total)` for every key added, in key order, with its counts summed.
    pub fn merge(&self, each: &mut dyn FnMut(u64, u32)) -> Result<(), Error> {
        use std::cmp::Reverse;
        let mut cursors: Vec<Cursor<'_>> = self
            .lists
            .iter()
            .map(|list| Cursor {
                list,
                file: self.file.as_ref(),
                next: 0,
                buffer: Vec::new(),
                at: 0,
            })
            .collect();
        let mut heap = std::collections::BinaryHeap::new();
        for (i, c) in cursors.iter_mut().enumerate() {
            if let Some((key, n)) = c.next_entry()? {
                heap.push(Reverse((key, i, n)));
            }
        }
        let mut current: Option<(u64, u32)> = None;
        while let Some(Reverse((key, i, n))) = heap.pop() {
            match &mut current {
                Some((k, total)) if *k == key => *total += u32::from(n),
                _ => {
                    if let Some((k, total)) = current.take() {
                        each(k, total);
                    }
                    current = Some((key, u32::from(n)));
                }
            }
            if let Some((key, n)) = cursors[i].next_entry()? {
                heap.push(Reverse((key, i, n)));
            }
        }
        if let Some((k, total)) = current {
            each(k, total);
        }
        Ok(())
    }
}

/// Reads one list of a [`Counts`] in order, a block of entries at a time.
struct Cursor<'a> {
    list: &'a List,
    file: Option<&'a Records>,
    /// Index of the next entry of the list.
    next: usize,
    /// Entries read from the file and not yet given, from `at`.
    buffer: Vec<(u64, u16)>,
    at: usize,
}

impl Cursor<'_> {
    fn next_entry(&mut self) -> Result<Option<(u64, u16)>, Error> {
        match self.list {
            List::Held(entries) => {
                self.next += 1;
                Ok(entries.get(self.next - 1).copied())
            }
            List::Spilled(spot) => {
                if self.at == self.buffer.len() {
                    let total = spot.len as usize / ENTRY;
                    let take = CURSOR_ENTRIES.min(total - self.next.min(total));
                    if take == 0 {
                        return Ok(None);
                    }
                    let mut bytes = vec![0u8; take * ENTRY];
                    let file = self.file.ok_or_else(|| {
                        Error::from(io::Error::other("a spilled list without its file"))
                    })?;
                    read_at(
                        &file.file,
                        &mut bytes,
                        spot.offset + (self.next * ENTRY) as u64,
                    )?;
                    self.buffer.clear();
                    self.buffer.extend(bytes.chunks_exact(ENTRY).map(|c| {
                        let mut key = [0u8; 8];
                        key.copy_from_slice(&c[..8]);
                        (u64::from_le_bytes(key), u16::from_le_bytes([c[8], c[9]]))
                    }));
                    self.at = 0;
                    self.next += take;
                }
                self.at += 1;
                Ok(self.buffer.get(self.at - 1).copied())
            }
        }
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

    #[test]
    fn counts_merge_lists_in_key_order_summing_counts() {
        let mut c = Counts::new();
        // Longer than one cursor block, so a list is read back in several reads.
        let long: Vec<(u64, u16)> = (0..20_000u64).map(|k| (k * 3, 1)).collect();
        c.add(long);
        c.add(vec![(0, 2), (3, u16::MAX), (7, 1), (u64::MAX, 4)]);
        c.add(Vec::new());
        c.add(vec![(3, 5), (59_997, 1)]);
        let mut got = Vec::new();
        c.merge(&mut |k, n| got.push((k, n))).unwrap();
        assert_eq!(got.len(), 20_000 + 2);
        assert_eq!(&got[..4], &[(0, 3), (3, 1 + 65_535 + 5), (6, 1), (7, 1)]);
        assert_eq!(got[got.len() - 2], (59_997, 2));
        assert_eq!(got[got.len() - 1], (u64::MAX, 4));
        assert!(got.windows(2).all(|w| w[0].0 < w[1].0));
        // Merged twice, the same.
        let mut again = Vec::new();
        c.merge(&mut |k, n| again.push((k, n))).unwrap();
        assert_eq!(again, got);
    }
}
