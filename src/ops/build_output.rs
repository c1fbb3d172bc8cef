//! `build --output` (`-o`): where a build's result goes, as BuildKit's
//! exporters take it. `type=image` names the image in the store (and
//! with `push=true` pushes it); `local` writes its files to a directory,
//! `tar` a tar of its files, `oci` and `docker` an archive of the image
//! as `save` writes them. `-o DIR` is `type=local,dest=DIR` and `-o -`
//! `type=tar` on standard output.

use crate::image::archive::{ArchiveSink, Format};
use crate::store::{ImageRecord, Store};
use anyhow::{anyhow, bail, Context, Result};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Where a file output is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dest {
    /// Standard output (`dest=-`, or no `dest`).
    Stdout,
    File(PathBuf),
}

/// One `--output`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// The image, in the store, with these names (and `-t`'s).
    Image { names: Vec<String>, push: bool },
    /// The image's files, in a directory.
    Local(PathBuf),
    /// The image's files, as one tar.
    Tar(Dest),
    /// The image as an OCI or Docker archive, with these names (else
    /// `-t`'s).
    Archive {
        format: Format,
        dest: Dest,
        names: Vec<String>,
    },
}

const USAGE: &str = "expected type=local|tar|oci|docker|image|registry with dest=PATH (or name=NAME for an image), DIR, or -";

impl Output {
    /// Read one `--output` value.
    pub fn parse(spec: &str) -> Result<Output> {
        let what = || format!("--output {spec:?}");
        if spec == "-" {
            return Ok(Output::Tar(Dest::Stdout));
        }
        if !spec.contains('=') {
            if spec.is_empty() {
                bail!("{}: {USAGE}", what());
            }
            return Ok(Output::Local(PathBuf::from(spec)));
        }
        let (mut kind, mut dest, mut names, mut push) = (None, None, Vec::new(), false);
        for part in spec.split(',') {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| anyhow!("{}: {part:?}: {USAGE}", what()))?;
            match k {
                "type" => kind = Some(v),
                "dest" => dest = Some(v),
                "name" => names.extend(v.split(',').filter(|n| !n.is_empty()).map(str::to_string)),
                "push" => {
                    push = match v {
                        "true" => true,
                        "false" => false,
                        _ => bail!("{}: push={v}: expected true or false", what()),
                    }
                }
                _ => bail!("{}: unknown key {k:?}; {USAGE}", what()),
            }
        }
        let kind = kind.ok_or_else(|| anyhow!("{}: type= is missing; {USAGE}", what()))?;
        let file_dest = |dest: Option<&str>| match dest {
            None | Some("-") => Dest::Stdout,
            Some(d) => Dest::File(PathBuf::from(d)),
        };
        let no_names = |names: &Vec<String>, push: bool| -> Result<()> {
            if !names.is_empty() && kind != "oci" && kind != "docker" || push {
                bail!("{}: name= and push= are for type=image", what());
            }
            Ok(())
        };
        Ok(match kind {
            "image" | "registry" => {
                if dest.is_some() {
                    bail!("{}: type={kind} takes name=, not dest=", what());
                }
                Output::Image {
                    names,
                    push: push || kind == "registry",
                }
            }
            "local" => {
                no_names(&names, push)?;
                match dest {
                    Some(d) if !d.is_empty() && d != "-" => Output::Local(PathBuf::from(d)),
                    _ => bail!("{}: type=local needs dest=DIR", what()),
                }
            }
            "tar" => {
                no_names(&names, push)?;
                Output::Tar(file_dest(dest))
            }
            "oci" | "docker" => {
                no_names(&names, push)?;
                Output::Archive {
                    format: if kind == "oci" {
                        Format::OciArchive
                    } else {
                        Format::DockerArchive
                    },
                    dest: file_dest(dest),
                    names,
                }
            }
            other => bail!("{}: type {other:?}: {USAGE}", what()),
        })
    }

    /// Whether this output writes to standard output.
    pub fn to_stdout(&self) -> bool {
        matches!(
            self,
            Output::Tar(Dest::Stdout)
                | Output::Archive {
                    dest: Dest::Stdout,
                    ..
                }
        )
    }
}

/// Check a build's outputs before it runs: one at most on standard
/// output (`stdout`), which is not a terminal; names that are names; the
/// directories files go to exist.
pub fn check(outputs: &[Output], stdout: Option<&std::fs::File>) -> Result<()> {
    if outputs.iter().filter(|o| o.to_stdout()).count() > 1 {
        bail!("--output: only one output can go to standard output");
    }
    for o in outputs {
        let dest = match o {
            Output::Image { .. } => continue,
            Output::Local(dir) => {
                parent_exists(dir)?;
                continue;
            }
            Output::Tar(dest) => dest,
            Output::Archive { dest, names, .. } => {
                for n in names {
                    super::local_name(n).with_context(|| format!("--output name={n}"))?;
                }
                dest
            }
        };
        match dest {
            Dest::Stdout => {
                let out =
                    stdout.ok_or_else(|| anyhow!("--output: standard output is not available"))?;
                if std::io::IsTerminal::is_terminal(out) {
                    bail!("--output: standard output is a terminal; give dest=FILE or redirect it");
                }
            }
            Dest::File(f) => parent_exists(f)?,
        }
    }
    Ok(())
}

/// Write image `rec` to a file output. `layers` are its layers' diff
/// dirs, top first; `names` its names for an archive that names none;
/// `stdout` where standard output goes; `root` whether file owners are
/// kept (as root) or are the user's.
pub(super) struct Export<'a> {
    pub store: &'a Store,
    pub rec: &'a ImageRecord,
    pub layers: Vec<PathBuf>,
    pub names: &'a [String],
    pub stdout: Option<&'a std::fs::File>,
    pub diff: crate::layer_tar::diff::DiffOptions,
    pub keep_owners: bool,
}

impl Export<'_> {
    /// The image's files as one tar (whiteouts applied).
    fn tar(&self, out: &mut (dyn Write + Send)) -> Result<()> {
        crate::layer_tar::diff::write_squashed_tar(&self.layers, &[], out, &self.diff)?;
        Ok(())
    }

    /// The image's files, below `prefix/`, appended to `b`: the tar of
    /// [`Export::tar`] read back through a pipe, each entry's path (and
    /// a hard link's target) given the prefix.
    fn tar_below<W: Write>(&self, prefix: &str, b: &mut tar::Builder<W>) -> Result<()> {
        let mut dir = tar::Header::new_ustar();
        dir.set_entry_type(tar::EntryType::Directory);
        dir.set_mode(0o755);
        dir.set_size(0);
        b.append_data(&mut dir, prefix, std::io::empty())?;
        self.read_tar(|mut archive| {
            for entry in archive.entries()? {
                let mut e = entry?;
                let path = Path::new(prefix).join(&*e.path()?);
                // Extended attributes and long values ride in PAX
                // records; the path and link ones are written anew.
                let mut kept = Vec::new();
                if let Some(exts) = e.pax_extensions()? {
                    for x in exts {
                        let x = x?;
                        let key = x
                            .key()
                            .map_err(|e| anyhow!("{}: a PAX record: {e}", path.display()))?;
                        if !matches!(key, "path" | "linkpath" | "size") {
                            kept.push((key.to_string(), x.value_bytes().to_vec()));
                        }
                    }
                }
                if !kept.is_empty() {
                    b.append_pax_extensions(kept.iter().map(|(k, v)| (k.as_str(), &v[..])))?;
                }
                let mut h = e.header().clone();
                match h.entry_type() {
                    tar::EntryType::Link | tar::EntryType::Symlink => {
                        let target = e
                            .link_name()?
                            .ok_or_else(|| anyhow!("{}: a link without a target", path.display()))?
                            .into_owned();
                        let target = match h.entry_type() {
                            tar::EntryType::Link => Path::new(prefix).join(target),
                            _ => target,
                        };
                        b.append_link(&mut h, &path, target)?;
                    }
                    _ => b.append_data(&mut h, &path, &mut e)?,
                }
            }
            Ok(())
        })
    }

    fn unpack(&self, dir: &Path) -> Result<()> {
        self.read_tar(|mut archive| {
            archive.set_preserve_permissions(true);
            archive.set_preserve_ownerships(self.keep_owners);
            archive.set_unpack_xattrs(false);
            archive.set_overwrite(true);
            archive
                .unpack(dir)
                .with_context(|| format!("writing {}", dir.display()))
        })
    }

    /// Run `read` on the tar of [`Export::tar`], written by another
    /// thread into a pipe. The reader goes (with `read`'s end) before
    /// the writer is waited for, so that a writer still writing sees the
    /// pipe closed rather than waiting.
    fn read_tar(
        &self,
        read: impl FnOnce(tar::Archive<std::io::PipeReader>) -> Result<()>,
    ) -> Result<()> {
        let (reader, writer) = std::io::pipe().context("making a pipe")?;
        std::thread::scope(|s| {
            let producer = s.spawn(move || {
                let mut w = writer;
                self.tar(&mut w)
            });
            let read = read(tar::Archive::new(reader));
            let produced = producer
                .join()
                .unwrap_or_else(|_| Err(anyhow!("the tar writer panicked")));
            read.and(produced)
        })
    }
}

/// Write a build's image to one file output. `parts` is the image of a
/// build for one platform, with an empty directory name, or those of a
/// build for several, each with its platform's directory name
/// (`linux_arm64`, `linux_arm_v7`: BuildKit's): then `local` and `tar`
/// put each platform's files below its directory, and `oci` writes one
/// index of the images. A Docker archive cannot hold several (the build
/// refuses it before it starts).
pub(super) fn write(parts: &[(String, Export<'_>)], out: &Output) -> Result<()> {
    let Some((dir_name, first)) = parts.first() else {
        return Ok(());
    };
    let single = parts.len() == 1 && dir_name.is_empty();
    match out {
        Output::Image { .. } => Ok(()),
        Output::Local(dir) => in_dir(dir, |d| {
            if single {
                return first.unpack(d);
            }
            for (p, e) in parts {
                let below = d.join(p);
                if std::fs::symlink_metadata(&below).is_err() {
                    std::fs::create_dir(&below)
                        .with_context(|| format!("creating {}", below.display()))?;
                }
                e.unpack(&below)?;
            }
            Ok(())
        })
        .with_context(|| format!("--output type=local,dest={}", dir.display())),
        Output::Tar(dest) => to(first.stdout, dest, |w| {
            if single {
                return first.tar(w);
            }
            let mut b = tar::Builder::new(w);
            for (p, e) in parts {
                if let Err(err) = e.tar_below(p, &mut b) {
                    // Not dropped: its drop would end the archive, and a
                    // reader would take the cut tar for a whole one.
                    std::mem::forget(b);
                    return Err(err);
                }
            }
            b.into_inner()?;
            Ok(())
        })
        .with_context(|| format!("--output type=tar{}", dest_text(dest))),
        Output::Archive {
            format,
            dest,
            names,
        } => {
            let names = archive_names(names, first.names)?;
            let imgs = parts
                .iter()
                .map(|(_, e)| e.store.image(e.rec))
                .collect::<Result<Vec<_>>>()?;
            let imgs: Vec<&dyn crate::image::Image> =
                imgs.iter().map(|i| i as &dyn crate::image::Image).collect();
            to(first.stdout, dest, |w| {
                let mut sink = ArchiveSink::new(w, *format)?;
                match imgs[..] {
                    [img] if single => sink.add(img, names)?,
                    _ => sink.add_platforms(&imgs, names)?,
                }
                sink.close()?;
                Ok(())
            })
            .with_context(|| format!("--output type={}{}", kind_of(*format), dest_text(dest)))
        }
    }
}

/// An archive's names: its output's own, else the build's.
fn archive_names(given: &[String], build: &[String]) -> Result<Vec<String>> {
    if given.is_empty() {
        return Ok(build.to_vec());
    }
    given.iter().map(|n| super::local_name(n)).collect()
}

fn kind_of(format: Format) -> &'static str {
    match format {
        Format::OciArchive => "oci",
        Format::DockerArchive => "docker",
    }
}

/// Write into `dir` with `write`: a new `dir` is made beside its place
/// and renamed when complete; into one that exists the files are
/// written in place.
fn in_dir(dir: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    if std::fs::symlink_metadata(dir).is_ok() {
        return write(dir);
    }
    let partial = partial_path(dir);
    std::fs::create_dir(&partial).with_context(|| format!("creating {}", partial.display()))?;
    let res = write(&partial).and_then(|()| {
        std::fs::rename(&partial, dir).with_context(|| format!("renaming {}", partial.display()))
    });
    if res.is_err() {
        let _ = std::fs::remove_dir_all(&partial);
    }
    res
}

/// Run `write` on `dest`: a file written beside its place and renamed
/// when complete, or standard output (`stdout`).
fn to(
    stdout: Option<&std::fs::File>,
    dest: &Dest,
    write: impl FnOnce(&mut (dyn Write + Send)) -> Result<()>,
) -> Result<()> {
    match dest {
        Dest::Stdout => {
            let mut out = stdout.ok_or_else(|| anyhow!("standard output is not available"))?;
            write(&mut out)?;
            out.flush().context("writing standard output")
        }
        Dest::File(path) => {
            let partial = partial_path(path);
            let res = (|| {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o644)
                    .open(&partial)
                    .with_context(|| format!("creating {}", partial.display()))?;
                let mut f = std::io::BufWriter::new(file);
                write(&mut f)?;
                let f = f.into_inner().map_err(|e| e.into_error())?;
                f.sync_all()?;
                std::fs::rename(&partial, path)
                    .with_context(|| format!("renaming {}", partial.display()))
            })();
            if res.is_err() {
                let _ = std::fs::remove_file(&partial);
            }
            res
        }
    }
}

/// The directory `dest` is to be made in exists.
fn parent_exists(dest: &Path) -> Result<()> {
    let parent = dest.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(p) = parent.filter(|p| !p.is_dir()) {
        bail!(
            "--output dest={}: {}: no such directory",
            dest.display(),
            p.display()
        );
    }
    Ok(())
}

fn dest_text(dest: &Dest) -> String {
    match dest {
        Dest::Stdout => ",dest=-".to_string(),
        Dest::File(p) => format!(",dest={}", p.display()),
    }
}

/// `DIR/.NAME.SUFFIX.partial` for `DIR/NAME`, with a
/// [`crate::fsutil::unique_suffix`]: two builds writing the same output
/// do not mix.
fn partial_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    path.with_file_name(format!(
        ".{name}.{}.partial",
        crate::fsutil::unique_suffix()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_forms() {
        let p = |s: &str| Output::parse(s).map_err(|e| e.to_string());
        assert_eq!(p("out"), Ok(Output::Local("out".into())));
        assert_eq!(p("-"), Ok(Output::Tar(Dest::Stdout)));
        assert_eq!(p("type=local,dest=d"), Ok(Output::Local("d".into())));
        assert_eq!(p("type=tar,dest=-"), Ok(Output::Tar(Dest::Stdout)));
        assert_eq!(
            p("type=tar,dest=f.tar"),
            Ok(Output::Tar(Dest::File("f.tar".into())))
        );
        assert_eq!(
            p("type=docker,dest=d.tar,name=a:1"),
            Ok(Output::Archive {
                format: Format::DockerArchive,
                dest: Dest::File("d.tar".into()),
                names: vec!["a:1".into()],
            })
        );
        assert_eq!(
            p("type=registry,name=r/a"),
            Ok(Output::Image {
                names: vec!["r/a".into()],
                push: true
            })
        );
        assert!(p("type=local").unwrap_err().contains("needs dest=DIR"));
        assert!(p("type=zip,dest=x").unwrap_err().contains("type \"zip\""));
        assert!(p("type=tar,dest=x,push=true")
            .unwrap_err()
            .contains("for type=image"));
        assert!(p("type=tar,dest=x,compression=zstd")
            .unwrap_err()
            .contains("unknown key"));
        assert!(p("dest=x").unwrap_err().contains("type= is missing"));
        assert!(check(
            &[Output::Tar(Dest::Stdout), Output::Tar(Dest::Stdout)],
            None
        )
        .is_err());
        let missing = Output::Tar(Dest::File("/nonexistent/dir/x.tar".into()));
        assert!(check(&[missing], None)
            .unwrap_err()
            .to_string()
            .contains("no such directory"));
    }
}
