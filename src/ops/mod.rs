//! Use cases, one per file: options in, data out. Nothing here prints;
//! the CLI renders what these return. This is the only layer that
//! combines the store, the image model and (later) registry and runtime.

pub mod archive;
pub mod build;
pub mod build_cache;
pub mod build_context;
pub mod build_copy;
pub mod build_output;
pub mod build_secrets;
pub mod commit;
pub mod complete;
pub mod compose;
pub mod containers;
pub mod cp;
pub mod detached;
pub mod events;
pub mod exec;
pub mod explore;
pub mod health;
pub mod images;
pub mod import;
pub mod inspect;
pub mod kernel_flags;
pub mod kube;
pub mod kube_play;
pub mod login;
pub mod manifest;
pub mod network;
pub mod pod;
pub mod pull;
pub mod push;
pub mod remove;
pub mod run;
pub mod system;
pub mod tag;
pub mod volume;

use crate::runtime::userns::Identity;
use crate::store::{Owners, Store, StorePaths};
use anyhow::Result;

/// Names as Podman records them: a name without a registry is a local
/// one, `localhost/NAME:TAG` (a name with one is kept as it is).
pub fn local_name(s: &str) -> Result<String> {
    let r = crate::reference::Reference::parse_local(s).map_err(|e| anyhow::anyhow!("{e}"))?;
    if r.digest.is_some() {
        anyhow::bail!("{s}: a name for an image cannot have a digest");
    }
    Ok(r.to_string())
}

/// Names found in archives (`RepoTags`) are normalized as Docker does:
/// `busybox:latest` is `docker.io/library/busybox:latest`.
pub fn archive_name(s: &str) -> Result<String> {
    let r = crate::reference::Reference::parse(s).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(r.to_string())
}

/// Open the store for a command that adds content, with a writer whose
/// layer files are owned as this process's identity allows.
pub fn open_store(paths: &StorePaths) -> Result<Store> {
    Store::open(paths)
}

/// How layer files this process extracts are owned.
pub fn owners() -> Owners {
    match crate::runtime::userns::identity() {
        Identity::Root => Owners::FromTar,
        Identity::NamespaceRoot => Owners::FromTarInNamespace,
        Identity::User => Owners::User,
    }
}

/// The outcome of [`enter_user_namespace`].
pub enum Namespace {
    /// Go on in this process (inside a namespace, or none was needed).
    Proceed,
    /// Go on as the user alone; the hint says how to map a range.
    ProceedWithout(String),
    /// The command ran in a child; exit with its code.
    Exit(i32),
}

/// For a rootless command that reads or writes layer files: enter a user
/// namespace mapping the user's subordinate ranges, so layer files keep
/// their owners. Must be called while the process has one thread.
pub fn enter_user_namespace() -> Result<Namespace> {
    use crate::runtime::userns;
    match userns::plan() {
        Ok(None) => Ok(Namespace::Proceed),
        Err(hint) => Ok(Namespace::ProceedWithout(hint)),
        Ok(Some(plan)) => match userns::enter(&plan)? {
            userns::Entered::Inside => Ok(Namespace::Proceed),
            userns::Entered::Exit(code) => Ok(Namespace::Exit(code)),
        },
    }
}
