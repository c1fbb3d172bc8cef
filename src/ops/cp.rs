//! `cp`: files between a container (stopped or running) and the host, or
//! between two containers, with Podman's rules (its `podman-cp` page):
//!
//! - A container path that is not absolute is relative to the
//!   container's working directory.
//! - The source is followed through its symlinks (inside the container,
//!   never on the host), and copied under the name it resolves to.
//! - A file goes into an existing directory under its own name, replaces
//!   an existing file, or becomes a new file (whose parent must exist).
//! - A directory goes into an existing directory under its own name, or
//!   becomes the destination if that does not exist; `DIR/.` copies what
//!   the directory holds; a directory never replaces a file.
//! - A destination ending in `/` must be an existing directory; `-` is a
//!   tar on standard input (unpacked into an existing directory) or on
//!   standard output.
//! - Inside the copy, a directory never replaces a non-directory nor the
//!   other way round, unless `--overwrite`.
//! - What lands in a container belongs to the container's user (`-a`,
//!   the default), or keeps its owners (`--archive=false`); what lands on
//!   the host belongs to the caller. Modes and times are kept.
//!
//! A running container is reached through its own processes' view of
//! itself (so its volumes and tmpfs mounts are there), opened before any
//! user namespace is entered; a stopped one through a private view of its
//! layers, opened after.

use crate::runtime::cp::{self as rt, Dest, Found, Owner, Put, View};
use crate::runtime::spec::Spec;
use crate::store::containers::ContainerRecord;
use crate::store::{Store, StorePaths};
use anyhow::{anyhow, bail, Context, Result};
use std::ffi::CString;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// One side of a copy, as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A host path, or `-` (a tar on standard input or output).
    Host(PathBuf),
    /// `CONTAINER:PATH`, the path as given.
    Container { container: String, path: String },
}

impl Location {
    /// Docker's rule: `NAME:PATH` names a container unless the part
    /// before the colon has a `/` (or the whole starts with `/` or `.`).
    pub fn parse(s: &str) -> Location {
        if !s.starts_with(['/', '.']) {
            if let Some((c, p)) = s.split_once(':') {
                if !c.is_empty() && !c.contains('/') {
                    return Location::Container {
                        container: c.to_string(),
                        path: p.to_string(),
                    };
                }
            }
        }
        Location::Host(PathBuf::from(s))
    }
}

/// `cp`'s flags.
#[derive(Debug, Clone, Copy)]
pub struct CopyOptions {
    /// `-a`: what lands in a container belongs to its user.
    pub archive: bool,
    /// `--overwrite`: a directory may replace a non-directory, and the
    /// other way round.
    pub overwrite: bool,
}

/// A copy found in the store, with the running containers' views open:
/// do it with [`copy`].
pub struct Plan {
    store: Store,
    src: End,
    dst: End,
}

enum End {
    Host(PathBuf),
    /// `-`: a tar on standard input or output.
    Stream,
    Container(Box<Side>),
}

struct Side {
    /// The name as given, for messages.
    given: String,
    rec: ContainerRecord,
    spec: Spec,
    /// The path as given, and made absolute against the working dir.
    raw: String,
    path: String,
    /// Its file system: a running container's own view from [`plan`], a
    /// stopped one's layers from [`copy`].
    view: Option<View>,
    /// A running rootless `--uidmap` container's pid 1 and its start
    /// time: its view is opened from the user's namespace of it, which
    /// [`plan`] joins once the other side's view is open.
    nested: Option<(i32, u64)>,
}

/// Find what a copy names. `live`: reach running containers through
/// their own view (`cp`), not through their layers (`export`). Call
/// before entering a user namespace, while the process has one thread.
pub fn plan(paths: &StorePaths, src: &Location, dst: &Location, live: bool) -> Result<Plan> {
    let store = Store::open(paths)?;
    let end = |l: &Location| -> Result<End> {
        Ok(match l {
            Location::Host(p) if p.as_os_str() == "-" => End::Stream,
            Location::Host(p) => End::Host(p.clone()),
            Location::Container { container, path } => {
                End::Container(Box::new(side(&store, container, path, live)?))
            }
        })
    };
    let (mut src, mut dst) = (end(src)?, end(dst)?);
    if !matches!(src, End::Container(_)) && !matches!(dst, End::Container(_)) {
        bail!("one of the paths must be CONTAINER:PATH");
    }
    let mut nested: Vec<&mut Side> = [&mut src, &mut dst]
        .into_iter()
        .filter_map(|e| match e {
            End::Container(s) if s.nested.is_some() => Some(&mut **s),
            _ => None,
        })
        .collect();
    if let [a, b] = &nested[..] {
        if a.rec.id != b.rec.id {
            bail!(
                "containers {} and {} each have maps of their own (rootless --uidmap): copy \
                 through the host",
                a.given,
                b.given
            );
        }
    }
    for s in &mut nested {
        let (pid, start) = s.nested.take().expect("filtered on it");
        let name = s.rec.name.clone();
        crate::runtime::nested::enter_users_namespace(pid, start)
            .and_then(|()| rt::live_view(pid, start))
            .map(|v| s.view = Some(v))
            .with_context(|| format!("container {name}"))?;
    }
    if matches!(src, End::Stream) && matches!(dst, End::Stream) {
        bail!("only one of the paths can be `-`");
    }
    Ok(Plan { store, src, dst })
}

fn side(store: &Store, name: &str, path: &str, live: bool) -> Result<Side> {
    let rec = store.find_container(name)?;
    let spec = super::containers::spec_of(&rec)?;
    let abs = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{}/{path}", spec.process.cwd.trim_end_matches('/'))
    };
    let running = matches!(
        store.container_state(&rec),
        crate::store::containers::State::Running(_)
    );
    let mut nested = None;
    let view = match store.container_pid1(&rec) {
        Some((pid, start))
            if live && running && spec.id_map.as_ref().is_some_and(|m| m.rootless) =>
        {
            nested = Some((pid, start));
            None
        }
        Some((pid, start)) if live && running => {
            Some(rt::live_view(pid, start).with_context(|| format!("container {}", rec.name))?)
        }
        _ => None,
    };
    Ok(Side {
        given: name.to_string(),
        rec,
        spec,
        raw: path.to_string(),
        path: abs,
        view,
        nested,
    })
}

/// What is copied: `name` in directory `parent`, under the name `shown`.
struct Source {
    parent: OwnedFd,
    name: CString,
    /// The name it takes in a destination directory: a container path's
    /// resolved name, a host path's name as given (Podman's rules).
    shown: CString,
    dir: bool,
    /// `DIR/.`: what the directory holds, not the directory.
    contents: bool,
    /// Names left out of what a directory holds (a running container's
    /// `/proc`, `/sys` and `/dev`, when its root is copied).
    skip: &'static [&'static str],
}

/// Where it goes.
enum Target {
    Stream,
    /// An existing directory.
    Dir(String),
    /// `name` in existing directory `dir` (an existing non-directory, or
    /// nothing yet).
    Named {
        dir: String,
        name: CString,
        exists: bool,
    },
}

/// Do the copy `plan` found. Call while the process has one thread: a
/// stopped container's view is mounted in a namespace of its own.
pub fn copy(
    plan: Plan,
    opts: &CopyOptions,
    input: &mut (dyn Read + Send),
    output: &mut dyn Write,
) -> Result<()> {
    let Plan {
        store,
        mut src,
        mut dst,
    } = plan;
    // A running container with maps of its own: the ids written are its.
    let shift = match &dst {
        End::Container(d) if d.view.is_some() => match &d.spec.id_map {
            Some(map) => {
                crate::runtime::idmap::write_as_its_root(map)
                    .with_context(|| format!("copying to container {}", d.rec.name))?;
                Some(map.clone())
            }
            None => None,
        },
        _ => None,
    };
    for e in [&mut src, &mut dst] {
        if let End::Container(s) = e {
            if s.view.is_none() {
                let v = rt::open_view(&s.spec.rootfs)
                    .with_context(|| format!("container {}", s.rec.name))?;
                s.view = Some(v);
            }
        }
    }
    let (sv, dv) = (view_of(&src), view_of(&dst));
    let target = target(&dst, dv)?;
    if matches!(src, End::Stream) && !matches!(target, Target::Dir(_)) {
        bail!("destination must be a directory when copying from stdin");
    }
    let mut staging = None;
    let source = match (&src, sv) {
        (End::Container(s), Some(v)) => container_source(s, v)?,
        (End::Host(p), _) => host_source(p)?,
        (End::Stream, _) => {
            let End::Container(d) = &dst else {
                unreachable!("plan checked that one side is a container")
            };
            let dir = store.container_dir(&d.rec.id).join("cp-staging");
            let _ = crate::fsutil::remove_all(&dir);
            crate::fsutil::create_dir_all(&dir)?;
            staging = Some(Staging(dir.clone()));
            stdin_source(&dir, input)?
        }
        _ => unreachable!("a container side has a view"),
    };
    if source.dir && matches!(target, Target::Named { exists: true, .. }) {
        bail!("destination must be a directory when copying a directory");
    }
    let put = Put {
        owner: match &dst {
            End::Container(d) if opts.archive => {
                let (uid, gid) = user_ids(d, dv.expect("a container side has a view"))?;
                Owner::Set(uid, gid)
            }
            End::Container(_) => Owner::Keep,
            _ => Owner::Writer,
        },
        shift: shift.as_ref(),
        overwrite: opts.overwrite,
        skip: &[],
    };
    let dest = |dir: &str| -> Result<Dest> {
        match dv {
            Some(v) => v.dest_dir(dir),
            None => Dest::host(Path::new(dir)),
        }
    };
    let what = || match (&src, &dst) {
        (_, End::Container(d)) => format!("copying to container {}", d.rec.name),
        (End::Container(s), _) => format!("copying from container {}", s.rec.name),
        _ => "copying".to_string(),
    };
    let held;
    // (name in sdir, name at the destination)
    let (sdir, names): (&OwnedFd, Vec<(CString, CString)>) = if source.contents && source.dir {
        held = crate::fsat::openat(
            source.parent.as_raw_fd(),
            &source.name,
            libc::O_RDONLY | libc::O_DIRECTORY,
        )?;
        let names = rt::entries(held.as_raw_fd(), source.skip)?;
        (&held, names.into_iter().map(|n| (n.clone(), n)).collect())
    } else {
        (
            &source.parent,
            vec![(source.name.clone(), source.shown.clone())],
        )
    };
    let r = match &target {
        Target::Stream => {
            let names: Vec<CString> = names.into_iter().map(|(n, _)| n).collect();
            rt::tar(sdir.as_raw_fd(), &names, output)
                .and_then(|()| output.flush().context("writing standard output"))
        }
        Target::Dir(dir) => {
            let d = dest(dir)?;
            names
                .iter()
                .try_for_each(|(n, to)| rt::put(sdir.as_raw_fd(), n, &d, to, &put))
        }
        Target::Named { dir, name, .. } => {
            let d = dest(dir)?;
            let put = Put {
                skip: source.skip,
                ..put
            };
            rt::put(source.parent.as_raw_fd(), &source.name, &d, name, &put)
        }
    };
    drop(staging);
    r.with_context(what)
}

fn view_of(e: &End) -> Option<&View> {
    match e {
        End::Container(s) => s.view.as_ref(),
        _ => None,
    }
}

/// Removes the staging dir of a tar read from standard input.
struct Staging(PathBuf);

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = crate::fsutil::remove_all(&self.0);
    }
}

/// Go's text for an error number ("no such file or directory").
fn errno_text(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(n) => nix::errno::Errno::from_raw(n).desc().to_lowercase(),
        None => e.to_string(),
    }
}

fn not_in(s: &Side, e: &std::io::Error) -> anyhow::Error {
    anyhow!(
        "{:?} could not be found on container {}: {}",
        s.raw,
        s.given,
        errno_text(e)
    )
}

fn not_on_host(p: &Path, e: &std::io::Error) -> anyhow::Error {
    anyhow!(
        "{:?} could not be found on the host: {}",
        p.display().to_string(),
        errno_text(e)
    )
}

/// `DIR/.` or `.`: what the directory holds.
fn names_contents(raw: &[u8]) -> bool {
    raw == b"." || raw.ends_with(b"/.")
}

fn ends_as_dir(raw: &[u8]) -> bool {
    raw.ends_with(b"/") || raw.ends_with(b"/.")
}

fn enoent() -> std::io::Error {
    std::io::Error::from_raw_os_error(libc::ENOENT)
}

fn cname(s: &[u8]) -> Result<CString> {
    CString::new(s).map_err(|_| anyhow!("a name with a NUL byte"))
}

/// Split resolved absolute path `p` into its parent and last name (`/`
/// is `.` in `/`).
fn split(p: &str) -> (String, &str) {
    match p.rfind('/') {
        Some(0) if p.len() > 1 => ("/".into(), &p[1..]),
        Some(i) if i + 1 < p.len() => (p[..i].to_string(), &p[i + 1..]),
        _ => ("/".into(), "."),
    }
}

fn container_source(s: &Side, v: &View) -> Result<Source> {
    let (path, dir) = match v.stat(&s.path).map_err(|e| not_in(s, &e))? {
        Found::Is { path, dir } => (path, dir),
        Found::Missing { .. } => return Err(not_in(s, &enoent())),
    };
    let (parent, name) = split(&path);
    let root = name == ".";
    Ok(Source {
        parent: v
            .open(&parent, libc::O_RDONLY | libc::O_DIRECTORY)
            .map_err(|e| not_in(s, &e))?,
        name: cname(name.as_bytes())?,
        shown: cname(name.as_bytes())?,
        dir,
        contents: root || (dir && names_contents(s.raw.as_bytes())),
        skip: if root && v.is_live() {
            &["proc", "sys", "dev"]
        } else {
            &[]
        },
    })
}

fn host_source(p: &Path) -> Result<Source> {
    let real = std::fs::canonicalize(p).map_err(|e| not_on_host(p, &e))?;
    let dir = real.is_dir();
    let parent = real.parent().unwrap_or(Path::new("/"));
    let name = real.file_name().map_or(&b"."[..], |n| n.as_bytes());
    // A symlink is copied as what it points to, under its own name.
    let given = match p.components().next_back() {
        Some(std::path::Component::Normal(n)) => n.as_bytes(),
        _ => name,
    };
    Ok(Source {
        parent: std::fs::File::open(parent)
            .with_context(|| format!("opening {}", parent.display()))?
            .into(),
        name: cname(name)?,
        shown: cname(given)?,
        dir,
        contents: name == b"." || (dir && names_contents(p.as_os_str().as_bytes())),
        skip: &[],
    })
}

/// A tar on standard input (plain, gzip or zstd), unpacked into
/// `staging/in`: what that holds.
fn stdin_source(staging: &Path, input: &mut (dyn Read + Send)) -> Result<Source> {
    let tree = staging.join("in");
    crate::fsutil::create_dir_all(&tree)?;
    let opts = crate::layer_tar::UnpackOptions {
        layer: "standard input".into(),
        opaque_xattr: crate::layer_tar::OpaqueXattr::User,
        chown: nix::unistd::geteuid().is_root(),
    };
    // Compressed tars too, as Podman takes them.
    let (_, tar) =
        crate::image::compression::decompressed(input).context("reading standard input")?;
    crate::layer_tar::unpack(tar, &tree, &staging.join("tar-split"), &opts)?;
    Ok(Source {
        parent: std::fs::File::open(staging)
            .with_context(|| format!("opening {}", staging.display()))?
            .into(),
        name: cname(b"in")?,
        shown: cname(b"in")?,
        dir: true,
        contents: true,
        skip: &[],
    })
}

fn target(dst: &End, v: Option<&View>) -> Result<Target> {
    match dst {
        End::Stream => Ok(Target::Stream),
        End::Container(s) => {
            let v = v.expect("a container side has a view");
            match v.stat(&s.path).map_err(|e| not_in(s, &e))? {
                Found::Is { path, dir: true } => Ok(Target::Dir(path)),
                Found::Is { path, dir: false } => {
                    let (dir, name) = split(&path);
                    Ok(Target::Named {
                        name: cname(name.as_bytes())?,
                        dir,
                        exists: true,
                    })
                }
                Found::Missing { .. } if ends_as_dir(s.raw.as_bytes()) => Err(not_in(s, &enoent())),
                Found::Missing { path } => {
                    let (dir, name) = split(&path);
                    Ok(Target::Named {
                        name: cname(name.as_bytes())?,
                        dir,
                        exists: false,
                    })
                }
            }
        }
        End::Host(p) => match std::fs::canonicalize(p) {
            Ok(real) if real.is_dir() => Ok(Target::Dir(real.display().to_string())),
            Ok(real) => Ok(Target::Named {
                dir: real
                    .parent()
                    .unwrap_or(Path::new("/"))
                    .display()
                    .to_string(),
                name: cname(real.file_name().map_or(&b"."[..], |n| n.as_bytes()))?,
                exists: true,
            }),
            Err(e) if ends_as_dir(p.as_os_str().as_bytes()) => Err(not_on_host(p, &e)),
            Err(e) => {
                let name = p.file_name().ok_or_else(|| not_on_host(p, &e))?;
                let parent = match p.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d,
                    _ => Path::new("."),
                };
                match std::fs::canonicalize(parent) {
                    Ok(d) if d.is_dir() => Ok(Target::Named {
                        dir: d.display().to_string(),
                        name: cname(name.as_bytes())?,
                        exists: false,
                    }),
                    _ => Err(not_on_host(p, &e)),
                }
            }
        },
    }
}

/// The uid and gid of container `s`'s user, from its own `/etc/passwd`
/// and `/etc/group`.
fn user_ids(s: &Side, v: &View) -> Result<(u32, u32)> {
    let read = |p: &str| -> String {
        let Ok(fd) = v.open(p, libc::O_RDONLY) else {
            return String::new();
        };
        let mut text = String::new();
        let _ = std::fs::File::from(fd).read_to_string(&mut text);
        text
    };
    let u = crate::runtime::user::resolve(
        &s.spec.process.user,
        &read("/etc/passwd"),
        &read("/etc/group"),
    )
    .with_context(|| format!("container {}", s.rec.name))?;
    Ok((u.uid, u.gid))
}

/// `export`: container `name`'s file system (not its volumes) as a tar.
/// As [`copy`], call while the process has one thread.
pub fn export(paths: &StorePaths, name: &str, out: &mut dyn Write) -> Result<()> {
    let src = Location::Container {
        container: name.to_string(),
        path: "/".into(),
    };
    let plan = plan(paths, &src, &Location::Host("-".into()), false)?;
    let Some(rec) = (match &plan.src {
        End::Container(s) => Some(s.rec.clone()),
        _ => None,
    }) else {
        unreachable!("the source is a container")
    };
    let store = Store::open(paths)?;
    copy(
        plan,
        &CopyOptions {
            archive: false,
            overwrite: false,
        },
        &mut std::io::empty(),
        out,
    )?;
    super::events::container(&store, "export", &rec);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_follow_docker() {
        assert_eq!(
            Location::parse("c1:/etc/passwd"),
            Location::Container {
                container: "c1".into(),
                path: "/etc/passwd".into()
            }
        );
        assert_eq!(
            Location::parse("c1:etc"),
            Location::Container {
                container: "c1".into(),
                path: "etc".into()
            }
        );
        assert_eq!(Location::parse("./a:b"), Location::Host("./a:b".into()));
        assert_eq!(Location::parse("dir/a:b"), Location::Host("dir/a:b".into()));
        assert_eq!(Location::parse("-"), Location::Host("-".into()));
    }

    #[test]
    fn paths_split_into_parent_and_name() {
        assert_eq!(split("/"), ("/".to_string(), "."));
        assert_eq!(split("/a"), ("/".to_string(), "a"));
        assert_eq!(split("/a/b"), ("/a".to_string(), "b"));
        assert!(names_contents(b"a/.") && names_contents(b".") && !names_contents(b"a/.b"));
        assert!(ends_as_dir(b"a/") && ends_as_dir(b"a/.") && !ends_as_dir(b"a"));
    }
}
