//! The log of a detached container: its standard output and error, one
//! line per record, in the k8s-file format Podman's `conmon` writes:
//!
//! ```text
//! 2024-01-02T03:04:05.123456789Z stdout F a whole line
//! 2024-01-02T03:04:05.123456790Z stderr P a line cut short (no newline)
//! ```
//!
//! `F` marks a full line (its newline is not stored), `P` a partial one
//! that the next record continues. Two threads of the container's berth
//! process read the pipes that are the container's stdout and stderr and
//! append to the file (`O_APPEND`, one write per record, so the records
//! of the two streams never mix).

use anyhow::{Context, Result};
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Which stream a record came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// One record of the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// RFC 3339 with nanoseconds, UTC.
    pub time: String,
    pub stream: Stream,
    /// The text, without its newline.
    pub text: String,
    /// Whether a newline ended it (`F`), or the stream stopped (`P`).
    pub full: bool,
}

/// Parse one line of the log file; `None` when it is not a record.
pub fn parse(line: &str) -> Option<Record> {
    let mut parts = line.splitn(4, ' ');
    let time = parts.next()?.to_string();
    let stream = match parts.next()? {
        "stdout" => Stream::Stdout,
        "stderr" => Stream::Stderr,
        _ => return None,
    };
    let full = match parts.next()? {
        "F" => true,
        "P" => false,
        _ => return None,
    };
    let text = parts.next().unwrap_or("").to_string();
    Some(Record {
        time,
        stream,
        text,
        full,
    })
}

/// Now, as the log writes it.
fn timestamp() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let s = crate::image::time::format_rfc3339(d.as_secs() as i64);
    format!("{}.{:09}Z", s.trim_end_matches('Z'), d.subsec_nanos())
}

/// The writers of one log: the write ends of the two pipes (to become
/// the container's stdout and stderr) and the threads that copy them.
pub struct Writers {
    pub stdout: OwnedFd,
    pub stderr: OwnedFd,
    threads: Vec<JoinHandle<()>>,
}

impl Writers {
    /// Close our write ends, then wait until every other holder (the
    /// container) closed its own and both streams are copied.
    pub fn finish_after_close(self) {
        drop(self.stdout);
        drop(self.stderr);
        for t in self.threads {
            let _ = t.join();
        }
    }
}

/// Open (append to) the log at `path` and start its two copying threads.
/// The caller must have blocked the signals it waits for: the threads
/// inherit the mask.
pub fn start(path: &Path) -> Result<Writers> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening the log {}", path.display()))?;
    let file = Arc::new(Mutex::new(file));
    let mut ends = Vec::new();
    let mut threads = Vec::new();
    for stream in [Stream::Stdout, Stream::Stderr] {
        let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
            .map_err(|e| anyhow::anyhow!("creating a pipe for the log: {}", e.desc()))?;
        let file = Arc::clone(&file);
        threads.push(std::thread::spawn(move || {
            copy(File::from(r), stream, &file)
        }));
        ends.push(w);
    }
    let stderr = ends.pop().expect("two pipes");
    let stdout = ends.pop().expect("two pipes");
    Ok(Writers {
        stdout,
        stderr,
        threads,
    })
}

fn copy(from: File, stream: Stream, to: &Mutex<File>) {
    let name = match stream {
        Stream::Stdout => "stdout",
        Stream::Stderr => "stderr",
    };
    let mut r = BufReader::new(from);
    let mut line = Vec::new();
    loop {
        line.clear();
        match r.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let full = line.last() == Some(&b'\n');
        if full {
            line.pop();
        }
        let mut rec =
            format!("{} {name} {} ", timestamp(), if full { 'F' } else { 'P' }).into_bytes();
        // A record is one line of the file: a carriage return stays, a
        // newline cannot occur.
        rec.extend_from_slice(&line);
        rec.push(b'\n');
        if let Ok(mut f) = to.lock() {
            let _ = f.write_all(&rec);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_parse() {
        let r = parse("2024-01-02T03:04:05.000000001Z stderr P a b ").unwrap();
        assert_eq!(r.stream, Stream::Stderr);
        assert_eq!(r.text, "a b ");
        assert!(!r.full);
        assert_eq!(parse("2024 stdout F ").unwrap().text, "");
        assert_eq!(parse("garbage"), None);
        assert!(timestamp().ends_with('Z'));
        assert_eq!(timestamp().len(), 30);
    }
}
