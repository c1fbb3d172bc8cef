//! Where a build's context comes from, as `podman build` takes it: a
//! directory; `-`, standard input holding a tar of the context (plain,
//! gzip, bzip2, xz or zstd) or else a Dockerfile; the URL of such a tar or
//! Dockerfile; or a git repository (`git://…`, `git@…`, `github.com/…`,
//! or an `http(s)` URL whose path ends in `.git`), with Docker's
//! `#REF:SUBDIR` fragment.
//!
//! What is fetched is put in a staging dir of the store, so a build that
//! is killed leaves garbage the next writer removes.

use crate::registry::{self, ClientOptions};
use anyhow::{anyhow, bail, Context, Result};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A `--build-context NAME=VALUE` (BuildKit's named contexts): what
/// `FROM NAME`, `COPY --from=NAME` and `RUN --mount=from=NAME` take
/// instead of a stage or an image of that name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    /// A directory, read as the build context is (its own ignore file
    /// applies); not an image, so not for FROM.
    Dir(PathBuf),
    /// `docker-image://REF`: an image, pulled when the store lacks it.
    Image(String),
    /// `oci-layout://DIR[:TAG|@DIGEST]`: an image of an OCI layout.
    OciLayout {
        dir: PathBuf,
        select: Option<String>,
    },
}

/// Parse `--build-context NAME=VALUE`.
pub fn parse_named(s: &str) -> Result<(String, Named)> {
    let bad = |why: &str| anyhow!("--build-context {s:?}: {why}");
    let (name, value) = s.split_once('=').ok_or_else(|| {
        bad("expected NAME=DIR, NAME=docker-image://REF or NAME=oci-layout://DIR")
    })?;
    if name.is_empty() || value.is_empty() {
        return Err(bad(
            "expected NAME=DIR, NAME=docker-image://REF or NAME=oci-layout://DIR",
        ));
    }
    let named = if let Some(r) = value.strip_prefix("docker-image://") {
        crate::reference::Reference::parse(r).map_err(|e| bad(&e.to_string()))?;
        Named::Image(r.to_string())
    } else if let Some(rest) = value.strip_prefix("oci-layout://") {
        let (dir, select) = match rest.split_once('@') {
            Some((d, digest)) => (d, Some(digest.to_string())),
            None => match rest.rfind(':').filter(|&i| !rest[i..].contains('/')) {
                Some(i) => (&rest[..i], Some(rest[i + 1..].to_string())),
                None => (rest, None),
            },
        };
        let dir = PathBuf::from(dir);
        if !dir.join("index.json").is_file() {
            return Err(bad(&format!(
                "{}: not an OCI layout (no index.json)",
                dir.display()
            )));
        }
        Named::OciLayout { dir, select }
    } else if value.contains("://") || value.starts_with("git@") {
        return Err(bad(
            "only directories, docker-image:// and oci-layout:// are supported",
        ));
    } else {
        let dir = PathBuf::from(value);
        if !dir.is_dir() {
            return Err(bad(&format!("{value}: not a directory")));
        }
        Named::Dir(dir)
    };
    Ok((name.to_string(), named))
}

/// Put the image `select` (a tag, a digest, or the only one) of the OCI
/// layout `dir` in the store; its id, and whether the store lacked it.
pub fn load_oci_layout(
    writer: &crate::store::Writer,
    dir: &Path,
    select: Option<&str>,
) -> Result<(crate::digest::Digest, bool)> {
    use crate::image::Image;
    let what = || format!("OCI layout {}", dir.display());
    // The archive reader takes a tar: the layout, as one, in the staging.
    let tar_path = writer.staging().join("oci-layout.tar");
    {
        let mut b = tar::Builder::new(crate::fsutil::create(&tar_path)?);
        b.follow_symlinks(false);
        b.append_dir_all(".", dir).with_context(what)?;
        b.finish().with_context(what)?;
    }
    let ar =
        crate::image::archive::ArchiveFile::open(&tar_path, writer.staging()).with_context(what)?;
    let images = ar.images().with_context(what)?;
    let chosen: Vec<_> = images
        .iter()
        .filter(|img| match select {
            None => true,
            Some(d) if d.starts_with("sha256:") => {
                img.entry.as_ref().is_some_and(|e| e.to_string() == d)
                    || img
                        .manifest
                        .as_deref()
                        .is_some_and(|m| crate::digest::Digest::of(m).to_string() == d)
            }
            Some(tag) => {
                img.ref_name.as_deref() == Some(tag)
                    || img
                        .names
                        .iter()
                        .any(|n| n == tag || n.rsplit_once(':').is_some_and(|(_, t)| t == tag))
            }
        })
        .collect();
    let img = match chosen.as_slice() {
        [one] => *one,
        [] => bail!("{}: no image {}", what(), select.unwrap_or("")),
        _ => bail!(
            "{}: it has {} images: give :TAG or @DIGEST",
            what(),
            chosen.len()
        ),
    };
    let new = writer.store().read_index()?.find(&img.id()).is_none();
    let rec = writer
        .commit_image(img, &[], img.manifest.as_deref(), &[])
        .with_context(what);
    let _ = std::fs::remove_file(&tar_path);
    Ok((rec?.id, new))
}

/// A build context as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Dir(PathBuf),
    /// `-`: standard input.
    Stdin,
    /// An `http(s)` URL of a tar or a Dockerfile.
    Url(String),
    Git {
        url: String,
        /// The branch, tag or commit (default: the remote's HEAD).
        reference: Option<String>,
        /// The context's dir inside the repository.
        subdir: Option<String>,
    },
}

impl Default for Source {
    fn default() -> Self {
        Source::Dir(".".into())
    }
}

impl Source {
    /// Docker's rules (`urlutil.IsGitURL`, `IsURL`), which Podman's
    /// build follows: anything else is a directory.
    pub fn parse(arg: &str) -> Source {
        if arg == "-" {
            return Source::Stdin;
        }
        let (base, fragment) = match arg.split_once('#') {
            Some((b, f)) => (b, Some(f)),
            None => (arg, None),
        };
        let http = base.starts_with("http://") || base.starts_with("https://");
        let path_is_git = http && url_path(base).ends_with(".git");
        if base.starts_with("git://") || base.starts_with("git@") || path_is_git {
            return git(base.to_string(), fragment);
        }
        if let Some(rest) = base.strip_prefix("github.com/") {
            return git(format!("https://github.com/{rest}"), fragment);
        }
        if http {
            return Source::Url(arg.to_string());
        }
        Source::Dir(arg.into())
    }
}

fn git(url: String, fragment: Option<&str>) -> Source {
    let (reference, subdir) = match fragment {
        Some(f) => match f.split_once(':') {
            Some((r, s)) => (r, s),
            None => (f, ""),
        },
        None => ("", ""),
    };
    let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
    Source::Git {
        url,
        reference: some(reference),
        subdir: some(subdir),
    }
}

/// The path of an `http(s)` URL, without query.
fn url_path(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split('?').next().unwrap_or(rest);
    rest.find('/').map_or("", |i| &rest[i..])
}

fn shown_url(url: &str) -> String {
    let url = registry::client::redact_url(url);
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            format!("{scheme}://{host}{path}")
        }
        None => url.to_string(),
    }
}

/// Make `source` a directory: a `Dir` is used as it is; anything else is
/// fetched into `staging` (a fresh dir of the store's). `stdin` is read
/// for `Source::Stdin`. Returns the context directory.
pub fn fetch(
    source: &Source,
    staging: &Path,
    stdin: &mut dyn Read,
    opts: &ClientOptions,
) -> Result<PathBuf> {
    let dir = staging.join("context");
    match source {
        Source::Dir(d) => return Ok(d.clone()),
        Source::Stdin => unpack_or_dockerfile(stdin, staging, &dir, "standard input")?,
        Source::Url(u) => {
            let body = registry::client::get_url(u, opts)?.body;
            unpack_or_dockerfile(body, staging, &dir, &shown_url(u))?
        }
        Source::Git {
            url,
            reference,
            subdir,
        } => {
            clone(url, reference.as_deref(), &dir)?;
            if let Some(s) = subdir {
                let sub = dir.join(s.trim_start_matches('/'));
                let inside = sub
                    .canonicalize()
                    .ok()
                    .filter(|p| p.starts_with(dir.canonicalize().unwrap_or_default()));
                match inside {
                    Some(p) if p.is_dir() => return Ok(p),
                    _ => bail!(
                        "build context {}: no directory {s:?} in the repository",
                        shown_url(url)
                    ),
                }
            }
        }
    }
    Ok(dir)
}

/// Copy `r` to a file, then: a tar (plain or compressed) is unpacked
/// into `dir`; anything else is taken as a Dockerfile, written as
/// `dir/Dockerfile` (what buildah does with both).
fn unpack_or_dockerfile(mut r: impl Read, staging: &Path, dir: &Path, what: &str) -> Result<()> {
    let file = staging.join("download");
    {
        let mut f = std::fs::File::create(&file)
            .with_context(|| format!("build context from {what}: {}", file.display()))?;
        std::io::copy(&mut r, &mut f)
            .with_context(|| format!("build context from {what}: reading it"))?;
        f.flush()?;
    }
    std::fs::create_dir(dir).with_context(|| format!("creating {}", dir.display()))?;
    let open = || -> Result<std::fs::File> {
        std::fs::File::open(&file).with_context(|| format!("reading {}", file.display()))
    };
    let Some(stream) = crate::build::context::tar_stream(&open)
        .with_context(|| format!("build context from {what}"))?
    else {
        std::fs::rename(&file, dir.join("Dockerfile"))
            .with_context(|| format!("build context from {what}: placing the Dockerfile"))?;
        return Ok(());
    };
    let mut archive = tar::Archive::new(stream);
    archive.set_preserve_permissions(true);
    archive.set_preserve_mtime(true);
    archive.set_unpack_xattrs(false);
    // `unpack` keeps every entry inside `dir`: `..` and absolute names
    // are refused, and so are links leading out.
    archive
        .unpack(dir)
        .map_err(|e| anyhow!("build context from {what}: the tar is damaged: {e}"))?;
    let _ = std::fs::remove_file(&file);
    Ok(())
}

/// `git` fetches `reference` (default: HEAD) of `url` into `dir` and
/// checks it out, with its submodules. Shallow where the server allows
/// it (a dumb HTTP server does not).
fn clone(url: &str, reference: Option<&str>, dir: &Path) -> Result<()> {
    let shown = shown_url(url);
    std::fs::create_dir(dir).with_context(|| format!("creating {}", dir.display()))?;
    let git = |args: &[&str]| -> Result<std::process::Output> {
        Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => anyhow!(
                    "build context {shown}: a git repository needs the `git` program; install git"
                ),
                _ => anyhow!("build context {shown}: running git: {e}"),
            })
    };
    let must = |args: &[&str]| -> Result<()> {
        let out = git(args)?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let last = err
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("failed");
            bail!("build context {shown}: git {}: {}", args[0], last.trim());
        }
        Ok(())
    };
    if reference.is_some_and(|r| r.starts_with('-')) {
        bail!(
            "build context {shown}: the reference {:?} is not a branch, tag or commit",
            reference.unwrap_or_default()
        );
    }
    must(&["init", "-q"])?;
    must(&["remote", "add", "origin", url])?;
    let want = reference.unwrap_or("HEAD");
    let shallow = git(&["fetch", "-q", "--depth", "1", "origin", want])?;
    if !shallow.status.success() {
        must(&["fetch", "-q", "origin", want])?;
    }
    must(&["checkout", "-q", "FETCH_HEAD"])?;
    if dir.join(".gitmodules").exists() {
        must(&["submodule", "update", "-q", "--init", "--recursive"])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_are_told_apart_as_docker_does() {
        assert_eq!(Source::parse("-"), Source::Stdin);
        assert_eq!(Source::parse("."), Source::Dir(".".into()));
        assert_eq!(
            Source::parse("https://h/ctx.tar.gz"),
            Source::Url("https://h/ctx.tar.gz".into())
        );
        assert_eq!(
            Source::parse("http://127.0.0.1:9/r.git#v1:sub/dir"),
            Source::Git {
                url: "http://127.0.0.1:9/r.git".into(),
                reference: Some("v1".into()),
                subdir: Some("sub/dir".into()),
            }
        );
        assert_eq!(
            Source::parse("github.com/o/r#:d"),
            Source::Git {
                url: "https://github.com/o/r".into(),
                reference: None,
                subdir: Some("d".into()),
            }
        );
        assert!(matches!(Source::parse("git@h:o/r"), Source::Git { .. }));
        assert!(matches!(Source::parse("git://h/r"), Source::Git { .. }));
        assert_eq!(
            shown_url("https://u:secret@h/x.tar?sig=1"),
            "https://h/x.tar"
        );
    }
}
