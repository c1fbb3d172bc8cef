//! The event log: what happened to images, containers, volumes and
//! networks, one JSON object per line, oldest first.
//!
//! ```text
//! <root>/events/events.log     the current file, appended to
//! <root>/events/events.log.1   the one before it
//! <root>/events/events.lock    exclusive for each append (and rotation),
//!                              shared while a reader opens both files
//! ```
//!
//! Bounded: when an append would take `events.log` past its limit
//! ([`MAX_LOG`]), the file becomes `events.log.1` (replacing the older
//! one) and a new one starts, so the log never holds more than twice the
//! limit. Each event is one `write` of a whole line under the lock; a line
//! cut short (a crash, a full disk) is ended by the next writer, and
//! readers skip lines that do not parse.

use super::Store;
use crate::fsutil::{self, FileLock, LockKind};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The size at which `events.log` is rotated.
pub const MAX_LOG: u64 = 1 << 20;

/// One event, with Podman's field names (`podman events --format json`),
/// and `timeNano` as Docker and later Podman versions add it.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct Event {
    /// A container's exit code, in `died` events.
    #[serde(
        rename = "ContainerExitCode",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub exit_code: Option<i32>,
    /// The object's id: a container's, an image's, a network's.
    #[serde(rename = "ID", default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// A container's image (as it was named when created).
    #[serde(rename = "Image", default, skip_serializing_if = "String::is_empty")]
    pub image: String,
    /// A container's name, an image reference, a volume's name.
    #[serde(rename = "Name", default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// A network's name, in network events.
    #[serde(rename = "network", default, skip_serializing_if = "String::is_empty")]
    pub network: String,
    /// What happened: `create`, `start`, `died`, `pull`, `tag` …
    #[serde(rename = "Status")]
    pub status: String,
    /// When, RFC 3339 with nanoseconds, UTC.
    #[serde(rename = "Time")]
    pub time: String,
    /// When, nanoseconds since the epoch.
    #[serde(rename = "timeNano")]
    pub time_nano: i64,
    /// `container`, `image`, `volume`, `network`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// A container's health, in `health_status` events.
    #[serde(
        rename = "health_status",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub health_status: String,
    /// Why it failed, in events of failures.
    #[serde(rename = "Error", default, skip_serializing_if = "String::is_empty")]
    pub error: String,
    /// A container's labels.
    #[serde(rename = "Attributes", default)]
    pub attributes: Option<BTreeMap<String, String>>,
}

impl Event {
    /// An event of type `kind` and `status`, stamped now.
    pub fn now(kind: &str, status: &str) -> Event {
        let nanos = crate::image::time::now_unix_nanos();
        Event {
            kind: kind.to_string(),
            status: status.to_string(),
            time: crate::image::time::format_rfc3339_nanos(nanos),
            time_nano: nanos,
            ..Default::default()
        }
    }
}

/// Where the log lives under a store root.
struct Files {
    dir: PathBuf,
}

impl Files {
    fn current(&self) -> PathBuf {
        self.dir.join("events.log")
    }
    fn previous(&self) -> PathBuf {
        self.dir.join("events.log.1")
    }
    fn lock(&self, kind: LockKind) -> Result<FileLock> {
        fsutil::create_dir_all(&self.dir)?;
        FileLock::acquire(&self.dir.join("events.lock"), kind, |_| {})
    }
}

impl Store {
    fn event_files(&self) -> Files {
        Files {
            dir: self.root.join("events"),
        }
    }

    /// Append `e` to the log.
    pub fn append_event(&self, e: &Event) -> Result<()> {
        self.append_event_bounded(e, MAX_LOG)
    }

    /// [`Store::append_event`], rotating at `limit` bytes.
    pub fn append_event_bounded(&self, e: &Event, limit: u64) -> Result<()> {
        let files = self.event_files();
        let mut line = serde_json::to_vec(e).context("serializing an event")?;
        line.push(b'\n');
        let _lock = files.lock(LockKind::Exclusive)?;
        let path = files.current();
        let open = || {
            OpenOptions::new()
                .append(true)
                .read(true)
                .create(true)
                .mode(0o600)
                .open(&path)
                .with_context(|| format!("opening event log {}", path.display()))
        };
        let mut f = open()?;
        let mut size = f.metadata()?.len();
        if size > 0 && size + line.len() as u64 > limit {
            fsutil::rename(&path, &files.previous())?;
            f = open()?;
            size = 0;
        }
        // A line cut short by a crash or a full disk is ended here, so
        // this one stays whole.
        let mut last = [0u8; 1];
        if size > 0 && f.read_at(&mut last, size - 1).is_ok() && last[0] != b'\n' {
            line.insert(0, b'\n');
        }
        f.write_all(&line)
            .with_context(|| format!("writing event log {}", path.display()))
    }

    /// A reader of the log from its oldest event on.
    pub fn event_reader(&self) -> Result<EventReader> {
        let files = self.event_files();
        let _lock = files.lock(LockKind::Shared)?;
        let open = |p: &PathBuf| match File::open(p) {
            Ok(f) => Ok(Some(f)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("opening event log {}", p.display())),
        };
        let previous = open(&files.previous())?;
        let current = open(&files.current())?;
        Ok(EventReader {
            files,
            previous,
            current,
            pending: Vec::new(),
        })
    }
}

/// Reads the log in order; [`EventReader::wait`] blocks for more.
pub struct EventReader {
    files: Files,
    previous: Option<File>,
    current: Option<File>,
    /// The start of a line whose end is not written yet.
    pending: Vec<u8>,
}

impl EventReader {
    /// The events written since the last call (all of them, the first
    /// time), oldest first.
    pub fn next_batch(&mut self) -> Result<Vec<Event>> {
        let mut out = Vec::new();
        if let Some(mut f) = self.previous.take() {
            let mut buf = Vec::new();
            f.read_to_end(&mut buf).context("reading the event log")?;
            parse_lines(&buf, &mut out);
        }
        loop {
            if let Some(f) = self.current.as_mut() {
                f.read_to_end(&mut self.pending)
                    .context("reading the event log")?;
                let end = self.pending.iter().rposition(|b| *b == b'\n');
                if let Some(end) = end {
                    let rest = self.pending.split_off(end + 1);
                    parse_lines(&self.pending, &mut out);
                    self.pending = rest;
                }
            }
            // Rotated since it was opened: the old file is complete (all
            // appends go to the path's file, under the lock); go on in
            // the new one.
            let _lock = self.files.lock(LockKind::Shared)?;
            let now = match File::open(self.files.current()) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
                Err(e) => return Err(e).context("opening the event log"),
            };
            let same = match &self.current {
                Some(f) => {
                    let (a, b) = (f.metadata()?, now.metadata()?);
                    a.ino() == b.ino() && a.dev() == b.dev()
                }
                None => false,
            };
            if same {
                return Ok(out);
            }
            if let Some(f) = self.current.as_mut() {
                // What is left of the old file, then the new one.
                f.read_to_end(&mut self.pending)
                    .context("reading the event log")?;
                self.pending.push(b'\n');
                let all = std::mem::take(&mut self.pending);
                parse_lines(&all, &mut out);
            }
            self.current = Some(now);
        }
    }

    /// Block until the log may have grown, or `deadline` passes (false).
    pub fn wait(&mut self, deadline: Option<Instant>) -> Result<bool> {
        use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
        fsutil::create_dir_all(&self.files.dir)?;
        let ino = Inotify::init(InitFlags::IN_CLOEXEC | InitFlags::IN_NONBLOCK)
            .context("watching the event log")?;
        ino.add_watch(
            &self.files.dir,
            AddWatchFlags::IN_MODIFY | AddWatchFlags::IN_CREATE | AddWatchFlags::IN_MOVED_TO,
        )
        .context("watching the event log")?;
        // Written between the last read and the watch: no wait.
        if self.grew()? {
            return Ok(true);
        }
        use std::os::fd::{AsFd, AsRawFd};
        loop {
            let left = match deadline {
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Ok(false);
                    }
                    left
                }
                None => Duration::from_secs(3600),
            };
            let mut pfd = [libc::pollfd {
                fd: ino.as_fd().as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            }];
            let ms = left.as_millis().clamp(1, i32::MAX as u128) as libc::c_int;
            let n = unsafe { libc::poll(pfd.as_mut_ptr(), 1, ms) };
            if n > 0 {
                let _ = ino.read_events();
                return Ok(true);
            }
            if n < 0 && std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
                return Err(std::io::Error::last_os_error()).context("watching the event log");
            }
        }
    }

    /// Whether the current file holds bytes not read yet, or was replaced.
    fn grew(&mut self) -> Result<bool> {
        let path = self.files.current();
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e).context("reading the event log"),
        };
        Ok(match self.current.as_mut() {
            None => true,
            Some(f) => {
                let mine = f.metadata()?;
                let pos = f.stream_position()?;
                mine.ino() != meta.ino() || mine.len() > pos
            }
        })
    }
}

fn parse_lines(buf: &[u8], out: &mut Vec<Event>) {
    for line in buf.split(|b| *b == b'\n') {
        if let Ok(e) = serde_json::from_slice::<Event>(line) {
            out.push(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let paths = crate::store::StorePaths {
            root: dir.path().join("root"),
            runroot: dir.path().join("run"),
        };
        let s = Store::open(&paths).unwrap();
        (dir, s)
    }

    fn ev(n: usize) -> Event {
        let mut e = Event::now("volume", "create");
        e.name = format!("v{n}");
        e
    }

    #[test]
    fn appends_read_back_in_order_and_follow() {
        let (_d, s) = store();
        let mut r = s.event_reader().unwrap();
        assert!(r.next_batch().unwrap().is_empty());
        for i in 0..3 {
            s.append_event(&ev(i)).unwrap();
        }
        let got: Vec<String> = r
            .next_batch()
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(got, ["v0", "v1", "v2"]);
        assert!(r.next_batch().unwrap().is_empty());
        assert!(!r
            .wait(Some(Instant::now() + Duration::from_millis(20)))
            .unwrap());
        s.append_event(&ev(3)).unwrap();
        assert!(r
            .wait(Some(Instant::now() + Duration::from_secs(5)))
            .unwrap());
        assert_eq!(r.next_batch().unwrap()[0].name, "v3");
    }

    #[test]
    fn rotation_keeps_the_log_bounded_and_a_follower_loses_nothing() {
        let (_d, s) = store();
        let limit = 2000;
        let mut follower = s.event_reader().unwrap();
        let mut seen = Vec::new();
        for i in 0..200 {
            s.append_event_bounded(&ev(i), limit).unwrap();
            if i % 7 == 0 {
                seen.extend(follower.next_batch().unwrap().into_iter().map(|e| e.name));
            }
        }
        seen.extend(follower.next_batch().unwrap().into_iter().map(|e| e.name));
        let want: Vec<String> = (0..200).map(|i| format!("v{i}")).collect();
        assert_eq!(seen, want);
        let files = s.event_files();
        let total = std::fs::metadata(files.current()).unwrap().len()
            + std::fs::metadata(files.previous()).unwrap().len();
        assert!(total <= 2 * limit, "log holds {total} bytes");
        // A new reader sees the newest events, in order, ending with the last.
        let all = s.event_reader().unwrap().next_batch().unwrap();
        assert!(all.len() > 10 && all.len() < 200);
        assert_eq!(all.last().unwrap().name, "v199");
        let first: usize = all[0].name[1..].parse().unwrap();
        let names: Vec<String> = all.into_iter().map(|e| e.name).collect();
        assert_eq!(names, want[first..]);
    }

    #[test]
    fn a_line_cut_short_loses_only_itself() {
        let (_d, s) = store();
        s.append_event(&ev(0)).unwrap();
        let path = s.event_files().current();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"ID\":\"half").unwrap();
        s.append_event(&ev(1)).unwrap();
        let names: Vec<String> = s
            .event_reader()
            .unwrap()
            .next_batch()
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, ["v0", "v1"]);
    }
}
