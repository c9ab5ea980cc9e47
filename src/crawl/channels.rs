//! The inventory's other channels: reads each `kb` CSV and `publication` file into the store at
//! crawl time, so the audits compare the call centre's and the brochures' answers with the web's
//! from the database alone.
//!
//! Reads the local files the inventory names (never the network). Writes one `channel_docs` row
//! per entry: the text, or why it could not be read (a missing file or a PDF without text is an
//! outcome stored for the report, not a reason to stop the crawl).

use std::path::Path;

use crate::model::{Channel, Site};

/// The largest channel file read (a bigger one is recorded as an error).
const MAX_FILE: u64 = 64 * 1024 * 1024;

/// How a channel file is read, by its extension.
pub fn format_of(path: &Path, channel: Channel) -> &'static str {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "csv" => "csv",
        "md" | "markdown" => "markdown",
        "html" | "htm" | "xhtml" => "html",
        "pdf" => "pdf",
        _ if channel == Channel::Kb => "csv",
        _ => "text",
    }
}

/// The text of one channel entry: Ok(text) or Err(why not), and its format.
pub fn read(site: &Site) -> (&'static str, Result<String, String>) {
    let Some(path) = site.path.as_deref() else {
        return ("text", Err("the inventory row names no file".into()));
    };
    let format = format_of(path, site.channel);
    let size = match std::fs::metadata(path) {
        // `/dev/zero`, a FIFO or a socket would be read without end or block forever.
        Ok(m) if !m.is_file() => {
            return (
                format,
                Err(format!(
                    "{}: not a regular file (a device, pipe or folder); name the file itself",
                    path.display()
                )),
            )
        }
        Ok(m) => m.len(),
        Err(e) => return (format, Err(format!("{}: {e}", path.display()))),
    };
    if size > MAX_FILE {
        return (
            format,
            Err(format!(
                "{}: {size} bytes is over the 64 MiB limit",
                path.display()
            )),
        );
    }
    // Read no more than the limit, even if the file grows meanwhile.
    let mut bytes = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| {
        std::io::Read::read_to_end(&mut std::io::Read::take(f, MAX_FILE), &mut bytes)
    });
    if let Err(e) = read {
        return (format, Err(format!("{}: {e}", path.display())));
    }
    if format == "pdf" {
        return (
            format,
            pdf_text(&bytes).map_err(|e| format!("{}: {e}", path.display())),
        );
    }
    let (text, _) = crate::extract::decode(&bytes, None, false);
    (format, Ok(text))
}

/// The argument that makes the `govaudit` binary read one PDF from stdin and print its text
/// ([`pdf_child`]): the crawl reads PDFs in such a child process.
pub const PDF_CHILD_ARG: &str = "__read-pdf";

/// How long one PDF may take to read: 60 s, or `GOVAUDIT_PDF_SECONDS`.
fn pdf_time() -> std::time::Duration {
    let secs = std::env::var("GOVAUDIT_PDF_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|&s| s > 0)
        .unwrap_or(60);
    std::time::Duration::from_secs(secs)
}

/// The most memory one PDF may take to read (resident, in the child process): 1 GiB, or
/// `GOVAUDIT_PDF_MIB` MiB.
fn pdf_memory() -> u64 {
    let mib = std::env::var("GOVAUDIT_PDF_MIB")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|&m| m > 0)
        .unwrap_or(1024);
    mib * 1024 * 1024
}

/// The text of a PDF, pages separated by form feeds (`\u{c}`), so answers can name their page.
///
/// A hostile PDF can abort the process that parses it (a stack overflow on 10,000 nested
/// arrays), loop forever (a page tree that is its own parent) or take gigabytes (a compression
/// bomb); `catch_unwind` stops none of these. So when running as the `govaudit` binary, each PDF
/// is read by a child process of the same binary, given 60 s and 1 GiB: a bad
/// brochure becomes an error on its channel row, and the crawl goes on. (Linked into another
/// program, the library reads PDFs in-process.)
pub fn pdf_text(bytes: &[u8]) -> Result<String, String> {
    let exe = std::env::current_exe().ok().filter(|exe| {
        exe.file_stem()
            .is_some_and(|stem| stem == env!("CARGO_PKG_NAME"))
    });
    let text = match exe {
        Some(exe) => pdf_text_in_child(&exe, bytes)?,
        None => pdf_text_here(bytes)?,
    };
    if text.trim().is_empty() {
        return Err(
            "the PDF has no text layer (a scan?); add a text version to the inventory".into(),
        );
    }
    Ok(text)
}

/// Reads the PDF in this process. Panics in the parser are caught; aborts and endless loops are
/// not (see [`pdf_text`]).
pub fn pdf_text_here(bytes: &[u8]) -> Result<String, String> {
    let pages = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem_by_pages(bytes))
        .map_err(|_| "the PDF could not be parsed (malformed file)".to_string())?
        .map_err(|e| format!("the PDF could not be read: {e}"))?;
    Ok(pages.join("\u{c}"))
}

/// The child's side: the PDF on stdin, its text on stdout (exit 0), or why not on stderr
/// (exit 1).
pub fn pdf_child() -> std::process::ExitCode {
    use std::io::{Read, Write};
    let mut bytes = Vec::new();
    if std::io::stdin()
        .take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .is_err()
    {
        return std::process::ExitCode::FAILURE;
    }
    match pdf_text_here(&bytes) {
        Ok(text) => {
            if std::io::stdout().write_all(text.as_bytes()).is_err() {
                return std::process::ExitCode::FAILURE;
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprint!("{e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn pdf_text_in_child(exe: &Path, bytes: &[u8]) -> Result<String, String> {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    let mut child = Command::new(exe)
        .arg(PDF_CHILD_ARG)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start the PDF reader: {e}"))?;
    let (Some(mut stdin), Some(mut stdout), Some(mut stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        let _ = child.kill();
        return Err("could not talk to the PDF reader".into());
    };
    let input = bytes.to_vec();
    let writer = std::thread::spawn(move || {
        // A child that dies early closes its stdin: that is its exit status's story, not ours.
        let _ = stdin.write_all(&input);
    });
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = (&mut stdout).take(MAX_FILE).read_to_end(&mut out);
        out
    });
    let err_reader = std::thread::spawn(move || {
        let mut out = String::new();
        let _ = (&mut stderr).take(64 * 1024).read_to_string(&mut out);
        out
    });
    let started = std::time::Instant::now();
    let limit = pdf_time();
    let memory = pdf_memory();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) => {}
            Err(e) => break Err(format!("the PDF reader failed: {e}")),
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break Err(format!(
                "the PDF took more than {} s to read (a malformed or hostile file?); it was skipped",
                limit.as_secs()
            ));
        }
        if resident_bytes(child.id()).is_some_and(|rss| rss > memory) {
            let _ = child.kill();
            let _ = child.wait();
            break Err(format!(
                "the PDF needed more than {} MiB to read (a compression bomb?); it was skipped",
                memory / (1024 * 1024)
            ));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let _ = writer.join();
    let out = reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    let status = status?;
    if status.success() {
        return Ok(String::from_utf8_lossy(&out).into_owned());
    }
    // Exit 1 carries the reader's own message; anything else is a crash (an abort on a stack
    // overflow, a signal).
    if status.code() == Some(1) && !err.trim().is_empty() {
        Err(err.trim().to_string())
    } else {
        Err(format!(
            "the PDF reader crashed on this file ({status}): a malformed or hostile PDF; it was skipped"
        ))
    }
}

/// A process's resident memory, where the system tells it (Linux: `VmRSS` in
/// `/proc/PID/status`, in kB whatever the page size).
fn resident_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_extension() {
        assert_eq!(format_of(Path::new("kb.csv"), Channel::Kb), "csv");
        assert_eq!(
            format_of(Path::new("b.MD"), Channel::Publication),
            "markdown"
        );
        assert_eq!(format_of(Path::new("b.pdf"), Channel::Publication), "pdf");
        assert_eq!(format_of(Path::new("notes"), Channel::Publication), "text");
    }

    #[test]
    fn bad_pdfs_are_errors_not_panics() {
        assert!(pdf_text(b"not a pdf").is_err());
        assert!(pdf_text(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF").is_err());
    }
}
