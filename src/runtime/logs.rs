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
//! of the two streams never mix); for a foreground container they also
//! pass the bytes on to berth's own stdout and stderr as they come. With
//! a terminal, the terminal's relay writes the log ([`Lines`]).

use anyhow::{Context, Result};
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
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

/// The log file of one container, shared by the writers of its two
/// streams. With `max_size`, a record that would take it past that size
/// empties it first (as Podman's `conmon` does with `--log-opt max-size`);
/// `logs -f` starts over from the top when it sees the file shrink.
pub struct LogFile {
    file: File,
    size: u64,
    max_size: u64,
}

impl LogFile {
    /// Open (append to) the log at `path`.
    pub fn open(path: &Path, max_size: u64) -> Result<LogFile> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("opening the log {}", path.display()))?;
        let size = file.metadata().map_or(0, |m| m.len());
        Ok(LogFile {
            file,
            size,
            max_size,
        })
    }

    /// Write one record (one write, so that the records of the two
    /// streams never mix).
    fn record(&mut self, stream: Stream, text: &[u8], full: bool) {
        let name = match stream {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        };
        let mut rec =
            format!("{} {name} {} ", timestamp(), if full { 'F' } else { 'P' }).into_bytes();
        // A record is one line of the file: a carriage return stays, a
        // newline cannot occur.
        rec.extend_from_slice(text);
        rec.push(b'\n');
        if self.max_size > 0
            && self.size + rec.len() as u64 > self.max_size
            && self.file.set_len(0).is_ok()
        {
            self.size = 0;
        }
        if self.file.write_all(&rec).is_ok() {
            self.size += rec.len() as u64;
        }
    }
}

/// A partial line longer than this is written as a `P` record rather
/// than held for its newline.
const PARTIAL_MAX: usize = 16 * 1024;

/// Cuts one stream's bytes into records: each full line an `F` record, a
/// line without its newline at the end of the stream (or too long to
/// hold) a `P` record.
pub struct Lines {
    stream: Stream,
    pending: Vec<u8>,
}

impl Lines {
    pub fn new(stream: Stream) -> Lines {
        Lines {
            stream,
            pending: Vec::new(),
        }
    }

    /// Take the next bytes of the stream.
    pub fn feed(&mut self, mut chunk: &[u8], log: &Mutex<LogFile>) {
        while let Some(i) = chunk.iter().position(|b| *b == b'\n') {
            self.pending.extend_from_slice(&chunk[..i]);
            if let Ok(mut f) = log.lock() {
                f.record(self.stream, &self.pending, true);
            }
            self.pending.clear();
            chunk = &chunk[i + 1..];
        }
        self.pending.extend_from_slice(chunk);
        if self.pending.len() >= PARTIAL_MAX {
            self.finish(log);
        }
    }

    /// The stream ended: what is left is a partial line.
    pub fn finish(&mut self, log: &Mutex<LogFile>) {
        if !self.pending.is_empty() {
            if let Ok(mut f) = log.lock() {
                f.record(self.stream, &self.pending, false);
            }
            self.pending.clear();
        }
    }
}

/// The two pipes that become a container's stdout and stderr, made
/// before the container's monitor is forked (a process with threads must
/// not fork); [`Pipes::start`] starts the threads that read them after.
pub struct Pipes {
    pub stdout: OwnedFd,
    pub stderr: OwnedFd,
    readers: [OwnedFd; 2],
}

/// Make the pipes of a container's output.
pub fn pipes() -> Result<Pipes> {
    let pipe = || {
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
            .map_err(|e| anyhow::anyhow!("creating a pipe for the log: {}", e.desc()))
    };
    let (out_r, out_w) = pipe()?;
    let (err_r, err_w) = pipe()?;
    Ok(Pipes {
        stdout: out_w,
        stderr: err_w,
        readers: [out_r, err_r],
    })
}

impl Pipes {
    /// Start a thread per stream that writes what it reads to `log` and,
    /// with `tee`, to berth's own stdout or stderr as it comes (a
    /// foreground container). The caller must have blocked the signals it
    /// waits for: the threads inherit the mask.
    pub fn start(self, log: LogFile, tee: bool) -> Writers {
        let log = Arc::new(Mutex::new(log));
        let [out_r, err_r] = self.readers;
        let threads = [(out_r, Stream::Stdout), (err_r, Stream::Stderr)]
            .into_iter()
            .map(|(r, stream)| {
                let log = Arc::clone(&log);
                std::thread::spawn(move || copy(File::from(r), stream, &log, tee))
            })
            .collect();
        Writers {
            stdout: self.stdout,
            stderr: self.stderr,
            threads,
        }
    }
}

/// The write ends of a container's output pipes and the threads that
/// copy them.
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

fn copy(mut from: File, stream: Stream, log: &Mutex<LogFile>, mut tee: bool) {
    let own = match stream {
        Stream::Stdout => 1,
        Stream::Stderr => 2,
    };
    let mut lines = Lines::new(stream);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        if tee {
            // berth's own stream gone (a closed pipe): the log goes on,
            // and so does the container.
            // SAFETY: fd 1 or 2 is berth's own for as long as it runs;
            // ManuallyDrop leaves it open.
            let mut out = std::mem::ManuallyDrop::new(unsafe { File::from_raw_fd(own) });
            tee = out.write_all(&buf[..n]).is_ok();
        }
        lines.feed(&buf[..n], log);
    }
    lines.finish(log);
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
