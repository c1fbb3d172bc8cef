//! COPY and ADD of `berth build`: the sources chosen as
//! `build::context` says, URLs downloaded with the registry client's
//! deadlines (`--checksum` verified), then the copy in a child process
//! that enters the container's file system (`runtime::cp`): the sources
//! are staged in a directory of the container with their final owners,
//! modes and times (`runtime::stage`), then copied into the container's
//! writable layer at the destination resolved inside the container.

use crate::build::context::{
    self as bc, archive_reader, base_name, dest_is_dir_syntax, dest_path, join, select, walk,
    Checked, Content, CopyFrom, CopyRequest, SourceRoot,
};
use crate::digest::Digest;
use crate::fsat::is_dir;
use crate::runtime::spec::{Rootfs, Spec};
use crate::runtime::stage::{self, Stage};
use crate::store::{Store, StorePaths};
use anyhow::{anyhow, bail, Context, Result};
use sha2::{Digest as _, Sha256};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The cache digest of `req` (see `build::context::cache_digest`), a URL
/// without `--checksum` downloaded to learn its digest.
pub fn cache_digest(req: &CopyRequest) -> Result<Digest> {
    bc::cache_digest(req, &|url| {
        let mut sink = bc::HashWriter(Sha256::new());
        download(req, url, &mut sink)?;
        Ok(bc::digest_of(sink.0))
    })
}

/// Copy into the (created, stopped) container `container_id`'s writable
/// layer. Must be called while the process has one thread: the copy runs
/// in a child process that enters private namespaces.
pub fn copy_into(paths: &StorePaths, container_id: &str, req: &CopyRequest) -> Result<()> {
    let checked = bc::check(req)?;
    let store = Store::open(paths)?;
    let rec = store.find_container(container_id)?;
    let spec: Spec = super::containers::spec_of(&rec)?;
    let staging = store.container_dir(&rec.id).join("build-staging");
    let _ = crate::fsutil::remove_all(&staging);
    crate::fsutil::create_dir_all(&staging)?;
    let res = (|| -> Result<()> {
        // Downloads first, in this process: a URL fails before anything
        // is copied, and the child makes no network calls.
        let mut downloads = Vec::new();
        for (i, u) in checked.urls.iter().enumerate() {
            let path = staging.join(format!("download-{i}"));
            let mut file = crate::fsutil::create(&path)?;
            let mut hw = TeeHash(Sha256::new(), &mut file);
            let modified = download(req, u, &mut hw)?;
            let got = bc::digest_of(hw.0);
            if let Some(want) = &checked.checksum {
                if &got != want {
                    bail!("ADD {u}: checksum mismatch: expected {want}, got {got}");
                }
            }
            downloads.push(Download {
                url: u.clone(),
                path,
                modified,
            });
        }
        let from_rootfs = match &req.from {
            CopyFrom::Context(_) => None,
            CopyFrom::Image(id) => Some(image_rootfs(&store, id, &staging, &spec.rootfs)?),
        };
        let tree = staging.join("tree");
        stage::in_child(|| {
            let view = crate::runtime::cp::open_view(&spec.rootfs)
                .with_context(|| format!("container {}", rec.name))?;
            let from_view = match &from_rootfs {
                Some(r) => Some(crate::runtime::cp::open_view(r)?),
                None => None,
            };
            let job = Job {
                req,
                checked: &checked,
                downloads: &downloads,
                tree: &tree,
            };
            job.run(&view, from_view.as_ref())
        })
    })();
    let _ = crate::fsutil::remove_all(&staging);
    res
}

/// The read-only root file system of image `id`, to copy `--from`.
fn image_rootfs(store: &Store, id: &Digest, staging: &Path, like: &Rootfs) -> Result<Rootfs> {
    let lowers = image_lowers(store, id).context("--from")?;
    let empty = staging.join("from-empty");
    let target = staging.join("from-root");
    crate::fsutil::create_dir_all(&empty)?;
    crate::fsutil::create_dir_all(&target)?;
    Ok(Rootfs {
        lower_base: store.lower_base(),
        lowers,
        upper: empty.clone(),
        work: empty,
        target,
        userxattr: like.userxattr,
        bind: false,
        mounted: false,
    })
}

/// The layers of image `id` as overlay lower dirs, top first, relative
/// to the store's `overlay/` (`l/<short>`).
pub(super) fn image_lowers(store: &Store, id: &Digest) -> Result<Vec<String>> {
    let index = store.read_index()?;
    let image = index
        .find(id)
        .ok_or_else(|| anyhow!("image {} not found", id.short()))?;
    store
        .overlay_lowers(image.layers.iter())
        .with_context(|| format!("image {}", id.short()))
}

struct Download {
    url: String,
    path: PathBuf,
    modified: Option<i64>,
}

struct TeeHash<'a>(Sha256, &'a mut File);

impl Write for TeeHash<'_> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        let n = self.1.write(b)?;
        self.0.update(&b[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.1.flush()
    }
}

/// GET `url` into `out` (with the registry client's timeouts); the
/// Last-Modified time, if given.
fn download(req: &CopyRequest, url: &str, out: &mut dyn Write) -> Result<Option<i64>> {
    let op = req.name();
    let opts = crate::registry::client::ClientOptions::default();
    let got = crate::registry::client::get_url(url, &opts).with_context(|| op.to_string())?;
    let mut body = got.body;
    io::copy(&mut body, out).with_context(|| format!("{op} {url}: downloading"))?;
    Ok(got.last_modified)
}

/// The copy, inside the child.
struct Job<'a> {
    req: &'a CopyRequest<'a>,
    checked: &'a Checked,
    downloads: &'a [Download],
    /// The staging tree: its root stands for the destination's deepest
    /// existing directory.
    tree: &'a Path,
}

impl Job<'_> {
    fn run(
        &self,
        view: &crate::runtime::cp::View,
        from: Option<&crate::runtime::cp::View>,
    ) -> Result<()> {
        let req = self.req;
        let op = req.name();
        let dest = dest_path(&req.workdir, &req.dest);
        let as_dir = dest_is_dir_syntax(&req.dest)
            || view.open(&dest, libc::O_PATH | libc::O_DIRECTORY).is_ok();
        let owner = match &req.chown {
            Some(c) => {
                let (user, group) = bc::parse_chown(c)?;
                Some(stage::resolve_chown(view, c, &user, group.as_deref())?)
            }
            None => None,
        };
        // Where things go: the destination directory, and for a single
        // file to a file path, its name there.
        let (dest_dir, file_name) = if as_dir {
            (dest.clone(), None)
        } else {
            let p = Path::new(&dest);
            let parent = p
                .parent()
                .map_or("/".into(), |x| x.to_string_lossy().into());
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            (parent, name)
        };
        let (existing, missing) = crate::runtime::cp::resolve_dir(view, &dest_dir)
            .with_context(|| format!("{op} to {dest}"))?;
        let mut stage = Stage::new(self.tree, owner, self.checked.chmod)?;
        let base = missing.join("/");
        stage.mkdir_all(&base)?;
        // The name of a single source in the destination directory.
        let name_in_dir =
            |fallback: &str| -> String { file_name.clone().unwrap_or_else(|| fallback.into()) };

        for (name, content) in &req.heredocs {
            let path = join(&base, &name_in_dir(name));
            let mut st = stage::now_stat(libc::S_IFREG | 0o644);
            st.st_size = content.len() as i64;
            stage.file(&path, &st, &mut content.as_bytes())?;
        }
        for d in self.downloads {
            let url_name = d
                .url
                .split(['?', '#'])
                .next()
                .and_then(|u| u.rsplit('/').next())
                .filter(|n| !n.is_empty() && file_name.is_none());
            let path = match (&file_name, url_name) {
                (Some(f), _) => join(&base, f),
                (None, Some(n)) => join(&base, n),
                (None, None) => {
                    bail!("ADD {}: cannot tell a file name from the URL: give the destination file name", d.url)
                }
            };
            let mut st = stage::now_stat(libc::S_IFREG | 0o600);
            if let Some(t) = d.modified {
                st.st_mtime = t;
                st.st_mtime_nsec = 0;
            }
            stage.file(&path, &st, &mut crate::fsutil::open(&d.path)?)?;
        }
        if !self.checked.locals.is_empty() {
            let image_root;
            let src = match (&req.from, from) {
                (CopyFrom::Context(ctx), _) => ctx.source(),
                (CopyFrom::Image(_), Some(v)) => {
                    image_root = v.open("/", libc::O_RDONLY | libc::O_DIRECTORY)?;
                    SourceRoot::of_dir(&image_root)?
                }
                (CopyFrom::Image(_), None) => bail!("--from: the image is not mounted"),
            };
            for s in &self.checked.locals {
                let sels = select(&src, s, req.parents)?;
                if sels.len() > 1 && !dest_is_dir_syntax(&req.dest) {
                    bail!("{op} {s}: when copying more than one source the destination must be a directory and end with a /");
                }
                for sel in sels {
                    if req.add && !is_dir(&sel.st) && matches!(req.from, CopyFrom::Context(_)) {
                        if let Some(archive) = archive_reader(&src, &sel)? {
                            stage.extract(archive, &base, s)?;
                            continue;
                        }
                    }
                    // Relative to the destination directory; a directory's
                    // contents go straight into it.
                    let target = if req.parents {
                        sel.keep.clone()
                    } else if is_dir(&sel.st) {
                        name_in_dir("")
                    } else {
                        name_in_dir(&base_name(&sel.rel))
                    };
                    walk(&src, &sel, &target, &self.checked.excludes, &mut |item| {
                        let path = join(&base, &item.path);
                        match item.content {
                            Content::Dir => stage.dir(&path, &item.st),
                            Content::File(mut f) => stage.file(&path, &item.st, &mut f),
                            Content::Link(t) => stage.symlink(&path, &item.st, &t),
                        }
                    })
                    .with_context(|| format!("{op} {s}"))?;
                }
            }
        }
        stage.finish()?;
        crate::runtime::cp::copy_tree_in(view, self.tree, &existing)
            .with_context(|| format!("{op} to {dest}"))
    }
}
