//! Container records: `<root>/containers/<id>/` holds `config.json` (the
//! record, replaced atomically), the writable layer (`upper/`, `work/`),
//! the mount point of the root file system (`merged/`) and the files bound
//! into the container (`hosts`, `hostname`, `resolv.conf`), the running
//! lock (`running.lock`, held by the berth process that runs it) and the
//! log of its detached runs (`ctr.log`).
//! `<root>/containers/names/<name>` is a symlink to the id: creating a
//! symlink is atomic and fails when the name exists, so two `run --name`
//! racing for one name cannot both win.
//!
//! A container is made whole in `tmp/` (directories, files, record), then
//! its name is taken and the dir renamed into `containers/`: a crash
//! leaves garbage in `tmp/` or a name that points at no record, never a
//! listed container without its files. Names are taken and given back
//! under `names.lock`, so that a name left pointing at nothing by a killed
//! `create` or `rm` can be taken again without racing a live one.
//!
//! A record names its image, so `rmi` and garbage collection (under the
//! exclusive store lock) can see that the image is in use; records are
//! created under the shared store lock for that reason.

use super::Store;
use crate::digest::Digest;
use crate::fsutil::{self, FileLock, LockKind};
use crate::image::config::RunConfig;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// No container has this name or id (callers branch on it: `rm -f`
/// ignores it, `rm` exits 1 as Podman does).
#[derive(Debug)]
pub struct ContainerNotFound(pub String);

/// Where a container's overlay lives: its writable layer, overlay's work
/// dir, and the mount point; the first two also relative to
/// [`Store::lower_base`], as the mount options name them.
#[derive(Clone, Debug)]
pub struct ContainerOverlay {
    pub upper: PathBuf,
    pub work: PathBuf,
    pub merged: PathBuf,
    pub upper_rel: PathBuf,
    pub work_rel: PathBuf,
}

impl std::fmt::Display for ContainerNotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no container with name or ID {:?} found", self.0)
    }
}

impl std::error::Error for ContainerNotFound {}

/// `containers/<id>/config.json`.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct ContainerRecord {
    /// 64 hex digits.
    pub id: String,
    pub name: String,
    /// The image id (config digest); `None` for a container whose root
    /// is a directory of the user's (`--rootfs`).
    pub image: Option<Digest>,
    /// The name the image was given by (`localhost/busybox:latest`);
    /// empty with `--rootfs`.
    pub image_name: String,
    /// `--rootfs`: the directory that is the container's root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rootfs: Option<std::path::PathBuf>,
    pub command: Vec<String>,
    /// Unix seconds.
    pub created: i64,
    /// The nanoseconds of `created` (`ps --filter before|since` tell
    /// containers of one second apart).
    #[serde(default)]
    pub created_nanos: u32,
    /// What the runtime needs to start it (opaque to the store).
    #[serde(default)]
    pub config: serde_json::Value,
    /// The exit code of its last run, once it has run.
    #[serde(default)]
    pub exit_code: Option<i32>,
    /// Unix seconds of the last start and exit (0: never).
    #[serde(default)]
    pub started: i64,
    #[serde(default)]
    pub finished: i64,
    /// The container's configuration in an image config's terms: the
    /// image's, with what `run`/`create` changed (command, entrypoint,
    /// environment, working dir, user, published ports). `commit` keeps
    /// it. `None` in records from before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_config: Option<RunConfig>,
    /// A container that a berth process made for its own work (a build
    /// step) and removes when done: `PID START` of that process. It is
    /// no user's to list, start or remove; once that process is gone
    /// (killed), the next build or garbage collection removes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The pod it belongs to (the pod's id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    /// What its berth process does when the program exits.
    #[serde(default, skip_serializing_if = "RestartPolicy::is_no")]
    pub restart: RestartPolicy,
    /// How many times the policy restarted it since it was last started
    /// by a user.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub restart_count: u32,
    /// Its berth process waits to restart it (meaningful while that
    /// process holds the running lock).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restarting: bool,
    /// `--health-on-failure`: `kill`, `restart` or `stop` (none: nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_on_failure: Option<String>,
    /// The healthcheck's probe is berth's own (`kube play`'s tcpSocket
    /// and httpGet probes); its timing is the healthcheck's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net_probe: Option<crate::image::config::NetProbe>,
    /// `--stop-timeout`: seconds `stop` waits before SIGKILL by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_timeout: Option<u64>,
    /// `--tz`: the zone its `/etc/localtime` is a copy of (`local` or
    /// `Area/City`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// `--log-driver` and `--log-opt max-size`.
    #[serde(default, skip_serializing_if = "LogConfig::is_default")]
    pub log: LogConfig,
    /// What `inspect` shows of the command line that created it and
    /// that the runtime's spec does not keep.
    #[serde(default, skip_serializing_if = "CreateFlags::is_empty")]
    pub flags: CreateFlags,
}

/// The flags of `run`/`create` that `inspect` shows as given (Podman's
/// `HostConfig.Dns`, `ExtraHosts`, … and `Config.CreateCommand`); what
/// they did is in the spec.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct CreateFlags {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command_line: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns_search: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns_options: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_hosts: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes_from: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cap_add: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cap_drop: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_opt: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userns: Option<String>,
}

impl CreateFlags {
    fn is_empty(&self) -> bool {
        *self == CreateFlags::default()
    }
}

/// Where a container's output is kept.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct LogConfig {
    /// `k8s-file` (also `json-file`, which Podman takes as its alias),
    /// `none` or `passthrough`; empty: `k8s-file`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub driver: String,
    /// Bytes (0: no limit).
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub max_size: u64,
}

fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}

/// The log drivers berth has.
pub const LOG_DRIVERS: [&str; 4] = ["k8s-file", "json-file", "none", "passthrough"];

impl LogConfig {
    fn is_default(&self) -> bool {
        *self == LogConfig::default()
    }

    /// The driver's name, as `inspect` shows it.
    pub fn driver(&self) -> &str {
        if self.driver.is_empty() {
            "k8s-file"
        } else {
            &self.driver
        }
    }

    /// Whether its output goes to its log file (`logs` reads it).
    pub fn to_file(&self) -> bool {
        matches!(self.driver(), "k8s-file" | "json-file")
    }
}

/// `containers/<id>/health.json`: the healthcheck's state, as Docker's
/// `State.Health` shows it.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Health {
    /// `starting`, `healthy` or `unhealthy`.
    pub status: String,
    pub failing_streak: u32,
    /// The last five probes, oldest first.
    pub log: Vec<Probe>,
}

/// One probe of a healthcheck.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Probe {
    /// RFC 3339 times.
    pub start: String,
    pub end: String,
    /// 0 healthy, 1 unhealthy; -1 when it was killed at its timeout.
    pub exit_code: i32,
    pub output: String,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// `--restart`: Docker's policies.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "kebab-case", tag = "name")]
pub enum RestartPolicy {
    #[default]
    No,
    /// Restart after a non-zero exit, at most `max_retries` times (0: no
    /// limit).
    OnFailure {
        max_retries: u32,
    },
    Always,
    /// As `always`, but a container a user stopped is not started by
    /// `start --all` (after a reboot).
    UnlessStopped,
}

impl RestartPolicy {
    pub fn is_no(&self) -> bool {
        *self == RestartPolicy::No
    }

    /// `no`, `on-failure[:N]`, `always`, `unless-stopped`.
    pub fn parse(s: &str) -> Result<RestartPolicy> {
        let unknown = || {
            anyhow::anyhow!(
                "invalid restart policy {s:?}: use no, on-failure[:N], always or unless-stopped"
            )
        };
        Ok(match s.split_once(':') {
            None => match s {
                "" | "no" => RestartPolicy::No,
                "always" => RestartPolicy::Always,
                "unless-stopped" => RestartPolicy::UnlessStopped,
                "on-failure" => RestartPolicy::OnFailure { max_retries: 0 },
                _ => return Err(unknown()),
            },
            Some(("on-failure", n)) => RestartPolicy::OnFailure {
                max_retries: n.parse().map_err(|_| {
                    anyhow::anyhow!(
                        "invalid restart policy {s:?}: the retry count must be a number"
                    )
                })?,
            },
            Some(_) => return Err(unknown()),
        })
    }

    /// Docker's `HostConfig.RestartPolicy.Name`.
    pub fn name(&self) -> &'static str {
        match self {
            RestartPolicy::No => "no",
            RestartPolicy::OnFailure { .. } => "on-failure",
            RestartPolicy::Always => "always",
            RestartPolicy::UnlessStopped => "unless-stopped",
        }
    }

    pub fn max_retries(&self) -> u32 {
        match self {
            RestartPolicy::OnFailure { max_retries } => *max_retries,
            _ => 0,
        }
    }

    /// Whether a program that exited with `code` is started again, after
    /// `restarts` restarts already; never after a user's stop or kill.
    pub fn restarts(&self, code: i32, restarts: u32, stopped_by_user: bool) -> bool {
        if stopped_by_user {
            return false;
        }
        match self {
            RestartPolicy::No => false,
            RestartPolicy::OnFailure { max_retries } => {
                code != 0 && (*max_retries == 0 || restarts < *max_retries)
            }
            RestartPolicy::Always | RestartPolicy::UnlessStopped => true,
        }
    }
}

/// Docker's restart backoff: 100 ms, doubled at each restart up to a
/// minute, back to 100 ms after a run of 10 seconds or more.
pub fn restart_delay(
    previous: std::time::Duration,
    ran: std::time::Duration,
) -> std::time::Duration {
    use std::time::Duration;
    let first = Duration::from_millis(100);
    if previous.is_zero() || ran >= Duration::from_secs(10) {
        first
    } else {
        (previous * 2).min(Duration::from_secs(60))
    }
}

impl ContainerRecord {
    /// Whether a berth process made it for its own work (`owner`).
    fn is_owned(&self) -> bool {
        self.owner.is_some()
    }

    /// An owned container whose owner is gone.
    fn is_orphan(&self) -> bool {
        let Some(owner) = &self.owner else {
            return false;
        };
        let mut w = owner.split_whitespace();
        let pid = w.next().and_then(|p| p.parse::<i32>().ok());
        let start = w.next().and_then(|s| s.parse::<u64>().ok());
        match (pid, start) {
            (Some(pid), Some(start)) => process_start_time(pid) != Some(start),
            _ => true,
        }
    }
}

/// `owner` for a container this process makes for its own work.
pub fn this_process_as_owner() -> String {
    let pid = std::process::id() as i32;
    format!("{pid} {}", process_start_time(pid).unwrap_or(0))
}

/// What a container is doing now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Created,
    /// Its berth process (the parent of the container, holding its
    /// running lock) is alive; its pid (0 if unknown).
    Running(i32),
    /// Its program exited and its berth process (pid) waits to start it
    /// again (a restart policy); the program's exit code.
    Restarting(i32, i32),
    Exited(i32),
}

impl State {
    /// Whether a berth process runs it (running, or restarting).
    pub fn is_live(&self) -> bool {
        matches!(self, State::Running(_) | State::Restarting(..))
    }
}

impl Store {
    pub fn containers_dir(&self) -> PathBuf {
        self.root.join("containers")
    }

    /// `containers/<id>/`.
    pub fn container_dir(&self, id: &str) -> PathBuf {
        self.containers_dir().join(id)
    }

    /// A container's overlay dirs, as the store lays them out.
    pub fn container_overlay(&self, id: &str) -> ContainerOverlay {
        let dir = self.container_dir(id);
        let rel = Path::new("..").join("containers").join(id);
        ContainerOverlay {
            upper: dir.join("upper"),
            work: dir.join("work"),
            merged: dir.join("merged"),
            upper_rel: rel.join("upper"),
            work_rel: rel.join("work"),
        }
    }

    /// Hold the store lock shared while a container record is created from
    /// an image, so that `rmi` sees the record or the image is not found.
    /// If nobody else is using the store, leftovers of dead processes in
    /// `tmp/` are removed first (as a writer of content does).
    pub fn lock_for_container(&self) -> Result<FileLock> {
        self.shared_after_cleaning()
    }

    /// Create the container: its directories (`upper/`, `work/`,
    /// `merged/`, and `dirs`), `files` (name, content) and the record, made in `tmp/`
    /// and renamed into place once the name is taken. Fails, naming it,
    /// if the name is taken. `durable`: flush it all (a `--rm` container
    /// need not survive a crash). `root`: the image's top layer dir,
    /// whose mode and owner `upper/` takes (the container's `/`). The
    /// caller holds `lock_for_container`.
    pub fn create_container(
        &self,
        rec: &ContainerRecord,
        durable: bool,
        dirs: &[&str],
        files: &[(&str, Vec<u8>)],
        root: Option<&Path>,
    ) -> Result<PathBuf> {
        let staging = self
            .root
            .join("tmp")
            .join(format!("ctr-{}", fsutil::unique_suffix()));
        let made = (|| -> Result<()> {
            for sub in ["upper", "work", "merged"].iter().chain(dirs) {
                fsutil::create_dir_all(&staging.join(sub))?;
            }
            if let Some(r) = root {
                fsutil::copy_root_attrs(r, &staging.join("upper"))?;
            }
            for (name, bytes) in files {
                let p = staging.join(name);
                std::fs::write(&p, bytes).with_context(|| format!("writing {}", p.display()))?;
            }
            let bytes = serde_json::to_vec_pretty(rec).context("serializing a container record")?;
            let p = staging.join("config.json");
            if durable {
                // Renamed into place below as a whole: flushing the file
                // and its dir here is what write_atomic would do.
                fsutil::write_atomic(&p, &bytes)?;
            } else {
                std::fs::write(&p, &bytes).with_context(|| format!("writing {}", p.display()))?;
            }
            Ok(())
        })();
        let placed = made.and_then(|()| self.take_name_and_place(rec, &staging, durable));
        if let Err(e) = placed {
            let _ = fsutil::remove_all(&staging);
            return Err(e.context(format!("creating container {}", rec.name)));
        }
        Ok(self.container_dir(&rec.id))
    }

    /// Link `rec`'s name to its id and rename `staging` into place, under
    /// `names.lock`. A name whose link points at no record was left by a
    /// killed `create` or `rm` (a live one holds the lock until its dir is
    /// in place): it is free.
    fn take_name_and_place(
        &self,
        rec: &ContainerRecord,
        staging: &Path,
        durable: bool,
    ) -> Result<()> {
        let names = self.containers_dir().join("names");
        fsutil::create_dir_all(&names)?;
        let _names = self.lock("names.lock", LockKind::Exclusive)?;
        let link = names.join(&rec.name);
        match std::fs::read_link(&link) {
            Ok(target) if self.name_held(&rec.name, &target) => bail!(
                "the container name {:?} is already in use: remove that container or choose another name",
                rec.name
            ),
            Ok(_) => std::fs::remove_file(&link)
                .with_context(|| format!("removing {}", link.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("reading {}", link.display())),
        }
        std::os::unix::fs::symlink(&rec.id, &link)
            .with_context(|| format!("creating {}", link.display()))?;
        if let Err(e) = fsutil::rename(staging, &self.container_dir(&rec.id)) {
            let _ = std::fs::remove_file(&link);
            return Err(e);
        }
        if durable {
            fsutil::sync_dir(&names)?;
            fsutil::sync_dir(&self.containers_dir())?;
        }
        Ok(())
    }

    /// Whether the link of `name`, pointing at `target`, holds the name:
    /// a record is there and carries it. A link left by a killed `create`,
    /// `rm` or `rename` holds nothing.
    fn name_held(&self, name: &str, target: &Path) -> bool {
        target
            .to_str()
            .filter(|t| !t.is_empty() && !t.contains('/'))
            .is_some_and(|id| self.read_container(id).is_ok_and(|r| r.name == name))
    }

    /// Give container `id` the name `new` (`rename`): under `names.lock`,
    /// the new name's link is made (failing when the name is held), the
    /// record changed, then the old link removed. A crash in between
    /// leaves a link that holds nothing ([`Self::name_held`]).
    pub fn rename_container(&self, id: &str, new: &str) -> Result<ContainerRecord> {
        let names = self.containers_dir().join("names");
        fsutil::create_dir_all(&names)?;
        let _names = self.lock("names.lock", LockKind::Exclusive)?;
        let link = names.join(new);
        match std::fs::read_link(&link) {
            Ok(target) if target.as_os_str() == id => {}
            Ok(target) if self.name_held(new, &target) => bail!(
                "the container name {new:?} is already in use: remove that container or choose another name"
            ),
            Ok(_) => std::fs::remove_file(&link)
                .with_context(|| format!("removing {}", link.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("reading {}", link.display())),
        }
        if std::fs::read_link(&link).is_err() {
            std::os::unix::fs::symlink(id, &link)
                .with_context(|| format!("creating {}", link.display()))?;
        }
        let mut old = String::new();
        let updated = self.update_container(id, |r| {
            old = std::mem::replace(&mut r.name, new.to_string());
        });
        let updated = match updated {
            Ok(r) => r,
            Err(e) => {
                let _ = std::fs::remove_file(&link);
                return Err(e);
            }
        };
        if old != new {
            let old_link = names.join(&old);
            if std::fs::read_link(&old_link).is_ok_and(|t| t.as_os_str() == id) {
                let _ = std::fs::remove_file(&old_link);
            }
        }
        fsutil::sync_dir(&names)?;
        Ok(updated)
    }

    /// Container `id`'s record as it is on disk now.
    pub fn read_container(&self, id: &str) -> Result<ContainerRecord> {
        let path = self.container_dir(id).join("config.json");
        let Some(bytes) = fsutil::read_opt(&path)? else {
            bail!("container {id} no longer exists");
        };
        serde_json::from_slice(&bytes)
            .with_context(|| format!("reading the record {}", path.display()))
    }

    /// Change container `id`'s record with `f` and save it durably, under
    /// `containers/<id>/record.lock`: the berth process that runs it
    /// (its state), `rename` (its name) and `network connect` (its
    /// configuration) each change their own part of the record they read
    /// under the lock, so none undoes another's change.
    pub fn update_container(
        &self,
        id: &str,
        f: impl FnOnce(&mut ContainerRecord),
    ) -> Result<ContainerRecord> {
        self.update_container_with(id, true, f)
    }

    /// [`Self::update_container`]; `durable` as for
    /// [`Self::save_container_with`].
    pub fn update_container_with(
        &self,
        id: &str,
        durable: bool,
        f: impl FnOnce(&mut ContainerRecord),
    ) -> Result<ContainerRecord> {
        let dir = self.container_dir(id);
        let _lock = FileLock::acquire(&dir.join("record.lock"), LockKind::Exclusive, |_| {})?;
        let mut rec = self.read_container(id)?;
        f(&mut rec);
        self.save_container_with(&rec, durable)?;
        Ok(rec)
    }

    /// Remove the containers whose owner is gone (the step containers of
    /// a killed build). The caller holds the store lock.
    pub fn remove_orphans(&self) -> Result<()> {
        for rec in self.all_containers()? {
            if rec.is_orphan() {
                self.remove_container(&rec)?;
            }
        }
        Ok(())
    }

    /// Replace the record atomically and durably.
    pub fn save_container(&self, rec: &ContainerRecord) -> Result<()> {
        self.save_container_with(rec, true)
    }

    /// Replace the record atomically; `durable`: so that it survives a
    /// crash (a `--rm` container's record need not).
    pub fn save_container_with(&self, rec: &ContainerRecord, durable: bool) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(rec).context("serializing a container record")?;
        let path = self.container_dir(&rec.id).join("config.json");
        if durable {
            fsutil::write_atomic(&path, &bytes)
        } else {
            fsutil::write_replacing(&path, &bytes)
        }
    }

    /// `<runroot>/containers/<id>.pid`: the berth process that runs it.
    /// The runtime dir is a tmpfs, and the pid is checked for life when
    /// read, so a berth killed outright leaves no running container.
    fn pid_file(&self, id: &str) -> PathBuf {
        self.runroot.join("containers").join(format!("{id}.pid"))
    }

    /// `containers/<id>/running.lock`: held (flock) by the berth process
    /// that runs the container, for as long as it runs; the kernel
    /// releases it when that process dies, however it dies.
    fn running_lock(&self, id: &str) -> PathBuf {
        self.container_dir(id).join("running.lock")
    }

    /// `containers/<id>/ctr.log`: a detached container's output
    /// (the format of `runtime::logs`).
    pub fn log_path(&self, id: &str) -> PathBuf {
        self.container_dir(id).join("ctr.log")
    }

    /// Record that this process (`pid`) now runs container `id`: take its
    /// running lock (`None` when another process holds it: the container
    /// runs already) and write the pid with the process's start time, for
    /// signals (a pid alone may have been reused by an unrelated process
    /// after a berth was killed, and `rm -f` would then kill that one).
    pub fn mark_running(&self, id: &str, pid: u32) -> Result<Option<FileLock>> {
        let Some(lock) = FileLock::try_acquire(&self.running_lock(id), LockKind::Exclusive)? else {
            return Ok(None);
        };
        let p = self.pid_file(id);
        fsutil::create_dir_all(p.parent().expect("a parent"))?;
        let started = process_start_time(pid as i32).unwrap_or(0);
        std::fs::write(&p, format!("{pid} {started}"))
            .with_context(|| format!("writing {}", p.display()))?;
        Ok(Some(lock))
    }

    /// Whether a process holds the running lock of container `id`.
    pub fn is_running(&self, id: &str) -> bool {
        let Ok(f) = std::fs::File::open(self.running_lock(id)) else {
            return false;
        };
        matches!(f.try_lock_shared(), Err(std::fs::TryLockError::WouldBlock))
    }

    /// The berth process that runs container `id` (pid and start time),
    /// if that very process is alive.
    pub fn runner_pid(&self, id: &str) -> Option<i32> {
        let text = std::fs::read_to_string(self.pid_file(id)).ok()?;
        let mut words = text.split_whitespace();
        let pid = words.next()?.parse::<i32>().ok()?;
        let started = words.next()?.parse::<u64>().ok()?;
        (pid > 0 && process_start_time(pid) == Some(started)).then_some(pid)
    }

    /// `containers/<id>/stopped-by-user`: `stop` or `kill` by a user ended
    /// it; its restart policy does not apply until a user starts it.
    fn stopped_by_user_file(&self, id: &str) -> PathBuf {
        self.container_dir(id).join("stopped-by-user")
    }

    /// Record that a user stops or kills container `id` (before the
    /// signal, so that its berth process sees it when the program exits).
    pub fn mark_stopped_by_user(&self, id: &str) -> Result<()> {
        let p = self.stopped_by_user_file(id);
        std::fs::write(&p, b"").with_context(|| format!("writing {}", p.display()))
    }

    /// Whether a user stopped container `id` since a user last started it.
    pub fn stopped_by_user(&self, id: &str) -> bool {
        self.stopped_by_user_file(id).exists()
    }

    /// A user starts container `id`: its restart policy applies again.
    pub fn clear_stopped_by_user(&self, id: &str) {
        let _ = std::fs::remove_file(self.stopped_by_user_file(id));
    }

    fn health_file(&self, id: &str) -> PathBuf {
        self.container_dir(id).join("health.json")
    }

    /// The healthcheck's state of container `id`, if it has one.
    pub fn health(&self, id: &str) -> Option<Health> {
        let bytes = std::fs::read(self.health_file(id)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Change the healthcheck's state of container `id` with `f` (under
    /// `health.lock`: the container's berth process and `healthcheck run`
    /// may probe at once); returns the new state.
    pub fn update_health(&self, id: &str, f: impl FnOnce(&mut Health)) -> Result<Health> {
        let _lock = FileLock::acquire(
            &self.container_dir(id).join("health.lock"),
            LockKind::Exclusive,
            |_| {},
        )?;
        let mut h = self.health(id).unwrap_or_default();
        f(&mut h);
        let bytes = serde_json::to_vec(&h).context("serializing a health state")?;
        // Not flushed: it says how the container's program is now, which
        // a crash ends anyway.
        fsutil::write_replacing(&self.health_file(id), &bytes)?;
        Ok(h)
    }

    /// Record that the container stopped (with `code`, if it ran).
    pub fn mark_stopped(&self, id: &str) {
        let _ = std::fs::remove_file(self.pid_file(id));
        let _ = std::fs::remove_file(self.pid1_file(id));
    }

    /// `containers/<id>/pid1`: `PID START` of the container's pid 1 as
    /// the host sees it, written (atomically) by its monitor once the
    /// program runs and removed when it exits.
    pub fn pid1_file(&self, id: &str) -> PathBuf {
        self.container_dir(id).join("pid1")
    }

    /// The host pid of the running container's pid 1 and its start time;
    /// `None` unless that very process is alive (a reused pid is not it).
    pub fn container_pid1(&self, rec: &ContainerRecord) -> Option<(i32, u64)> {
        let text = std::fs::read_to_string(self.pid1_file(&rec.id)).ok()?;
        let mut words = text.split_whitespace();
        let pid = words.next()?.parse::<i32>().ok()?;
        let started = words.next()?.parse::<u64>().ok()?;
        (pid > 0 && process_start_time(pid) == Some(started)).then_some((pid, started))
    }

    /// What `rec` is doing now.
    pub fn container_state(&self, rec: &ContainerRecord) -> State {
        if self.is_running(&rec.id) {
            let pid = self.runner_pid(&rec.id).unwrap_or(0);
            if rec.restarting {
                return State::Restarting(pid, rec.exit_code.unwrap_or(0));
            }
            return State::Running(pid);
        }
        match rec.exit_code {
            Some(c) => State::Exited(c),
            None if rec.started > 0 => State::Exited(-1),
            None => State::Created,
        }
    }

    /// The users' containers: every record but those berth made for its
    /// own work (`owner`).
    pub fn containers(&self) -> Result<Vec<ContainerRecord>> {
        let mut all = self.all_containers()?;
        all.retain(|c| !c.is_owned());
        Ok(all)
    }

    /// Every container record, berth's own too (for what uses an image);
    /// unreadable ones are skipped.
    pub fn all_containers(&self) -> Result<Vec<ContainerRecord>> {
        let dir = self.containers_dir();
        let mut out = Vec::new();
        for name in fsutil::dir_names(&dir)? {
            if name.len() != 64 || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
                continue;
            }
            let Ok(Some(b)) = fsutil::read_opt(&dir.join(&name).join("config.json")) else {
                continue;
            };
            if let Ok(rec) = serde_json::from_slice::<ContainerRecord>(&b) {
                out.push(rec);
            }
        }
        out.sort_by(|a, b| {
            (b.created, b.created_nanos)
                .cmp(&(a.created, a.created_nanos))
                .then(a.id.cmp(&b.id))
        });
        Ok(out)
    }

    /// Remove what a killed `create`, `rm` or `rename` can leave: a name
    /// whose container has no record or another name, a container dir
    /// without a record. Only under
    /// the exclusive store lock (creation holds it shared).
    pub(super) fn collect_container_garbage(&self) -> Result<()> {
        let dir = self.containers_dir();
        let names = dir.join("names");
        if let Ok(rd) = std::fs::read_dir(&names) {
            let _names = self.lock("names.lock", LockKind::Exclusive)?;
            for e in rd.flatten() {
                let target = std::fs::read_link(e.path()).unwrap_or_default();
                let name = e.file_name().to_string_lossy().into_owned();
                if !self.name_held(&name, &target) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        if let Ok(rd) = std::fs::read_dir(&dir) {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let is_id = name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit());
                if is_id && !has_record(&e.path()) {
                    fsutil::remove_all(&e.path())?;
                }
            }
        }
        Ok(())
    }

    /// Find a container by name, full id or unique id prefix.
    /// A container that berth made for its own work is found by its full
    /// id only (as the process that owns it names it).
    pub fn find_container(&self, s: &str) -> Result<ContainerRecord> {
        // A full id (as berth's own processes pass them) is one read,
        // not a walk of every record.
        if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            if let Ok(c) = self.read_container(s) {
                return Ok(c);
            }
        }
        let mut all = self.all_containers()?;
        if let Some(c) = all.iter().find(|c| c.id == s) {
            return Ok(c.clone());
        }
        // By name or prefix, only the user's containers.
        all.retain(|c| !c.is_owned());
        match super::find_named(&all, s, |c| (&c.id, &c.name)) {
            Ok(c) => Ok(c.clone()),
            Err(0) => Err(ContainerNotFound(s.to_string()).into()),
            Err(n) => bail!("{s:?}: ambiguous, it matches {n} containers"),
        }
    }

    /// Remove a container's directory and name. Its files may belong to
    /// subordinate ids: rootless callers run this in their user namespace.
    pub fn remove_container(&self, rec: &ContainerRecord) -> Result<()> {
        self.mark_stopped(&rec.id);
        let dir = self.container_dir(&rec.id);
        // A root file system `berth mount` left mounted is detached by the
        // caller (`runtime::rootfs::detach`).
        // The whole dir leaves containers/ in one rename, so a crash never
        // leaves a half-removed container; what is in tmp/ is garbage the
        // next idle-store cleanup removes.
        let doomed = self
            .root
            .join("tmp")
            .join(format!("rm-{}", fsutil::unique_suffix()));
        // The name on disk, which a `rename` may have changed since the
        // caller read `rec`.
        let name = self
            .read_container(&rec.id)
            .map_or_else(|_| rec.name.clone(), |r| r.name);
        if dir.exists() {
            fsutil::rename(&dir, &doomed)
                .with_context(|| format!("removing container {}", rec.name))?;
        }
        let link = self.containers_dir().join("names").join(&name);
        {
            let _names = self.lock("names.lock", LockKind::Exclusive)?;
            if std::fs::read_link(&link).is_ok_and(|t| t.as_os_str() == rec.id.as_str()) {
                let _ = std::fs::remove_file(&link);
            }
        }
        fsutil::remove_all(&doomed).with_context(|| format!("removing container {}", rec.name))
    }
}

/// Whether container dir `dir` holds a record: a `config.json` that is
/// JSON at all. A record written without a flush (a `--rm` container's)
/// can be empty after a crash; such a dir is garbage, as one with none.
fn has_record(dir: &Path) -> bool {
    std::fs::read(dir.join("config.json"))
        .is_ok_and(|b| serde_json::from_slice::<serde::de::IgnoredAny>(&b).is_ok())
}

/// When process `pid` started, in clock ticks since boot (field 22 of
/// `/proc/PID/stat`); `None` when there is no such process.
fn process_start_time(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: the
    // fields after it start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::process_start_time;

    #[test]
    fn start_time_tells_processes_apart() {
        let me = std::process::id() as i32;
        let t = process_start_time(me).expect("this process exists");
        assert_eq!(process_start_time(me), Some(t));
        let child = std::process::Command::new("true").spawn().unwrap();
        let child_pid = child.id() as i32;
        let mut child = child;
        child.wait().unwrap();
        // Reaped: the pid names nothing (or, if reused, a later process).
        assert_ne!(process_start_time(child_pid), Some(t));
        assert_eq!(process_start_time(i32::MAX), None);
    }
}
