//! File-system calls whose errors name the path they failed on, atomic
//! replacement of files (write, fsync, rename, fsync dir), and RAII file
//! locks. Every write berth makes to its store goes through here.

use anyhow::{Context, Result};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Read a whole file; the error names the path.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// Read a file, or `None` when it does not exist.
pub fn read_opt(path: &Path) -> Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// The names of the entries of directory `dir` (none when it does not
/// exist), in no order; a name that is not UTF-8 is not one berth made
/// and is left out.
pub fn dir_names(dir: &Path) -> Result<Vec<String>> {
    let rd = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    let mut out = Vec::new();
    for e in rd {
        let e = e.with_context(|| format!("reading {}", dir.display()))?;
        if let Ok(name) = e.file_name().into_string() {
            out.push(name);
        }
    }
    Ok(out)
}

pub fn create_dir_all(path: &Path) -> Result<()> {
    fs::create_dir_all(path).with_context(|| format!("creating directory {}", path.display()))
}

/// Make `path` a directory only its owner may enter (mode 0700), creating
/// it (and missing parents, alike) if needed, and narrowing the mode of
/// one this process owns. A store's layers hold images' set-uid files and
/// device nodes, which no other user of the host may reach (Podman's
/// storage is 0700 for the same reason).
pub fn private_dir(path: &Path) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
    match fs::metadata(path) {
        Ok(md) => {
            if md.mode() & 0o077 != 0 && md.uid() == nix::unistd::geteuid().as_raw() {
                fs::set_permissions(path, fs::Permissions::from_mode(0o700))
                    .with_context(|| format!("making {} private", path.display()))?;
            }
            Ok(())
        }
        Err(_) => fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(path)
            .with_context(|| format!("creating directory {}", path.display())),
    }
}

pub fn open(path: &Path) -> Result<File> {
    File::open(path).with_context(|| format!("opening {}", path.display()))
}

pub fn create(path: &Path) -> Result<File> {
    File::create(path).with_context(|| format!("creating {}", path.display()))
}

/// Remove a file or a whole tree; absent is fine. Directories without
/// write or search permission (a layer may have them) are opened up first.
pub fn remove_all(path: &Path) -> Result<()> {
    let md = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("removing {}", path.display())),
    };
    if !md.is_dir() {
        return fs::remove_file(path).with_context(|| format!("removing {}", path.display()));
    }
    match fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(_) => {
            make_writable(path);
            fs::remove_dir_all(path).with_context(|| format!("removing {}", path.display()))
        }
    }
}

fn make_writable(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
    if let Ok(rd) = fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                make_writable(&e.path());
            }
        }
    }
}

/// fsync a directory, so that a rename or create inside it is durable.
pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("syncing directory {}", dir.display()))
}

/// Flush the whole file system that holds `path` (syncfs(2)): one call
/// makes a freshly extracted layer durable, where an fsync per file would
/// cost a disk flush for each of thousands of files.
pub fn sync_fs(path: &Path) -> Result<()> {
    let f = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    nix::unistd::syncfs(std::os::fd::AsRawFd::as_raw_fd(&f))
        .with_context(|| format!("syncing file system of {}", path.display()))
}

/// Replace `path` atomically with `data`: write a temporary file beside
/// it, fsync, rename over the target, fsync the directory. A crash at any
/// instant leaves the old content or the new one, never a mix.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    replace(path, data, true)
}

/// Replace `path` with `data` as [`write_atomic`] does, without the two
/// flushes: readers see the old content or the new one, but after a crash
/// the file may be empty or missing. For what need not survive a crash.
pub fn write_replacing(path: &Path, data: &[u8]) -> Result<()> {
    replace(path, data, false)
}

fn replace(path: &Path, data: &[u8], durable: bool) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = temp_sibling(path);
    let res = (|| -> io::Result<()> {
        let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(data)?;
        if durable {
            f.sync_all()?;
        }
        fs::rename(&tmp, path)
    })();
    if let Err(e) = res {
        let _ = fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("writing {}", path.display()));
    }
    if durable {
        sync_dir(dir)?;
    }
    Ok(())
}

fn temp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        unique_suffix()
    ))
}

/// A string unique within this machine for the life of the process: pid,
/// time and a counter.
pub fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{}-{:x}-{}",
        std::process::id(),
        t,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Whether the process that made `name` (a name ending in a
/// [`unique_suffix`]) may still be alive: a process of that pid runs and
/// started no later than the name was made (so it is not a later process
/// given the same pid). `None` when `name` holds no suffix. In doubt
/// (what `/proc` says cannot be read), alive.
pub fn suffix_owner_alive(name: &str) -> Option<bool> {
    let parts: Vec<&str> = name.rsplitn(4, '-').collect();
    if parts.len() < 3 {
        return None;
    }
    let _counter: u64 = parts[0].parse().ok()?;
    let made_ns = u128::from_str_radix(parts[1], 16).ok()?;
    let pid: u32 = parts[2].parse().ok().filter(|p| *p > 0)?;
    let stat = match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(s) => s,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Some(false),
        Err(_) => return Some(true),
    };
    // Fields 3 (the state) and 22 (the start time), counted after the
    // command's closing parenthesis. A zombie has ended: dead.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    if matches!(fields.first(), Some(&"Z") | Some(&"X")) {
        return Some(false);
    }
    let started_ticks: Option<u128> = fields.get(19).and_then(|t| t.parse().ok());
    let boot_secs: Option<u128> = fs::read_to_string("/proc/stat").ok().and_then(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("btime "))
            .and_then(|v| v.trim().parse().ok())
    });
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let (Some(ticks), Some(boot), true) = (started_ticks, boot_secs, hz > 0) else {
        return Some(true);
    };
    let started_ns = boot * 1_000_000_000 + ticks * 1_000_000_000 / hz as u128;
    // `btime` is whole seconds: two seconds of slack, erring to alive.
    Some(started_ns <= made_ns + 2_000_000_000)
}

/// Bytes of the regular files under `dir` (what can be read of it: files
/// of other ids may be out of reach).
pub fn tree_size(dir: &Path) -> u64 {
    let Ok(rd) = fs::read_dir(dir) else {
        return 0;
    };
    rd.flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => tree_size(&e.path()),
            Ok(t) if t.is_file() => e.metadata().map(|m| m.len()).unwrap_or(0),
            _ => 0,
        })
        .sum()
}

/// Rename; the error names both paths.
pub fn rename(from: &Path, to: &Path) -> Result<()> {
    fs::rename(from, to).with_context(|| format!("renaming {} to {}", from.display(), to.display()))
}

/// An advisory lock (flock(2)) on a file, released when dropped or when
/// the process dies — so a killed berth never leaves a lock behind.
#[derive(Debug)]
pub struct FileLock {
    file: File,
    path: PathBuf,
}

/// Which kind of lock to take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockKind {
    Shared,
    Exclusive,
}

impl FileLock {
    /// Take the lock, waiting if another process holds it. `on_wait` is
    /// called once before blocking, so the caller can say why it waits.
    pub fn acquire(path: &Path, kind: LockKind, on_wait: impl FnOnce(&Path)) -> Result<FileLock> {
        let file = open_lock_file(path)?;
        let try_res = match kind {
            LockKind::Shared => file.try_lock_shared(),
            LockKind::Exclusive => file.try_lock(),
        };
        match try_res {
            Ok(()) => {
                tracing::trace!(lock = %path.display(), ?kind, "lock taken");
            }
            Err(fs::TryLockError::WouldBlock) => {
                tracing::debug!(lock = %path.display(), ?kind, "lock held by another process: waiting");
                let since = std::time::Instant::now();
                on_wait(path);
                match kind {
                    LockKind::Shared => file.lock_shared(),
                    LockKind::Exclusive => file.lock(),
                }
                .with_context(|| format!("locking {}", path.display()))?;
                tracing::debug!(
                    lock = %path.display(),
                    ?kind,
                    waited_ms = since.elapsed().as_millis() as u64,
                    "lock taken after waiting"
                );
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("locking {}", path.display()))
            }
        }
        Ok(FileLock {
            file,
            path: path.to_path_buf(),
        })
    }

    /// Take the lock only if nobody holds it.
    pub fn try_acquire(path: &Path, kind: LockKind) -> Result<Option<FileLock>> {
        let file = open_lock_file(path)?;
        let res = match kind {
            LockKind::Shared => file.try_lock_shared(),
            LockKind::Exclusive => file.try_lock(),
        };
        match res {
            Ok(()) => Ok(Some(FileLock {
                file,
                path: path.to_path_buf(),
            })),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => {
                Err(e).with_context(|| format!("locking {}", path.display()))
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn file(&self) -> &File {
        &self.file
    }
}

fn open_lock_file(path: &Path) -> Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .with_context(|| format!("opening lock file {}", path.display()))
}

/// Give `to` the permission bits and owner of the directory `from` (what
/// a new top dir over `from` must show: overlay's merged root is its top
/// dir). The owner is best effort: a process without the right to chown
/// keeps its own.
pub fn copy_root_attrs(from: &Path, to: &Path) -> Result<()> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let m = fs::metadata(from).with_context(|| format!("reading {}", from.display()))?;
    let _ = std::os::unix::fs::lchown(to, Some(m.uid()), Some(m.gid()));
    fs::set_permissions(to, fs::Permissions::from_mode(m.mode() & 0o7777))
        .with_context(|| format!("setting the mode of {}", to.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_tell_whether_their_maker_lives() {
        let mine = unique_suffix();
        assert_eq!(suffix_owner_alive(&mine), Some(true));
        assert_eq!(suffix_owner_alive(&format!("blob-{mine}")), Some(true));
        // This pid, but made before this process started: another
        // process's, which has ended.
        let me = std::process::id();
        assert_eq!(suffix_owner_alive(&format!("rm-{me}-1-0")), Some(false));
        // A pid no process has (above the kernel's limit).
        assert_eq!(suffix_owner_alive("4194305-1-0"), Some(false));
        for other in ["cache", "x-y", "12-zz-0", "0-1-0", "12-1-x"] {
            assert_eq!(suffix_owner_alive(other), None, "{other}");
        }
    }

    #[test]
    fn write_atomic_replaces_and_leaves_no_temp() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn exclusive_lock_excludes_within_one_process_too() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("l");
        let a = FileLock::acquire(&p, LockKind::Exclusive, |_| {}).unwrap();
        assert!(FileLock::try_acquire(&p, LockKind::Shared)
            .unwrap()
            .is_none());
        drop(a);
        let s1 = FileLock::try_acquire(&p, LockKind::Shared).unwrap();
        let s2 = FileLock::try_acquire(&p, LockKind::Shared).unwrap();
        assert!(s1.is_some() && s2.is_some());
    }

    #[test]
    fn remove_all_handles_unwritable_dirs() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let t = d.path().join("t");
        fs::create_dir_all(t.join("a/b")).unwrap();
        fs::write(t.join("a/b/f"), b"x").unwrap();
        fs::set_permissions(t.join("a"), fs::Permissions::from_mode(0o500)).unwrap();
        remove_all(&t).unwrap();
        assert!(!t.exists());
    }
}
