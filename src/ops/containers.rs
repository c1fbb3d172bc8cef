//! Container records as use cases: `create`, `start`, `ps`, `rm`,
//! `container inspect`, `stop`, `kill`, `wait`, `logs`, `port`. A
//! container runs only while its berth process (the parent of its init,
//! in the foreground or detached) lives and holds its running lock; its
//! state is derived from that lock, never stored as "running".

use super::run::RunOptions;
use crate::runtime::logs::{self, Record};
use crate::runtime::spec::PortMapping;
use crate::runtime::spec::Spec;
use crate::store::containers::{ContainerRecord, State};
use crate::store::{Store, StorePaths};
use anyhow::{anyhow, bail, Context, Result};
use nix::sys::signal::Signal;
use nix::unistd::Pid;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A record with its current state.
#[derive(Debug, Clone)]
pub struct ContainerInfo {
    pub record: ContainerRecord,
    pub state: State,
    /// What its berth networks gave it while it runs.
    pub networks: Vec<crate::runtime::network::Settings>,
    /// Its healthcheck's state.
    pub health: Option<crate::store::containers::Health>,
    /// The host pid of its pid 1 while it runs (else 0).
    pub pid1: i32,
    /// A user stopped or killed it since a user last started it.
    pub stopped_by_user: bool,
    /// Where its log is (when its log driver keeps one).
    pub log_path: PathBuf,
    /// Its directory in the store (its `hosts`, `resolv.conf`, …).
    pub dir: PathBuf,
    /// Its overlay dirs in the store.
    pub overlay: crate::store::containers::ContainerOverlay,
    /// The digest of its image's manifest (`inspect` only; else empty).
    pub image_digest: String,
}

impl ContainerInfo {
    /// Whether it mounts volume `v` (by name), or any volume at `v`.
    pub fn uses_volume(&self, v: &str) -> bool {
        spec_of(&self.record).is_ok_and(|spec| {
            spec.mounts.iter().any(|m| {
                matches!(m, crate::runtime::spec::Mount::Volume { name, target, .. }
                    if name == v || target == v)
            })
        })
    }

    /// Whether it is on berth network `n`.
    pub fn uses_network(&self, n: &str) -> bool {
        super::network::spec_uses_network(&self.record.config, n)
    }

    /// What `inspect` shows: [`ContainerInfo::of`] and its image's
    /// manifest digest (while the store has the image).
    pub(crate) fn inspected(store: &Store, record: ContainerRecord) -> Result<ContainerInfo> {
        let mut info = ContainerInfo::of(store, record);
        info.image_digest = store
            .read_index()?
            .images
            .iter()
            .find(|i| info.record.image.as_ref() == Some(&i.id))
            .map(|i| i.manifest.to_string())
            .unwrap_or_default();
        Ok(info)
    }

    pub(crate) fn of(store: &Store, record: ContainerRecord) -> ContainerInfo {
        let state = store.container_state(&record);
        let networks = match state {
            State::Running(_) | State::Restarting(..) => {
                crate::runtime::network::settings(&store.containers_dir(), &record.id)
            }
            _ => Vec::new(),
        };
        let pid1 = match state {
            State::Running(_) => store.container_pid1(&record).map_or(0, |(p, _)| p),
            _ => 0,
        };
        // Its healthcheck's last state (kept after it stops, as Docker
        // keeps it).
        let has_check = record
            .run_config
            .as_ref()
            .is_some_and(|c| c.healthcheck.is_some());
        let health = if has_check {
            store.health(&record.id)
        } else {
            None
        };
        ContainerInfo {
            health,
            stopped_by_user: store.stopped_by_user(&record.id),
            log_path: store.log_path(&record.id),
            dir: store.container_dir(&record.id),
            overlay: store.container_overlay(&record.id),
            image_digest: String::new(),
            pid1,
            record,
            state,
            networks,
        }
    }
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
    let spec: Spec = spec_of(&rec)?;
    // A container created with `--rm` goes once it has run.
    let rm = !spec.remove_after.is_empty();
    super::run::start(&store, rec, &spec, rm, hint)
}

/// The runtime spec a container was created with, under the name it
/// has now (`rename` changes the record, not the spec).
pub(crate) fn spec_of(rec: &ContainerRecord) -> Result<Spec> {
    let mut spec: Spec = serde_json::from_value(rec.config.clone())
        .with_context(|| format!("container {}: malformed record", rec.name))?;
    if let crate::runtime::spec::Network::Bridge(b) = &mut spec.network {
        b.container_name = rec.name.clone();
    }
    Ok(spec)
}

/// Mounting needs root, or root of `berth unshare`'s user namespace: a
/// mount made in a namespace of berth's own would go with it.
fn check_may_mount() -> Result<()> {
    if crate::runtime::userns::identity() == crate::runtime::userns::Identity::User {
        bail!(
            "mounting a container's root file system needs root: run it inside `berth unshare` \
             (for example: berth unshare sh -c 'ls \"$(berth mount NAME)\"')"
        );
    }
    Ok(())
}

/// `mount`: mount the root file system of each container in this mount
/// namespace (once: a mounted one is left as it is); returns each
/// container with where its root is.
pub fn mount(paths: &StorePaths, names: &[String]) -> Result<Vec<(ContainerRecord, PathBuf)>> {
    check_may_mount()?;
    let store = Store::open(paths)?;
    let mut out = Vec::new();
    for n in names {
        let rec = store.find_container(n)?;
        let spec = spec_of(&rec)?;
        if store.is_running(&rec.id) {
            // Its root is mounted in its monitor's namespace only: a second
            // overlay over the same upper dir would show undefined states.
            bail!(
                "container {} is running: mount it before it starts, or stop it first",
                rec.name
            );
        }
        crate::runtime::rootfs::mount_root(&spec)
            .with_context(|| format!("mounting container {}", rec.name))?;
        out.push((rec, spec.rootfs.target));
    }
    Ok(out)
}

/// `mount` without names: the containers whose root file system is
/// mounted in this mount namespace.
pub fn mounted(paths: &StorePaths) -> Result<Vec<(ContainerRecord, PathBuf)>> {
    let Some(store) = Store::open_existing(paths)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for rec in store.containers()? {
        let Ok(spec) = spec_of(&rec) else { continue };
        if crate::runtime::rootfs::is_mount_point(&spec.rootfs.target) {
            out.push((rec, spec.rootfs.target));
        }
    }
    Ok(out)
}

/// `unmount`: unmount what `mount` mounted (every mounted container with
/// `all`); returns the names of the containers it unmounted.
pub fn unmount(paths: &StorePaths, names: &[String], all: bool) -> Result<Vec<String>> {
    check_may_mount()?;
    let recs = if all {
        mounted(paths)?.into_iter().map(|(r, _)| r).collect()
    } else {
        let store = Store::open(paths)?;
        names
            .iter()
            .map(|n| store.find_container(n))
            .collect::<Result<Vec<_>>>()?
    };
    let mut done = Vec::new();
    for rec in recs {
        let spec = spec_of(&rec)?;
        crate::runtime::rootfs::unmount_root(&spec)
            .with_context(|| format!("unmounting container {}", rec.name))?;
        done.push(rec.name);
    }
    Ok(done)
}

/// Remove container `rec`'s directory and name from the store. A root
/// file system `berth mount` left mounted is detached first (nothing
/// happens when none is mounted there): the store leaves mounts to the
/// runtime.
pub(crate) fn remove_record(store: &Store, rec: &ContainerRecord) -> Result<()> {
    crate::runtime::rootfs::detach(&store.container_overlay(&rec.id).merged);
    store.remove_container(rec)
}

/// `unshare`: run `command` (the user's shell when empty) with the store's
/// locations in `BERTH_ROOT`/`BERTH_RUNROOT`, rootless in berth's user
/// namespace (the subordinate ranges mapped, as for layer files; the
/// caller entered it) or one mapping the user alone, and then in a mount
/// namespace of its own where `berth mount` works. As root it only runs
/// the command. Returns only on error.
pub fn unshare(paths: &StorePaths, command: &[String]) -> Result<i32> {
    use crate::runtime::sys;
    use crate::runtime::userns::{self, Identity};
    match userns::identity() {
        Identity::Root => {}
        who => {
            // No subordinate range: the user alone, as root.
            let alone =
                (who == Identity::User).then(|| (nix::unistd::getuid(), nix::unistd::getgid()));
            sys::private_mount_namespace(&sys::Linux, alone)?;
        }
    }
    let shell = std::env::var("SHELL").unwrap_or_else(|_| "/bin/sh".into());
    let (prog, args) = match command.split_first() {
        Some((p, a)) => (p.clone(), a.to_vec()),
        None => (shell, Vec::new()),
    };
    use std::os::unix::process::CommandExt;
    let err = std::process::Command::new(&prog)
        .args(&args)
        .env("BERTH_ROOT", &paths.root)
        .env("BERTH_RUNROOT", &paths.runroot)
        .exec();
    let code = if err.kind() == std::io::ErrorKind::NotFound {
        127
    } else {
        126
    };
    Err(crate::runtime::container::StartError {
        code,
        message: format!("{prog}: {err}"),
    }
    .into())
}

/// `ps`: containers, newest first; only running ones unless `all`.
pub fn list(paths: &StorePaths, all: bool) -> Result<Vec<ContainerInfo>> {
    let Some(store) = Store::open_existing(paths)? else {
        return Ok(Vec::new());
    };
    Ok(store
        .containers()?
        .into_iter()
        .map(|record| ContainerInfo::of(&store, record))
        .filter(|c| all || c.state.is_live())
        .collect())
}

/// `--latest`: the id of the container created last.
pub fn latest(paths: &StorePaths) -> Result<String> {
    let newest = match Store::open_existing(paths)? {
        Some(store) => store.containers()?.into_iter().next(),
        None => None,
    };
    newest
        .map(|c| c.id)
        .ok_or_else(|| anyhow!("unable to get latest container: no such container"))
}

/// `container inspect`.
pub fn inspect(paths: &StorePaths, names: &[String]) -> Result<Vec<ContainerInfo>> {
    let store = Store::open(paths)?;
    names
        .iter()
        .map(|n| {
            let record = store.find_container(n)?;
            ContainerInfo::inspected(&store, record)
        })
        .collect()
}

/// `rm`: remove containers; a running one only with `force`, which kills
/// its berth process (and with it, by the parent-death signals, the
/// container). Returns the ids removed.
pub fn remove(
    paths: &StorePaths,
    names: &[String],
    all: bool,
    force: bool,
    volumes: bool,
    grace: Option<Duration>,
) -> Result<Vec<String>> {
    let Some(store) = Store::open_existing(paths)? else {
        if all {
            return Ok(Vec::new());
        }
        let name = names.first().cloned().unwrap_or_default();
        return Err(crate::store::ContainerNotFound(name).into());
    };
    // Removal moves the container into tmp/; holding the store shared
    // keeps the idle-store cleanup of tmp/ from racing it.
    let _lock = store.shared()?;
    let recs = if all {
        // A pod's infra container goes with its pod only.
        let mut all = store.containers()?;
        all.retain(|c| !(is_infra(c) && pod_exists(&store, c)));
        all
    } else {
        names
            .iter()
            .map(|n| store.find_container(n))
            .collect::<Result<Vec<_>>>()?
    };
    for rec in &recs {
        if is_infra(rec) {
            let pod = rec.pod.as_deref().and_then(|p| store.pod(p).ok().flatten());
            if let Some(pod) = pod {
                bail!(
                    "container {} is the infra container of pod {}: remove the pod (pod rm)",
                    rec.name,
                    pod.name
                );
            }
        }
    }
    let mut removed = Vec::new();
    for rec in recs {
        let anonymous = match (volumes, spec_of(&rec)) {
            (true, Ok(spec)) => super::volume::anonymous_of(&store, &spec),
            _ => Vec::new(),
        };
        remove_one_with(&store, &rec, force, grace)?;
        super::volume::remove_unused(&store, &anonymous)?;
        removed.push(rec.id);
    }
    Ok(removed)
}

/// Whether `rec` is a pod's infra container (berth's pause).
pub fn is_infra(rec: &ContainerRecord) -> bool {
    rec.pod.is_some() && spec_of(rec).is_ok_and(|s| s.pause)
}

/// Remove a pod's container (`pod rm`), with its anonymous volumes; the
/// caller holds the store shared.
pub(crate) fn remove_member(
    store: &Store,
    rec: &ContainerRecord,
    force: bool,
    grace: Option<Duration>,
) -> Result<()> {
    let anonymous = match spec_of(rec) {
        Ok(spec) => super::volume::anonymous_of(store, &spec),
        _ => Vec::new(),
    };
    remove_one_with(store, rec, force, grace)?;
    super::volume::remove_unused(store, &anonymous)
}

/// Remove one container (used by `rmi -f` too); a running one is killed
/// first (with `force`), and removed once its berth process is gone.
pub fn remove_one(store: &Store, rec: &ContainerRecord, force: bool) -> Result<()> {
    remove_one_with(store, rec, force, None)
}

/// A running container that was not to be removed (`rm` without
/// `--force` exits 2 on it, as Podman does).
#[derive(Debug)]
pub struct ContainerRunning(pub String);

impl std::fmt::Display for ContainerRunning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "container {} is running: stop it first or remove it with --force",
            self.0
        )
    }
}

impl std::error::Error for ContainerRunning {}

/// [`remove_one`]; with `grace` (`rm -f -t SECONDS`), a running container
/// gets its stop signal and that long to exit before it is killed.
fn remove_one_with(
    store: &Store,
    rec: &ContainerRecord,
    force: bool,
    grace: Option<Duration>,
) -> Result<()> {
    if store.is_running(&rec.id) {
        if !force {
            return Err(ContainerRunning(rec.name.clone()).into());
        }
        match grace {
            Some(g) if !g.is_zero() => {
                store.mark_stopped_by_user(&rec.id)?;
                signal(store, rec, stop_signal(store, rec))?;
                if !wait_stopped(store, &rec.id, g) {
                    kill_and_wait(store, rec)?;
                }
            }
            _ => kill_and_wait(store, rec)?,
        }
    }
    remove_record(store, rec)?;
    super::events::container(store, "remove", rec);
    // A pasta of its own left by a killed berth ends now.
    crate::runtime::pasta::sweep(&store.network_state_dir());
    Ok(())
}

/// SIGKILL the container and wait until its berth process has recorded
/// the end (or, failing that, kill that process too).
fn kill_and_wait(store: &Store, rec: &ContainerRecord) -> Result<()> {
    store.mark_stopped_by_user(&rec.id)?;
    let _ = signal(store, rec, Signal::SIGKILL);
    if wait_stopped(store, &rec.id, Duration::from_secs(10)) {
        return Ok(());
    }
    if let Some(pid) = store.runner_pid(&rec.id) {
        // The parent-death signals take the monitor and pid 1 with it.
        let _ = nix::sys::signal::kill(Pid::from_raw(pid), Signal::SIGKILL);
    }
    if wait_stopped(store, &rec.id, Duration::from_secs(10)) {
        return Ok(());
    }
    bail!("container {} did not stop", rec.name)
}

/// Wait up to `limit` for the container's running lock to be released
/// (by its berth process, which records the exit first, or by the
/// kernel if that process was killed: a zombie holds no lock).
fn wait_stopped(store: &Store, id: &str, limit: Duration) -> bool {
    let start = Instant::now();
    loop {
        if !store.is_running(id) {
            return true;
        }
        if start.elapsed() >= limit {
            return false;
        }
        // Most programs end within milliseconds of the signal: look
        // often at first, then less.
        let pause = match start.elapsed() < Duration::from_millis(100) {
            true => 2,
            false => 20,
        };
        std::thread::sleep(Duration::from_millis(pause));
    }
}

/// Send `sig` to the container's pid 1; when it cannot be reached (not
/// started yet, or running as a user berth may not signal), to its berth
/// process, which forwards SIGINT, SIGTERM, SIGHUP and SIGQUIT, and which
/// SIGKILL kills with the whole container.
fn signal(store: &Store, rec: &ContainerRecord, sig: Signal) -> Result<()> {
    use nix::sys::signal::kill;
    if let Some((pid1, _)) = store.container_pid1(rec) {
        match kill(Pid::from_raw(pid1), sig) {
            Ok(()) | Err(nix::errno::Errno::ESRCH) => return Ok(()),
            Err(_) => {}
        }
    }
    let forwarded = crate::runtime::container::FORWARDED.contains(&sig) || sig == Signal::SIGKILL;
    // Between two runs (a restart's backoff) any signal ends it.
    let restarting = store
        .find_container(&rec.id)
        .is_ok_and(|r| matches!(store.container_state(&r), State::Restarting(..)));
    let (forwarded, sig) = if restarting && !forwarded {
        (true, Signal::SIGTERM)
    } else {
        (forwarded, sig)
    };
    match store.runner_pid(&rec.id) {
        Some(pid) if forwarded => kill(Pid::from_raw(pid), sig)
            .map_err(|e| anyhow!("signalling container {}: {}", rec.name, e.desc())),
        Some(_) => bail!(
            "container {}: cannot send {sig} before its program runs",
            rec.name
        ),
        None => Ok(()),
    }
}

/// A signal by name (`TERM`, `SIGTERM`, any case) or number.
pub fn parse_signal(s: &str) -> Result<Signal> {
    if let Ok(n) = s.parse::<i32>() {
        return Signal::try_from(n).map_err(|_| anyhow!("invalid signal {s:?}"));
    }
    let up = s.to_ascii_uppercase();
    let name = if up.starts_with("SIG") {
        up
    } else {
        format!("SIG{up}")
    };
    name.parse::<Signal>()
        .map_err(|_| anyhow!("invalid signal {s:?}"))
}

/// The container's StopSignal (`--stop-signal`, else its image's), or
/// SIGTERM.
pub(crate) fn stop_signal(store: &Store, rec: &ContainerRecord) -> Signal {
    let configured = match &rec.run_config {
        Some(c) => c.stop_signal.clone(),
        // A record from before the configuration was kept: the image's.
        None => rec
            .image
            .as_ref()
            .and_then(|i| store.blob(i).ok())
            .and_then(|b| crate::image::config::ImageConfig::parse(&b).ok())
            .and_then(|c| c.config.stop_signal),
    };
    configured
        .and_then(|s| parse_signal(&s).ok())
        .unwrap_or(Signal::SIGTERM)
}

/// How long `stop` waits by default before SIGKILL (Docker's, Podman's).
pub const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// `restart` started container `name` again: the event Podman emits.
pub fn restarted(paths: &StorePaths, name: &str) -> Result<()> {
    let store = Store::open(paths)?;
    let rec = store.find_container(name)?;
    super::events::container(&store, "restart", &rec);
    Ok(())
}

/// `rename CONTAINER NEW`: give the container another name, running or
/// not (its berth process saves its state into the record as it is then,
/// so the new name stays); the old name is free at once.
pub fn rename(paths: &StorePaths, container: &str, new: &str) -> Result<()> {
    super::run::check_name(new)?;
    let store = Store::open(paths)?;
    let rec = store.find_container(container)?;
    let mut spec = spec_of(&rec)?;
    if let crate::runtime::spec::Network::Bridge(b) = &mut spec.network {
        for a in &b.attachments {
            crate::runtime::network::check_names_fit(&rec.id, new, a)?;
        }
        b.container_name = new.to_string();
    }
    let renamed = store
        .rename_container(&rec.id, new)
        .with_context(|| format!("renaming container {}", rec.name))?;
    super::events::container(&store, "rename", &renamed);
    // Its networks know it by its new name from now on, not only from
    // its next start.
    if let crate::runtime::spec::Network::Bridge(b) = &spec.network {
        if store.container_pid1(&renamed).is_some() {
            crate::runtime::network::rename(b)
                .with_context(|| format!("renaming container {new} on its networks"))?;
        }
    }
    Ok(())
}

/// `container exists`: whether container `name` (name or ID) exists.
pub fn exists(paths: &StorePaths, name: &str) -> Result<bool> {
    let Some(store) = Store::open_existing(paths)? else {
        return Ok(false);
    };
    Ok(store.find_container(name).is_ok())
}

/// `stop`: the image's stop signal (SIGTERM by default), then SIGKILL
/// after `timeout`; returns once the exit is recorded. A container that
/// does not run is left as it is.
pub fn stop(paths: &StorePaths, name: &str, timeout: Option<Duration>) -> Result<()> {
    let store = Store::open(paths)?;
    let rec = store.find_container(name)?;
    let timeout = timeout
        .or(rec.stop_timeout.map(Duration::from_secs))
        .unwrap_or(STOP_TIMEOUT);
    if !store.is_running(&rec.id) {
        return Ok(());
    }
    // Its restart policy does not apply to this end.
    store.mark_stopped_by_user(&rec.id)?;
    // Before the signal: `died` follows it, as in Podman's events.
    super::events::container(&store, "stop", &rec);
    signal(&store, &rec, stop_signal(&store, &rec))?;
    if !wait_stopped(&store, &rec.id, timeout) {
        kill_and_wait(&store, &rec)?;
    }
    Ok(())
}

/// `kill`: send `sig` to a running container.
pub fn kill(paths: &StorePaths, name: &str, sig: Signal) -> Result<()> {
    let store = Store::open(paths)?;
    let rec = store.find_container(name)?;
    if !store.is_running(&rec.id) {
        bail!("container {} is not running", rec.name);
    }
    store.mark_stopped_by_user(&rec.id)?;
    // Before the signal, which may end it at once: `died` follows.
    super::events::container(&store, "kill", &rec);
    signal(&store, &rec, sig)?;
    Ok(())
}

/// What `wait --condition` waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    Running,
    /// Not running (`stopped` and `exited` in Podman's words).
    Stopped,
    Healthy,
    Unhealthy,
}

impl Condition {
    pub fn parse(s: &str) -> Result<Condition> {
        Ok(match s {
            "running" => Condition::Running,
            "stopped" | "exited" => Condition::Stopped,
            "healthy" => Condition::Healthy,
            "unhealthy" => Condition::Unhealthy,
            _ => {
                bail!("invalid condition {s:?}: use running, stopped, exited, healthy or unhealthy")
            }
        })
    }
}

/// `wait --condition`: block until container `name` meets one of
/// `conditions`; its exit code for `stopped`, -1 for the others (as
/// Podman prints).
pub fn wait_for(paths: &StorePaths, name: &str, conditions: &[Condition]) -> Result<i32> {
    if conditions.is_empty() || conditions == [Condition::Stopped] {
        return wait(paths, name);
    }
    let store = Store::open(paths)?;
    let rec = store.find_container(name)?;
    let has_check = super::health::check_of(&rec).is_some();
    if !has_check
        && conditions
            .iter()
            .all(|c| matches!(c, Condition::Healthy | Condition::Unhealthy))
    {
        bail!("container {} has no defined healthcheck", rec.name);
    }
    loop {
        let Ok(now) = store.find_container(&rec.id) else {
            bail!("container {} was removed", rec.name);
        };
        let state = store.container_state(&now);
        let health = store.health(&rec.id).map(|h| h.status).unwrap_or_default();
        for c in conditions {
            let met = match c {
                Condition::Running => matches!(state, State::Running(_)),
                Condition::Stopped => !state.is_live() && now.started > 0,
                Condition::Healthy => state.is_live() && health == "healthy",
                Condition::Unhealthy => state.is_live() && health == "unhealthy",
            };
            if met {
                return Ok(match c {
                    Condition::Stopped => now.exit_code.unwrap_or(0),
                    _ => -1,
                });
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `wait`: block until the container is not running; its exit code.
pub fn wait(paths: &StorePaths, name: &str) -> Result<i32> {
    let store = Store::open(paths)?;
    let rec = store.find_container(name)?;
    while store.is_running(&rec.id) {
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(match store.find_container(&rec.id) {
        Ok(r) => r.exit_code.unwrap_or(0),
        // `--rm`: gone with its record.
        Err(_) => 0,
    })
}

/// `start` without `-a`, in the detached berth process: run container
/// `name` with its output in its log, calling `started` once its program
/// runs; returns the container's exit code.
pub fn start_detached(
    paths: &StorePaths,
    name: &str,
    policy_restart: bool,
    started: &mut dyn FnMut(),
    hint: &mut dyn FnMut(&str),
) -> Result<i32> {
    let store = Store::open(paths)?;
    let rec = store.find_container(name)?;
    let spec: Spec = spec_of(&rec)?;
    let rm = !spec.remove_after.is_empty();
    if rec.log.driver() == "passthrough" {
        bail!(
            "container {} has --log-driver passthrough: it runs in the foreground only (start -a)",
            rec.name
        );
    }
    let path = store.log_path(&rec.id);
    let dir = store.container_dir(&rec.id);
    let out = crate::runtime::container::Output {
        log: rec
            .log
            .to_file()
            .then_some(crate::runtime::container::LogTarget {
                path: &path,
                max_size: rec.log.max_size,
                tee: false,
            }),
        started: Some(started),
        tick: None,
        detached: true,
        attach_dir: Some(&dir),
        policy_restart,
    };
    super::run::start_with(&store, rec, &spec, rm, hint, out)
}

/// `attach`: relay to the running container `name` until its program
/// exits (its exit code) or the user detaches (`None`). With a terminal,
/// through its berth process's socket ([`crate::runtime::attach`]);
/// without, its output from now on, from its log.
pub fn attach(
    paths: &StorePaths,
    name: &str,
    keys: &[u8],
    no_stdin: bool,
    sink: &mut dyn FnMut(&Record) -> Result<()>,
) -> Result<Option<i32>> {
    let store = Store::open(paths)?;
    let rec = store.find_container(name)?;
    if !store.container_state(&rec).is_live() {
        bail!(
            "container {} is not running: can only attach to a running container",
            rec.name
        );
    }
    let spec = spec_of(&rec)?;
    if spec.process.terminal {
        let ended = crate::runtime::attach::attach(
            &store.container_dir(&rec.id),
            &rec.name,
            spec.process.stdin && !no_stdin,
            keys,
        )?;
        if ended == crate::runtime::attach::Ended::Detached {
            return Ok(None);
        }
    } else {
        let o = LogOptions {
            follow: true,
            tail: Some(0),
            ..Default::default()
        };
        logs(paths, name, &o, sink)?;
    }
    wait(paths, &rec.id).map(Some)
}

/// The published ports of a container.
pub fn ports(
    paths: &StorePaths,
    name: &str,
) -> Result<(ContainerRecord, Option<Vec<PortMapping>>)> {
    let store = Store::open(paths)?;
    let rec = store.find_container(name)?;
    published(&store, rec)
}

/// The ports container `rec` publishes while it runs; `None` when it
/// does not (Podman's `port` lists those of running containers).
fn published(
    store: &Store,
    rec: ContainerRecord,
) -> Result<(ContainerRecord, Option<Vec<PortMapping>>)> {
    let spec: Spec = spec_of(&rec)?;
    let live = ContainerInfo::of(store, rec.clone()).state.is_live();
    Ok((rec, live.then_some(spec.ports)))
}

/// `port --all`: each running container's published ports, newest
/// container first.
pub fn all_ports(paths: &StorePaths) -> Result<Vec<(ContainerRecord, Option<Vec<PortMapping>>)>> {
    let Some(store) = Store::open_existing(paths)? else {
        return Ok(Vec::new());
    };
    store
        .containers()?
        .into_iter()
        .map(|rec| published(&store, rec))
        .collect()
}

/// What `logs` shows.
#[derive(Debug, Clone, Default)]
pub struct LogOptions {
    /// Keep reading until the container exits.
    pub follow: bool,
    /// Only the last N records.
    pub tail: Option<usize>,
    /// Only records from this time on (nanoseconds since the epoch).
    pub since: Option<i64>,
    /// Only records up to this time (nanoseconds since the epoch); a
    /// follow ends once it has passed.
    pub until: Option<i64>,
}

/// An error unless container `rec` keeps a log that `logs` reads.
pub fn log_kept(rec: &ContainerRecord) -> Result<()> {
    if !rec.log.to_file() {
        bail!(
            "container {} has --log-driver {}: it keeps no log to read",
            rec.name,
            rec.log.driver()
        );
    }
    Ok(())
}

/// `logs`: hand each record of the container's log to `sink`, in order.
/// A container that never ran detached has an empty log.
pub fn logs(
    paths: &StorePaths,
    name: &str,
    o: &LogOptions,
    sink: &mut dyn FnMut(&Record) -> Result<()>,
) -> Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let store = Store::open(paths)?;
    let rec = store.find_container(name)?;
    log_kept(&rec)?;
    let path = store.log_path(&rec.id);
    let wanted = |r: &Record| {
        let t = crate::image::time::parse_rfc3339_nanos(&r.time);
        o.since.is_none_or(|s| t.is_some_and(|t| t >= s))
            && o.until.is_none_or(|u| t.is_some_and(|t| t <= u))
    };
    let mut file = match std::fs::File::open(&path) {
        Ok(f) => Some(f),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let mut text = Vec::new();
    if let Some(f) = file.as_mut() {
        f.read_to_end(&mut text)
            .with_context(|| format!("reading {}", path.display()))?;
    }
    // Only whole lines; a record being written is read on the next turn.
    let mut done = text.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let records: Vec<Record> = String::from_utf8_lossy(&text[..done])
        .lines()
        .filter_map(logs::parse)
        .filter(|r| wanted(r))
        .collect();
    let skip = o.tail.map_or(0, |n| records.len().saturating_sub(n));
    for r in &records[skip..] {
        sink(r)?;
    }
    if !o.follow {
        return Ok(());
    }
    let mut offset = done as u64;
    loop {
        let running = store.is_running(&rec.id);
        if file.is_none() {
            file = std::fs::File::open(&path).ok();
        }
        if let Some(f) = file.as_mut() {
            // Emptied at its max-size: it starts over from the top.
            if f.metadata().is_ok_and(|m| m.len() < offset) {
                offset = 0;
            }
            let mut more = Vec::new();
            f.seek(SeekFrom::Start(offset))
                .and_then(|_| f.read_to_end(&mut more))
                .with_context(|| format!("reading {}", path.display()))?;
            done = more.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            for r in String::from_utf8_lossy(&more[..done])
                .lines()
                .filter_map(logs::parse)
            {
                if wanted(&r) {
                    sink(&r)?;
                }
            }
            offset += done as u64;
        }
        let past = o
            .until
            .is_some_and(|u| crate::image::time::now_unix_nanos() > u);
        if !running || past {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Containers that use image `id`.
pub fn using_image(store: &Store, id: &crate::digest::Digest) -> Result<Vec<ContainerRecord>> {
    Ok(store
        .all_containers()?
        .into_iter()
        .filter(|c| c.image.as_ref() == Some(id))
        .collect())
}

fn pod_exists(store: &Store, rec: &ContainerRecord) -> bool {
    rec.pod
        .as_deref()
        .is_some_and(|p| store.pod(p).ok().flatten().is_some())
}

/// `container prune`: remove every container that is not running;
/// returns their ids. One that starts meanwhile is left alone.
pub fn prune(paths: &StorePaths) -> Result<Vec<String>> {
    let Some(store) = Store::open_existing(paths)? else {
        return Ok(Vec::new());
    };
    let _lock = store.shared()?;
    store.remove_orphans()?;
    let mut removed = Vec::new();
    for rec in store.containers()? {
        // A pod's infra container goes with its pod only (`pod prune`).
        if store.container_state(&rec).is_live() || is_infra(&rec) && pod_exists(&store, &rec) {
            continue;
        }
        match remove_one(&store, &rec, false) {
            Ok(()) => removed.push(rec.id),
            Err(_) if store.container_state(&rec).is_live() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(removed)
}
