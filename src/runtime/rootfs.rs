//! The container's file system. The monitor mounts the overlay root in a
//! mount namespace of its own ([`premount`]: native overlay, or
//! fuse-overlayfs where the kernel cannot or `BERTH_OVERLAY=fuse` says
//! so); pid 1 copies that namespace and sets up the rest: a new `/proc`,
//! `/dev` as a tmpfs with the usual nodes bound from the host, `devpts`
//! (newinstance), `/dev/shm`, `/sys` read-only, the extra mounts (with
//! their propagation), then `pivot_root` and Podman's masked and
//! read-only paths.
//!
//! Every path inside the image is resolved with `openat2(RESOLVE_IN_ROOT)`
//! below the new root and mounted on through `/proc/self/fd/N`: an image
//! whose `/etc` or `/dev` is a symlink to an absolute host path cannot make
//! berth create files or mount on the host (the symlink-exchange attacks
//! of CVE-2021-30465 and CVE-2019-19921 in runc).

use super::spec::{Mount, NsMode, Propagation, Spec};
use super::sys::{self, Linux, MntFlags, MsFlags, Sys};
use anyhow::{anyhow, bail, Context, Result};
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Component, Path, PathBuf};

/// Podman's masked paths: hidden behind an empty read-only tmpfs (dirs)
/// or `/dev/null` (files).
const MASKED: &[&str] = &[
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    "/sys/fs/selinux",
    "/sys/dev/block",
    "/sys/devices/virtual/powercap",
];

/// Podman's read-only paths.
const READ_ONLY: &[&str] = &[
    "/proc/asound",
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
];

/// Device nodes bound from the host (a user namespace cannot mknod).
const DEVICES: &[&str] = &["null", "zero", "full", "random", "urandom", "tty"];

/// `struct open_how` of openat2(2).
#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
const RESOLVE_IN_ROOT: u64 = 0x10;

fn errno_err(what: String) -> anyhow::Error {
    anyhow!("{what}: {}", std::io::Error::last_os_error())
}

/// Open `path` (absolute, inside the container) below `root` as an
/// `O_PATH` descriptor, symlinks resolved as if `root` were `/`.
fn open_in_root(root: &OwnedFd, path: &str) -> std::io::Result<OwnedFd> {
    let rel = path.trim_start_matches('/');
    let rel = CString::new(if rel.is_empty() { "." } else { rel })
        .map_err(|_| std::io::Error::from_raw_os_error(libc::EINVAL))?;
    let how = OpenHow {
        flags: (libc::O_PATH | libc::O_CLOEXEC) as u64,
        mode: 0,
        resolve: RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    // SAFETY: valid pointers for the duration of the call.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            root.as_raw_fd(),
            rel.as_ptr(),
            &how as *const OpenHow,
            std::mem::size_of::<OpenHow>(),
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a new descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// A path inside the container, checked: absolute, no `..`.
fn clean(path: &str) -> Result<String> {
    let p = Path::new(path);
    if !p.is_absolute() || p.components().any(|c| c == Component::ParentDir) {
        bail!("container path {path:?} must be absolute and without \"..\"");
    }
    Ok(path.to_string())
}

/// Open `path` below `root`, creating it (a directory, or an empty file
/// when `dir` is false) and missing parent directories.
fn ensure(root: &OwnedFd, path: &str, dir: bool) -> Result<OwnedFd> {
    match open_in_root(root, path) {
        Ok(fd) => return Ok(fd),
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {}
        Err(e) => bail!("opening {path} in the container: {e}"),
    }
    let p = Path::new(path);
    let name = p
        .file_name()
        .ok_or_else(|| anyhow!("cannot create {path} in the container"))?;
    let parent = p.parent().map(|p| p.to_string_lossy().into_owned());
    let pfd = match parent.as_deref() {
        None | Some("") | Some("/") => open_in_root(root, "/")?,
        Some(par) => ensure(root, par, true)?,
    };
    let cname = CString::new(name.as_encoded_bytes()).context("a path with a NUL byte")?;
    // SAFETY: valid C strings and descriptors.
    let r = unsafe {
        if dir {
            libc::mkdirat(pfd.as_raw_fd(), cname.as_ptr(), 0o755)
        } else {
            let fd = libc::openat(
                pfd.as_raw_fd(),
                cname.as_ptr(),
                libc::O_CREAT | libc::O_WRONLY | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                0o644,
            );
            if fd >= 0 {
                libc::close(fd);
                0
            } else {
                fd
            }
        }
    };
    if r != 0 {
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EEXIST) {
            bail!("creating {path} in the container: {e}");
        }
    }
    open_in_root(root, path).with_context(|| format!("opening {path} in the container"))
}

fn fd_path(fd: &OwnedFd) -> PathBuf {
    PathBuf::from(format!("/proc/self/fd/{}", fd.as_raw_fd()))
}

fn mnt(
    sys: &dyn Sys,
    src: Option<&Path>,
    target: &Path,
    fstype: Option<&str>,
    flags: MsFlags,
    data: Option<&str>,
    what: &str,
) -> Result<()> {
    sys.mount(src, target, fstype, flags, data)
        .map_err(|e| anyhow!("mounting {what}: {}", e.desc()))
}

/// Set up the root file system and `pivot_root` into it. Runs in the
/// container's init, in a new mount namespace, with every capability of
/// its user namespace. Returns with `/` the container's root.
pub fn setup(sys: &dyn Sys, spec: &Spec) -> Result<()> {
    // Nothing mounted here may reach the host's mount namespace.
    mnt(
        sys,
        None,
        Path::new("/"),
        None,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None,
        "/ private",
    )?;
    mount_overlay(sys, spec)?;
    let target = &spec.rootfs.target;
    let root = nix::fcntl::open(
        target,
        nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_DIRECTORY | nix::fcntl::OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )
    .map_err(|e| anyhow!("opening {}: {}", target.display(), e.desc()))?;
    // SAFETY: a fresh descriptor.
    let root = unsafe { OwnedFd::from_raw_fd(root) };

    let nosuid_nodev_noexec = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    let t = ensure(&root, "/proc", true)?;
    let proc_mounted = mnt(
        sys,
        Some(Path::new("proc")),
        &fd_path(&t),
        Some("proc"),
        nosuid_nodev_noexec,
        None,
        "/proc",
    );
    match proc_mounted {
        // The host's pid namespace belongs to the host's user namespace:
        // a rootless container cannot mount a proc of it, and binds the
        // host's `/proc` (masked as any).
        Err(_) if spec.pid == NsMode::Host => mnt(
            sys,
            Some(Path::new("/proc")),
            &fd_path(&t),
            None,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            None,
            "/proc",
        )?,
        r => r?,
    }
    write_sysctls(&root, &spec.sysctls)?;
    mount_dev(sys, &root, spec)?;
    let t = ensure(&root, "/sys", true)?;
    // Read-only unless --privileged, as Podman and Docker mount it.
    let sys_read_only = spec.mask_paths;
    let sys_flags = if sys_read_only {
        nosuid_nodev_noexec | MsFlags::MS_RDONLY
    } else {
        nosuid_nodev_noexec
    };
    let sys_bound = sys
        .mount(
            Some(Path::new("sysfs")),
            &fd_path(&t),
            Some("sysfs"),
            sys_flags,
            None,
        )
        .is_err();
    if sys_bound {
        // A user namespace that does not own the network namespace
        // (`--network host`) cannot mount sysfs: bind the host's, made
        // read-only after the pivot.
        mnt(
            sys,
            Some(Path::new("/sys")),
            &fd_path(&t),
            None,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            None,
            "/sys",
        )?;
    }
    let mut read_only_later = Vec::new();
    for m in &spec.mounts {
        match m {
            Mount::Bind {
                source,
                target,
                read_only,
                propagation,
            } => {
                let target = clean(target)?;
                let md = std::fs::metadata(source)
                    .with_context(|| format!("volume source {}", source.display()))?;
                let t = ensure(&root, &target, md.is_dir())?;
                mnt(
                    sys,
                    Some(source),
                    &fd_path(&t),
                    None,
                    MsFlags::MS_BIND | MsFlags::MS_REC,
                    None,
                    &format!("{} on {target}", source.display()),
                )?;
                if let Some(p) = propagation {
                    // The descriptor opened before the bind is the dir
                    // below it: open the new mount itself.
                    let top = open_in_root(&root, &target)
                        .with_context(|| format!("opening {target} in the container"))?;
                    mnt(
                        sys,
                        None,
                        &fd_path(&top),
                        None,
                        propagation_flags(*p),
                        None,
                        &format!("{target} {p:?} propagation").to_lowercase(),
                    )?;
                }
                if *read_only {
                    read_only_later.push(target);
                }
            }
            Mount::Device { source, target } => {
                let target = clean(target)?;
                let what = format!("device {}", source.display());
                let md = std::fs::metadata(source).with_context(|| what.clone())?;
                use std::os::unix::fs::FileTypeExt;
                if !(md.file_type().is_char_device() || md.file_type().is_block_device()) {
                    bail!("{what}: not a device node");
                }
                let t = ensure(&root, &target, false)?;
                mnt(
                    sys,
                    Some(source),
                    &fd_path(&t),
                    None,
                    MsFlags::MS_BIND,
                    None,
                    &format!("{what} on {target}"),
                )?;
            }
            Mount::Volume {
                name,
                dir,
                target,
                read_only,
                copy_up,
                chown,
            } => {
                let target = clean(target)?;
                let t = ensure(&root, &target, true)?;
                if *copy_up {
                    fill_volume(name, dir, Some(&t))
                        .with_context(|| format!("volume {name}: copying {target} of the image"))?;
                }
                if *chown {
                    let who = container_user(&root, &spec.process.user)?;
                    let data: OwnedFd = std::fs::File::open(dir.join("_data"))
                        .with_context(|| format!("opening volume {name}"))?
                        .into();
                    super::cp::chown_tree(&data, who.uid, who.gid).with_context(|| {
                        format!("volume {name}: giving it to {}:{}", who.uid, who.gid)
                    })?;
                }
                mnt(
                    sys,
                    Some(&dir.join("_data")),
                    &fd_path(&t),
                    None,
                    MsFlags::MS_BIND | MsFlags::MS_REC,
                    None,
                    &format!("volume {name} on {target}"),
                )?;
                if *read_only {
                    read_only_later.push(target);
                }
            }
            Mount::Tmpfs { target, options } => {
                let target = clean(target)?;
                let t = ensure(&root, &target, true)?;
                let opts = if options.is_empty() {
                    "mode=1777".to_string()
                } else {
                    options.clone()
                };
                mnt(
                    sys,
                    Some(Path::new("tmpfs")),
                    &fd_path(&t),
                    Some("tmpfs"),
                    MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
                    Some(&opts),
                    &format!("tmpfs on {target}"),
                )?;
            }
            Mount::Overlay {
                lower_base,
                lowers,
                dir,
                source,
                target,
                read_only,
                what,
            } => {
                let target = clean(target)?;
                let top = dir.join("root");
                let mut lowers = lowers.clone();
                if lowers.is_empty() && *read_only {
                    // No layer at all (a stage FROM scratch): an empty
                    // read-only root.
                    mnt(
                        sys,
                        Some(Path::new("tmpfs")),
                        &top,
                        Some("tmpfs"),
                        MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
                        None,
                        what,
                    )?;
                } else {
                    if lowers.len() < 2 {
                        // Without an upper dir overlay needs two lower
                        // dirs, with one at least one.
                        lowers.push(dir.join("empty").display().to_string());
                    }
                    let upper = (!*read_only).then(|| (dir.join("upper"), dir.join("work")));
                    let upper = upper.as_ref().map(|(u, w)| (u.as_path(), w.as_path()));
                    sys::Overlay {
                        base: Some(lower_base),
                        lowers: &lowers,
                        upper,
                        userxattr: spec.rootfs.userxattr,
                    }
                    .mount(sys, &top, MsFlags::empty())
                    .with_context(|| what.clone())?
                    .map_err(|e| {
                        anyhow!(
                            "{what}: mounting an overlay at {}: {}",
                            top.display(),
                            e.desc()
                        )
                    })?;
                }
                let res = (|| -> Result<()> {
                    let over = open_in_root(&open_dir(&top)?, "/")
                        .with_context(|| format!("opening {}", top.display()))?;
                    let src = open_in_root(&over, source).map_err(|e| match e.raw_os_error() {
                        Some(libc::ENOENT) => anyhow!("{what}: source {source} not found"),
                        _ => anyhow!("{what}: opening source {source}: {e}"),
                    })?;
                    let is_dir = nix::sys::stat::fstat(src.as_raw_fd())
                        .map(|st| st.st_mode & libc::S_IFMT == libc::S_IFDIR)
                        .map_err(|e| anyhow!("{what}: source {source}: {}", e.desc()))?;
                    let t = ensure(&root, &target, is_dir)?;
                    mnt(
                        sys,
                        Some(&fd_path(&src)),
                        &fd_path(&t),
                        None,
                        MsFlags::MS_BIND | MsFlags::MS_REC,
                        None,
                        &format!("{what} on {target}"),
                    )
                })();
                // The bind keeps the overlay alive; its first mount point
                // is not needed in the container.
                let _ = sys.umount(&top, MntFlags::MNT_DETACH);
                res?;
                if *read_only {
                    read_only_later.push(target);
                }
            }
        }
    }
    drop(root);
    pivot(sys, target)?;

    if sys_bound && sys_read_only {
        remount_read_only(sys, "/sys")?;
    }
    for t in &read_only_later {
        remount_read_only(sys, t)?;
    }
    if spec.mask_paths {
        mask_paths(sys)?;
    }
    if spec.read_only {
        remount_read_only(sys, "/")?;
    }
    Ok(())
}

/// The mount flags that set propagation `p`.
fn propagation_flags(p: Propagation) -> MsFlags {
    let (flag, rec) = match p {
        Propagation::Private => (MsFlags::MS_PRIVATE, false),
        Propagation::Rprivate => (MsFlags::MS_PRIVATE, true),
        Propagation::Slave => (MsFlags::MS_SLAVE, false),
        Propagation::Rslave => (MsFlags::MS_SLAVE, true),
        Propagation::Shared => (MsFlags::MS_SHARED, false),
        Propagation::Rshared => (MsFlags::MS_SHARED, true),
    };
    if rec {
        flag | MsFlags::MS_REC
    } else {
        flag
    }
}

/// How the root overlay is mounted: `BERTH_OVERLAY=native|fuse|auto`
/// (default `auto`: native, else fuse-overlayfs when installed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OverlayMode {
    Auto,
    Native,
    Fuse,
}

/// Check `BERTH_OVERLAY` before a container is created, so that a bad
/// value stores nothing.
pub fn check_overlay_env() -> Result<()> {
    overlay_mode().map(|_| ())
}

fn overlay_mode() -> Result<OverlayMode> {
    match std::env::var("BERTH_OVERLAY").as_deref() {
        Err(_) | Ok("") | Ok("auto") => Ok(OverlayMode::Auto),
        Ok("native") => Ok(OverlayMode::Native),
        Ok("fuse") | Ok("fuse-overlayfs") => Ok(OverlayMode::Fuse),
        Ok(other) => bail!("BERTH_OVERLAY={other:?}: expected native, fuse or auto"),
    }
}

/// `fuse-overlayfs` in `PATH`, if installed.
pub fn find_fuse_overlayfs() -> Option<PathBuf> {
    super::which("fuse-overlayfs")
}

/// The container's mounted root file system, held by the monitor: when
/// dropped (the container has exited) it is unmounted, and a
/// fuse-overlayfs daemon serving it is stopped. A root file system that
/// `berth mount` made is used as it is and stays mounted.
pub struct RootMount {
    target: PathBuf,
    daemon: Option<std::process::Child>,
}

impl Drop for RootMount {
    fn drop(&mut self) {
        if self.target.as_os_str().is_empty() {
            return;
        }
        let _ = Linux.umount(&self.target, MntFlags::MNT_DETACH);
        if let Some(mut d) = self.daemon.take() {
            let _ = d.kill();
            let _ = d.wait();
        }
    }
}

/// Whether `path` is the root of a mount in this mount namespace: it
/// lies on another device than its parent (an overlay has a device of its
/// own), whatever symlinks lead to it.
pub fn is_mount_point(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let (Ok(here), Ok(parent)) = (std::fs::metadata(path), std::fs::metadata(path.join("..")))
    else {
        return false;
    };
    here.dev() != parent.dev()
}

/// Undo mountinfo's octal escapes (`\040` for a space).
pub fn unescape_mountinfo(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && (b'0'..=b'3').contains(&b[i + 1])
            && b[i + 2..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `berth mount`: mount the container's root overlay at its target in
/// this mount namespace (natively; this process must have the capability
/// to mount: root, or root of `berth unshare`'s user namespace). Nothing
/// is done when it is mounted already.
pub fn mount_root(spec: &Spec) -> Result<()> {
    if is_mount_point(&spec.rootfs.target) {
        return Ok(());
    }
    if overlay_mode()? == OverlayMode::Fuse {
        bail!("berth mount needs the kernel's overlay, and BERTH_OVERLAY=fuse forbids it");
    }
    if let Some(dir) = spec.rootfs.bound_dir() {
        return bind_root_dir(&Linux, &dir, &spec.rootfs.target);
    }
    let here = std::env::current_dir().ok();
    let res = mount_overlay(&Linux, spec);
    if let Some(d) = here {
        let _ = Linux.chdir(&d);
    }
    res
}

/// Detach whatever is mounted at `target`, if anything (a root file
/// system `berth mount` left, before its container is removed).
pub fn detach(target: &Path) {
    let _ = Linux.umount(target, MntFlags::MNT_DETACH);
}

/// `berth unmount`: unmount what [`mount_root`] mounted; `Ok(false)` when
/// nothing was mounted there.
pub fn unmount_root(spec: &Spec) -> Result<bool> {
    let target = &spec.rootfs.target;
    if !is_mount_point(target) {
        return Ok(false);
    }
    Linux
        .umount(target, MntFlags::MNT_DETACH)
        .map_err(|e| anyhow!("unmounting {}: {}", target.display(), e.desc()))?;
    Ok(true)
}

/// Mount the root overlay in the monitor's own new mount namespace, which
/// pid 1 then copies (so pid 1 mounts nothing itself, and a fuse-overlayfs
/// daemon stays outside the container's pid namespace, where its
/// descriptors of the store's layer directories are out of the
/// container's reach). Runs in the container's user namespace with all
/// its capabilities, before the pid namespace is made, so the daemon is
/// not pid 1 of it. The daemon has `PR_SET_PDEATHSIG(SIGKILL)`: it dies
/// with the monitor, and the mount namespace with both.
pub fn premount(spec: &mut Spec, idmapped: Vec<(OwnedFd, PathBuf)>) -> Result<RootMount> {
    let sys = &Linux;
    // With `--uidmap`, the kernel's overlay alone reads idmapped layers;
    // rootless, fuse-overlayfs alone shows other owners.
    let nested = super::nested::map_of(spec).is_some();
    let mode = match (idmapped.is_empty(), nested) {
        (_, true) => OverlayMode::Fuse,
        (true, false) => overlay_mode()?,
        (false, false) => OverlayMode::Native,
    };
    sys.unshare(sys::CloneFlags::CLONE_NEWNS)
        .map_err(|e| anyhow!("creating the monitor's mount namespace: {}", e.desc()))?;
    mnt(
        sys,
        None,
        Path::new("/"),
        None,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None,
        "/ private",
    )?;
    if !idmapped.is_empty() {
        // `--uidmap`: the store as the container's ids see it, over the
        // real one; then this process becomes the root whose ids those
        // are (the host's root is not mapped), which mounts the overlay.
        super::idmap::attach(idmapped)?;
        super::idmap::become_root()?;
    }
    let target = spec.rootfs.target.clone();
    if is_mount_point(&target) && nested {
        bail!(
            "--uidmap/--gidmap: the container's root file system is mounted (berth mount): \
             unmount it first"
        );
    }
    if is_mount_point(&target) {
        // Mounted by `berth mount` (this namespace is a copy of that one):
        // the container uses that mount, which stays when it exits.
        spec.rootfs.mounted = true;
        return Ok(RootMount {
            target: PathBuf::new(),
            daemon: None,
        });
    }
    if let Some(dir) = spec.rootfs.bound_dir() {
        bind_root_dir(sys, &dir, &target)?;
        spec.rootfs.mounted = true;
        return Ok(RootMount {
            target,
            daemon: None,
        });
    }
    let native = match mode {
        OverlayMode::Fuse => None,
        _ => Some(mount_overlay(sys, spec)),
    };
    let daemon = match native {
        Some(Ok(())) => None,
        Some(Err(e)) if mode == OverlayMode::Native => return Err(e),
        Some(Err(e)) => match find_fuse_overlayfs() {
            Some(prog) => Some(mount_fuse(spec, &prog)?),
            None => {
                return Err(e.context(
                    "no fallback: fuse-overlayfs is not installed (install the fuse-overlayfs \
                     package, or use Linux 5.11 or later for overlay in a user namespace)",
                ))
            }
        },
        None if nested => {
            let prog = find_fuse_overlayfs().ok_or_else(|| {
                anyhow!(
                    "--uidmap/--gidmap: rootless, the container's files are shown with its ids by \
                     fuse-overlayfs, which is not installed (install the fuse-overlayfs package)"
                )
            })?;
            Some(mount_fuse(spec, &prog)?)
        }
        None => {
            let prog = find_fuse_overlayfs().ok_or_else(|| {
                anyhow!(
                    "BERTH_OVERLAY=fuse: fuse-overlayfs is not installed (install the \
                     fuse-overlayfs package, or unset BERTH_OVERLAY)"
                )
            })?;
            Some(mount_fuse(spec, &prog)?)
        }
    };
    spec.rootfs.mounted = true;
    Ok(RootMount { target, daemon })
}

/// Start `fuse-overlayfs -f` over the container's layers and wait until
/// its mount is there.
fn mount_fuse(spec: &Spec, prog: &Path) -> Result<std::process::Child> {
    use std::io::{Read, Seek};
    use std::os::unix::process::CommandExt;
    let r = &spec.rootfs;
    if let Err(e) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/fuse")
    {
        bail!(
            "fuse-overlayfs needs /dev/fuse: {e} (as root, `chmod 0666 /dev/fuse`, Debian's usual \
             mode, lets users mount FUSE file systems)"
        );
    }
    let lowers: Vec<String> = r
        .lowers
        .iter()
        .map(|l| r.lower_base.join(l).display().to_string())
        .collect();
    let mut opts = format!(
        "lowerdir={},upperdir={},workdir={}",
        lowers.join(":"),
        r.lower_base.join(&r.upper).display(),
        r.lower_base.join(&r.work).display()
    );
    if let Some(map) = super::nested::map_of(spec) {
        // The container's processes are in a namespace inside this one.
        opts = format!("{opts},allow_other,{}", super::nested::fuse_options(map));
    }
    // Its messages go to an anonymous file, read only when it fails: a
    // pipe nobody reads would block (or kill) the daemon later.
    // SAFETY: a C string literal and flags.
    let log = unsafe { libc::memfd_create(c"fuse-overlayfs".as_ptr(), libc::MFD_CLOEXEC) };
    if log < 0 {
        return Err(errno_err("creating a log for fuse-overlayfs".into()));
    }
    // SAFETY: a fresh descriptor that nothing else owns.
    let mut log = unsafe { std::fs::File::from_raw_fd(log) };
    let mut cmd = std::process::Command::new(prog);
    cmd.args(["-f", "-o", &opts])
        .arg(&r.target)
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone().context("duplicating a descriptor")?)
        .stderr(log.try_clone().context("duplicating a descriptor")?);
    // SAFETY: prctl is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // With --userns=keep-id this process is not uid 0 in its
            // namespace, and exec would drop the capabilities the daemon
            // needs to mount and to serve files of every owner.
            if libc::geteuid() != 0 {
                super::security::keep_capabilities_across_exec()?;
            }
            Ok(())
        });
    }
    super::log_helper(&cmd);
    let mut child = cmd
        .spawn()
        .with_context(|| format!("starting {}", prog.display()))?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if let Ok(fs) = nix::sys::statfs::statfs(&r.target) {
            if fs.filesystem_type() == nix::sys::statfs::FUSE_SUPER_MAGIC {
                return Ok(child);
            }
        }
        let exited = child.try_wait().ok().flatten();
        if exited.is_some() || std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            let mut msg = String::new();
            let _ = log.seek(std::io::SeekFrom::Start(0));
            let _ = log.read_to_string(&mut msg);
            let why = match exited {
                Some(st) => format!("it exited ({st})"),
                None => "it did not mount within 20 s".into(),
            };
            bail!(
                "mounting the container's root file system with fuse-overlayfs at {}: {why}: {}",
                r.target.display(),
                msg.trim().replace('\n', "; ")
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// `--rootfs DIR`: the directory itself, bound at the target (the
/// container writes into it, as with Podman).
fn bind_root_dir(sys: &dyn Sys, dir: &Path, target: &Path) -> Result<()> {
    mnt(
        sys,
        Some(dir),
        target,
        None,
        MsFlags::MS_BIND | MsFlags::MS_REC,
        None,
        "the --rootfs directory",
    )
}

fn mount_overlay(sys: &dyn Sys, spec: &Spec) -> Result<()> {
    if spec.rootfs.mounted {
        return Ok(());
    }
    let r = &spec.rootfs;
    sys::Overlay {
        base: Some(&r.lower_base),
        lowers: &r.lowers,
        upper: Some((&r.upper, &r.work)),
        userxattr: r.userxattr,
    }
    .mount(sys, &r.target, MsFlags::empty())
    .context("mounting the container's root file system")?
    .map_err(|e| {
        anyhow!(
            "mounting the container's root file system (overlay) at {}: {}: this kernel cannot \
             mount overlay here; rootless containers need Linux 5.11 or later (overlay with \
             userxattr in a user namespace); install fuse-overlayfs or upgrade the kernel",
            r.target.display(),
            e.desc()
        )
    })
}

/// An `O_PATH` descriptor of directory `path` on the host.
fn open_dir(path: &Path) -> Result<OwnedFd> {
    let fd = nix::fcntl::open(
        path,
        nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_DIRECTORY | nix::fcntl::OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )
    .map_err(|e| anyhow!("opening {}: {}", path.display(), e.desc()))?;
    // SAFETY: a fresh descriptor.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn mount_dev(sys: &dyn Sys, root: &OwnedFd, spec: &Spec) -> Result<()> {
    let t = ensure(root, "/dev", true)?;
    mnt(
        sys,
        Some(Path::new("tmpfs")),
        &fd_path(&t),
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_STRICTATIME,
        Some("mode=755,size=65536k"),
        "/dev",
    )?;
    for d in DEVICES {
        let host = Path::new("/dev").join(d);
        let t = ensure(root, &format!("/dev/{d}"), false)?;
        mnt(
            sys,
            Some(&host),
            &fd_path(&t),
            None,
            MsFlags::MS_BIND,
            None,
            &host.display().to_string(),
        )?;
    }
    let t = ensure(root, "/dev/pts", true)?;
    let pts = |opts: &str| {
        sys.mount(
            Some(Path::new("devpts")),
            &fd_path(&t),
            Some("devpts"),
            MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC,
            Some(opts),
        )
    };
    // gid=5 (tty) only where the namespace maps it.
    pts("newinstance,ptmxmode=0666,mode=0620,gid=5")
        .or_else(|_| pts("newinstance,ptmxmode=0666,mode=0620"))
        .map_err(|e| anyhow!("mounting /dev/pts: {}", e.desc()))?;
    let t = ensure(root, "/dev/shm", true)?;
    mnt(
        sys,
        Some(Path::new("shm")),
        &fd_path(&t),
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        Some(&format!(
            "mode=1777,size={}",
            spec.shm_size.unwrap_or(DEFAULT_SHM_SIZE)
        )),
        "/dev/shm",
    )?;
    let dev = open_in_root(root, "/dev").context("opening /dev in the container")?;
    for (name, to) in [
        ("ptmx", "pts/ptmx"),
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
        ("core", "/proc/kcore"),
    ] {
        let (n, t) = (CString::new(name)?, CString::new(to)?);
        // SAFETY: valid C strings; the dir fd is /dev of the container.
        if unsafe { libc::symlinkat(t.as_ptr(), dev.as_raw_fd(), n.as_ptr()) } != 0 {
            return Err(errno_err(format!("creating /dev/{name}")));
        }
    }
    Ok(())
}

/// The size of `/dev/shm` without `--shm-size`: 64 MiB, as Docker and
/// Podman give.
pub const DEFAULT_SHM_SIZE: u64 = 64 << 20;

/// `--sysctl`: write each value under the container's `/proc/sys`
/// (its own proc, just mounted; the values land in the container's
/// namespaces), before `/proc/sys` is made read-only.
fn write_sysctls(root: &OwnedFd, sysctls: &[(String, String)]) -> Result<()> {
    if sysctls.is_empty() {
        return Ok(());
    }
    let proc_fd = open_in_root(root, "/proc").context("opening the container's /proc")?;
    for (name, value) in sysctls {
        let shown = name.replace('/', ".");
        if name
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..")
        {
            bail!("--sysctl {shown}: not a sysctl name");
        }
        let path = fd_path(&proc_fd).join("sys").join(name);
        std::fs::write(&path, value).map_err(|e| match e.raw_os_error() {
            Some(libc::ENOENT) => anyhow!("--sysctl {shown}: no such sysctl in this kernel"),
            _ => anyhow!("--sysctl {shown}={value}: {e}"),
        })?;
    }
    Ok(())
}

fn pivot(sys: &dyn Sys, target: &Path) -> Result<()> {
    sys.chdir(target)
        .with_context(|| format!("entering {}", target.display()))?;
    // pivot_root(".", "."): the old root ends up stacked on the new one
    // and is detached at once, so no path to the host remains.
    let here = Path::new(".");
    sys.pivot_root(here, here)
        .map_err(|e| anyhow!("pivot_root: {}", e.desc()))?;
    sys.umount(here, MntFlags::MNT_DETACH)
        .map_err(|e| anyhow!("detaching the old root: {}", e.desc()))?;
    sys.chdir(Path::new("/")).context("entering /")?;
    Ok(())
}

/// Remount a bind mount read-only, keeping the flags the kernel locks in
/// a user namespace (nosuid, nodev, noexec, atime), else it says EPERM.
fn remount_read_only(sys: &dyn Sys, path: &str) -> Result<()> {
    let f = sys
        .mount_flags(Path::new(path))
        .map_err(|e| anyhow!("making {path} read-only: {}", e.desc()))?;
    use sys::FsFlags as F;
    let mut flags = MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY;
    for (s, m) in [
        (F::ST_NOSUID, MsFlags::MS_NOSUID),
        (F::ST_NODEV, MsFlags::MS_NODEV),
        (F::ST_NOEXEC, MsFlags::MS_NOEXEC),
        (F::ST_NOATIME, MsFlags::MS_NOATIME),
        (F::ST_NODIRATIME, MsFlags::MS_NODIRATIME),
        (F::ST_RELATIME, MsFlags::MS_RELATIME),
    ] {
        if f.contains(s) {
            flags |= m;
        }
    }
    mnt(
        sys,
        None,
        Path::new(path),
        None,
        flags,
        None,
        &format!("{path} read-only"),
    )
}

fn mask_paths(sys: &dyn Sys) -> Result<()> {
    for p in MASKED {
        let Some(is_dir) = sys.lstat_is_dir(Path::new(p)) else {
            continue;
        };
        if is_dir {
            mnt(
                sys,
                Some(Path::new("tmpfs")),
                Path::new(p),
                Some("tmpfs"),
                MsFlags::MS_RDONLY,
                Some("size=0"),
                &format!("a mask over {p}"),
            )?;
        } else {
            mnt(
                sys,
                Some(Path::new("/dev/null")),
                Path::new(p),
                None,
                MsFlags::MS_BIND,
                None,
                &format!("a mask over {p}"),
            )?;
        }
    }
    for p in READ_ONLY {
        if sys.lstat_is_dir(Path::new(p)).is_none() {
            continue;
        }
        mnt(
            sys,
            Some(Path::new(p)),
            Path::new(p),
            None,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            None,
            p,
        )?;
        remount_read_only(sys, p)?;
    }
    Ok(())
}

/// The container's user (`uid[:gid]` or `name[:group]`), resolved in
/// its root's `/etc/passwd` and `/etc/group`, read without leaving it.
fn container_user(root: &OwnedFd, user: &str) -> Result<super::user::Resolved> {
    let read = |p: &str| -> String {
        crate::fsat::open_in_root(root, p, libc::O_RDONLY)
            .ok()
            .and_then(|fd| std::io::read_to_string(std::fs::File::from(fd)).ok())
            .unwrap_or_default()
    };
    super::user::resolve(user, &read("/etc/passwd"), &read("/etc/group"))
}

/// Docker's copy-up, done once per volume: the first time a container
/// mounts volume `name` (in `dir`), if its `_data` is empty, it gets
/// what the image has at the mount point, `at`. This process is in the
/// container's user namespace, so owners are the container's own. The
/// copy goes to `dir/fill`, renamed onto the empty `_data` once whole;
/// then `dir/copied-up` says it is done. Killed at any instant, the
/// next start finds `_data` empty (and a `fill` it starts again) or
/// whole; never half filled. `dir/lock` keeps two starts from copying
/// at once.
/// Rootless `--uidmap`: fill the volumes a container fills first, in
/// the monitor, before the container's namespace is made. Only the
/// root of the user's namespace may give the copies the ids the
/// container sees them with (those the root file system shows, which
/// the copy keeps) and write in the volume's dir. Then each filled
/// volume's `_data` is given to the container's root (`uid`, `gid`).
/// A path the image does not have leaves the volume empty, as later.
pub fn fill_volumes_early(spec: &Spec, uid: u32, gid: u32) -> Result<()> {
    let root = open_dir(&spec.rootfs.target)?;
    for m in &spec.mounts {
        let Mount::Volume {
            name,
            dir,
            target,
            copy_up: true,
            ..
        } = m
        else {
            continue;
        };
        if dir.join("copied-up").exists() {
            continue;
        }
        let target = clean(target)?;
        let at = match open_in_root(&root, &target) {
            Ok(fd) => Some(fd),
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => None,
            Err(e) => bail!("opening {target} in the container: {e}"),
        };
        fill_volume(name, dir, at.as_ref())
            .with_context(|| format!("volume {name}: copying {target} of the image"))?;
        let data = dir.join("_data");
        std::os::unix::fs::lchown(&data, Some(uid), Some(gid))
            .with_context(|| format!("volume {name}: giving it to the container's root"))?;
    }
    Ok(())
}

/// Rootless `--uidmap`: `:U` volumes are given to the container's user
/// by the monitor, in the user's namespace, with the ids `map` gives
/// that user (the container's root may not chown what the user owns).
pub fn chown_volumes_early(spec: &Spec, map: &super::spec::IdMap) -> Result<()> {
    let root = open_dir(&spec.rootfs.target)?;
    for m in &spec.mounts {
        let Mount::Volume {
            name,
            dir,
            chown: true,
            ..
        } = m
        else {
            continue;
        };
        let who = container_user(&root, &spec.process.user)?;
        let (uid, gid) = map.host_ids(who.uid, who.gid).ok_or_else(|| {
            anyhow!(
                "volume {name}: the container's user {}:{} has no id in the --uidmap/--gidmap",
                who.uid,
                who.gid
            )
        })?;
        let data: OwnedFd = std::fs::File::open(dir.join("_data"))
            .with_context(|| format!("opening volume {name}"))?
            .into();
        super::cp::chown_tree(&data, uid, gid)
            .with_context(|| format!("volume {name}: giving it to {}:{}", who.uid, who.gid))?;
    }
    Ok(())
}

/// Fill volume `dir` with what `at` holds (nothing: `None`), once.
fn fill_volume(name: &str, dir: &Path, at: Option<&OwnedFd>) -> Result<()> {
    let done = dir.join("copied-up");
    if done.exists() {
        return Ok(());
    }
    let _lock = crate::fsutil::FileLock::acquire(
        &dir.join("lock"),
        crate::fsutil::LockKind::Exclusive,
        |_| {},
    )?;
    if done.exists() {
        return Ok(());
    }
    let data = dir.join("_data");
    let empty = std::fs::read_dir(&data)
        .with_context(|| format!("reading {}", data.display()))?
        .next()
        .is_none();
    if let (true, Some(at)) = (empty, at) {
        let fill = dir.join("fill");
        if fill.symlink_metadata().is_ok() {
            crate::fsutil::remove_all(&fill)?;
        }
        std::fs::create_dir(&fill).with_context(|| format!("creating {}", fill.display()))?;
        let f: OwnedFd = std::fs::File::open(&fill)
            .with_context(|| format!("opening {}", fill.display()))?
            .into();
        super::cp::copy_dir_contents(at, &f)?;
        drop(f);
        crate::fsutil::sync_fs(&fill)?;
        std::fs::rename(&fill, &data)
            .with_context(|| format!("volume {name}: renaming {} onto _data", fill.display()))?;
    }
    // An empty marker, made in place: present or not, never half of
    // one, and no temporary file beside it for a kill to leave.
    std::fs::File::create(&done)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("creating {}", done.display()))?;
    crate::fsutil::sync_dir(dir)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::sys::recorder::Recorder;
    use super::super::sys::Errno;
    use super::*;

    #[test]
    fn mountinfo_escapes_are_undone() {
        assert_eq!(unescape_mountinfo("/a\\040b"), "/a b");
        assert_eq!(unescape_mountinfo("/tab\\011end\\134"), "/tab\tend\\");
        // Not an escape: left as it is.
        assert_eq!(unescape_mountinfo("/x\\9"), "/x\\9");
        assert_eq!(unescape_mountinfo("/y\\777"), "/y\\777");
    }

    /// A container root in a directory of the test's own: `root/` (the
    /// target), `base/` (where lower dirs are), and what the image has.
    struct Tree {
        tmp: tempfile::TempDir,
    }

    impl Tree {
        fn new() -> Tree {
            let tmp = tempfile::tempdir().unwrap();
            for d in ["root/proc/acpi", "root/proc/sys", "base/l", "host"] {
                std::fs::create_dir_all(tmp.path().join(d)).unwrap();
            }
            std::fs::write(tmp.path().join("root/proc/kcore"), "").unwrap();
            Tree { tmp }
        }
        fn root(&self) -> PathBuf {
            self.tmp.path().join("root")
        }
        fn path(&self, rel: &str) -> PathBuf {
            self.tmp.path().join(rel)
        }
        fn spec(&self, extra: serde_json::Value) -> Spec {
            let mut v = serde_json::json!({
                "rootfs": {
                    "lower_base": self.path("base"),
                    "lowers": ["l/A"],
                    "upper": "c/diff",
                    "work": "c/work",
                    "target": self.root(),
                    "userxattr": true,
                },
            });
            for (k, x) in extra.as_object().unwrap() {
                v[k] = x.clone();
            }
            Spec::for_tests(v)
        }
        fn setup(&self, spec: &Spec, r: &Recorder) -> Result<()> {
            setup(r, spec)
        }
    }

    /// `want` appear in `calls` in this order (others may come between).
    fn in_order(calls: &[String], want: &[&str]) {
        let mut at = 0;
        for w in want {
            match calls[at..].iter().position(|c| c == w) {
                Some(i) => at += i + 1,
                None => panic!("{w:?} not found in order in:\n  {}", calls.join("\n  ")),
            }
        }
    }

    #[test]
    fn the_root_is_set_up_in_podmans_order() {
        let t = Tree::new();
        let r = Recorder::new(&t.root());
        t.setup(&t.spec(serde_json::json!({})), &r).unwrap();
        let base = t.path("base").display().to_string();
        let mut want = vec![
            "mount - / - MS_REC|MS_PRIVATE".to_string(),
            format!("chdir {base}"),
            "mount overlay {root} overlay - lowerdir=l/A,upperdir=c/diff,workdir=c/work,userxattr"
                .into(),
            "mount proc {root}/proc proc MS_NOSUID|MS_NODEV|MS_NOEXEC".into(),
            "mount tmpfs {root}/dev tmpfs MS_NOSUID|MS_STRICTATIME mode=755,size=65536k".into(),
        ];
        for d in DEVICES {
            want.push(format!("mount /dev/{d} {{root}}/dev/{d} - MS_BIND"));
        }
        want.extend([
            "mount devpts {root}/dev/pts devpts MS_NOSUID|MS_NOEXEC newinstance,ptmxmode=0666,mode=0620,gid=5".to_string(),
            "mount shm {root}/dev/shm tmpfs MS_NOSUID|MS_NODEV|MS_NOEXEC mode=1777,size=67108864".into(),
            "mount sysfs {root}/sys sysfs MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC".into(),
            "chdir {root}".into(),
            "pivot_root . .".into(),
            "umount . MNT_DETACH".into(),
            "chdir /".into(),
            "mount tmpfs /proc/acpi tmpfs MS_RDONLY size=0".into(),
            "mount /dev/null /proc/kcore - MS_BIND".into(),
            "mount /proc/sys /proc/sys - MS_BIND|MS_REC".into(),
            "mount - /proc/sys - MS_RDONLY|MS_NOSUID|MS_NODEV|MS_REMOUNT|MS_BIND|MS_RELATIME".into(),
        ]);
        assert_eq!(r.calls(), want, "\n  {}", r.calls().join("\n  "));
        // /dev's links are made in the container's /dev.
        let ptmx = std::fs::read_link(t.root().join("dev/ptmx")).unwrap();
        assert_eq!(ptmx, Path::new("pts/ptmx"));
        assert_eq!(
            std::fs::read_link(t.root().join("dev/fd")).unwrap(),
            Path::new("/proc/self/fd")
        );
    }

    #[test]
    fn a_symlink_of_the_image_cannot_lead_a_mount_out_of_its_root() {
        let t = Tree::new();
        // `/etc` is a link to a host path; the same path exists in the
        // image, as `/host` does.
        let victim = t.path("host");
        let mirror = t.root().join(victim.strip_prefix("/").unwrap());
        std::fs::create_dir_all(&mirror).unwrap();
        std::fs::create_dir(t.root().join("host")).unwrap();
        std::os::unix::fs::symlink(&victim, t.root().join("etc")).unwrap();
        std::os::unix::fs::symlink("../../../../../../host", t.root().join("data")).unwrap();
        std::fs::create_dir(t.path("src")).unwrap();
        let src = t.path("src");
        let spec = t.spec(serde_json::json!({
            "mounts": [
                {"Bind": {"source": src, "target": "/etc/hosts", "read_only": false}},
                {"Tmpfs": {"target": "/data/x", "options": ""}},
            ],
        }));
        let r = Recorder::new(&t.root());
        t.setup(&spec, &r).unwrap();
        let inside = format!("{{root}}{}/hosts", victim.display());
        in_order(
            &r.calls(),
            &[
                &format!("mount {} {inside} - MS_BIND|MS_REC", src.display()),
                "mount tmpfs {root}/host/x tmpfs MS_NOSUID|MS_NODEV mode=1777",
            ],
        );
        // Nothing was made beside the root.
        assert_eq!(std::fs::read_dir(&victim).unwrap().count(), 0);
        assert!(mirror.join("hosts").is_dir());
        assert!(t.root().join("host/x").is_dir());
    }

    #[test]
    fn a_refused_sysfs_is_bound_and_made_read_only_after_the_pivot() {
        let t = Tree::new();
        let r = Recorder::new(&t.root());
        r.fail("mount sysfs", Errno::EPERM);
        t.setup(&t.spec(serde_json::json!({})), &r).unwrap();
        in_order(
            &r.calls(),
            &[
                "mount sysfs {root}/sys sysfs MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC -> EPERM: Operation not permitted",
                "mount /sys {root}/sys - MS_BIND|MS_REC",
                "pivot_root . .",
                "mount - /sys - MS_RDONLY|MS_NOSUID|MS_NODEV|MS_REMOUNT|MS_BIND|MS_RELATIME",
                "mount tmpfs /proc/acpi tmpfs MS_RDONLY size=0",
            ],
        );
    }

    #[test]
    fn proc_is_bound_only_for_the_hosts_pid_namespace() {
        let t = Tree::new();
        let r = Recorder::new(&t.root());
        r.fail("mount proc", Errno::EPERM);
        let spec = t.spec(serde_json::json!({"pid": "Host"}));
        t.setup(&spec, &r).unwrap();
        in_order(&r.calls(), &["mount /proc {root}/proc - MS_BIND|MS_REC"]);

        let t = Tree::new();
        let r = Recorder::new(&t.root());
        r.fail("mount proc", Errno::EPERM);
        let e = t.setup(&t.spec(serde_json::json!({})), &r).unwrap_err();
        assert_eq!(e.to_string(), "mounting /proc: Operation not permitted");
        assert!(!r.calls().iter().any(|c| c.contains("pivot_root")));
    }

    #[test]
    fn devpts_goes_without_gid_5_where_the_namespace_lacks_it() {
        let t = Tree::new();
        let r = Recorder::new(&t.root());
        r.fail("gid=5", Errno::EINVAL);
        t.setup(&t.spec(serde_json::json!({})), &r).unwrap();
        in_order(
            &r.calls(),
            &["mount devpts {root}/dev/pts devpts MS_NOSUID|MS_NOEXEC newinstance,ptmxmode=0666,mode=0620"],
        );
    }

    #[test]
    fn privileged_keeps_sys_writable_and_masks_nothing() {
        let t = Tree::new();
        let r = Recorder::new(&t.root());
        let spec = t.spec(serde_json::json!({"mask_paths": false}));
        t.setup(&spec, &r).unwrap();
        let calls = r.calls();
        in_order(
            &calls,
            &["mount sysfs {root}/sys sysfs MS_NOSUID|MS_NODEV|MS_NOEXEC"],
        );
        assert_eq!(calls.last().unwrap(), "chdir /", "{calls:#?}");
    }

    #[test]
    fn read_only_mounts_and_root_are_remounted_after_the_masks_are_set() {
        let t = Tree::new();
        std::fs::create_dir(t.path("src")).unwrap();
        let src = t.path("src");
        let spec = t.spec(serde_json::json!({
            "read_only": true,
            "shm_size": 1024,
            "mounts": [
                {"Bind": {"source": src, "target": "/data", "read_only": true,
                          "propagation": "rshared"}},
                {"Tmpfs": {"target": "/tmp", "options": "size=1m"}},
            ],
        }));
        let mounted = {
            let mut s = spec.clone();
            s.rootfs.mounted = true;
            s
        };
        let r = Recorder::new(&t.root());
        // The bound directory is on a noexec file system without
        // relatime: its remount keeps what the kernel locks there.
        use super::super::sys::FsFlags as F;
        r.flags_at(
            "/data",
            F::ST_NOSUID | F::ST_NODEV | F::ST_NOEXEC | F::ST_NOATIME,
        );
        t.setup(&spec, &r).unwrap();
        let ro = "MS_RDONLY|MS_NOSUID|MS_NODEV|MS_REMOUNT|MS_BIND|MS_RELATIME";
        let data_ro = "MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC|MS_REMOUNT|MS_NOATIME|MS_BIND";
        in_order(
            &r.calls(),
            &[
                "mount shm {root}/dev/shm tmpfs MS_NOSUID|MS_NODEV|MS_NOEXEC mode=1777,size=1024",
                &format!("mount {} {{root}}/data - MS_BIND|MS_REC", src.display()),
                "mount - {root}/data - MS_REC|MS_SHARED",
                "mount tmpfs {root}/tmp tmpfs MS_NOSUID|MS_NODEV size=1m",
                "pivot_root . .",
                &format!("mount - /data - {data_ro}"),
                "mount tmpfs /proc/acpi tmpfs MS_RDONLY size=0",
                &format!("mount - / - {ro}"),
            ],
        );
        assert_eq!(r.calls().last().unwrap(), &format!("mount - / - {ro}"));
        // A root the monitor mounted is not mounted again.
        let t = Tree::new();
        let mounted = {
            let mut s = mounted;
            s.rootfs.target = t.root();
            s
        };
        let r = Recorder::new(&t.root());
        t.setup(&mounted, &r).unwrap();
        assert!(!r.calls().iter().any(|c| c.starts_with("mount overlay")));
    }

    #[test]
    fn a_mount_target_must_be_absolute_and_without_dot_dot() {
        for target in ["data", "/a/../b"] {
            let t = Tree::new();
            let spec = t.spec(serde_json::json!({
                "mounts": [{"Tmpfs": {"target": target, "options": ""}}],
            }));
            let r = Recorder::new(&t.root());
            let e = t.setup(&spec, &r).unwrap_err();
            assert!(e.to_string().contains("must be absolute"), "{e}");
            assert!(!r.calls().iter().any(|c| c.contains("pivot_root")));
        }
    }
}
