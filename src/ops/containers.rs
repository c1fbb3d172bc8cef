//! Container records as use cases: `create`, `start -a`, `ps`, `rm`,
//! `container inspect`. A container runs only while its berth process
//! (the parent of its init) lives; its state is derived from that
//! process, never stored as "running".

use super::run::RunOptions;
use crate::runtime::spec::Spec;
use crate::store::containers::{ContainerRecord, State};
use crate::store::{Store, StorePaths};
use anyhow::{bail, Context, Result};
use std::time::{Duration, Instant};

/// A record with its current state.
#[derive(Debug, Clone)]
pub struct ContainerInfo {
    pub record: ContainerRecord,
    pub state: State,
}

/// `create`: the record and its files; returns the id.
pub fn create(paths: &StorePaths, opts: &RunOptions) -> Result<String> {
    let store = Store::open(paths)?;
    let (rec, _) = super::run::create(&store, opts)?;
    Ok(rec.id)
}

/// `start -a`: run a created (or exited) container in the foreground.
pub fn start(paths: &StorePaths, name: &str, hint: &mut dyn FnMut(&str)) -> Result<i32> {
    let store = Store::open(paths)?;
    let rec = store.find_container(name)?;
    if let State::Running(_) = store.container_state(&rec) {
        bail!("container {} is already running", rec.name);
    }
    let spec: Spec = serde_json::from_value(rec.config.clone())
        .with_context(|| format!("container {}: malformed record", rec.name))?;
    // A container created with `--rm` goes once it has run.
    let rm = !spec.remove_after.is_empty();
    super::run::start(&store, rec, &spec, rm, hint)
}

/// `ps`: containers, newest first; only running ones unless `all`.
pub fn list(paths: &StorePaths, all: bool) -> Result<Vec<ContainerInfo>> {
    let Some(store) = Store::open_existing(paths)? else {
        return Ok(Vec::new());
    };
    Ok(store
        .containers()?
        .into_iter()
        .map(|record| ContainerInfo {
            state: store.container_state(&record),
            record,
        })
        .filter(|c| all || matches!(c.state, State::Running(_)))
        .collect())
}

/// `container inspect`.
pub fn inspect(paths: &StorePaths, names: &[String]) -> Result<Vec<ContainerInfo>> {
    let store = Store::open(paths)?;
    names
        .iter()
        .map(|n| {
            let record = store.find_container(n)?;
            Ok(ContainerInfo {
                state: store.container_state(&record),
                record,
            })
        })
        .collect()
}

/// `rm`: remove containers; a running one only with `force`, which kills
/// its berth process (and with it, by the parent-death signals, the
/// container). Returns the ids removed.
pub fn remove(paths: &StorePaths, names: &[String], all: bool, force: bool) -> Result<Vec<String>> {
    let Some(store) = Store::open_existing(paths)? else {
        if all {
            return Ok(Vec::new());
        }
        bail!(
            "no container with name or ID {:?} found",
            names.first().cloned().unwrap_or_default()
        );
    };
    // Removal moves the container into tmp/; holding the store shared
    // keeps the idle-store cleanup of tmp/ from racing it.
    let _lock = store.shared()?;
    let recs = if all {
        store.containers()?
    } else {
        names
            .iter()
            .map(|n| store.find_container(n))
            .collect::<Result<Vec<_>>>()?
    };
    let mut removed = Vec::new();
    for rec in recs {
        remove_one(&store, &rec, force)?;
        removed.push(rec.id);
    }
    Ok(removed)
}

/// Remove one container (used by `rmi -f` too).
pub fn remove_one(store: &Store, rec: &ContainerRecord, force: bool) -> Result<()> {
    if let State::Running(pid) = store.container_state(rec) {
        if !force {
            bail!(
                "container {} is running: stop it first or remove it with --force",
                rec.name
            );
        }
        let pid = nix::unistd::Pid::from_raw(pid);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        let started = Instant::now();
        while nix::sys::signal::kill(pid, None).is_ok()
            && started.elapsed() < Duration::from_secs(10)
        {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    store.remove_container(rec)
}

/// Containers that use image `id`.
pub fn using_image(store: &Store, id: &crate::digest::Digest) -> Result<Vec<ContainerRecord>> {
    Ok(store
        .containers()?
        .into_iter()
        .filter(|c| &c.image == id)
        .collect())
}

/// `container prune`: remove every container that is not running;
/// returns their ids. One that starts meanwhile is left alone.
pub fn prune(paths: &StorePaths) -> Result<Vec<String>> {
    let Some(store) = Store::open_existing(paths)? else {
        return Ok(Vec::new());
    };
    let _lock = store.shared()?;
    let mut removed = Vec::new();
    for rec in store.containers()? {
        if matches!(store.container_state(&rec), State::Running(_)) {
            continue;
        }
        match remove_one(&store, &rec, false) {
            Ok(()) => removed.push(rec.id),
            Err(_) if matches!(store.container_state(&rec), State::Running(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(removed)
}
