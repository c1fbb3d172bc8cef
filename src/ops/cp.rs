//! `cp`: files between a container (stopped or running) and the host,
//! through the runtime's read-only view of the container's file system;
//! copies into the container land in its writable layer.

use crate::runtime::spec::Spec;
use crate::store::{Store, StorePaths};
use anyhow::{bail, Context, Result};
use std::io::{Read, Write};
use std::path::PathBuf;

/// One side of a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A host path, or `-` (a tar on standard input or output).
    Host(PathBuf),
    /// `CONTAINER:PATH`.
    Container { container: String, path: String },
}

impl Location {
    /// Docker's rule: `NAME:PATH` names a container unless the part
    /// before the colon has a `/` (or the whole starts with `/` or `.`).
    pub fn parse(s: &str) -> Location {
        if !s.starts_with(['/', '.']) {
            if let Some((c, p)) = s.split_once(':') {
                if !c.is_empty() && !c.contains('/') {
                    let path = if p.starts_with('/') {
                        p.to_string()
                    } else {
                        format!("/{p}")
                    };
                    return Location::Container {
                        container: c.to_string(),
                        path,
                    };
                }
            }
        }
        Location::Host(PathBuf::from(s))
    }
}

/// Copy `src` to `dst`; exactly one of them is in a container. Must be
/// called while the process has one thread (the runtime enters private
/// namespaces).
pub fn copy(
    paths: &StorePaths,
    src: &Location,
    dst: &Location,
    input: &mut (dyn Read + Send),
    output: &mut dyn Write,
) -> Result<()> {
    let (name, cpath, host, inward) = match (src, dst) {
        (Location::Container { container, path }, Location::Host(h)) => (container, path, h, false),
        (Location::Host(h), Location::Container { container, path }) => (container, path, h, true),
        (Location::Host(_), Location::Host(_)) => {
            bail!("one of the paths must be CONTAINER:PATH")
        }
        _ => bail!("copying between containers is not supported"),
    };
    let store = Store::open(paths)?;
    let rec = store.find_container(name)?;
    let spec: Spec = super::containers::spec_of(&rec)?;
    let what = || format!("container {}", rec.name);
    let view = crate::runtime::cp::open_view(&spec.rootfs).with_context(what)?;
    if inward {
        let staging = store.container_dir(&rec.id).join("cp-staging");
        let _ = crate::fsutil::remove_all(&staging);
        crate::fsutil::create_dir_all(&staging)?;
        let r = crate::runtime::cp::copy_in(&view, host, cpath, &staging, input);
        let _ = crate::fsutil::remove_all(&staging);
        r.with_context(what)
    } else {
        crate::runtime::cp::copy_out(&view, cpath, host, output).with_context(what)?;
        output.flush().context("writing standard output")
    }
}

/// `export`: container `name`'s file system (not its volumes) as a tar.
/// As [`copy`], call while the process has one thread.
pub fn export(paths: &StorePaths, name: &str, out: &mut dyn Write) -> Result<()> {
    let src = Location::Container {
        container: name.to_string(),
        path: "/".into(),
    };
    copy(
        paths,
        &src,
        &Location::Host("-".into()),
        &mut std::io::empty(),
        out,
    )?;
    let store = Store::open(paths)?;
    let rec = store.find_container(name)?;
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
                path: "/etc".into()
            }
        );
        assert_eq!(Location::parse("./a:b"), Location::Host("./a:b".into()));
        assert_eq!(Location::parse("dir/a:b"), Location::Host("dir/a:b".into()));
        assert_eq!(Location::parse("-"), Location::Host("-".into()));
    }
}
