//! `run` (foreground): resolve the image, apply Docker's rules for
//! Entrypoint/Cmd/Env/WorkingDir/User and the command line's overrides,
//! create the container record (under the shared store lock, so `rmi`
//! sees it), describe the container for the runtime, run it, and with
//! `--rm` remove it. The exit code is the container's.

use crate::digest::Digest;
use crate::image::config::ImageConfig;
use crate::runtime::spec::{
    IdMap, IdRange, Mount, Network, NsMode, PortMapping, Process, Rootfs, Seccomp, Spec,
};
use crate::runtime::userns::Identity;
use crate::store::containers::{ContainerRecord, RestartPolicy};
use crate::store::{Store, StorePaths};
use anyhow::{anyhow, bail, Context, Result};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The PATH a container gets when its image sets none (Podman's).
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Everything `run` and `create` take from the command line.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The whole command line, as `inspect` shows it (`CreateCommand`).
    pub command_line: Vec<String>,
    pub image: String,
    /// `--rootfs`: `image` is `DIR[:O]`, a directory that is the root.
    pub rootfs: bool,
    /// `--uidmap`, `--gidmap`: `CONTAINER:HOST:COUNT` each.
    pub uidmap: Vec<String>,
    pub gidmap: Vec<String>,
    /// Arguments after the image: the command (replaces the image's Cmd).
    pub command: Vec<String>,
    pub entrypoint: Option<String>,
    /// `-e K=V` or `-e K` (from berth's environment).
    pub env: Vec<String>,
    pub env_files: Vec<PathBuf>,
    /// `-l KEY[=VALUE]` and `--label-file`: over the image's labels.
    pub labels: Vec<String>,
    pub label_files: Vec<PathBuf>,
    pub workdir: Option<String>,
    pub user: Option<String>,
    pub name: Option<String>,
    pub hostname: Option<String>,
    pub rm: bool,
    pub interactive: bool,
    pub tty: bool,
    /// `HOST:CTR[:ro]`.
    pub volumes: Vec<String>,
    /// `--volumes-from CONTAINER[:ro|rw]`: that container's volumes and
    /// bind mounts.
    pub volumes_from: Vec<String>,
    /// `CTR[:options]`.
    pub tmpfs: Vec<String>,
    /// `--mount type=bind|tmpfs,…` (Docker's syntax).
    pub mounts: Vec<String>,
    /// `--userns`: `host` (the default) or `keep-id`.
    pub userns: Option<String>,
    pub read_only: bool,
    /// `--network`, each as given: one mode (`none`, `host`, `private`,
    /// `pasta[:OPTIONS]`, `slirp4netns[:OPTIONS]`, `container:NAME`,
    /// `ns:PATH`) or berth networks by name (`bridge` is the default one).
    /// Empty: the default network.
    pub networks: Vec<String>,
    /// `--network-alias`: more names on the container's networks.
    pub network_aliases: Vec<String>,
    /// `--ip`, `--mac-address` (on its first network).
    pub ip: Option<String>,
    /// `--ip6` (on its first network).
    pub ip6: Option<String>,
    pub mac_address: Option<String>,
    /// `--add-host NAME:IP` (`host-gateway` for the host).
    pub add_hosts: Vec<String>,
    /// `--dns`, `--dns-search`, `--dns-option`.
    pub dns: Vec<String>,
    pub dns_search: Vec<String>,
    pub dns_options: Vec<String>,
    /// `--no-hosts`: leave the image's `/etc/hosts` alone.
    pub no_hosts: bool,
    pub init: bool,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub privileged: bool,
    pub security_opt: Vec<String>,
    /// `-p [IP:]HOSTPORT:CTRPORT[/tcp]` or `-p CTRPORT` (a free host port).
    pub publish: Vec<String>,
    /// `-P`: every TCP port the image exposes, on free host ports.
    pub publish_all: bool,
    /// `--restart no|on-failure[:N]|always|unless-stopped`.
    pub restart: Option<String>,
    /// `--health-*`, `--no-healthcheck`.
    pub health: super::health::HealthFlags,
    /// `--stop-signal`, `--stop-timeout` (seconds).
    pub stop_signal: Option<String>,
    pub stop_timeout: Option<u64>,
    /// `--timeout` (seconds; 0 is none): the container is killed then.
    pub timeout: Option<u64>,
    /// `--pid`: `private` (the default), `host` or `container:NAME`.
    pub pid: Option<String>,
    /// `--cidfile`: where to write the id (a new file).
    pub cidfile: Option<PathBuf>,
    /// `--replace`: remove a container of the same name first.
    pub replace: bool,
    /// `--env-host`: berth's environment, under `--env-file` and `-e`.
    pub env_host: bool,
    /// `--ulimit`, `--shm-size`, `--sysctl`, `--device`, `--group-add`,
    /// `--tz`.
    pub kernel: super::kernel_flags::KernelFlags,
    /// `--log-driver`.
    pub log_driver: Option<String>,
    /// `--log-opt KEY=VALUE`.
    pub log_opts: Vec<String>,
    /// A container for this process's own work (a build step): hidden
    /// from lists, removed by whoever finds it once this process is gone.
    pub owned: bool,
    /// `--ipc`, `--uts`: `private` (the default), `host` or
    /// `container:NAME` (`--ipc shareable` is private).
    pub ipc: Option<String>,
    pub uts: Option<String>,
    /// `--pod NAME`: join that pod (its shared namespaces). `new:NAME`
    /// is the caller's to make first ([`super::pod::create`]).
    pub pod: Option<String>,
    /// The pod's infra container (with `pod`): berth's pause as pid 1.
    pub infra: bool,
    /// The healthcheck probes with a connection of berth's own
    /// (`kube play`'s tcpSocket and httpGet), not `--health-cmd`.
    pub net_probe: Option<crate::image::config::NetProbe>,
}

/// Run a container in the foreground; returns its exit code, and its id
/// when its restart policy starts it again (which the caller does, in
/// the background, as Docker's and Podman's do once the foreground
/// command has returned). `hint` is called once if rootless berth maps
/// only the user.
pub fn run(
    paths: &StorePaths,
    opts: &RunOptions,
    hint: &mut dyn FnMut(&str),
) -> Result<(i32, Option<String>)> {
    let store = Store::open(paths)?;
    let (rec, spec) = create(&store, opts)?;
    let id = rec.id.clone();
    let code = start(&store, rec, &spec, opts.rm, hint)?;
    let again = !opts.rm
        && store.read_container(&id).is_ok_and(|r| {
            r.restart
                .restarts(code, r.restart_count, store.stopped_by_user(&id))
        });
    Ok((code, again.then_some(id)))
}

/// Run a created container in the foreground; with `rm`, remove it after,
/// else record its exit code.
pub fn start(
    store: &Store,
    rec: ContainerRecord,
    spec: &Spec,
    rm: bool,
    hint: &mut dyn FnMut(&str),
) -> Result<i32> {
    // A container of berth's own work (a build step) is not logged.
    let path = store.log_path(&rec.id);
    let log = (rec.owner.is_none() && rec.log.to_file()).then_some(
        crate::runtime::container::LogTarget {
            path: &path,
            max_size: rec.log.max_size,
            tee: true,
        },
    );
    let out = crate::runtime::container::Output {
        log,
        ..Default::default()
    };
    start_with(store, rec, spec, rm, hint, out)
}

/// [`start`], with `out` saying where the output goes and who hears that
/// the program runs (a detached container). This process holds the
/// container's running lock until the record says how it ended.
pub fn start_with(
    store: &Store,
    mut rec: ContainerRecord,
    spec: &Spec,
    rm: bool,
    hint: &mut dyn FnMut(&str),
    out: crate::runtime::container::Output,
) -> Result<i32> {
    let _phase = tracing::info_span!("start").entered();
    // `--pid container:` and `--network container:`: the other
    // container's pid 1 of now.
    let mut refreshed = spec.clone();
    let found = refresh_joined(store, &mut refreshed);
    if let Err(e) = found {
        if rm {
            let _ = super::containers::remove_record(store, &rec);
        }
        return Err(e);
    }
    let mut spec = &refreshed;
    let mut again_spec;
    let running = match store.mark_running(&rec.id, std::process::id()) {
        Ok(Some(lock)) => lock,
        Ok(None) => bail!("container {} is already running", rec.name),
        Err(e) => {
            if rm {
                let _ = super::containers::remove_record(store, &rec);
            }
            return Err(e);
        }
    };
    let mut delay = Duration::ZERO;
    if out.policy_restart {
        // Its policy restarts a program that ran in the foreground: the
        // count goes on, after the first backoff.
        rec.restart_count += 1;
        super::events::container(store, "restart", &rec);
        delay = crate::store::containers::restart_delay(delay, Duration::from_secs(10));
        if !crate::runtime::container::sleep_unless_signalled(delay)
            || store.stopped_by_user(&rec.id)
        {
            store.mark_stopped(&rec.id);
            return Ok(rec.exit_code.unwrap_or(0));
        }
    } else {
        // A user starts it: its restart policy applies again.
        store.clear_stopped_by_user(&rec.id);
        rec.restart_count = 0;
    }
    let (log, mut started, detached, attach_dir) =
        (out.log, out.started, out.detached, out.attach_dir);
    loop {
        if rec.restarting {
            // Restarted by its policy: a container it joins may have
            // started again since (another pid 1), or be gone.
            again_spec = spec.clone();
            if let Err(e) = refresh_joined(store, &mut again_spec) {
                store.mark_stopped(&rec.id);
                rec.restarting = false;
                rec.restart_count -= 1;
                save_state(store, &mut rec, true)?;
                drop(running);
                return Err(e);
            }
            spec = &again_spec;
        }
        rec.started = crate::image::time::now_unix();
        rec.finished = 0;
        rec.exit_code = None;
        rec.restarting = false;
        // A `--rm` container's record goes when it exits: no flush for it.
        if let Err(e) = save_state(store, &mut rec, !rm) {
            if rm {
                let _ = super::containers::remove_record(store, &rec);
            }
            return Err(e);
        }
        // Podman's events of a start: `init` (the container is made),
        // `start`, and `attach` when its output comes to this terminal.
        super::events::container(store, "init", &rec);
        super::events::container(store, "start", &rec);
        if !detached {
            super::events::container(store, "attach", &rec);
        }
        let began = Instant::now();
        let mut ticker = super::health::Ticker::new(store, &rec);
        let result = {
            let mut tick = ticker.as_mut().map(|t| (t.first(), move || t.tick()));
            let output = crate::runtime::container::Output {
                log,
                started: match started.as_mut() {
                    Some(f) => Some(&mut **f),
                    None => None,
                },
                tick: match tick.as_mut() {
                    Some((first, f)) => Some((*first, f as &mut dyn FnMut() -> Duration)),
                    None => None,
                },
                detached,
                attach_dir,
                policy_restart: false,
            };
            crate::runtime::container::run_with(spec, hint, output)
        };
        // `--health-on-failure=restart` restarts whatever the policy.
        let restart_for_health = ticker.is_some_and(|t| t.restart);
        let code = match &result {
            Ok(c) => *c,
            Err(e) => e
                .downcast_ref::<crate::runtime::container::StartError>()
                .map_or(125, |s| s.code),
        };
        if let Ok(now) = store.read_container(&rec.id) {
            // A `rename` while it ran: the events name it as it is now.
            rec.name = now.name;
        }
        super::events::died(store, &rec, code);
        if !rm {
            // Its root file system and namespaces are gone (Podman's
            // `cleanup`; a `--rm` container goes at once).
            super::events::container(store, "cleanup", &rec);
        }
        if rm {
            store.mark_stopped(&rec.id);
            super::containers::remove_record(store, &rec)?;
            super::events::container(store, "remove", &rec);
            // Its anonymous volumes go with it (one that cannot be removed
            // now is left for `volume prune`).
            let anonymous = super::volume::anonymous_of(store, spec);
            let _ = super::volume::remove_unused(store, &anonymous);
            drop(running);
            return result;
        }
        rec.finished = crate::image::time::now_unix();
        rec.exit_code = Some(code);
        // A policy restarts a program that ran, only in a detached
        // container (its berth process lives on), and never after a
        // user's stop or kill.
        let again = match &result {
            Ok(code) => {
                let by_user = store.stopped_by_user(&rec.id);
                detached
                    && (restart_for_health && !by_user
                        || rec.restart.restarts(*code, rec.restart_count, by_user))
            }
            Err(_) => false,
        };
        if again {
            delay = crate::store::containers::restart_delay(delay, began.elapsed());
            rec.restarting = true;
            rec.restart_count += 1;
            super::events::container(store, "restart", &rec);
        }
        // Between runs, the pid of this process stays recorded: `stop`
        // signals it to end the wait.
        let saved = save_state(store, &mut rec, true);
        if saved.is_err()
            || !again
            || !crate::runtime::container::sleep_unless_signalled(delay)
            || store.stopped_by_user(&rec.id)
        {
            store.mark_stopped(&rec.id);
            if rec.restarting {
                // Stopped during the wait: not restarted after all.
                rec.restarting = false;
                rec.restart_count -= 1;
                save_state(store, &mut rec, true)?;
            }
            drop(running);
            saved?;
            return result;
        }
    }
}

/// `--pid`, `--ipc`, `--uts` and `--network container:`: the other
/// containers' pid 1 of now (they must run).
fn refresh_joined(store: &Store, spec: &mut Spec) -> Result<()> {
    for (mode, flag) in [
        (&mut spec.pid, "--pid"),
        (&mut spec.ipc, "--ipc"),
        (&mut spec.uts, "--uts"),
    ] {
        if let NsMode::Container { id, pid, start } = mode {
            (_, *pid, *start) = running_pid1(store, id, flag)?;
        }
    }
    if let Network::Container { id, pid, start } = &mut spec.network {
        (_, *pid, *start) = running_pid1(store, id, "--network")?;
    }
    Ok(())
}

/// Save what this process says of the container it runs (when it
/// started and ended, how, its restarts) into the record as it is on
/// disk now: a `rename` or `network connect` meanwhile stays. `rec` gets
/// the name of now, for the events.
fn save_state(store: &Store, rec: &mut ContainerRecord, durable: bool) -> Result<()> {
    let now = store.update_container_with(&rec.id, durable, |r| {
        r.started = rec.started;
        r.finished = rec.finished;
        r.exit_code = rec.exit_code;
        r.restarting = rec.restarting;
        r.restart_count = rec.restart_count;
    })?;
    rec.name = now.name;
    Ok(())
}

/// The hidden `internal-init` mode (the container's monitor and init).
pub fn internal_init(fd: i32) -> i32 {
    crate::runtime::container::init_main(fd)
}

/// Create the record and its files; return it with the runtime spec.
pub fn create(store: &Store, opts: &RunOptions) -> Result<(ContainerRecord, Spec)> {
    let _phase = tracing::info_span!("create").entered();
    crate::runtime::rootfs::check_overlay_env()?;
    if let Some(f) = &opts.cidfile {
        if f.symlink_metadata().is_ok() {
            bail!(
                "--cidfile {}: the file exists: remove it or choose another",
                f.display()
            );
        }
    }
    if let (true, Some(name)) = (opts.replace, &opts.name) {
        if let Ok(old) = store.find_container(name) {
            if old.name == *name {
                super::containers::remove_one(store, &old, true)
                    .with_context(|| format!("--replace: removing container {name}"))?;
            }
        }
    }
    let (rec, spec) = create_record(store, opts)?;
    if let Some(f) = &opts.cidfile {
        let written = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(f)
            .and_then(|mut file| std::io::Write::write_all(&mut file, rec.id.as_bytes()));
        if let Err(e) = written {
            let _ = super::containers::remove_one(store, &rec, true);
            return Err(e).with_context(|| format!("writing --cidfile {}", f.display()));
        }
    }
    Ok((rec, spec))
}

fn create_record(store: &Store, opts: &RunOptions) -> Result<(ContainerRecord, Spec)> {
    create_record_as(store, opts, random_id()?)
}

/// [`create_record`] with id `id` (a pod's infra container's is chosen
/// with the pod).
pub(super) fn create_record_as(
    store: &Store,
    opts: &RunOptions,
    id: String,
) -> Result<(ContainerRecord, Spec)> {
    let lock = store.lock_for_container()?;
    // The pod stays while the container is made for it.
    let pods_lock = match &opts.pod {
        Some(_) => Some(store.lock_pods(crate::fsutil::LockKind::Shared)?),
        None => None,
    };
    let pod = match &opts.pod {
        Some(p) => Some(store.find_pod(p)?),
        None => None,
    };
    let member = match &pod {
        Some(pod) if !opts.infra => {
            // A pod on the host's network: its members are on it as the
            // infra container is (the host's network namespace, which a
            // rootless berth may use but not enter by setns).
            let host_net = match &pod.infra {
                Some(id) => store
                    .read_container(id)
                    .ok()
                    .and_then(|r| super::containers::spec_of(&r).ok())
                    .is_some_and(|s| s.network == Network::Host),
                None => false,
            };
            Some(PodMember::of(pod, opts, host_net)?)
        }
        _ => None,
    };
    let index = store.read_index()?;
    let (image, root_dir) = match (opts.rootfs, opts.infra) {
        (_, true) => (None, None),
        (false, false) => (Some(store.resolve(&index, &opts.image)?.clone()), None),
        (true, false) => (None, Some(root_dir(&opts.image)?)),
    };
    let config = match &image {
        Some(image) => ImageConfig::parse(&store.blob(&image.id)?)
            .with_context(|| format!("image {}", image.id.short()))?,
        None => ImageConfig::default(),
    };
    let run = &config.config;

    let log = log_config(opts.log_driver.as_deref(), &opts.log_opts)?;
    let restart = RestartPolicy::parse(opts.restart.as_deref().unwrap_or_default())?;
    let health_on_failure = opts.health.on_failure.clone().filter(|a| a != "none");
    if opts.rm && !restart.is_no() {
        bail!(
            "the --rm option conflicts with --restart {}",
            restart.name()
        );
    }
    let name = match &opts.name {
        Some(n) => {
            check_name(n)?;
            n.clone()
        }
        None => generated_name(&id),
    };
    let hostname = match (&member, &pod) {
        (Some(m), _) if m.uts.is_some() => m.hostname.clone(),
        (_, Some(pod)) if opts.infra => pod.hostname.clone(),
        _ => opts
            .hostname
            .clone()
            .unwrap_or_else(|| id[..12].to_string()),
    };
    let network = match member.as_ref().and_then(|m| m.net.clone()) {
        Some(n) => n,
        None => network_of(store, opts, &id, &name)?,
    };
    let kernel = super::kernel_flags::check(&opts.kernel, &network)?;
    let args = match opts.infra {
        true => Some(vec![PAUSE.to_string()]),
        false => command(opts, run.entrypoint.as_deref(), run.cmd.as_deref()),
    };
    let args = args.ok_or_else(|| match opts.rootfs {
        true => {
            anyhow!("no command or entrypoint given, and --rootfs has no image to give one")
        }
        false => anyhow!(
            "no command or entrypoint specified for image {}",
            opts.image
        ),
    })?;
    let env = environment(opts, run.env.as_deref().unwrap_or_default(), &hostname)?;
    let cwd = match opts.workdir.as_deref().or(run.working_dir.as_deref()) {
        Some(w) if !w.is_empty() => w.to_string(),
        _ => "/".to_string(),
    };
    if !cwd.starts_with('/') {
        bail!("the working directory {cwd:?} must be an absolute path");
    }
    let identity = crate::runtime::userns::identity();
    let maps_given = !opts.uidmap.is_empty() || !opts.gidmap.is_empty();
    if maps_given && opts.userns.as_deref().is_some_and(|u| !u.is_empty()) {
        bail!("--userns and --uidmap/--gidmap are mutually exclusive");
    }
    let keep_id = match opts.userns.as_deref() {
        None | Some("") | Some("host") => false,
        Some("keep-id") if identity == Identity::User => true,
        Some("keep-id") => bail!("--userns=keep-id is only supported rootless"),
        Some(other) => bail!("--userns {other:?} is not supported (use host or keep-id)"),
    };
    // Before anything is made (volumes): these may refuse.
    let pid = ns_mode(store, "--pid", opts.pid.as_deref())?;
    let ipc = match opts.ipc.as_deref() {
        Some("shareable") => NsMode::Private,
        given => ns_mode(store, "--ipc", given)?,
    };
    let uts = ns_mode(store, "--uts", opts.uts.as_deref())?;
    if uts != NsMode::Private && opts.hostname.is_some() {
        bail!(
            "--hostname: the container has the UTS namespace of another (--uts), and its hostname"
        );
    }
    // A pod's member: what it shares, the pod's infra container's.
    let (pid, ipc, uts) = match &member {
        Some(m) => (
            m.pid.clone().unwrap_or(pid),
            m.ipc.clone().unwrap_or(ipc),
            m.uts.clone().unwrap_or(uts),
        ),
        None => (pid, ipc, uts),
    };
    let id_map = id_map(opts, identity, &network, &[&pid, &ipc, &uts])?;
    if let Some(map) = id_map.as_ref().filter(|m| !m.rootless) {
        let dirs = [
            Some(store.root()),
            root_dir.as_ref().map(|(d, _)| d.as_path()),
        ];
        for dir in dirs.into_iter().flatten() {
            reachable_by_mapped_root(dir, map)?;
        }
    }
    // keep-id runs as the user by default, as Podman does.
    let own_ids = keep_id.then(|| format!("{}:{}", nix::unistd::getuid(), nix::unistd::getgid()));
    let user = opts
        .user
        .clone()
        .or(own_ids)
        .or_else(|| run.user.clone())
        .unwrap_or_default();
    let mut seccomp = if opts.privileged {
        Seccomp::Unconfined
    } else {
        Seccomp::Default
    };
    let mut no_new_privileges = !opts.privileged;
    for s in &opts.security_opt {
        match s.split_once(['=', ':']) {
            Some(("seccomp", "unconfined")) => seccomp = Seccomp::Unconfined,
            Some(("seccomp", file)) => {
                let profile = crate::runtime::security::read_profile(Path::new(file))
                    .with_context(|| format!("--security-opt {s}"))?;
                // As Docker: --privileged wins over a profile.
                if !opts.privileged {
                    seccomp = Seccomp::Profile(Box::new(profile));
                }
            }
            None if s == "no-new-privileges" => no_new_privileges = true,
            Some(("no-new-privileges", v)) => {
                no_new_privileges = match v {
                    "true" => true,
                    "false" => false,
                    _ => bail!("--security-opt {s:?}: expected true or false"),
                }
            }
            // SELinux labels: berth applies none, as on a host without
            // SELinux, so every label option is accepted and ignored.
            Some(("label", _)) => {}
            Some(("apparmor", "unconfined")) => {}
            _ => bail!(
                "--security-opt {s:?} is not supported (use seccomp=unconfined|FILE.json, \
                 no-new-privileges[=true|false], label=…, apparmor=unconfined)"
            ),
        }
    }
    let capabilities =
        crate::runtime::security::capability_set(opts.privileged, &opts.cap_add, &opts.cap_drop)?;
    let mut volumes = Vec::new();
    for v in &opts.volumes {
        volumes.push(parse_volume(v)?);
    }
    for m in &opts.mounts {
        volumes.push(parse_mount(m)?);
    }
    let mut tmpfs = Vec::new();
    for t in &opts.tmpfs {
        let (target, options) = t.split_once(':').unwrap_or((t, ""));
        tmpfs.push(Mount::Tmpfs {
            target: target.to_string(),
            options: options.to_string(),
        });
    }
    // --volumes-from: the other container's volumes and bind mounts
    // (not the files berth binds into every container), at the same
    // paths, unless the command line mounts something there.
    for vf in &opts.volumes_from {
        let (name, mode) = match vf.rsplit_once(':') {
            Some((n, m)) if m == "ro" || m == "rw" => (n, Some(m == "ro")),
            _ => (vf.as_str(), None),
        };
        let other = store
            .find_container(name)
            .with_context(|| format!("--volumes-from {vf:?}"))?;
        let own_dir = store.container_dir(&other.id);
        let taken: Vec<String> = volumes
            .iter()
            .chain(&tmpfs)
            .filter_map(mount_target)
            .collect();
        for mut m in super::containers::spec_of(&other)?.mounts {
            let shared = match &m {
                Mount::Volume { .. } => true,
                Mount::Bind { source, .. } => !source.starts_with(&own_dir),
                _ => false,
            };
            if !shared || mount_target(&m).is_some_and(|t| taken.contains(&t)) {
                continue;
            }
            if let (Some(ro), Mount::Volume { read_only, .. } | Mount::Bind { read_only, .. }) =
                (mode, &mut m)
            {
                *read_only = ro;
            }
            volumes.push(m);
        }
    }
    // The image's VOLUMEs that no mount of the command line covers:
    // anonymous volumes, as Docker and Podman make them.
    let covered: Vec<String> = volumes
        .iter()
        .chain(&tmpfs)
        .filter_map(mount_target)
        .collect();
    for path in run.volumes.iter().flat_map(|v| v.keys()) {
        if path.starts_with('/') && !covered.contains(&path.trim_end_matches('/').to_string()) {
            volumes.push(Mount::Volume {
                name: String::new(),
                dir: PathBuf::new(),
                target: path.clone(),
                read_only: false,
                copy_up: true,
                chown: false,
            });
        }
    }
    // Named volumes are made on first use, as Docker and Podman do;
    // anonymous ones get a random name.
    for m in &mut volumes {
        if let Mount::Volume { name, dir, .. } = m {
            let anonymous = name.is_empty();
            if anonymous {
                *name = random_id()?;
            }
            let rec = crate::store::volumes::VolumeRecord {
                name: name.clone(),
                driver: "local".into(),
                labels: Default::default(),
                options: Default::default(),
                created: crate::image::time::now_unix(),
                anonymous,
            };
            if store.create_volume(&rec, !anonymous)?.1 {
                super::events::volume(store, "create", name);
            }
            *dir = store.volume_dir(name);
        }
    }

    let mut ports = Vec::new();
    for p in &opts.publish {
        ports.push(parse_publish(p)?);
    }
    if opts.publish_all {
        for key in run.exposed_ports.iter().flat_map(|m| m.keys()) {
            let (port, proto) = key.split_once('/').unwrap_or((key, "tcp"));
            let published = ports
                .iter()
                .any(|p: &PortMapping| p.container_port.to_string() == port);
            if proto.eq_ignore_ascii_case("tcp") && !published {
                ports.push(
                    parse_publish(port)
                        .with_context(|| format!("image {}: exposed port {key:?}", opts.image))?,
                );
            }
        }
    }
    if !ports.is_empty() && (network == Network::None || !network.own_namespace()) {
        bail!("--publish needs a network of the container's own: a container with --network none, host, container: or ns: has no ports to publish");
    }

    let mut lowers = Vec::new();
    if let Some((dir, _)) = &root_dir {
        lowers.push(dir.display().to_string());
    }
    if let Some(i) = &image {
        lowers.extend(
            store
                .overlay_lowers(i.layers.iter())
                .with_context(|| format!("image {}", opts.image))?,
        );
    }

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let rec = ContainerRecord {
        id: id.clone(),
        name,
        image: image.as_ref().map(|i| i.id.clone()),
        image_name: image
            .as_ref()
            .map(|i| {
                i.names
                    .first()
                    .cloned()
                    .unwrap_or_else(|| i.id.short().to_string())
            })
            .unwrap_or_default(),
        rootfs: root_dir.as_ref().map(|(d, _)| d.clone()),
        command: args.clone(),
        created: now.as_secs() as i64,
        created_nanos: now.subsec_nanos(),
        config: serde_json::Value::Null,
        exit_code: None,
        started: 0,
        finished: 0,
        run_config: Some(container_config(opts, run, &ports)?),
        owner: opts
            .owned
            .then(crate::store::containers::this_process_as_owner),
        pod: pod.as_ref().map(|p| p.id.clone()),
        restart,
        restart_count: 0,
        restarting: false,
        health_on_failure,
        net_probe: opts.net_probe.clone(),
        stop_timeout: opts.stop_timeout,
        timezone: opts.kernel.tz.clone(),
        log,
        flags: crate::store::containers::CreateFlags {
            command_line: opts.command_line.clone(),
            dns: opts.dns.clone(),
            dns_search: opts.dns_search.clone(),
            dns_options: opts.dns_options.clone(),
            add_hosts: opts.add_hosts.clone(),
            volumes_from: opts.volumes_from.clone(),
            cap_add: opts.cap_add.clone(),
            cap_drop: opts.cap_drop.clone(),
            security_opt: opts.security_opt.clone(),
            userns: opts.userns.clone(),
        },
    };
    let dir = store.container_dir(&id);
    let empty = dir.join("empty");
    if lowers.is_empty() {
        // An image without layers: overlay needs one lower dir.
        lowers.push(empty.display().to_string());
    }
    let etc_files = [
        ("hosts", "/etc/hosts"),
        ("hostname", "/etc/hostname"),
        ("resolv.conf", "/etc/resolv.conf"),
    ];
    // A pod's member on the pod's network has the infra container's
    // files, which berth keeps current for the pod.
    let etc_dir = match member.as_ref().filter(|m| m.net.is_some()) {
        Some(m) => store.container_dir(&m.infra),
        None => dir.clone(),
    };
    let mut mounts: Vec<Mount> = etc_files
        .iter()
        .filter(|(f, _)| !(opts.no_hosts && *f == "hosts"))
        .map(|(file, target)| Mount::Bind {
            source: etc_dir.join(file),
            target: target.to_string(),
            read_only: false,
            propagation: None,
        })
        .collect();
    mounts.extend(volumes);
    mounts.extend(tmpfs);
    // After the user's mounts, so that a tmpfs on /run does not hide it.
    mounts.push(Mount::Bind {
        source: dir.join("containerenv"),
        target: "/run/.containerenv".into(),
        read_only: false,
        propagation: None,
    });
    mounts.extend(kernel.devices);
    if kernel.zone_file.is_some() {
        mounts.push(Mount::Bind {
            source: dir.join("localtime"),
            target: "/etc/localtime".into(),
            read_only: true,
            propagation: None,
        });
    }
    let overlay = store.container_overlay(&id);
    let spec = Spec {
        rootfs: Rootfs {
            lower_base: store.lower_base(),
            lowers,
            upper: overlay.upper_rel,
            work: overlay.work_rel,
            target: overlay.merged,
            // With `--uidmap` the overlay is mounted in the container's
            // user namespace.
            userxattr: identity != Identity::Root || id_map.is_some(),
            bind: matches!(root_dir, Some((_, false))),
            mounted: false,
        },
        mounts,
        process: Process {
            args,
            env,
            cwd,
            user,
            capabilities,
            no_new_privileges,
            seccomp,
            stdin: opts.interactive,
            terminal: opts.tty,
            console_size: None,
            rlimits: kernel.rlimits,
            group_add: kernel.group_add,
            keep_groups: kernel.keep_groups,
            cwd_given: opts.workdir.as_deref().is_some_and(|w| !w.is_empty()),
        },
        hostname: hostname.clone(),
        network: network.clone(),
        // Inside berth's own user namespace (`berth unshare`, a rootless
        // build) too: started from outside, the container needs one; inside,
        // the runtime uses the one it is in.
        user_namespace: identity != Identity::Root || id_map.is_some(),
        keep_id,
        read_only: opts.read_only,
        init: opts.init,
        mask_paths: !opts.privileged,
        remove_after: if opts.rm {
            vec![overlay.upper, overlay.work]
        } else {
            Vec::new()
        },
        pid1_file: Some(store.pid1_file(&id)),
        ports,
        shm_size: kernel.shm_size,
        sysctls: kernel.sysctls,
        timeout: opts.timeout.filter(|&t| t > 0),
        pid,
        ipc,
        uts,
        pause: opts.infra,
        id_map,
    };
    let mut rec = rec;
    rec.config = serde_json::to_value(&spec).context("serializing the container spec")?;
    // A `--rm` container need not survive a crash: no fsync for it.
    // An image without layers: overlay's one lower dir.
    let dirs: &[&str] = if spec.rootfs.lowers.first() == Some(&empty.display().to_string()) {
        &["empty"]
    } else {
        &[]
    };
    let mut etc = etc_files_of(&hostname, &spec.network, spec.own_user_namespace(), opts)?;
    etc.push((
        "containerenv",
        containerenv(&rec, opts.privileged, identity),
    ));
    if let Some(zone) = &kernel.zone_file {
        // A copy, as Podman makes: the container keeps its zone when the
        // host's changes.
        let bytes =
            std::fs::read(zone).with_context(|| format!("--tz: reading {}", zone.display()))?;
        etc.push(("localtime", bytes));
    }
    let top = match dirs {
        [] => spec
            .rootfs
            .lowers
            .first()
            .map(|l| spec.rootfs.lower_base.join(l)),
        _ => None,
    };
    store.create_container(&rec, !opts.rm, dirs, &etc, top.as_deref())?;
    drop(pods_lock);
    drop(lock);
    super::events::container(store, "create", &rec);
    Ok((rec, spec))
}

/// `--uidmap` and `--gidmap` (`CONTAINER:HOST:COUNT`, repeatable; one
/// alone serves for both, as in Podman).
fn id_map(
    opts: &RunOptions,
    identity: Identity,
    network: &Network,
    joined: &[&NsMode],
) -> Result<Option<IdMap>> {
    if opts.uidmap.is_empty() && opts.gidmap.is_empty() {
        return Ok(None);
    }
    if identity == Identity::NamespaceRoot {
        bail!("--uidmap/--gidmap: not inside berth unshare (run berth as the user or as root)");
    }
    let rootless = identity == Identity::User;
    if matches!(network, Network::Container { .. } | Network::Ns { .. })
        || joined.iter().any(|m| matches!(m, NsMode::Container { .. }))
    {
        bail!("--uidmap/--gidmap: a container with maps of its own cannot join a namespace of another user namespace (--network container: or ns:, --pid, --ipc or --uts container:, a pod)");
    }
    let parse = |flag: &str, given: &[String]| -> Result<Vec<IdRange>> {
        let mut out: Vec<IdRange> = Vec::new();
        for g in given {
            let f: Vec<Option<u32>> = g.split(':').map(|n| n.parse().ok()).collect();
            let &[Some(container), Some(host), Some(count)] = &f[..] else {
                bail!("--{flag} {g:?}: expected CONTAINER:HOST:COUNT (three numbers)");
            };
            let r = IdRange {
                container,
                host,
                count,
            };
            let end = |start: u32| u64::from(start) + u64::from(count);
            if count == 0 || end(container) > 1 << 32 || end(host) > 1 << 32 {
                bail!("--{flag} {g:?}: the range is empty or goes past 4294967295");
            }
            let overlaps = |a: u32, b: u32, n: u32| {
                u64::from(a) < u64::from(b) + u64::from(n) && u64::from(b) < end(a)
            };
            if let Some(o) = out.iter().find(|o| {
                overlaps(container, o.container, o.count) || overlaps(host, o.host, o.count)
            }) {
                bail!(
                    "--{flag} {g:?} overlaps {}:{}:{}",
                    o.container,
                    o.host,
                    o.count
                );
            }
            out.push(r);
        }
        Ok(out)
    };
    let uids = parse("uidmap", &opts.uidmap)?;
    let gids = parse("gidmap", &opts.gidmap)?;
    let (uids, gids) = match (uids.is_empty(), gids.is_empty()) {
        (true, _) => (gids.clone(), gids),
        (_, true) => (uids.clone(), uids),
        _ => (uids, gids),
    };
    for (flag, ranges) in [("uidmap", &uids), ("gidmap", &gids)] {
        if !ranges.iter().any(|r| r.container == 0) {
            bail!("--{flag}: container id 0 is not mapped to a host id");
        }
    }
    if rootless {
        // As in Podman, a rootless map's host ids are those of the user's
        // user namespace, where the image's files have their owners.
        let (nuid, ngid) = crate::runtime::userns::rootless_id_counts();
        for (flag, ranges, n) in [("uidmap", &uids, nuid), ("gidmap", &gids, ngid)] {
            if let Some(r) = ranges
                .iter()
                .find(|r| u64::from(r.host) + u64::from(r.count) > n)
            {
                let has = match n {
                    1 => "0 alone (the user; no subordinate range is mapped)".to_string(),
                    _ => format!(
                        "0 to {} (0 is the user, 1 and up its subordinate range)",
                        n - 1
                    ),
                };
                bail!(
                    "--{flag} {}:{}:{}: rootless, the host ids are those of the user's namespace, \
                     {has}",
                    r.container,
                    r.host,
                    r.count
                );
            }
        }
        if joined.first().is_some_and(|pid| **pid == NsMode::Host) {
            // The monitor and the network helpers stay the user, in the
            // container's user namespace: the host's pids would put them
            // in reach of the container's root.
            bail!("--uidmap/--gidmap: rootless, not with --pid host");
        }
        if opts.rootfs && !opts.image.ends_with(":O") {
            bail!("--uidmap/--gidmap: rootless, --rootfs needs :O (an overlay over the directory)");
        }
    }
    Ok(Some(IdMap {
        uids,
        gids,
        rootless,
    }))
}

/// `--uidmap`: the container's processes are its root, a host uid that
/// is no directory's owner, so every directory above `dir` must let
/// others search it.
fn reachable_by_mapped_root(dir: &std::path::Path, map: &IdMap) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let uid = map.host_ids(0, 0).map_or(0, |(u, _)| u);
    for up in dir.ancestors().skip(1) {
        let md = std::fs::metadata(up).with_context(|| up.display().to_string())?;
        if md.permissions().mode() & 0o001 == 0 {
            bail!(
                "--uidmap: {} does not let others search it, so the container's root (host uid {uid}) cannot reach {}",
                up.display(),
                dir.display()
            );
        }
    }
    Ok(())
}

/// `--rootfs DIR[:O]`: the directory, absolute, and whether the
/// container writes into an overlay over it (`:O`) rather than into it.
fn root_dir(given: &str) -> Result<(PathBuf, bool)> {
    let (path, overlay) = match given.strip_suffix(":O") {
        Some(p) => (p, true),
        None => (given, false),
    };
    if let Some((_, opt)) = path
        .rsplit_once(':')
        .filter(|(_, o)| o.starts_with("idmap"))
    {
        bail!("--rootfs {given}: the {opt:?} option is not supported");
    }
    let dir = std::fs::canonicalize(path).with_context(|| format!("--rootfs {path}"))?;
    if !dir.is_dir() {
        bail!("--rootfs {path}: not a directory");
    }
    Ok((dir, overlay))
}

/// `--pid`, `--ipc`, `--uts` (`flag`): `private` or nothing (a namespace
/// of its own), `host`, or `container:NAME` (which must run).
fn ns_mode(store: &Store, flag: &str, given: Option<&str>) -> Result<NsMode> {
    match given {
        None | Some("") | Some("private") => Ok(NsMode::Private),
        Some("host") => Ok(NsMode::Host),
        Some(g) => match g.strip_prefix("container:") {
            Some("") | None => bail!("{flag} {g:?}: expected private, host or container:NAME"),
            Some(name) => {
                let (id, pid, start) = running_pid1(store, name, flag)?;
                Ok(NsMode::Container { id, pid, start })
            }
        },
    }
}

/// What `ps` shows as the command of a pod's infra container (berth's
/// pause runs no program).
pub const PAUSE: &str = "/pause";

/// What a container joining a pod shares with the pod's infra container:
/// each `Some` namespace is the infra's (its pid 1 is found at start).
struct PodMember {
    infra: String,
    hostname: String,
    net: Option<Network>,
    ipc: Option<NsMode>,
    uts: Option<NsMode>,
    pid: Option<NsMode>,
}

impl PodMember {
    /// Refuse the flags that would set what the pod has decided.
    fn of(
        pod: &crate::store::pods::PodRecord,
        opts: &RunOptions,
        host_net: bool,
    ) -> Result<PodMember> {
        let Some(infra) = pod.infra.clone() else {
            return Ok(PodMember {
                infra: String::new(),
                hostname: String::new(),
                net: None,
                ipc: None,
                uts: None,
                pid: None,
            });
        };
        let joined = |kind: &str| {
            pod.shares(kind).then(|| NsMode::Container {
                id: infra.clone(),
                pid: 0,
                start: 0,
            })
        };
        let refuse = |kind: &str, flags: &[(&str, bool)]| -> Result<()> {
            if let Some((flag, _)) = flags.iter().find(|(_, given)| *given) {
                bail!(
                    "{flag}: the containers of pod {} share its {kind} namespace: give it to `pod create`",
                    pod.name
                );
            }
            Ok(())
        };
        if pod.shares("net") {
            refuse(
                "network",
                &[
                    ("--network", !opts.networks.is_empty()),
                    ("--publish", !opts.publish.is_empty() || opts.publish_all),
                    ("--ip", opts.ip.is_some() || opts.ip6.is_some()),
                    ("--mac-address", opts.mac_address.is_some()),
                    ("--network-alias", !opts.network_aliases.is_empty()),
                    ("--add-host", !opts.add_hosts.is_empty()),
                    (
                        "--dns",
                        !(opts.dns.is_empty()
                            && opts.dns_search.is_empty()
                            && opts.dns_options.is_empty()),
                    ),
                    ("--no-hosts", opts.no_hosts),
                ],
            )?;
        }
        if pod.shares("uts") {
            refuse(
                "UTS",
                &[
                    ("--hostname", opts.hostname.is_some()),
                    ("--uts", opts.uts.is_some()),
                ],
            )?;
        }
        if pod.shares("ipc") {
            refuse("IPC", &[("--ipc", opts.ipc.is_some())])?;
        }
        if pod.shares("pid") {
            refuse("pid", &[("--pid", opts.pid.is_some())])?;
        }
        Ok(PodMember {
            net: pod.shares("net").then(|| match host_net {
                true => Network::Host,
                false => Network::Container {
                    id: infra.clone(),
                    pid: 0,
                    start: 0,
                },
            }),
            ipc: joined("ipc"),
            uts: joined("uts"),
            pid: joined("pid"),
            hostname: pod.hostname.clone(),
            infra,
        })
    }
}

/// The id and pid 1 of container `name`, which `flag` (`--pid`,
/// `--network`) shares a namespace with: it must run.
fn running_pid1(store: &Store, name: &str, flag: &str) -> Result<(String, i32, u64)> {
    let other = store.find_container(name)?;
    match store.container_pid1(&other) {
        Some((pid, start)) => Ok((other.id, pid, start)),
        None => bail!(
            "{flag} container:{}: container {} is not running",
            other.name,
            other.name
        ),
    }
}

/// The container's configuration as `commit` keeps it (Docker's and
/// Podman's rules): the image's, with the command line's entrypoint and
/// command, the environment without what berth adds at run time
/// (HOSTNAME, TERM, a default PATH), `-w`, `-u` and the published ports.
fn container_config(
    opts: &RunOptions,
    image: &crate::image::config::RunConfig,
    ports: &[PortMapping],
) -> Result<crate::image::config::RunConfig> {
    let mut c = image.clone();
    if opts.entrypoint.is_some() {
        let mut none = opts.clone();
        none.command.clear();
        c.entrypoint = command(&none, None, None);
        c.cmd = None;
    }
    if !opts.command.is_empty() {
        c.cmd = Some(opts.command.clone());
    }
    let env = configured_environment(opts, image.env.as_deref().unwrap_or_default())?;
    c.env = (!env.is_empty()).then_some(env);
    if let Some(w) = opts.workdir.as_deref().filter(|w| !w.is_empty()) {
        c.working_dir = Some(w.to_string());
    }
    if let Some(u) = &opts.user {
        c.user = Some(u.clone());
    }
    c.healthcheck = super::health::config(opts, image.healthcheck.as_ref())?;
    if let Some(s) = &opts.stop_signal {
        super::containers::parse_signal(s).with_context(|| format!("--stop-signal {s}"))?;
        c.stop_signal = Some(s.clone());
    }
    let labels = configured_labels(opts, image.labels.clone().unwrap_or_default())?;
    c.labels = (!labels.is_empty()).then_some(labels);
    for p in ports {
        c.exposed_ports.get_or_insert_with(Default::default).insert(
            format!("{}/{}", p.container_port, p.protocol),
            serde_json::json!({}),
        );
    }
    Ok(c)
}

/// Where mount `m` goes in the container, without a trailing `/`.
fn mount_target(m: &Mount) -> Option<String> {
    match m {
        Mount::Bind { target, .. }
        | Mount::Volume { target, .. }
        | Mount::Tmpfs { target, .. }
        | Mount::Device { target, .. } => Some(target.trim_end_matches('/').to_string()),
        Mount::Overlay { .. } => None,
    }
}

/// The container's labels: `labels` (the image's), then each
/// `--label-file` in order, then each `--label`; a later one wins. A
/// label without `=` has an empty value, as in Docker.
fn configured_labels(
    opts: &RunOptions,
    mut labels: std::collections::BTreeMap<String, String>,
) -> Result<std::collections::BTreeMap<String, String>> {
    let mut add = |l: &str, what: &str| -> Result<()> {
        let (k, v) = l.split_once('=').unwrap_or((l, ""));
        if k.trim().is_empty() {
            bail!("{what}: {l:?} has no key (expected KEY=VALUE)");
        }
        labels.insert(k.to_string(), v.to_string());
        Ok(())
    };
    for f in &opts.label_files {
        let text = std::fs::read_to_string(f)
            .with_context(|| format!("reading label file {}", f.display()))?;
        for (n, line) in text.lines().enumerate() {
            let l = line.trim_start();
            if !l.is_empty() && !l.starts_with('#') {
                add(l, &format!("label file {} line {}", f.display(), n + 1))?;
            }
        }
    }
    for l in &opts.labels {
        add(l, "--label")?;
    }
    Ok(labels)
}

/// `--network` (and the flags that go with it) for container `id`
/// named `name`: one mode, or berth networks by name.
fn network_of(store: &Store, opts: &RunOptions, id: &str, name: &str) -> Result<Network> {
    let modes: Vec<&str> = if opts.networks.is_empty() {
        vec!["bridge"]
    } else {
        opts.networks.iter().map(String::as_str).collect()
    };
    let single = |n: Network| -> Result<Network> {
        if modes.len() > 1 {
            bail!(
                "--network {:?}: a mode cannot be combined with other networks",
                modes[0]
            );
        }
        for (flag, given) in [
            ("--ip", opts.ip.is_some()),
            ("--ip6", opts.ip6.is_some()),
            ("--mac-address", opts.mac_address.is_some()),
            ("--network-alias", !opts.network_aliases.is_empty()),
        ] {
            if given {
                bail!(
                    "{flag} needs a berth network (--network NAME), not --network {}",
                    modes[0]
                );
            }
        }
        Ok(n)
    };
    let first = modes[0];
    let (mode, options) = first.split_once(':').unwrap_or((first, ""));
    match mode {
        "none" | "host" | "private" if !options.is_empty() => {
            bail!("--network {first:?}: {mode} takes no options")
        }
        "none" => return single(Network::None),
        "host" => return single(Network::Host),
        "private" => return single(Network::Private),
        "slirp4netns" => {
            let mut allow_host_loopback = false;
            for o in options.split(',').filter(|o| !o.is_empty()) {
                allow_host_loopback = match o {
                    "allow_host_loopback=true" => true,
                    "allow_host_loopback=false" => false,
                    _ => bail!(
                        "--network {first:?}: option {o:?} is not supported (allow_host_loopback=true|false)"
                    ),
                };
            }
            return single(Network::Slirp4netns {
                allow_host_loopback,
            });
        }
        "pasta" => {
            let options = options
                .split(',')
                .filter(|o| !o.is_empty())
                .map(str::to_string)
                .collect();
            return single(Network::Pasta {
                options,
                state_dir: store.network_state_dir(),
            });
        }
        "container" => {
            if options.is_empty() {
                bail!("--network container: needs a container name or id");
            }
            let (id, pid, start) = running_pid1(store, options, "--network")?;
            return single(Network::Container { id, pid, start });
        }
        "ns" => {
            if options.is_empty() || !options.starts_with('/') {
                bail!("--network {first:?}: expected ns:PATH with an absolute path");
            }
            std::fs::metadata(options)
                .with_context(|| format!("--network {first}: network namespace {options}"))?;
            return single(Network::Ns {
                path: PathBuf::from(options),
            });
        }
        _ => {}
    }
    let mut attachments = Vec::new();
    for (k, given) in modes.iter().enumerate() {
        // Podman's `NAME:alias=A,ip=IP,ip6=IP,mac=MAC`: this network's
        // own settings, over --ip, --ip6, --mac-address (which are the
        // first network's) and with --network-alias.
        let (n, settings) = given.split_once(':').unwrap_or((given, ""));
        if [
            "none",
            "host",
            "private",
            "pasta",
            "slirp4netns",
            "container",
            "ns",
        ]
        .contains(&n)
        {
            bail!("--network {given:?}: a mode cannot be combined with other networks");
        }
        let rec = store
            .network(n)?
            .ok_or_else(|| anyhow!("network {n:?} not found"))?;
        if attachments
            .iter()
            .any(|a: &crate::runtime::spec::Attachment| a.network == rec.name)
        {
            bail!("--network {n:?} given twice");
        }
        let (mut ip, mut ip6, mut mac) = if k == 0 {
            (opts.ip.clone(), opts.ip6.clone(), opts.mac_address.clone())
        } else {
            (None, None, None)
        };
        let mut aliases = opts.network_aliases.clone();
        for o in settings.split(',').filter(|o| !o.is_empty()) {
            match o.split_once('=') {
                Some(("alias", a)) => aliases.push(a.to_string()),
                Some(("ip", a)) => ip = Some(a.to_string()),
                Some(("ip6", a)) => ip6 = Some(a.to_string()),
                Some(("mac", a)) => mac = Some(a.to_string()),
                _ => {
                    bail!("--network {given:?}: option {o:?} is not one of alias=, ip=, ip6=, mac=")
                }
            }
        }
        if let Some(ip6) = &ip6 {
            super::network::check_ip6(&rec, ip6)?;
        }
        if let Some(mac) = &mac {
            crate::runtime::network::parse_mac(mac)?;
        }
        if let Some(ip) = &ip {
            let ipv4: std::net::Ipv4Addr = ip
                .parse()
                .map_err(|_| anyhow!("--ip {ip:?} is not an IPv4 address"))?;
            let subnet = crate::cidr::Ipv4Net::parse(&rec.subnet)
                .map_err(|e| anyhow!("network {}: {e}", rec.name))?;
            if !subnet.contains(ipv4) {
                bail!(
                    "--ip {ip}: not in network {}'s subnet {}",
                    rec.name,
                    rec.subnet
                );
            }
        }
        for a in &aliases {
            check_name(a).with_context(|| format!("--network-alias {a:?}"))?;
        }
        attachments.push(super::network::attachment_of(&rec, ip, ip6, mac, &aliases));
    }
    for a in &attachments {
        crate::runtime::network::check_names_fit(id, name, a)?;
    }
    Ok(Network::Bridge(Box::new(crate::runtime::spec::Bridges {
        state_dir: store.network_state_dir(),
        containers_dir: store.containers_dir(),
        container_id: id.to_string(),
        container_name: name.to_string(),
        no_hosts: opts.no_hosts,
        attachments,
        infra_pid: 0,
        host_gateway: None,
    })))
}

/// Docker's rules: `--entrypoint` replaces the image's Entrypoint and
/// drops its Cmd; arguments after the image replace Cmd. `None` when
/// nothing is left to run.
pub fn command(
    opts: &RunOptions,
    image_entrypoint: Option<&[String]>,
    image_cmd: Option<&[String]>,
) -> Option<Vec<String>> {
    let mut args: Vec<String> = match &opts.entrypoint {
        Some(e) if e.is_empty() => Vec::new(),
        Some(e) if e.starts_with('[') => {
            serde_json::from_str(e).unwrap_or_else(|_| vec![e.clone()])
        }
        Some(e) => vec![e.clone()],
        None => image_entrypoint.unwrap_or_default().to_vec(),
    };
    if !opts.command.is_empty() {
        args.extend(opts.command.iter().cloned());
    } else if opts.entrypoint.is_none() {
        args.extend(image_cmd.unwrap_or_default().iter().cloned());
    }
    (!args.is_empty()).then_some(args)
}

/// The image's Env, then defaults (PATH, HOSTNAME, TERM with `-t`), then
/// `--env-file`s, then `-e`; a later `KEY` replaces an earlier one.
pub fn environment(opts: &RunOptions, image_env: &[String], hostname: &str) -> Result<Vec<String>> {
    environment_with(opts, image_env, Some(hostname))
}

/// [`environment`] without the defaults berth adds at run time.
fn configured_environment(opts: &RunOptions, image_env: &[String]) -> Result<Vec<String>> {
    environment_with(opts, image_env, None)
}

/// The image's Env, the defaults when `hostname` is given, `--env-file`s
/// and `-e`.
fn environment_with(
    opts: &RunOptions,
    image_env: &[String],
    hostname: Option<&str>,
) -> Result<Vec<String>> {
    let mut env: Vec<String> = Vec::new();
    let set = |env: &mut Vec<String>, entry: String| {
        let key = entry.split('=').next().unwrap_or("").to_string();
        env.retain(|e| e.split('=').next() != Some(key.as_str()));
        env.push(entry);
    };
    for e in image_env {
        set(&mut env, e.clone());
    }
    let has = |env: &Vec<String>, k: &str| env.iter().any(|e| e.split('=').next() == Some(k));
    if let Some(hostname) = hostname {
        if !has(&env, "PATH") {
            set(&mut env, format!("PATH={DEFAULT_PATH}"));
        }
        if !has(&env, "HOSTNAME") {
            set(&mut env, format!("HOSTNAME={hostname}"));
        }
        if opts.tty && !has(&env, "TERM") {
            set(&mut env, "TERM=xterm".into());
        }
    }
    if opts.env_host {
        for (k, v) in std::env::vars_os() {
            // berth's own log setting is berth's, not the container's.
            if k == "BERTH_LOG" {
                continue;
            }
            if let (Some(k), Some(v)) = (k.to_str(), v.to_str()) {
                set(&mut env, format!("{k}={v}"));
            }
        }
    }
    let from_host = |k: &str| std::env::var(k).ok().map(|v| format!("{k}={v}"));
    for f in &opts.env_files {
        let text = std::fs::read_to_string(f)
            .with_context(|| format!("reading env file {}", f.display()))?;
        for line in text.lines() {
            let l = line.trim_start();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            if l.contains('=') {
                set(&mut env, l.to_string());
            } else if let Some(e) = from_host(l.trim_end()) {
                set(&mut env, e);
            }
        }
    }
    for e in &opts.env {
        if e.starts_with('=') || e.is_empty() {
            bail!("invalid environment variable {e:?}");
        }
        if e.contains('=') {
            set(&mut env, e.clone());
        } else if let Some(v) = from_host(e) {
            set(&mut env, v);
        }
    }
    Ok(env)
}

fn parse_volume(v: &str) -> Result<Mount> {
    let parts: Vec<&str> = v.split(':').collect();
    let (src, dst, flags) = match parts.as_slice() {
        // `-v /path`: an anonymous volume (named when it is made).
        [d] => ("", *d, ""),
        [s, d] => (*s, *d, ""),
        [s, d, f] => (*s, *d, *f),
        _ => bail!("volume {v:?}: expected HOST-DIR:CONTAINER-DIR[:OPTIONS]"),
    };
    if !dst.starts_with('/') {
        bail!("volume {v:?}: the container path must be absolute");
    }
    let named = !src.starts_with('/');
    if src.is_empty() {
        return Ok(Mount::Volume {
            name: String::new(),
            dir: PathBuf::new(),
            target: dst.to_string(),
            read_only: false,
            copy_up: true,
            chown: false,
        });
    }
    let mut read_only = false;
    let mut copy_up = true;
    let mut chown = false;
    for f in flags.split(',').filter(|f| !f.is_empty()) {
        match f {
            "ro" => read_only = true,
            "rw" | "z" | "Z" => {}
            "nocopy" if named => copy_up = false,
            "U" if named => chown = true,
            "U" => bail!("volume {v:?}: U applies to volumes, not to host paths"),
            _ => bail!("volume {v:?}: unknown option {f:?}"),
        }
    }
    if named {
        crate::store::volumes::check_name(src).with_context(|| format!("volume {v:?}"))?;
        return Ok(Mount::Volume {
            name: src.to_string(),
            dir: PathBuf::new(),
            target: dst.to_string(),
            read_only,
            copy_up,
            chown,
        });
    }
    if !Path::new(src).exists() {
        bail!("volume {v:?}: {src}: no such file or directory");
    }
    Ok(Mount::Bind {
        source: PathBuf::from(src),
        target: dst.to_string(),
        read_only,
        propagation: None,
    })
}

/// `--mount` as Docker and Podman take it: comma-separated `key=value`
/// fields, `type=bind` (`source`/`src`, `target`/`dst`/`destination`,
/// `readonly`/`ro`, `bind-propagation`, `relabel` ignored) or
/// `type=tmpfs` (`target`, `tmpfs-size`, `tmpfs-mode`).
pub fn parse_mount(spec: &str) -> Result<Mount> {
    let bad = |why: String| anyhow!("--mount {spec:?}: {why}");
    let mut ty = None;
    let mut source = None;
    let mut target = None;
    let mut read_only = false;
    let mut propagation = None;
    let mut size = None;
    let mut mode = None;
    let mut nocopy = false;
    let mut seen = Vec::new();
    for field in spec.split(',') {
        let (key, value) = match field.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim())),
            None => (field.trim(), None),
        };
        let value_of = |v: Option<&str>| {
            v.filter(|v| !v.is_empty())
                .map(str::to_string)
                .ok_or_else(|| bad(format!("{key} needs a value")))
        };
        let canonical = match key {
            "src" => "source",
            "dst" | "destination" => "target",
            "ro" => "readonly",
            k => k,
        };
        if seen.contains(&canonical) {
            return Err(bad(format!("{key} is given twice")));
        }
        seen.push(canonical);
        match canonical {
            "type" => ty = Some(value_of(value)?),
            "source" => source = Some(value_of(value)?),
            "target" => target = Some(value_of(value)?),
            "readonly" => {
                read_only = match value {
                    None | Some("true") | Some("1") => true,
                    Some("false") | Some("0") => false,
                    Some(v) => return Err(bad(format!("{key}={v}: expected true or false"))),
                }
            }
            "bind-propagation" => {
                use crate::runtime::spec::Propagation as P;
                propagation = Some(match value_of(value)?.as_str() {
                    "private" => P::Private,
                    "rprivate" => P::Rprivate,
                    "slave" => P::Slave,
                    "rslave" => P::Rslave,
                    "shared" => P::Shared,
                    "rshared" => P::Rshared,
                    v => return Err(bad(format!("unknown bind-propagation {v:?}"))),
                })
            }
            // SELinux relabelling: nothing to do without SELinux.
            "relabel" => {}
            "tmpfs-size" => size = Some(value_of(value)?),
            "tmpfs-mode" => mode = Some(value_of(value)?),
            "volume-nocopy" => {
                nocopy = match value {
                    None | Some("true") | Some("1") => true,
                    Some("false") | Some("0") => false,
                    Some(v) => {
                        return Err(bad(format!("volume-nocopy={v:?}: expected true or false")))
                    }
                }
            }
            "" => return Err(bad("an empty field".into())),
            _ => return Err(bad(format!("unknown option {key:?}"))),
        }
    }
    let ty = ty.unwrap_or_else(|| "volume".to_string());
    let target = target.ok_or_else(|| bad("no target given (target=/path/in/container)".into()))?;
    if !target.starts_with('/') {
        return Err(bad(format!(
            "the target {target:?} must be an absolute path"
        )));
    }
    let only = |allowed: &[&str]| -> Result<()> {
        match seen.iter().find(|k| !allowed.contains(k)) {
            Some(k) => Err(bad(format!("option {k:?} does not apply to type={ty}"))),
            None => Ok(()),
        }
    };
    match ty.as_str() {
        "bind" => {
            only(&[
                "type",
                "source",
                "target",
                "readonly",
                "bind-propagation",
                "relabel",
            ])?;
            let source = source.ok_or_else(|| bad("a bind mount needs a source".into()))?;
            if !source.starts_with('/') {
                return Err(bad(format!(
                    "the source {source:?} must be an absolute path"
                )));
            }
            if !Path::new(&source).exists() {
                return Err(bad(format!("bind source path does not exist: {source}")));
            }
            Ok(Mount::Bind {
                source: PathBuf::from(source),
                target,
                read_only,
                propagation,
            })
        }
        "tmpfs" => {
            only(&["type", "target", "readonly", "tmpfs-size", "tmpfs-mode"])?;
            let mut opts = Vec::new();
            if let Some(s) = size {
                opts.push(format!("size={}", tmpfs_size(&s).map_err(bad)?));
            }
            let mode = mode.unwrap_or_else(|| "1777".to_string());
            if mode.is_empty()
                || mode.len() > 4
                || !mode.bytes().all(|b| (b'0'..=b'7').contains(&b))
            {
                return Err(bad(format!("tmpfs-mode {mode:?} is not an octal mode")));
            }
            opts.push(format!("mode={mode}"));
            if read_only {
                opts.push("ro".into());
            }
            Ok(Mount::Tmpfs {
                target,
                options: opts.join(","),
            })
        }
        "volume" => {
            only(&["type", "source", "target", "readonly", "volume-nocopy"])?;
            let name = source.ok_or_else(|| {
                bad("a volume mount needs a source (source=NAME; anonymous volumes are not supported yet)".into())
            })?;
            crate::store::volumes::check_name(&name).map_err(|e| bad(e.to_string()))?;
            Ok(Mount::Volume {
                name,
                dir: PathBuf::new(),
                target,
                read_only,
                copy_up: !nocopy,
                chown: false,
            })
        }
        "image" | "devpts" | "glob" | "ramfs" | "artifact" => Err(bad(format!(
            "type={ty} is not supported (use type=bind, type=volume or type=tmpfs)"
        ))),
        other => Err(bad(format!("unknown mount type {other:?}"))),
    }
}

/// A tmpfs size in bytes: a number with an optional `b`, `k`, `m`, `g`
/// suffix (Docker's `tmpfs-size=64m`).
fn tmpfs_size(s: &str) -> std::result::Result<u64, String> {
    super::kernel_flags::parse_size(s).map_err(|e| format!("tmpfs-size {s:?} is {e}"))
}

/// `-p [IP:]HOSTPORT:CTRPORT[/tcp]`, `-p [IP::]CTRPORT`: an empty host
/// port is a free one, picked now.
pub fn parse_publish(p: &str) -> Result<PortMapping> {
    let (addr, protocol) = match p.rsplit_once('/') {
        Some((a, proto)) => (a, proto.to_ascii_lowercase()),
        None => (p, "tcp".to_string()),
    };
    if protocol != "tcp" && protocol != "udp" {
        bail!("--publish {p:?}: the protocol must be tcp or udp");
    }
    let port = |s: &str| -> Result<u16> {
        s.parse::<u16>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| anyhow!("--publish {p:?}: {s:?} is not a port number (1-65535)"))
    };
    // An IPv6 host address is bracketed: [::1]:8080:80.
    let (host_ip, rest) = match addr.strip_prefix('[') {
        Some(r) => {
            let (ip, rest) = r
                .split_once("]:")
                .ok_or_else(|| anyhow!("--publish {p:?}: expected [IP]:HOSTPORT:CTRPORT"))?;
            (ip.to_string(), rest.to_string())
        }
        None => match addr.matches(':').count() {
            0 | 1 => (String::new(), addr.to_string()),
            2 => {
                let (ip, rest) = addr.split_once(':').expect("two colons");
                (ip.to_string(), rest.to_string())
            }
            _ => bail!("--publish {p:?}: expected [IP:]HOSTPORT:CTRPORT[/tcp]"),
        },
    };
    if !host_ip.is_empty() && host_ip.parse::<std::net::IpAddr>().is_err() {
        bail!("--publish {p:?}: {host_ip:?} is not an IP address");
    }
    let (host, ctr) = match rest.split_once(':') {
        Some((h, c)) => (h, c),
        None => ("", rest.as_str()),
    };
    let container_port = port(ctr)?;
    let host_port = if host.is_empty() {
        crate::runtime::ports::free_port(&host_ip, protocol == "udp")
            .with_context(|| format!("--publish {p:?}: finding a free port"))?
    } else {
        port(host)?
    };
    Ok(PortMapping {
        host_ip,
        host_port,
        container_port,
        protocol,
    })
}

/// The address a container reaches the host at: the host's default
/// gateway, which pasta maps to the host's loopback; slirp4netns's
/// 10.0.2.2 (the host's loopback) where it may reach it, else the host's
/// own address (its services on other addresses); on the host's bridges (as root), its first network's
/// gateway, which berth's table maps to the host's loopback. `way`: the
/// program that carries a berth-network container out.
fn host_gateway(network: &Network, way: &str) -> Option<String> {
    match network {
        Network::Slirp4netns {
            allow_host_loopback: true,
        } => Some("10.0.2.2".to_string()),
        Network::Slirp4netns { .. } => crate::runtime::network::host_address(),
        Network::Bridge(b) if way == "bridge" => b.attachments.first().map(|a| a.gateway.clone()),
        Network::Bridge(_) if way == "slirp4netns" => Some("10.0.2.2".to_string()),
        Network::Bridge(_) | Network::Pasta { .. } => {
            crate::runtime::network::host_default_gateway()
        }
        Network::Host => Some("127.0.0.1".to_string()),
        _ => None,
    }
}

/// `hosts`, `hostname`, `resolv.conf` for the container's dir (bound
/// into it).
fn etc_files_of(
    hostname: &str,
    network: &Network,
    own_user_namespace: bool,
    opts: &RunOptions,
) -> Result<Vec<(&'static str, Vec<u8>)>> {
    let way = match network {
        Network::Bridge(_) => crate::runtime::network::way_out(own_user_namespace),
        _ => "",
    };
    if *network == Network::None
        && !(opts.dns.is_empty() && opts.dns_search.is_empty() && opts.dns_options.is_empty())
    {
        // As Podman: a container without a network has no resolver.
        bail!("conflicting options: dns and the network mode: none");
    }
    let gateway = host_gateway(network, way);
    let mut hosts = if *network == Network::Host {
        let mut h = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
        if !h.is_empty() && !h.ends_with('\n') {
            h.push('\n');
        }
        h + &format!("127.0.1.1\t{hostname}\n")
    } else {
        format!("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t{hostname}\n")
    };
    for h in &opts.add_hosts {
        let (name, ip) = h
            .split_once(':')
            .filter(|(n, i)| !n.is_empty() && !i.is_empty())
            .ok_or_else(|| anyhow!("--add-host {h:?}: expected NAME:IP"))?;
        let ip = if ip == "host-gateway" {
            gateway
                .clone()
                .ok_or_else(|| anyhow!("--add-host {h:?}: this network has no way to the host"))?
        } else {
            ip.parse::<std::net::IpAddr>()
                .map_err(|_| anyhow!("--add-host {h:?}: {ip:?} is not an IP address"))?;
            ip.to_string()
        };
        hosts.push_str(&format!("{ip}\t{name}\n"));
    }
    if let (Some(g), false) = (&gateway, *network == Network::Host) {
        hosts.push_str(&format!(
            "{g}\thost.containers.internal host.docker.internal\n"
        ));
    }
    let host_resolv = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let mut servers: Vec<String> = match network {
        // slirp4netns answers DNS itself, with the host's resolver.
        Network::Slirp4netns { .. } => vec![crate::runtime::slirp::DNS.to_string()],
        Network::Pasta { .. } => crate::runtime::network::nameservers(&host_resolv, "pasta"),
        Network::Bridge(_) => {
            let servers = crate::runtime::network::nameservers(&host_resolv, way);
            match servers.is_empty() && way == "bridge" {
                // Only a loopback resolver, which a container on the
                // host's bridges cannot reach: systemd-resolved's own
                // servers, as Docker uses.
                true => crate::runtime::network::nameservers(
                    &std::fs::read_to_string("/run/systemd/resolve/resolv.conf")
                        .unwrap_or_default(),
                    way,
                ),
                false => servers,
            }
        }
        _ => host_resolv
            .lines()
            .filter_map(|l| l.strip_prefix("nameserver"))
            .map(|s| s.trim().to_string())
            .collect(),
    };
    for d in &opts.dns {
        d.parse::<std::net::IpAddr>()
            .map_err(|_| anyhow!("--dns {d:?} is not an IP address"))?;
    }
    if !opts.dns.is_empty() {
        servers = opts.dns.clone();
    }
    let mut resolv = String::new();
    let search: Vec<String> = if opts.dns_search.is_empty() {
        host_resolv
            .lines()
            .filter_map(|l| l.strip_prefix("search "))
            .flat_map(|s| s.split_whitespace().map(str::to_string))
            .collect()
    } else {
        opts.dns_search
            .iter()
            .filter(|s| s.as_str() != ".")
            .cloned()
            .collect()
    };
    if !search.is_empty() {
        resolv.push_str(&format!("search {}\n", search.join(" ")));
    }
    for s in servers {
        resolv.push_str(&format!("nameserver {s}\n"));
    }
    let mut options: Vec<String> = host_resolv
        .lines()
        .filter_map(|l| l.strip_prefix("options "))
        .flat_map(|s| s.split_whitespace().map(str::to_string))
        .collect();
    if !opts.dns_options.is_empty() {
        options = opts.dns_options.clone();
    }
    if !options.is_empty() {
        resolv.push_str(&format!("options {}\n", options.join(" ")));
    }
    Ok(vec![
        ("hosts", hosts.into_bytes()),
        ("hostname", format!("{hostname}\n").into_bytes()),
        ("resolv.conf", resolv.into_bytes()),
    ])
}

/// `/run/.containerenv`, by which programs know they run in a container
/// (Podman's file): empty, or with `--privileged` what the container is.
fn containerenv(rec: &ContainerRecord, privileged: bool, identity: Identity) -> Vec<u8> {
    if !privileged {
        return Vec::new();
    }
    format!(
        "engine=\"berth-{}\"\nname=\"{}\"\nid=\"{}\"\nimage=\"{}\"\nimageid=\"{}\"\nrootless={}\n",
        env!("CARGO_PKG_VERSION"),
        rec.name,
        rec.id,
        rec.image_name,
        rec.image.as_ref().map(|i| i.hex()).unwrap_or_default(),
        u8::from(identity != Identity::Root),
    )
    .into_bytes()
}

/// `--log-driver` and `--log-opt`, checked.
pub fn log_config(
    driver: Option<&str>,
    opts: &[String],
) -> Result<crate::store::containers::LogConfig> {
    use crate::store::containers::{LogConfig, LOG_DRIVERS};
    let driver = driver.unwrap_or("k8s-file");
    if !LOG_DRIVERS.contains(&driver) {
        bail!(
            "--log-driver {driver:?}: unknown log driver (berth has {})",
            LOG_DRIVERS.join(", ")
        );
    }
    let mut log = LogConfig {
        driver: if driver == "k8s-file" {
            String::new()
        } else {
            driver.to_string()
        },
        max_size: 0,
    };
    for o in opts {
        match o.split_once('=') {
            Some(("max-size", v)) => {
                log.max_size = super::kernel_flags::parse_size(v)
                    .map_err(|e| anyhow!("--log-opt {o:?}: {e}"))?;
                if !log.to_file() {
                    bail!("--log-opt {o:?}: the {driver} log driver keeps no file");
                }
            }
            _ => bail!("--log-opt {o:?}: unknown log option (berth has max-size=SIZE)"),
        }
    }
    Ok(log)
}

pub(crate) fn check_name(n: &str) -> Result<()> {
    let ok = !n.is_empty()
        && n.as_bytes()[0].is_ascii_alphanumeric()
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    if !ok {
        bail!("container name {n:?} is invalid: use letters, digits, '_', '.', '-'");
    }
    Ok(())
}

pub(crate) fn random_id() -> Result<String> {
    use std::io::Read;
    let mut b = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .context("reading /dev/urandom for a container id")?;
    Ok(Digest::of(&b).hex().to_string())
}

/// A Podman-like `adjective_noun` name, picked by the id's bytes.
pub(crate) fn generated_name(id: &str) -> String {
    const ADJ: &[&str] = &[
        "brave", "calm", "eager", "fond", "gentle", "happy", "keen", "lucid", "merry", "nimble",
        "proud", "quiet", "rapid", "sunny", "tidy", "vivid",
    ];
    const NOUN: &[&str] = &[
        "anchor", "buoy", "cargo", "dock", "ferry", "galley", "harbor", "jetty", "keel", "ledger",
        "mast", "pier", "quay", "rudder", "skiff", "tug",
    ];
    let n = |i: usize| usize::from_str_radix(&id[i..i + 1], 16).unwrap_or(0);
    format!("{}_{}_{}", ADJ[n(0)], NOUN[n(1)], &id[2..6])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn entrypoint_and_cmd_follow_docker() {
        let ep = s(&["/ep", "a"]);
        let cmd = s(&["c1"]);
        let mut o = RunOptions::default();
        assert_eq!(
            command(&o, Some(&ep), Some(&cmd)).unwrap(),
            s(&["/ep", "a", "c1"])
        );
        o.command = s(&["x"]);
        assert_eq!(
            command(&o, Some(&ep), Some(&cmd)).unwrap(),
            s(&["/ep", "a", "x"])
        );
        o.entrypoint = Some("/other".into());
        assert_eq!(
            command(&o, Some(&ep), Some(&cmd)).unwrap(),
            s(&["/other", "x"])
        );
        o.command.clear();
        assert_eq!(command(&o, Some(&ep), Some(&cmd)).unwrap(), s(&["/other"]));
        o.entrypoint = Some(String::new());
        assert_eq!(command(&o, Some(&ep), Some(&cmd)), None);
    }

    #[test]
    fn environment_layers_defaults_and_overrides() {
        let mut o = RunOptions::default();
        let env = environment(&o, &s(&["A=1"]), "h").unwrap();
        assert_eq!(
            env,
            s(&["A=1", &format!("PATH={DEFAULT_PATH}"), "HOSTNAME=h"])
        );
        o.env = s(&["A=2", "B=3"]);
        let env = environment(&o, &s(&["A=1", "PATH=/x"]), "h").unwrap();
        assert_eq!(env, s(&["PATH=/x", "HOSTNAME=h", "A=2", "B=3"]));
    }

    #[test]
    fn mount_specs_follow_docker() {
        let tmp = std::env::temp_dir();
        let t = tmp.display();
        match parse_mount(&format!(
            "type=bind,src={t},dst=/d,ro=true,bind-propagation=rshared,relabel=private"
        ))
        .unwrap()
        {
            Mount::Bind {
                source,
                target,
                read_only,
                propagation,
            } => {
                assert_eq!(
                    (source, target.as_str(), read_only),
                    (tmp.clone(), "/d", true)
                );
                assert_eq!(
                    propagation,
                    Some(crate::runtime::spec::Propagation::Rshared)
                );
            }
            m => panic!("{m:?}"),
        }
        match parse_mount(&format!(
            "type=bind,source={t},destination=/d,readonly=false"
        ))
        .unwrap()
        {
            Mount::Bind {
                read_only,
                propagation,
                ..
            } => assert!(!read_only && propagation.is_none()),
            m => panic!("{m:?}"),
        }
        match parse_mount("type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=700").unwrap() {
            Mount::Tmpfs { target, options } => {
                assert_eq!(
                    (target.as_str(), options.as_str()),
                    ("/t", "size=67108864,mode=700")
                )
            }
            m => panic!("{m:?}"),
        }
        match parse_mount("type=volume,src=v,dst=/d,ro,volume-nocopy").unwrap() {
            Mount::Volume {
                name,
                target,
                read_only,
                copy_up,
                ..
            } => assert_eq!(
                (name.as_str(), target.as_str(), read_only, copy_up),
                ("v", "/d", true, false)
            ),
            m => panic!("{m:?}"),
        }
        for (bad, why) in [
            (
                "type=bind,source=/,target=/x,colour=red",
                "unknown option \"colour\"",
            ),
            ("type=bind,source=/", "no target"),
            ("type=bind,source=/,target=x", "must be an absolute path"),
            (
                "type=bind,source=/no/such/dir/here,target=/x",
                "does not exist: /no/such/dir/here",
            ),
            ("type=volume,source=a/b,target=/x", "is invalid"),
            ("target=/x", "needs a source"),
            (
                "type=volume,source=v,target=/x,volume-nocopy=maybe",
                "true or false",
            ),
            (
                "type=volume,source=v,target=/x,bind-propagation=shared",
                "does not apply",
            ),
            ("type=tmpfs,target=/x,tmpfs-size=lots", "tmpfs-size"),
            ("type=tmpfs,target=/x,source=/", "does not apply"),
            ("type=bind,source=/,target=/x,ro=maybe", "true or false"),
        ] {
            let e = format!("{:#}", parse_mount(bad).unwrap_err());
            assert!(e.contains(why) && e.contains(bad), "{bad}: {e}");
        }
    }

    #[test]
    fn publish_specs_follow_podman() {
        let m = parse_publish("127.0.0.1:8080:80/tcp").unwrap();
        assert_eq!(
            (m.host_ip.as_str(), m.host_port, m.container_port),
            ("127.0.0.1", 8080, 80)
        );
        let m = parse_publish("8080:80").unwrap();
        assert_eq!(
            (m.host_ip.as_str(), m.host_port, m.container_port),
            ("", 8080, 80)
        );
        let m = parse_publish("80").unwrap();
        assert!(m.host_port > 0);
        assert_eq!(m.container_port, 80);
        let m = parse_publish("5353:53/udp").unwrap();
        assert_eq!((m.host_port, m.container_port), (5353, 53));
        assert_eq!(m.protocol, "udp");
        let m = parse_publish("[::1]:8081:81").unwrap();
        assert_eq!((m.host_ip.as_str(), m.host_port), ("::1", 8081));
        for bad in [
            "0:80",
            "x:80",
            "8080:70000",
            "1:2:3:4",
            "a.b:1:2",
            "80/sctp",
            "",
        ] {
            assert!(parse_publish(bad).is_err(), "{bad}");
        }
    }
}
