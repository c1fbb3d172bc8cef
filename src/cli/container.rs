//! Container commands: `run` (foreground), `create`, `start -a`, `ps`,
//! `rm`, `container inspect`, `diff`, `commit`, `cp`, `exec`, `container
//! prune`, the `container` group that holds them, and the hidden
//! `internal-init` and `internal-exec` modes that berth re-executes itself
//! in to become a container's monitor and init, or to join a running
//! container (DESIGN.md §4).

use super::format as tmpl;
use super::output::{self, human_age};
use crate::ops;
use crate::ops::containers::ContainerInfo;
use crate::runtime::container::StartError;
use crate::store::containers::{RestartPolicy, State};
use crate::store::StorePaths;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
#[command(defer = true)]
pub enum ContainerCommand {
    /// Run a command in a new container
    Run(RunArgs),
    /// Create a container without starting it
    Create(RunArgs),
    /// Start a created container
    Start(StartArgs),
    /// List containers
    #[command(visible_alias = "ps", name = "ls", visible_alias = "list")]
    Ls(PsArgs),
    /// Remove containers
    Rm(RmArgs),
    /// Display the configuration of containers
    Inspect(InspectArgs),
    /// Show the changes of a container's file system
    Diff(DiffArgs),
    /// Create an image from a container's changes
    Commit(CommitArgs),
    /// Copy files between a container and the host
    Cp(CpArgs),
    /// Write a container's file system as a tar
    Export(ExportArgs),
    /// Run a command in a running container
    Exec(ExecArgs),
    /// Remove all stopped containers
    Prune(PruneArgs),
    /// Show the output of a container
    Logs(LogsArgs),
    /// Stop running containers (the stop signal, then SIGKILL)
    Stop(StopArgs),
    /// Send a signal to running containers
    Kill(KillArgs),
    /// Wait for containers to exit and print their exit codes
    Wait(WaitArgs),
    /// Stop and start containers again (detached)
    Restart(StopArgs),
    /// List the published ports of a container
    Port(PortArgs),
    /// Mount containers' root file systems and print where
    Mount(MountArgs),
    /// Unmount containers' root file systems
    #[command(visible_alias = "umount")]
    Unmount(UnmountArgs),
    /// Exit 0 when a container exists, 1 when it does not
    Exists(ExistsArgs),
    /// Give a container another name
    Rename(RenameArgs),
    /// Attach to a running container's terminal or output
    Attach(AttachArgs),
}

#[derive(Args, Debug)]
pub struct RenameArgs {
    /// The container (name or ID)
    container: String,
    /// Its new name
    name: String,
}

pub fn rename(paths: &StorePaths, a: &RenameArgs) -> Result<i32> {
    ops::containers::rename(paths, &a.container, &a.name)?;
    Ok(0)
}

#[derive(Args, Debug)]
pub struct ExistsArgs {
    /// The container (name or ID)
    container: String,
}

pub fn group(paths: &StorePaths, c: &ContainerCommand) -> Result<i32> {
    match c {
        ContainerCommand::Run(a) => run(paths, a),
        ContainerCommand::Create(a) => create(paths, a),
        ContainerCommand::Start(a) => start(paths, a),
        ContainerCommand::Ls(a) => ps(paths, a),
        ContainerCommand::Rm(a) => rm(paths, a),
        ContainerCommand::Inspect(a) => inspect(paths, a),
        ContainerCommand::Diff(a) => diff(paths, a),
        ContainerCommand::Commit(a) => commit(paths, a),
        ContainerCommand::Cp(a) => cp(paths, a),
        ContainerCommand::Export(a) => export(paths, a),
        ContainerCommand::Exec(a) => exec(paths, a),
        ContainerCommand::Prune(a) => prune(paths, a),
        ContainerCommand::Logs(a) => logs(paths, a),
        ContainerCommand::Stop(a) => stop(paths, a),
        ContainerCommand::Kill(a) => kill(paths, a),
        ContainerCommand::Wait(a) => wait(paths, a),
        ContainerCommand::Restart(a) => restart(paths, a),
        ContainerCommand::Port(a) => port(paths, a),
        ContainerCommand::Mount(a) => mount(paths, a),
        ContainerCommand::Unmount(a) => unmount(paths, a),
        ContainerCommand::Rename(a) => rename(paths, a),
        ContainerCommand::Attach(a) => attach(paths, a),
        ContainerCommand::Exists(a) => Ok(if ops::containers::exists(paths, &a.container)? {
            0
        } else {
            1
        }),
    }
}

// Which commands read or write layer files (see `LayerFiles`):
// `rm` and `prune` remove upper layers whose files may belong to
// subordinate ids; `diff`, `commit` and `export` read them; `unshare`
// runs its command in that namespace.
layer_files!(true: RmArgs, DiffArgs, CommitArgs, ExportArgs, PruneArgs, UnshareArgs);
layer_files!(false: RenameArgs, ExistsArgs, RunArgs, InternalNetnsArgs, InternalInitArgs, StartArgs, InternalStartArgs, PsArgs, MountArgs, UnmountArgs, InspectArgs, CpArgs, ExecArgs, LogsArgs, AttachArgs, StopArgs, KillArgs, WaitArgs, HealthcheckRunArgs, PortArgs);
layer_files_of!(ContainerCommand: Run, Create, Start, Ls, Rm, Inspect, Diff, Commit, Cp, Export, Exec, Prune, Logs, Stop, Kill, Wait, Restart, Port, Mount, Unmount, Exists, Rename, Attach);
layer_files_of!(HealthcheckCommand: Run);

#[derive(Args, Debug)]
#[command(
    trailing_var_arg = true,
    after_long_help = "Environment:\n  BERTH_OVERLAY=auto|native|fuse  how the container's root file \
                       system is mounted: auto (the default) uses the kernel's overlay and falls \
                       back to fuse-overlayfs where the kernel cannot mount overlay (rootless \
                       before Linux 5.11); native never uses fuse-overlayfs; fuse always does."
)]
pub struct RunArgs {
    /// Remove the container when it exits
    #[arg(long)]
    rm: bool,
    /// Say nothing while pulling the image
    #[arg(short, long)]
    quiet: bool,
    /// Name of the container (default: a generated one)
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Keep standard input open and connect it to the container
    #[arg(short, long)]
    interactive: bool,
    /// Allocate a pseudo-terminal
    #[arg(short, long)]
    tty: bool,
    /// Attach to STDIN, STDOUT or STDERR (a foreground run is always
    /// attached to its output)
    #[arg(short, long, value_name = "STREAM")]
    attach: Vec<String>,
    /// Run in the background and print the container's ID
    #[arg(short, long)]
    detach: bool,
    /// Publish a container's port on the host:
    /// [IP:]HOSTPORT:CTRPORT[/tcp], or CTRPORT for a free host port
    #[arg(short, long, value_name = "[IP:]HOSTPORT:CTRPORT")]
    publish: Vec<String>,
    /// Publish every TCP port the image exposes on a free host port
    #[arg(short = 'P', long)]
    publish_all: bool,
    /// Set an environment variable (KEY=VALUE, or KEY to take berth's)
    #[arg(short, long = "env", value_name = "KEY[=VALUE]")]
    env: Vec<String>,
    /// Read environment variables from a file (KEY=VALUE lines)
    #[arg(long, value_name = "FILE")]
    env_file: Vec<PathBuf>,
    /// Set a label on the container (KEY=VALUE, or KEY for an empty value)
    #[arg(short, long = "label", value_name = "KEY[=VALUE]")]
    label: Vec<String>,
    /// Read labels from a file (KEY=VALUE lines; # starts a comment)
    #[arg(long, value_name = "FILE")]
    label_file: Vec<PathBuf>,
    /// Working directory inside the container
    #[arg(short, long, value_name = "DIR")]
    workdir: Option<String>,
    /// User to run as: uid[:gid] or name[:group]
    #[arg(short, long, value_name = "USER")]
    user: Option<String>,
    /// Override the image's entrypoint ("" clears it)
    #[arg(long, value_name = "CMD")]
    entrypoint: Option<String>,
    /// Bind mount a host path (HOST-DIR:CONTAINER-DIR[:ro]) or mount a
    /// named volume, made on first use and filled from the image the
    /// first time it is mounted (NAME:CONTAINER-DIR[:ro][,nocopy][,U];
    /// U gives its files to the container's user)
    #[arg(short, long, value_name = "HOST|NAME:CTR[:OPTS]")]
    volume: Vec<String>,
    /// Mount the volumes and bind mounts of another container, at the
    /// same paths (:ro or :rw overrides their mode)
    #[arg(long, value_name = "CONTAINER[:ro|rw]")]
    volumes_from: Vec<String>,
    /// Mount a tmpfs: CONTAINER-DIR[:OPTIONS]
    #[arg(long, value_name = "DIR[:OPTIONS]")]
    tmpfs: Vec<String>,
    /// Attach a mount: type=bind,source=HOST,target=CTR[,readonly]
    /// [,bind-propagation=rprivate|…],
    /// type=volume,source=NAME,target=CTR[,readonly][,volume-nocopy] or
    /// type=tmpfs,target=CTR[,tmpfs-size=64m][,tmpfs-mode=1777]
    #[arg(long, value_name = "type=TYPE,…")]
    mount: Vec<String>,
    /// User namespace: host (the default: rootless, the user is root
    /// inside) or keep-id (rootless: the user keeps its own uid and gid
    /// inside, and the process runs as the user)
    #[arg(long, value_name = "MODE")]
    userns: Option<String>,
    /// Mount the root file system read-only
    #[arg(long)]
    read_only: bool,
    /// Hostname of the container (default: its short id)
    #[arg(long, value_name = "NAME")]
    hostname: Option<String>,
    #[command(flatten)]
    net: NetworkArgs,
    /// Run a minimal init as pid 1 that forwards signals and reaps
    #[arg(long)]
    init: bool,
    /// Add a capability (e.g. NET_RAW, or ALL)
    #[arg(long, value_name = "CAP")]
    cap_add: Vec<String>,
    /// Drop a capability (e.g. CHOWN, or ALL)
    #[arg(long, value_name = "CAP")]
    cap_drop: Vec<String>,
    /// Give the container every capability, no seccomp filter and no
    /// masked paths
    #[arg(long)]
    privileged: bool,
    /// Security options: seccomp=unconfined, seccomp=PROFILE.json (a
    /// Docker/Podman profile), no-new-privileges[=true|false],
    /// label=disable (SELinux options are ignored), apparmor=unconfined
    #[arg(long, value_name = "OPT")]
    security_opt: Vec<String>,
    /// Signal that stops the container (default: the image's STOPSIGNAL,
    /// else SIGTERM)
    #[arg(long, value_name = "SIGNAL")]
    stop_signal: Option<String>,
    /// Seconds `stop` waits for the stop signal to end the container
    /// before SIGKILL (default 10)
    #[arg(long, value_name = "SECONDS")]
    stop_timeout: Option<u64>,
    /// Kill the container (SIGKILL) once it has run this many seconds
    /// (0: never)
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<u64>,
    /// The pid namespace: private (the default), host, or
    /// container:NAME (another running container's)
    #[arg(long, value_name = "MODE")]
    pid: Option<String>,
    /// The IPC namespace: private (the default; also shareable), host,
    /// or container:NAME (another running container's)
    #[arg(long, value_name = "MODE")]
    ipc: Option<String>,
    /// The UTS namespace (the hostname's): private (the default), host,
    /// or container:NAME (another running container's)
    #[arg(long, value_name = "MODE")]
    uts: Option<String>,
    /// Join pod NAME (its shared namespaces), or make pod NAME for it
    /// with new:NAME (-p and --network then go to the pod)
    #[arg(long, value_name = "NAME")]
    pod: Option<String>,
    /// Run in a user namespace of its own with this uid map: COUNT ids
    /// from CONTAINER inside are HOST and on outside (repeatable;
    /// without --gidmap it serves for both). Rootless, HOST ids are
    /// those of the user's namespace (0 the user, 1 and up the
    /// subordinate range), and fuse-overlayfs is needed
    #[arg(long, value_name = "CONTAINER:HOST:COUNT")]
    uidmap: Vec<String>,
    /// The gid map, as --uidmap
    #[arg(long, value_name = "CONTAINER:HOST:COUNT")]
    gidmap: Vec<String>,
    /// Write the container's id to this file (which must not exist)
    #[arg(long, value_name = "FILE")]
    cidfile: Option<PathBuf>,
    /// Remove a container of the same --name first (running or not)
    #[arg(long, requires = "name")]
    replace: bool,
    /// Give the container berth's environment (then --env-file, -e)
    #[arg(long)]
    env_host: bool,
    /// A resource limit of the process: NAME=SOFT[:HARD] (nofile,
    /// nproc, core, memlock, stack …; -1 is unlimited), or host
    #[arg(long, value_name = "NAME=SOFT[:HARD]")]
    ulimit: Vec<String>,
    /// Size of /dev/shm (bytes, or a number with k, m, g; default 64m)
    #[arg(long, value_name = "SIZE")]
    shm_size: Option<String>,
    /// Set a namespaced sysctl: net.*, kernel.shm*, kernel.msg*,
    /// kernel.sem, kernel.domainname, fs.mqueue.*
    #[arg(long, value_name = "NAME=VALUE")]
    sysctl: Vec<String>,
    /// Give the container a host device: HOST[:CONTAINER[:PERMS]] (the
    /// node is bound; its own mode decides access, as rootless Podman:
    /// berth keeps no device cgroup to enforce PERMS)
    #[arg(long, value_name = "HOST[:CTR[:PERMS]]")]
    device: Vec<String>,
    /// Another supplementary group of the process (a name in the image's
    /// /etc/group, or a number), or keep-groups: keep the groups berth
    /// runs with (rootless: reach the user's group-owned files)
    #[arg(long, value_name = "GROUP")]
    group_add: Vec<String>,
    /// The container's time zone: local (the host's) or a zone such as
    /// Europe/Paris, given as /etc/localtime
    #[arg(long, value_name = "ZONE")]
    tz: Option<String>,
    /// Where the output is kept: k8s-file (the default; json-file is
    /// taken as k8s-file, as Podman does), none, or passthrough (the
    /// container writes to berth's own stdout and stderr; foreground
    /// only; no log)
    #[arg(long, value_name = "DRIVER")]
    log_driver: Option<String>,
    /// A log driver's option: max-size=SIZE (the log starts over when a
    /// record would take it past SIZE)
    #[arg(long, value_name = "KEY=VALUE")]
    log_opt: Vec<String>,
    /// Restart policy of a detached container when its program exits:
    /// no, on-failure[:MAX-RETRIES], always or unless-stopped (a stop or
    /// kill by a user ends it for good)
    #[arg(long, value_name = "POLICY")]
    restart: Option<String>,
    /// The healthcheck's command: a shell command, a JSON array (the
    /// program and its arguments), or none (over the image's HEALTHCHECK)
    #[arg(long, value_name = "COMMAND")]
    health_cmd: Option<String>,
    /// Time between two probes (default 30s; disable: only `healthcheck
    /// run` probes)
    #[arg(long, value_name = "DURATION")]
    health_interval: Option<String>,
    /// How long a probe may take before it counts as failed (default 30s)
    #[arg(long, value_name = "DURATION")]
    health_timeout: Option<String>,
    /// Failures in a row that make the container unhealthy (default 3)
    #[arg(long, value_name = "N")]
    health_retries: Option<u32>,
    /// Time after the start in which failures do not count (default 0s)
    #[arg(long, value_name = "DURATION")]
    health_start_period: Option<String>,
    /// Time between two probes in the start period (default 5s)
    #[arg(long, value_name = "DURATION")]
    health_start_interval: Option<String>,
    /// What to do when the container turns unhealthy: none, kill, restart
    /// or stop
    #[arg(long, value_name = "ACTION")]
    health_on_failure: Option<String>,
    /// No healthcheck, not even the image's
    #[arg(long)]
    no_healthcheck: bool,
    /// Pull the image: always, missing (when not in local storage) or
    /// never
    #[arg(long, value_name = "POLICY", default_value = "missing")]
    pull: String,
    #[command(flatten)]
    platform: super::registry::PlatformArgs,
    /// The first argument is a directory that is the container's root
    /// (an exploded container), not an image: the container writes into
    /// it; with a `:O` suffix it writes into an overlay over it instead
    #[arg(long)]
    rootfs: bool,
    /// The image to run (with --rootfs: DIR[:O])
    #[arg(value_name = "IMAGE")]
    image: String,
    /// The command and its arguments (default: the image's)
    #[arg(allow_hyphen_values = true, value_name = "COMMAND")]
    command: Vec<String>,
}

// How a container (or a pod, for its containers) is connected: the
// flags `run`, `create` and `pod create` share. (Not a doc comment:
// clap would make it the about of the commands that flatten it.)
#[derive(Args, Debug, Clone, Default)]
pub(super) struct NetworkArgs {
    /// Network: a berth network by name (repeatable; default: the
    /// default network `berth`, also called `bridge`, with outbound
    /// access), with its own settings as NAME:alias=A,ip=IP,ip6=IP,mac=MAC,
    /// or one mode: none, host, private (own namespace, loopback only),
    /// pasta[:OPTIONS], slirp4netns[:allow_host_loopback=true],
    /// container:NAME, ns:PATH
    #[arg(long, alias = "net", value_name = "MODE")]
    network: Vec<String>,
    /// Another name of the container (the pod) on its berth networks
    #[arg(long, value_name = "NAME")]
    network_alias: Vec<String>,
    /// The container's (the pod's) IPv4 address on its (first) berth
    /// network
    #[arg(long, value_name = "IP")]
    ip: Option<String>,
    /// The container's (the pod's) IPv6 address on its (first) berth
    /// network, which must have IPv6
    #[arg(long, value_name = "IP")]
    ip6: Option<String>,
    /// The container's (the pod's) MAC address on its (first) berth
    /// network
    #[arg(long, value_name = "MAC")]
    mac_address: Option<String>,
    /// Add a line to /etc/hosts: NAME:IP, or NAME:host-gateway
    #[arg(long, value_name = "NAME:IP")]
    add_host: Vec<String>,
    /// A nameserver for /etc/resolv.conf (replaces the host's)
    #[arg(long, value_name = "IP")]
    dns: Vec<String>,
    /// A search domain for /etc/resolv.conf (`.` for none)
    #[arg(long, value_name = "DOMAIN")]
    dns_search: Vec<String>,
    /// An option for /etc/resolv.conf
    #[arg(long, value_name = "OPTION")]
    dns_option: Vec<String>,
    /// Do not give the container (the pod's containers) an /etc/hosts
    /// of berth's
    #[arg(long)]
    no_hosts: bool,
}

impl NetworkArgs {
    /// Into `opts`' network fields.
    fn apply(&self, opts: &mut ops::run::RunOptions) {
        opts.networks = self.network.clone();
        opts.network_aliases = self.network_alias.clone();
        opts.ip = self.ip.clone();
        opts.ip6 = self.ip6.clone();
        opts.mac_address = self.mac_address.clone();
        opts.add_hosts = self.add_host.clone();
        opts.dns = self.dns.clone();
        opts.dns_search = self.dns_search.clone();
        opts.dns_options = self.dns_option.clone();
        opts.no_hosts = self.no_hosts;
    }

    /// `opts` with these network fields (a new pod's).
    pub(super) fn pod_options(&self, opts: ops::pod::PodOptions) -> ops::pod::PodOptions {
        ops::pod::PodOptions {
            networks: self.network.clone(),
            network_aliases: self.network_alias.clone(),
            ip: self.ip.clone(),
            ip6: self.ip6.clone(),
            mac_address: self.mac_address.clone(),
            add_hosts: self.add_host.clone(),
            dns: self.dns.clone(),
            dns_search: self.dns_search.clone(),
            dns_options: self.dns_option.clone(),
            no_hosts: self.no_hosts,
            ..opts
        }
    }
}

/// Arguments of the hidden `internal-netns` mode: the holder of berth's
/// network namespace for the state dir `dir`, serving the containers of
/// the store's `containers` dir.
#[derive(Args, Debug)]
pub struct InternalNetnsArgs {
    pub dir: PathBuf,
    pub containers: Option<PathBuf>,
}

/// Arguments of the hidden `internal-init` mode.
#[derive(Args, Debug)]
pub struct InternalInitArgs {
    /// The socket berth passed.
    fd: i32,
}

fn run_options(a: &RunArgs) -> Result<ops::run::RunOptions> {
    for s in &a.attach {
        if !["stdin", "stdout", "stderr"].contains(&s.to_ascii_lowercase().as_str()) {
            bail!("--attach {s:?}: expected stdin, stdout or stderr");
        }
    }
    let mut opts = ops::run::RunOptions {
        command_line: std::env::args().collect(),
        owned: false,
        image: a.image.clone(),
        rootfs: a.rootfs,
        uidmap: a.uidmap.clone(),
        gidmap: a.gidmap.clone(),
        command: a.command.clone(),
        entrypoint: a.entrypoint.clone(),
        env: a.env.clone(),
        env_files: a.env_file.clone(),
        labels: a.label.clone(),
        label_files: a.label_file.clone(),
        workdir: a.workdir.clone(),
        user: a.user.clone(),
        name: a.name.clone(),
        hostname: a.hostname.clone(),
        rm: a.rm,
        interactive: a.interactive || a.attach.iter().any(|s| s.eq_ignore_ascii_case("stdin")),
        tty: a.tty,
        volumes: a.volume.clone(),
        volumes_from: a.volumes_from.clone(),
        tmpfs: a.tmpfs.clone(),
        mounts: a.mount.clone(),
        userns: a.userns.clone(),
        read_only: a.read_only,
        init: a.init,
        cap_add: a.cap_add.clone(),
        cap_drop: a.cap_drop.clone(),
        privileged: a.privileged,
        security_opt: a.security_opt.clone(),
        publish: a.publish.clone(),
        publish_all: a.publish_all,
        restart: a.restart.clone(),
        stop_signal: a.stop_signal.clone(),
        stop_timeout: a.stop_timeout,
        timeout: a.timeout,
        pid: a.pid.clone(),
        ipc: a.ipc.clone(),
        uts: a.uts.clone(),
        pod: a.pod.clone(),
        infra: false,
        net_probe: None,
        cidfile: a.cidfile.clone(),
        replace: a.replace,
        env_host: a.env_host,
        log_driver: a.log_driver.clone(),
        log_opts: a.log_opt.clone(),
        kernel: ops::kernel_flags::KernelFlags {
            ulimits: a.ulimit.clone(),
            shm_size: a.shm_size.clone(),
            sysctls: a.sysctl.clone(),
            devices: a.device.clone(),
            group_add: a.group_add.clone(),
            tz: a.tz.clone(),
        },
        health: ops::health::HealthFlags {
            cmd: a.health_cmd.clone(),
            interval: a.health_interval.clone(),
            timeout: a.health_timeout.clone(),
            retries: a.health_retries,
            start_period: a.health_start_period.clone(),
            start_interval: a.health_start_interval.clone(),
            on_failure: a.health_on_failure.clone(),
            no_healthcheck: a.no_healthcheck,
        },
        // The network's fields, which `apply` sets.
        ..Default::default()
    };
    a.net.apply(&mut opts);
    Ok(opts)
}

/// The container's exit code; a failure to start it is reported here with
/// its own code (125, 126, 127).
pub(super) fn exit_code(r: Result<i32>) -> Result<i32> {
    match r {
        Ok(code) => Ok(code),
        Err(e) => match e.downcast_ref::<StartError>() {
            Some(s) => {
                eprintln!("Error: {}", s.message);
                Ok(s.code)
            }
            None => Err(e),
        },
    }
}

/// `--pull`: when `run` and `create` pull their image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PullPolicy {
    Always,
    Missing,
    Never,
}

/// Podman's names of the policies.
pub(super) fn pull_policy(s: &str) -> Result<PullPolicy> {
    Ok(match s.to_ascii_lowercase().as_str() {
        "always" | "true" => PullPolicy::Always,
        "missing" | "ifmissing" | "ifnotpresent" | "" => PullPolicy::Missing,
        "never" | "false" => PullPolicy::Never,
        "newer" | "ifnewer" => bail!("pull policy {s:?} is not supported yet"),
        _ => bail!("unsupported pull policy {s:?}"),
    })
}

/// Apply `run --pull` (and `create --pull`) to `image`: `Ok(None)` when
/// the container can be made, `Ok(Some(code))` when pulling failed (the
/// pull said why).
///
/// The pull runs as `berth pull` in a child process: rootless, the layers
/// of a pull are written inside a user namespace that berth enters when it
/// starts, while a container's berth must stay outside it.
fn ensure_image(
    paths: &StorePaths,
    a: &RunArgs,
    opts: &mut ops::run::RunOptions,
) -> Result<Option<i32>> {
    let (image, policy) = (&a.image, &a.pull);
    let policy = pull_policy(policy)?;
    if a.rootfs {
        return Ok(None);
    }
    let platform = a.platform.platform()?;
    // A manifest list of local storage: its image for the platform.
    if let Some(id) = ops::manifest::image_for(paths, image, platform.as_deref())? {
        opts.image = id.to_string();
        return Ok(None);
    }
    let present = ops::inspect::exists(paths, image)?
        && match &platform {
            Some(p) => ops::manifest::has_platform(paths, image, p)?,
            None => true,
        };
    match policy {
        PullPolicy::Never if !present => bail!("{image}: image not known"),
        PullPolicy::Never | PullPolicy::Missing if present => return Ok(None),
        _ => {}
    }
    let mut args = vec!["pull"];
    if a.quiet {
        args.push("--quiet");
    }
    if let Some(p) = &platform {
        args.extend(["--platform", p]);
    }
    args.extend(["--", image]);
    berth_child(paths, &args, image)
}

/// Run `berth ARGS` (a pull or a build) on this store in a child
/// process ([`ops::detached::berth_child`]).
pub(super) fn berth_child(paths: &StorePaths, args: &[&str], image: &str) -> Result<Option<i32>> {
    ops::detached::berth_child(paths, args, image)
}

pub fn run(paths: &StorePaths, a: &RunArgs) -> Result<i32> {
    if a.detach && a.log_driver.as_deref() == Some("passthrough") {
        bail!("--log-driver passthrough: the container writes to berth's own output, so it cannot run detached");
    }
    let mut opts = run_options(a)?;
    if let Some(code) = ensure_image(paths, a, &mut opts)? {
        return Ok(code);
    }
    let (opts, new_pod) = with_pod(paths, opts)?;
    if a.detach {
        let id = ops::containers::create(paths, &opts).inspect_err(|_| unmade(paths, &new_pod))?;
        return Ok(match start_in_background(paths, &id)? {
            Ok(()) => {
                output::println(&id)?;
                0
            }
            Err(code) => code,
        });
    }
    if let Some(pod) = &opts.pod {
        start_pod_infra(paths, ops::pod::PodOf::Pod(pod))?;
    }
    let mut hint = |h: &str| super::hint_once(paths, h);
    let (code, again) = match ops::run::run(paths, &opts, &mut hint) {
        Ok(r) => r,
        Err(e) => {
            if e.downcast_ref::<StartError>().is_none() {
                unmade(paths, &new_pod);
            }
            return exit_code(Err(e));
        }
    };
    if let Some(id) = again {
        // Its policy starts it again, detached: this command returns the
        // exit code of the run it showed.
        let _ = background(paths, &id, true)?;
    }
    Ok(code)
}

pub fn create(paths: &StorePaths, a: &RunArgs) -> Result<i32> {
    let mut opts = run_options(a)?;
    if let Some(code) = ensure_image(paths, a, &mut opts)? {
        return Ok(code);
    }
    let (opts, new_pod) = with_pod(paths, opts)?;
    let id = ops::containers::create(paths, &opts).inspect_err(|_| unmade(paths, &new_pod))?;
    output::println(&id)?;
    Ok(0)
}

/// `--pod new:NAME`: make pod NAME first, with the container's network
/// flags; the container then joins it. The name of the pod made, if one
/// was: it goes again if no container is made for it.
fn with_pod(
    paths: &StorePaths,
    mut opts: ops::run::RunOptions,
) -> Result<(ops::run::RunOptions, Option<String>)> {
    let Some(name) = opts.pod.as_deref().and_then(|p| p.strip_prefix("new:")) else {
        return Ok((opts, None));
    };
    let name = name.to_string();
    let pod = ops::pod::PodOptions::taken_from(&mut opts, &name);
    ops::pod::create(paths, &pod)?;
    opts.pod = Some(name.clone());
    Ok((opts, Some(name)))
}

/// The container of `run|create --pod new:NAME` was not made: nor is
/// the pod left.
fn unmade(paths: &StorePaths, new_pod: &Option<String>) {
    if let Some(p) = new_pod {
        let _ = ops::pod::remove_if_empty(paths, p);
    }
}

/// Before a pod's container starts: its infra container, if it does not
/// run (detached, as `pod start` starts it).
pub(super) fn start_pod_infra(paths: &StorePaths, of: ops::pod::PodOf) -> Result<()> {
    if let Some(infra) = ops::pod::infra_to_start(paths, of)? {
        if let Err(code) = background(paths, &infra, false)? {
            bail!("the pod's infra container did not start (exit code {code})");
        }
    }
    Ok(())
}

#[derive(Args, Debug)]
pub struct StartArgs {
    /// Attach to the container's output and wait for it (default: start
    /// it in the background)
    #[arg(short, long)]
    attach: bool,
    /// Connect standard input (as given to `create -i`)
    #[arg(short, long)]
    interactive: bool,
    /// Start every container that is not running that matches the
    /// filters, but an unless-stopped one a user stopped (as Docker does
    /// after a reboot)
    #[arg(long, conflicts_with_all = ["containers", "attach"])]
    all: bool,
    /// With --all: the filters of `ps --filter` (restart-policy=always)
    #[arg(short, long = "filter", value_name = "KEY=VALUE", requires = "all")]
    filter: Vec<String>,
    /// The containers (names or IDs)
    #[arg(required_unless_present = "all")]
    containers: Vec<String>,
}

pub fn start(paths: &StorePaths, a: &StartArgs) -> Result<i32> {
    if a.attach {
        let [container] = &a.containers[..] else {
            bail!("start --attach takes one container");
        };
        start_pod_infra(paths, ops::pod::PodOf::Container(container))?;
        let mut hint = |h: &str| super::hint_once(paths, h);
        return exit_code(ops::containers::start(paths, container, &mut hint));
    }
    let names: Vec<String> = if a.all {
        let filters = ps_filters(&a.filter)?;
        ops::containers::list(paths, true)?
            .into_iter()
            .filter(|c| {
                ps_matches(c, &filters)
                    && !c.state.is_live()
                    && !(c.record.restart == RestartPolicy::UnlessStopped && c.stopped_by_user)
            })
            .map(|c| c.record.name)
            .collect()
    } else {
        a.containers.clone()
    };
    // Podman: the last failure's code, every container tried.
    let mut code = 0;
    for name in &names {
        match start_in_background(paths, name)? {
            Ok(()) => output::println(name)?,
            Err(c) => code = c,
        }
    }
    Ok(code)
}

/// Start container `name` detached, in a berth process of its own
/// ([`ops::detached`]). `Ok(Err(code))` when it could not start (the
/// error is reported).
fn start_in_background(paths: &StorePaths, name: &str) -> Result<Result<(), i32>> {
    background(paths, name, false)
}

/// [`start_in_background`]; `policy_restart`: its restart policy starts
/// it again after a foreground run.
pub(super) fn background(
    paths: &StorePaths,
    name: &str,
    policy_restart: bool,
) -> Result<Result<(), i32>> {
    if !policy_restart {
        start_pod_infra(paths, ops::pod::PodOf::Container(name))?;
    }
    match ops::detached::start(paths, name, policy_restart)? {
        ops::detached::Report::Started => Ok(Ok(())),
        ops::detached::Report::Failed { code, message } => {
            eprintln!("Error: {message}");
            Ok(Err(code))
        }
    }
}

/// Arguments of the hidden `internal-start` mode.
#[derive(Args, Debug)]
pub struct InternalStartArgs {
    /// Its restart policy starts it again after a foreground run.
    #[arg(long)]
    policy_restart: bool,
    /// The container (name or ID).
    container: String,
}

/// The hidden `internal-start` mode: run a container detached. Reports
/// to `start_in_background` on standard output, which then becomes
/// /dev/null; returns the container's exit code.
pub fn internal_start(paths: &StorePaths, a: &InternalStartArgs) -> Result<i32> {
    let mut reported = false;
    let mut started = || {
        ops::detached::report_started();
        reported = true;
    };
    let mut hint = |_: &str| {};
    let r = ops::containers::start_detached(
        paths,
        &a.container,
        a.policy_restart,
        &mut started,
        &mut hint,
    );
    if reported {
        return Ok(r.unwrap_or(super::exit::ERROR));
    }
    let (code, message) = match &r {
        Ok(c) => (*c, String::new()),
        Err(e) => match e.downcast_ref::<StartError>() {
            Some(s) => (s.code, s.message.clone()),
            None => (super::exit::ERROR, output::one_line(e)),
        },
    };
    ops::detached::report(&ops::detached::Report::Failed { code, message });
    Ok(code)
}

#[derive(Args, Debug)]
pub struct PsArgs {
    /// Show all containers (default: running ones)
    #[arg(short, long)]
    all: bool,
    /// Show only container IDs
    #[arg(short, long)]
    quiet: bool,
    /// Do not truncate IDs and commands
    #[arg(long)]
    no_trunc: bool,
    /// Format: json, or a Go template (`{{.ID}} {{.Names}}`, `table ...`)
    #[arg(long, value_name = "FORMAT")]
    format: Option<String>,
    /// Do not print the header
    #[arg(long)]
    noheading: bool,
    /// Show only containers that match: id=PREFIX, name=TEXT, label=KEY
    /// or label=KEY=VALUE, status=created|running|restarting|exited,
    /// exited=CODE, ancestor=IMAGE, restart-policy=POLICY, pod=POD
    /// (repeated keys: any of them; different keys: all)
    #[arg(short, long = "filter", value_name = "KEY=VALUE")]
    filter: Vec<String>,
    /// Show the pod of each container (POD ID and PODNAME columns)
    #[arg(short, long)]
    pod: bool,
}

/// The keys `ps --filter` knows.
const PS_FILTERS: [&str; 13] = [
    "id",
    "pod",
    "name",
    "label",
    "status",
    "exited",
    "ancestor",
    "restart-policy",
    "health",
    "volume",
    "network",
    "before",
    "since",
];

/// `ps --filter` as (key, value) pairs, checked.
fn ps_filters(given: &[String]) -> Result<Vec<(String, String)>> {
    given
        .iter()
        .map(|f| {
            let (k, v) = f
                .split_once('=')
                .ok_or_else(|| anyhow::anyhow!("--filter {f:?}: expected KEY=VALUE"))?;
            if !PS_FILTERS.contains(&k) {
                bail!(
                    "--filter {f:?}: unknown filter {k:?} (known: {})",
                    PS_FILTERS.join(", ")
                );
            }
            if k == "status" && !["created", "running", "restarting", "exited"].contains(&v) {
                bail!("--filter {f:?}: status is created, running, restarting or exited");
            }
            if k == "restart-policy" {
                crate::store::containers::RestartPolicy::parse(v)
                    .with_context(|| format!("--filter {f:?}"))?;
            }
            if k == "exited" && v.parse::<i32>().is_err() {
                bail!("--filter {f:?}: exited takes an exit code");
            }
            Ok((k.to_string(), v.to_string()))
        })
        .collect()
}

/// Whether container `c` passes every key of `filters` (for a key
/// given more than once, any of its values).
/// `before` and `since` name a container; they become its creation
/// time, as a number (the filters compare it).
fn ps_resolve_times(
    filters: &mut [(String, String)],
    list: &[ContainerInfo],
    pods: &std::collections::BTreeMap<String, String>,
) -> Result<()> {
    for (k, v) in filters.iter_mut() {
        if k == "pod" {
            // A name, an id or a unique prefix of one: its id.
            let exact = pods.iter().find(|(id, name)| *name == v || *id == v);
            let prefixed: Vec<&String> = pods
                .keys()
                .filter(|id| id.starts_with(v.as_str()))
                .collect();
            *v = match (exact.map(|(id, _)| id), prefixed.as_slice()) {
                (Some(id), _) | (None, &[id]) => id.to_string(),
                (None, []) => bail!("--filter pod={v}: no pod with name or ID {v:?} found"),
                (None, m) => bail!("--filter pod={v}: ambiguous, it matches {} pods", m.len()),
            };
            continue;
        }
        if k == "before" || k == "since" {
            let found = list
                .iter()
                .find(|c| c.record.name == *v || c.record.id == *v)
                .or_else(|| {
                    let m: Vec<_> = list
                        .iter()
                        .filter(|c| c.record.id.starts_with(&**v))
                        .collect();
                    (m.len() == 1).then(|| m[0])
                });
            let Some(c) = found else {
                bail!("--filter {k}={v}: no container with name or ID {v:?} found");
            };
            *v = format!("{}.{:09}", c.record.created, c.record.created_nanos);
        }
    }
    Ok(())
}

fn ps_matches(c: &ContainerInfo, filters: &[(String, String)]) -> bool {
    let r = &c.record;
    let created = |v: &str| {
        let (s, n) = v.split_once('.')?;
        Some((s.parse::<i64>().ok()?, n.parse::<u32>().ok()?))
    };
    let labels = r
        .run_config
        .as_ref()
        .and_then(|rc| rc.labels.clone())
        .unwrap_or_default();
    let one = |k: &str, v: &str| match k {
        "id" => r.id.starts_with(v),
        "pod" => r.pod.as_deref() == Some(v),
        "name" => r.name.contains(v),
        "label" => match v.split_once('=') {
            Some((k, v)) => labels.get(k).is_some_and(|x| x == v),
            None => labels.contains_key(v),
        },
        "status" => state_name(c.state) == v,
        "restart-policy" => r.restart.name() == v.split(':').next().unwrap_or_default(),
        "health" => {
            let status = c.health.as_ref().map_or("none", |h| h.status.as_str());
            status == v
        }
        "volume" => c.uses_volume(v),
        "network" => c.uses_network(v),
        "before" => created(v).is_some_and(|t| (r.created, r.created_nanos) < t),
        "since" => created(v).is_some_and(|t| (r.created, r.created_nanos) > t),
        "exited" => {
            matches!(c.state, State::Exited(_))
                && r.exit_code.map(|e| e.to_string()).as_deref() == Some(v)
        }
        "ancestor" => {
            let short = r
                .image_name
                .rsplit_once(':')
                .map_or(&*r.image_name, |(n, _)| n);
            r.image_name == v
                || short == v
                || short.rsplit('/').next() == Some(v)
                || r.image.as_ref().is_some_and(|i| i.hex().starts_with(v))
        }
        _ => false,
    };
    PS_FILTERS.iter().all(|key| {
        let mut values = filters.iter().filter(|(k, _)| k == key).peekable();
        values.peek().is_none() || values.any(|(k, v)| one(k, v))
    })
}

pub(super) fn status(
    state: State,
    rec: &crate::store::containers::ContainerRecord,
    health: Option<&crate::store::containers::Health>,
    now: i64,
) -> String {
    match state {
        State::Created => "Created".into(),
        State::Running(_) => {
            let up = format!(
                "Up {}",
                human_age(rec.started, now).trim_end_matches(" ago")
            );
            match health {
                Some(h) => format!("{up} ({})", h.status),
                None => up,
            }
        }
        State::Restarting(_, c) => format!("Restarting ({c}) {}", human_age(rec.finished, now)),
        State::Exited(c) => format!("Exited ({c}) {}", human_age(rec.finished, now)),
    }
}

/// Podman's PORTS column: `0.0.0.0:8080->80/tcp, …`.
pub(super) fn ports_column(rec: &crate::store::containers::ContainerRecord) -> String {
    let Ok(spec) = crate::ops::containers::spec_of(rec) else {
        return String::new();
    };
    spec.ports
        .iter()
        .map(|p| {
            let ip = if p.host_ip.is_empty() {
                "0.0.0.0"
            } else {
                &p.host_ip
            };
            format!("{ip}:{}->{}/{}", p.host_port, p.container_port, p.protocol)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn state_name(state: State) -> &'static str {
    match state {
        State::Created => "created",
        State::Running(_) => "running",
        State::Restarting(..) => "restarting",
        State::Exited(_) => "exited",
    }
}

/// A row of `ps --format json`, with Podman's keys.
fn ps_json(
    c: &ContainerInfo,
    now: i64,
    pods: &std::collections::BTreeMap<String, String>,
) -> Value {
    let r = &c.record;
    let spec = crate::ops::containers::spec_of(r).ok();
    let networks: Vec<String> = match spec.as_ref().map(|s| &s.network) {
        Some(crate::runtime::spec::Network::Bridge(b)) => {
            b.attachments.iter().map(|a| a.network.clone()).collect()
        }
        _ => Vec::new(),
    };
    let mounts: Vec<Value> = spec
        .as_ref()
        .map(|s| mounts_json(s, &c.dir))
        .unwrap_or_default()
        .into_iter()
        .map(|m| m["Destination"].clone())
        .collect();
    let ports: Vec<Value> = spec.as_ref().map_or(Vec::new(), |s| {
        s.ports
            .iter()
            .map(|p| {
                json!({
                    "host_ip": p.host_ip, "container_port": p.container_port,
                    "host_port": p.host_port, "range": 1, "protocol": p.protocol,
                })
            })
            .collect()
    });
    // Go's zero time, for a time that never was.
    let unix = |t: i64| {
        if t == 0 {
            crate::image::time::GO_ZERO_UNIX
        } else {
            t
        }
    };
    json!({
        "Id": r.id,
        "ID": r.id,
        "Names": [r.name],
        "Image": r.image_name,
        "ImageID": r.image.as_ref().map(|i| i.hex()).unwrap_or_default(),
        "Command": r.command,
        "Created": r.created,
        "CreatedAt": human_age(r.created, now),
        "State": state_name(c.state),
        "Status": status(c.state, r, c.health.as_ref(), now),
        "ExitCode": r.exit_code.unwrap_or(0),
        "Exited": matches!(c.state, State::Exited(_)),
        "ExitedAt": unix(r.finished),
        "StartedAt": unix(r.started),
        "Pid": c.pid1,
        "Labels": labels_of(r),
        "AutoRemove": spec.as_ref().is_some_and(|s| !s.remove_after.is_empty()),
        "Mounts": mounts,
        "Networks": networks,
        "Ports": ports,
        "Namespaces": {},
        "IsInfra": spec.as_ref().is_some_and(|s| s.pause),
        "Pod": r.pod.clone().unwrap_or_default(),
        "PodName": r.pod.as_ref().and_then(|p| pods.get(p)).cloned().unwrap_or_default(),
        "Size": null,
    })
}

/// `--pid`, `--ipc`, `--uts` as Podman's `HostConfig` shows them.
fn ns_mode_text(mode: Option<&crate::runtime::spec::NsMode>) -> String {
    use crate::runtime::spec::NsMode;
    match mode {
        None | Some(NsMode::Private) => "private".into(),
        Some(NsMode::Host) => "host".into(),
        Some(NsMode::Container { id, .. }) => format!("container:{id}"),
    }
}

/// The container's labels (its image's and its own).
fn labels_of(r: &crate::store::containers::ContainerRecord) -> Value {
    json!(r
        .run_config
        .as_ref()
        .and_then(|c| c.labels.clone())
        .unwrap_or_default())
}

pub fn ps(paths: &StorePaths, a: &PsArgs) -> Result<i32> {
    let mut filters = ps_filters(&a.filter)?;
    // Asking for a status or an exit code asks for stopped containers too.
    let all = a.all
        || filters
            .iter()
            .any(|(k, v)| k == "exited" || (k == "status" && v != "running"));
    let mut list = ops::containers::list(paths, true)?;
    let pods = ops::pod::names(paths)?;
    ps_resolve_times(&mut filters, &list, &pods)?;
    list.retain(|c| (all || c.state.is_live()) && ps_matches(c, &filters));
    let id = |s: &str| {
        if a.no_trunc {
            s.to_string()
        } else {
            s[..12].to_string()
        }
    };
    if a.quiet {
        let text: String = list.iter().map(|c| id(&c.record.id) + "\n").collect();
        output::print(&text)?;
        return Ok(0);
    }
    let now = crate::image::time::now_unix();
    if let Some(f) = &a.format {
        let json_rows: Vec<Value> = list.iter().map(|c| ps_json(c, now, &pods)).collect();
        if f == "json" {
            output::println(&serde_json::to_string_pretty(&json_rows)?)?;
            return Ok(0);
        }
        // Templates see the JSON row with the table's cells over it, as
        // Podman's: short ids, the command in one string, times as Go
        // prints them.
        let rows: Vec<Value> = list
            .iter()
            .zip(json_rows)
            .map(|(c, mut row)| {
                let r = &c.record;
                let created = crate::image::time::format_go(
                    r.created * 1_000_000_000 + i64::from(r.created_nanos),
                );
                for (k, v) in [
                    ("ID", json!(id(&r.id))),
                    (
                        "ImageID",
                        json!(r
                            .image
                            .as_ref()
                            .map(|i| i.short().to_string())
                            .unwrap_or_default()),
                    ),
                    ("Command", json!(r.command.join(" "))),
                    ("Created", json!(created)),
                    ("CreatedAt", json!(created)),
                    ("CreatedHuman", json!(human_age(r.created, now))),
                    ("RunningFor", json!(human_age(r.created, now))),
                    ("Names", json!(r.name)),
                    ("Pod", json!(r.pod.as_deref().map(&id).unwrap_or_default())),
                    ("Ports", json!(ports_column(r))),
                    (
                        "Networks",
                        json!(row["Networks"].as_array().map(|n| {
                            n.iter()
                                .filter_map(Value::as_str)
                                .collect::<Vec<_>>()
                                .join(",")
                        })),
                    ),
                ] {
                    row[k] = v;
                }
                row
            })
            .collect();
        let headers = HashMap::from([("ID", "CONTAINER ID"), ("CreatedHuman", "CREATED")]);
        let t = tmpl::Template::parse(f)?;
        let text = t.render_rows(&rows, &headers)?;
        output::print(match (a.noheading, f.trim_start().starts_with("table")) {
            (true, true) => text.split_once('\n').map_or("", |(_, rest)| rest),
            _ => &text,
        })?;
        return Ok(0);
    }
    let cells: Vec<Vec<String>> = list
        .iter()
        .map(|c| {
            let r = &c.record;
            let mut cmd = r.command.join(" ");
            if !a.no_trunc && cmd.chars().count() > 20 {
                cmd = cmd.chars().take(17).collect::<String>() + "...";
            }
            let mut row = vec![
                id(&r.id),
                r.image_name.clone(),
                cmd,
                human_age(r.created, now),
                status(c.state, r, c.health.as_ref(), now),
                ports_column(r),
                r.name.clone(),
            ];
            if a.pod {
                let pod = r.pod.as_deref().unwrap_or_default();
                row.push(if pod.is_empty() {
                    String::new()
                } else {
                    id(pod)
                });
                row.push(pods.get(pod).cloned().unwrap_or_default());
            }
            row
        })
        .collect();
    let mut head = vec![
        "CONTAINER ID",
        "IMAGE",
        "COMMAND",
        "CREATED",
        "STATUS",
        "PORTS",
        "NAMES",
    ];
    if a.pod {
        head.extend(["POD ID", "PODNAME"]);
    }
    let head: &[&str] = if a.noheading { &[] } else { &head };
    output::print(&tmpl::table(head, &cells))?;
    Ok(0)
}

#[derive(Args, Debug)]
pub struct RmArgs {
    /// Remove running containers too (they are killed), and say nothing
    /// of containers that are not there
    #[arg(short, long)]
    force: bool,
    /// Say nothing of containers that are not there
    #[arg(short, long)]
    ignore: bool,
    /// With --force: give a running container its stop signal and this
    /// long to exit before it is killed (default: killed at once)
    #[arg(short = 't', long = "time", value_name = "SECONDS")]
    time: Option<u64>,
    /// Remove all containers
    #[arg(short, long)]
    all: bool,
    /// Remove the containers' anonymous volumes too
    #[arg(short, long)]
    volumes: bool,
    /// Containers (names or IDs)
    containers: Vec<String>,
}

pub fn rm(paths: &StorePaths, a: &RmArgs) -> Result<i32> {
    if a.containers.is_empty() && !a.all {
        bail!("rm needs at least one container name or ID, or --all");
    }
    let grace = a.time.map(std::time::Duration::from_secs);
    let remove = |names: &[String], all| {
        ops::containers::remove(paths, names, all, a.force, a.volumes, grace)
    };
    if a.all {
        let ids = remove(&[], true)?;
        output::print(&ids.iter().map(|i| format!("{i}\n")).collect::<String>())?;
    }
    // Each as Podman: what was given is printed once removed; a failure
    // is reported and the others go on; the exit code is the last
    // failure's: 1 not there, 2 running (without --force), else 125.
    let mut code = 0;
    for name in &a.containers {
        match remove(std::slice::from_ref(name), false) {
            Ok(_) => output::println(name)?,
            Err(e)
                if e.downcast_ref::<crate::store::ContainerNotFound>()
                    .is_some() =>
            {
                if !(a.force || a.ignore) {
                    eprintln!("Error: {}", output::one_line(&e));
                    code = 1;
                }
            }
            Err(e) => {
                eprintln!("Error: {}", output::one_line(&e));
                code = match e.downcast_ref::<ops::containers::ContainerRunning>() {
                    Some(_) => 2,
                    None => super::exit::ERROR,
                };
            }
        }
    }
    Ok(code)
}

#[derive(Args, Debug)]
pub struct MountArgs {
    /// Show full container IDs
    #[arg(long)]
    no_trunc: bool,
    /// Containers (names or IDs); none: list the mounted ones
    containers: Vec<String>,
}

/// `mount`: print where each container's root file system is mounted;
/// without names, the mounted containers and where.
pub fn mount(paths: &StorePaths, a: &MountArgs) -> Result<i32> {
    let text: String = if a.containers.is_empty() {
        ops::containers::mounted(paths)?
            .iter()
            .map(|(rec, path)| {
                let id = if a.no_trunc {
                    &rec.id[..]
                } else {
                    &rec.id[..12]
                };
                format!("{id}  {}\n", path.display())
            })
            .collect()
    } else {
        ops::containers::mount(paths, &a.containers)?
            .iter()
            .map(|(_, path)| format!("{}\n", path.display()))
            .collect()
    };
    output::print(&text)?;
    Ok(0)
}

#[derive(Args, Debug)]
pub struct UnmountArgs {
    /// Unmount every mounted container
    #[arg(short, long)]
    all: bool,
    /// Accepted for Podman's sake (berth keeps no mount count)
    #[arg(short, long)]
    force: bool,
    /// Containers (names or IDs)
    containers: Vec<String>,
}

pub fn unmount(paths: &StorePaths, a: &UnmountArgs) -> Result<i32> {
    if a.containers.is_empty() && !a.all {
        bail!("unmount needs at least one container name or ID, or --all");
    }
    let names = ops::containers::unmount(paths, &a.containers, a.all)?;
    let text: String = names.iter().map(|n| format!("{n}\n")).collect();
    output::print(&text)?;
    Ok(0)
}

#[derive(Args, Debug)]
pub struct UnshareArgs {
    /// The command and its arguments (default: the user's shell)
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    command: Vec<String>,
}

/// `unshare`: run a command in berth's user namespace (rootless), in a
/// mount namespace of its own, with BERTH_ROOT and BERTH_RUNROOT set.
pub fn unshare(paths: &StorePaths, a: &UnshareArgs) -> Result<i32> {
    exit_code(ops::containers::unshare(paths, &a.command))
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// Format: json (default) or a Go template (`{{.State.ExitCode}}`)
    #[arg(short, long, value_name = "FORMAT")]
    format: Option<String>,
    /// Containers (names or IDs)
    #[arg(required = true)]
    containers: Vec<String>,
}

pub fn inspect(paths: &StorePaths, a: &InspectArgs) -> Result<i32> {
    let list = ops::containers::inspect(paths, &a.containers)?;
    let values: Vec<Value> = list.iter().map(inspect_json).collect();
    output::print_inspected(a.format.as_deref(), &values)?;
    Ok(0)
}

/// The `container inspect` object of one container (also what the
/// top-level `inspect` shows for a container).
pub(super) fn inspect_json(c: &ContainerInfo) -> Value {
    use crate::image::time::format_rfc3339;
    let r = &c.record;
    let spec = crate::ops::containers::spec_of(r).ok();
    let caps = spec
        .as_ref()
        .map(|s| cap_names(s.process.capabilities))
        .unwrap_or_default();
    // Go's zero time where Podman has one, for a time that never was.
    let time = |t: i64| {
        if t == 0 {
            crate::image::time::GO_ZERO.to_string()
        } else {
            format_rfc3339(t)
        }
    };
    let in_dir = |f: &str| match c.dir.join(f) {
        p if p.exists() => p.display().to_string(),
        _ => String::new(),
    };
    json!({
        "Id": r.id,
        "Name": r.name,
        "Created": crate::image::time::format_rfc3339_nanos(
            r.created * 1_000_000_000 + i64::from(r.created_nanos)
        ),
        "Image": r.image.as_ref().map(|i| i.hex()).unwrap_or_default(),
        "ImageDigest": c.image_digest,
        "ImageName": r.image_name,
        "Path": r.command.first(),
        "Args": r.command.get(1..).unwrap_or_default(),
        "State": {
            "OciVersion": "1.0.2",
            "Status": state_name(c.state),
            "Running": matches!(c.state, State::Running(_)),
            "Paused": false,
            "Restarting": matches!(c.state, State::Restarting(..)),
            "OOMKilled": false,
            "Dead": false,
            // Podman's names: the program's pid 1, and the process that
            // watches over it (berth's, as conmon in Podman).
            "Pid": c.pid1,
            "ConmonPid": match c.state { State::Running(p) | State::Restarting(p, _) => p, _ => 0 },
            "ExitCode": r.exit_code.unwrap_or(0),
            "Error": "",
            // berth keeps no cgroups.
            "CgroupPath": "",
            "StartedAt": time(r.started),
            "FinishedAt": time(r.finished),
            "Health": c.health.as_ref().map_or_else(
                || json!({"Status": "", "FailingStreak": 0, "Log": null}),
                |h| json!(h),
            ),
            "CheckpointedAt": time(0),
            "RestoredAt": time(0),
        },
        "Rootfs": r.rootfs.as_ref().map(|d| d.display().to_string()).unwrap_or_default(),
        "Pod": r.pod.clone().unwrap_or_default(),
        "ResolvConfPath": in_dir("resolv.conf"),
        "HostnamePath": in_dir("hostname"),
        "HostsPath": in_dir("hosts"),
        "StaticDir": c.dir.display().to_string(),
        "OCIRuntime": "berth",
        "ConmonPidFile": "",
        "OCIConfigPath": c.dir.join("config.json").display().to_string(),
        "PidFile": spec.as_ref().and_then(|s| s.pid1_file.as_ref()).map(|p| p.display().to_string()).unwrap_or_default(),
        "RestartCount": r.restart_count,
        "Driver": "overlay",
        "MountLabel": "",
        "ProcessLabel": "",
        "AppArmorProfile": "",
        "EffectiveCaps": caps,
        "BoundingCaps": caps,
        "ExecIDs": [],
        "GraphDriver": {
            "Name": "overlay",
            "Data": spec.as_ref().map(|s| json!({
                "LowerDir": s.rootfs.lowers.iter()
                    .map(|l| s.rootfs.lower_base.join(l).display().to_string())
                    .collect::<Vec<_>>().join(":"),
                "UpperDir": c.overlay.upper.display().to_string(),
                "WorkDir": c.overlay.work.display().to_string(),
                "MergedDir": s.rootfs.target.display().to_string(),
            })),
        },
        "Mounts": spec.as_ref().map(|s| mounts_json(s, &c.dir)).unwrap_or_default(),
        "Dependencies": [],
        "Namespace": "",
        "IsInfra": false,
        "IsService": false,
        "LogPath": if r.log.to_file() { c.log_path.display().to_string() } else { String::new() },
        "HostConfig": host_config(c, spec.as_ref()),
        "Config": docker_config(r, spec.as_ref()),
        "NetworkSettings": network_settings(&c.networks, spec.as_ref()),
    })
}

/// `CAP_…` names of the capabilities in `set`, sorted.
fn cap_names(set: u64) -> Vec<String> {
    let mut v: Vec<String> = crate::runtime::security::CAP_NAMES
        .iter()
        .enumerate()
        .filter(|(i, _)| set & (1 << i) != 0)
        .map(|(_, n)| format!("CAP_{n}"))
        .collect();
    v.sort();
    v
}

/// The user's mounts of the spec (not the files berth binds into each
/// container from `dir`), in Podman's `Mounts` shape.
fn mounts_json(spec: &crate::runtime::spec::Spec, dir: &std::path::Path) -> Vec<Value> {
    use crate::runtime::spec::Mount;
    let entry =
        |kind: &str, name: Option<&str>, src: String, dst: &str, ro: bool, opts: &[&str]| {
            let mut m = json!({
                "Type": kind, "Source": src, "Destination": dst,
                "Driver": if kind == "volume" { "local" } else { "" },
                "Mode": "", "Options": opts, "RW": !ro, "Propagation": "rprivate",
            });
            if let Some(n) = name {
                m["Name"] = json!(n);
            }
            m
        };
    spec.mounts
        .iter()
        .filter_map(|m| match m {
            Mount::Bind { source, .. } if source.starts_with(dir) => None,
            Mount::Bind {
                source,
                target,
                read_only,
                ..
            } => Some(entry(
                "bind",
                None,
                source.display().to_string(),
                target,
                *read_only,
                &["rbind"],
            )),
            Mount::Volume {
                name,
                dir,
                target,
                read_only,
                ..
            } => Some(entry(
                "volume",
                Some(name),
                dir.display().to_string(),
                target,
                *read_only,
                &["nosuid", "nodev", "rbind"],
            )),
            Mount::Overlay {
                source,
                target,
                read_only,
                ..
            } => Some(entry(
                "overlay",
                None,
                source.clone(),
                target,
                *read_only,
                &[],
            )),
            Mount::Tmpfs { .. } | Mount::Device { .. } => None,
        })
        .collect()
}

/// `HostConfig` in Docker's and Podman's names: the flags of `create`
/// and what the runtime made of them. Resource limits are zero: berth
/// sets no cgroup limits.
fn host_config(c: &ContainerInfo, spec: Option<&crate::runtime::spec::Spec>) -> Value {
    use crate::runtime::spec::{Mount, Network};
    let r = &c.record;
    let f = &r.flags;
    let limit = |v: u64| if v == u64::MAX { -1 } else { v as i64 };
    let log_path = c.log_path.display().to_string();
    let mut h = json!({
        "RestartPolicy": {
            "Name": r.restart.name(),
            "MaximumRetryCount": r.restart.max_retries(),
        },
        "LogConfig": {
            "Type": r.log.driver(),
            "Config": null,
            "Path": if r.log.to_file() { log_path } else { String::new() },
            "Tag": "",
            "Size": if r.log.max_size > 0 { r.log.max_size.to_string() } else { "0B".into() },
        },
        "CapAdd": f.cap_add.iter().map(|c| cap_flag(c)).collect::<Vec<_>>(),
        "CapDrop": f.cap_drop.iter().map(|c| cap_flag(c)).collect::<Vec<_>>(),
        "Dns": f.dns, "DnsOptions": f.dns_options, "DnsSearch": f.dns_search,
        "ExtraHosts": f.add_hosts,
        "VolumesFrom": Some(&f.volumes_from).filter(|v| !v.is_empty()),
        "SecurityOpt": f.security_opt,
        "UsernsMode": match spec.and_then(|s| s.id_map.as_ref()) {
            Some(_) => "private".to_string(),
            None => f.userns.clone().unwrap_or_default(),
        },
        "IpcMode": ns_mode_text(spec.map(|s| &s.ipc)),
        "PidMode": ns_mode_text(spec.map(|s| &s.pid)),
        "UTSMode": ns_mode_text(spec.map(|s| &s.uts)),
        "Cgroups": "disabled", "Runtime": "oci", "ConsoleSize": [0, 0],
        "OomKillDisable": false,
    });
    if let Some(map) = spec.and_then(|s| s.id_map.as_ref()) {
        let text = |ranges: &[crate::runtime::spec::IdRange]| {
            ranges
                .iter()
                .map(|r| format!("{}:{}:{}", r.container, r.host, r.count))
                .collect::<Vec<_>>()
        };
        h["IDMappings"] = json!({"UidMap": text(&map.uids), "GidMap": text(&map.gids)});
    }
    // Podman's keys for what berth does not set: no limits (no cgroups),
    // no links, no SELinux.
    for k in [
        "ContainerIDFile",
        "VolumeDriver",
        "Cgroup",
        "CgroupManager",
        "CgroupMode",
        "CgroupParent",
        "Isolation",
        "CpusetCpus",
        "CpusetMems",
    ] {
        h[k] = json!("");
    }
    for k in [
        "OomScoreAdj",
        "CpuShares",
        "Memory",
        "NanoCpus",
        "BlkioWeight",
        "CpuPeriod",
        "CpuQuota",
        "CpuRealtimePeriod",
        "CpuRealtimeRuntime",
        "DiskQuota",
        "KernelMemory",
        "MemoryReservation",
        "MemorySwap",
        "MemorySwappiness",
        "PidsLimit",
        "CpuCount",
        "CpuPercent",
        "IOMaximumIOps",
        "IOMaximumBandwidth",
    ] {
        h[k] = json!(0);
    }
    for k in [
        "Links",
        "CgroupConf",
        "BlkioWeightDevice",
        "BlkioDeviceReadBps",
        "BlkioDeviceWriteBps",
        "BlkioDeviceReadIOps",
        "BlkioDeviceWriteIOps",
    ] {
        h[k] = Value::Null;
    }
    let Some(s) = spec else {
        return h;
    };
    let mut binds = Vec::new();
    let mut tmpfs = serde_json::Map::new();
    let mut devices = Vec::new();
    for m in &s.mounts {
        match m {
            Mount::Bind { source, .. } if source.starts_with(&c.dir) => {}
            Mount::Bind {
                source,
                target,
                read_only,
                ..
            } => binds.push(format!(
                "{}:{target}:{},rprivate,rbind",
                source.display(),
                if *read_only { "ro" } else { "rw" }
            )),
            Mount::Volume {
                name,
                target,
                read_only,
                ..
            } => binds.push(format!(
                "{name}:{target}:{},rprivate,nosuid,nodev,rbind",
                if *read_only { "ro" } else { "rw" }
            )),
            Mount::Overlay { source, target, .. } => binds.push(format!("{source}:{target}:O")),
            Mount::Tmpfs { target, options } => {
                tmpfs.insert(target.clone(), json!(options));
            }
            Mount::Device { source, target } => devices.push(json!({
                "PathOnHost": source, "PathInContainer": target,
            })),
        }
    }
    h["Binds"] = json!(binds);
    h["Tmpfs"] = json!(tmpfs);
    h["Devices"] = json!(devices);
    h["NetworkMode"] = json!(match &s.network {
        Network::None => "none".to_string(),
        Network::Host => "host".to_string(),
        Network::Private => "private".to_string(),
        Network::Slirp4netns { .. } => "slirp4netns".to_string(),
        Network::Pasta { .. } => "pasta".to_string(),
        Network::Bridge(_) => "bridge".to_string(),
        Network::Container { id, .. } => format!("container:{id}"),
        Network::Ns { path } => format!("ns:{}", path.display()),
    });
    h["PortBindings"] = port_bindings(&s.ports);
    h["PublishAllPorts"] = json!(false);
    h["Privileged"] = json!(!s.mask_paths);
    h["ReadonlyRootfs"] = json!(s.read_only);
    h["Init"] = json!(s.init);
    h["AutoRemove"] = json!(!s.remove_after.is_empty());
    h["Ulimits"] = json!(s
        .process
        .rlimits
        .iter()
        .map(|l| json!({"Name": format!("RLIMIT_{}", l.name.to_uppercase()), "Soft": limit(l.soft), "Hard": limit(l.hard)}))
        .collect::<Vec<_>>());
    h["GroupAdd"] = json!(if s.process.keep_groups {
        vec!["keep-groups".to_string()]
    } else {
        s.process.group_add.clone()
    });
    h["Sysctls"] = json!(s
        .sysctls
        .iter()
        .map(|(k, v)| (k.replace('/', "."), json!(v)))
        .collect::<serde_json::Map<_, _>>());
    h["ShmSize"] = json!(s
        .shm_size
        .unwrap_or(crate::runtime::rootfs::DEFAULT_SHM_SIZE));
    h
}

/// `--cap-add net_admin` as Podman shows it: `CAP_NET_ADMIN`.
fn cap_flag(c: &str) -> String {
    let up = c.to_ascii_uppercase();
    match up.starts_with("CAP_") || up == "ALL" {
        true => up,
        false => format!("CAP_{up}"),
    }
}

/// Published ports as Docker's `{"80/tcp": [{"HostIp", "HostPort"}]}`.
fn port_bindings(ports: &[crate::runtime::spec::PortMapping]) -> Value {
    let mut m = serde_json::Map::new();
    for p in ports {
        let key = format!("{}/{}", p.container_port, p.protocol);
        let list = m.entry(key).or_insert_with(|| json!([]));
        if let Some(a) = list.as_array_mut() {
            a.push(json!({"HostIp": p.host_ip, "HostPort": p.host_port.to_string()}));
        }
    }
    Value::Object(m)
}

/// `Config` as Docker and Podman show a container's: the image's
/// defaults with what `run`/`create` changed.
fn docker_config(
    r: &crate::store::containers::ContainerRecord,
    spec: Option<&crate::runtime::spec::Spec>,
) -> Value {
    let c = r.run_config.clone().unwrap_or_default();
    let (stdin, tty) = spec.map_or((false, false), |s| (s.process.stdin, s.process.terminal));
    json!({
        "Hostname": spec.map(|s| s.hostname.clone()).unwrap_or_default(),
        "Domainname": "",
        "User": c.user.unwrap_or_default(),
        "AttachStdin": false,
        "AttachStdout": false,
        "AttachStderr": false,
        "Tty": tty,
        "OpenStdin": stdin,
        "StdinOnce": false,
        "Env": c.env.unwrap_or_default(),
        "Cmd": c.cmd,
        "Entrypoint": c.entrypoint,
        "Image": r.image_name,
        "Volumes": c.volumes,
        "WorkingDir": c.working_dir.unwrap_or_default(),
        "OnBuild": null,
        "Labels": labels_of(r),
        "Annotations": {},
        "StopSignal": c.stop_signal,
        "StopTimeout": r.stop_timeout.unwrap_or(ops::containers::STOP_TIMEOUT.as_secs()),
        "ExposedPorts": c.exposed_ports,
        "Healthcheck": c.healthcheck,
        "HealthcheckOnFailureAction": r.health_on_failure.clone().unwrap_or_else(|| "none".into()),
        "CreateCommand": r.flags.command_line,
        "Umask": "0022",
        "Timeout": 0,
        "Passwd": true,
        "sdNotifyMode": "container",
        "Timezone": r.timezone.clone().unwrap_or_default(),
    })
}

/// `NetworkSettings` as Podman and Docker show it: the first network's
/// address at the top, each network by name, and the published ports.
fn network_settings(
    list: &[crate::runtime::network::Settings],
    spec: Option<&crate::runtime::spec::Spec>,
) -> Value {
    let first = list.first();
    let field =
        |f: fn(&crate::runtime::network::Settings) -> Value, empty: Value| first.map_or(empty, f);
    let networks: serde_json::Map<String, Value> = list
        .iter()
        .map(|s| {
            (
                s.network.clone(),
                json!({
                    "EndpointID": "",
                    "NetworkID": s.network,
                    "IPAddress": s.ip,
                    "IPPrefixLen": s.prefix,
                    "Gateway": s.gateway,
                    "GlobalIPv6Address": s.ip6,
                    "GlobalIPv6PrefixLen": s.prefix6,
                    "IPv6Gateway": s.gateway6,
                    "MacAddress": s.mac,
                    "Aliases": s.aliases,
                    "InterfaceName": s.interface,
                    "DriverOpts": null,
                    "IPAMConfig": null,
                    "Links": null,
                }),
            )
        })
        .collect();
    json!({
        "EndpointID": "",
        "IPAddress": field(|s| json!(s.ip), json!("")),
        "IPPrefixLen": field(|s| json!(s.prefix), json!(0)),
        "Gateway": field(|s| json!(s.gateway), json!("")),
        "GlobalIPv6Address": field(|s| json!(s.ip6), json!("")),
        "GlobalIPv6PrefixLen": field(|s| json!(s.prefix6), json!(0)),
        "IPv6Gateway": field(|s| json!(s.gateway6), json!("")),
        "MacAddress": field(|s| json!(s.mac), json!("")),
        "Bridge": "",
        "SandboxID": "",
        "HairpinMode": false,
        "LinkLocalIPv6Address": "",
        "LinkLocalIPv6PrefixLen": 0,
        "SandboxKey": "",
        "Ports": port_bindings(spec.map_or(&[][..], |s| &s.ports)),
        "Networks": networks,
    })
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// Format: json (`{"added": […], "changed": […], "deleted": […]}`)
    #[arg(long, value_name = "FORMAT", value_parser = ["json"])]
    format: Option<String>,
    /// Act on the container created last
    #[arg(short, long)]
    latest: bool,
    /// The container (name or ID)
    container: Option<String>,
}

/// The one container a command names, or with `--latest` the one created
/// last; Podman's texts when there is neither or both.
fn named_or_latest(
    paths: &StorePaths,
    command: &str,
    name: Option<&String>,
    latest: bool,
) -> Result<String> {
    match (name, latest) {
        (Some(_), true) => bail!("--latest and containers cannot be used together"),
        (Some(n), false) => Ok(n.clone()),
        (None, true) => ops::containers::latest(paths),
        (None, false) => {
            bail!("\"berth {command}\" requires a name, id, or the \"--latest\" flag")
        }
    }
}

/// `A /path`, `C /path`, `D /path`, sorted by path, as Podman prints them.
pub fn diff(paths: &StorePaths, a: &DiffArgs) -> Result<i32> {
    let name = named_or_latest(paths, "diff", a.container.as_ref(), a.latest)?;
    let changes = ops::commit::changes(paths, &name)?;
    if a.format.as_deref() == Some("json") {
        let mut obj = serde_json::Map::new();
        for (key, kind) in [("changed", "C"), ("added", "A"), ("deleted", "D")] {
            let list: Vec<&str> = changes
                .iter()
                .filter(|c| c.kind() == kind)
                .map(|c| c.path())
                .collect();
            if !list.is_empty() {
                obj.insert(key.into(), json!(list));
            }
        }
        output::println(&serde_json::to_string_pretty(&Value::Object(obj))?)?;
        return Ok(0);
    }
    let text: String = changes
        .iter()
        .map(|c| format!("{} {}\n", c.kind(), c.path()))
        .collect();
    output::print(&text)?;
    Ok(0)
}

#[derive(Args, Debug)]
pub struct CommitArgs {
    /// Apply a Dockerfile instruction to the image config (CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE, VOLUME, STOPSIGNAL)
    #[arg(short, long, value_name = "INSTRUCTION")]
    change: Vec<String>,
    /// A commit message for the image history
    #[arg(short, long)]
    message: Option<String>,
    /// The author of the image
    #[arg(short, long)]
    author: Option<String>,
    /// Print nothing but the image ID
    #[arg(short, long)]
    quiet: bool,
    /// The container (name or ID)
    container: String,
    /// A name for the new image
    image: Option<String>,
}

pub fn commit(paths: &StorePaths, a: &CommitArgs) -> Result<i32> {
    let opts = ops::commit::CommitOptions {
        container: a.container.clone(),
        reference: a.image.clone(),
        changes: a.change.clone(),
        message: a.message.clone(),
        author: a.author.clone(),
    };
    let rec = ops::commit::commit(paths, &opts)?;
    output::println(rec.id.hex())?;
    Ok(0)
}

#[derive(Args, Debug)]
pub struct CpArgs {
    /// What lands in a container belongs to the container's user
    /// (`--archive=false`: it keeps the owners it had)
    #[arg(short, long, value_name = "BOOL", default_value_t = true, num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = clap::ArgAction::Set)]
    archive: bool,
    /// Let a directory replace a non-directory, and the other way round
    #[arg(long)]
    overwrite: bool,
    /// [CONTAINER:]PATH, or `-` for a tar on standard input
    #[arg(value_name = "SRC")]
    src: String,
    /// [CONTAINER:]PATH, or `-` for a tar on standard output
    #[arg(value_name = "DST")]
    dst: String,
}

pub fn cp(paths: &StorePaths, a: &CpArgs) -> Result<i32> {
    use ops::cp::Location;
    let (src, dst) = (Location::parse(&a.src), Location::parse(&a.dst));
    // Running containers are opened as the caller, before the user
    // namespace that stopped ones are read in.
    let plan = ops::cp::plan(paths, &src, &dst, true)?;
    if let Some(code) = super::enter_user_namespace(paths)? {
        return Ok(code);
    }
    let opts = ops::cp::CopyOptions {
        archive: a.archive,
        overwrite: a.overwrite,
    };
    let mut out = output::stdout();
    ops::cp::copy(plan, &opts, &mut std::io::stdin(), &mut out)?;
    Ok(0)
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Write to this file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// The container (name or ID)
    container: String,
}

/// `export`: the container's file system (its image and its changes, not
/// its volumes) as a tar.
pub fn export(paths: &StorePaths, a: &ExportArgs) -> Result<i32> {
    output::tar_output(a.output.as_deref(), "export", |out| {
        ops::cp::export(paths, &a.container, out)
    })?;
    Ok(0)
}

pub fn internal_init(a: &InternalInitArgs) -> Result<i32> {
    Ok(ops::run::internal_init(a.fd))
}

#[derive(Args, Debug)]
#[command(trailing_var_arg = true)]
pub struct ExecArgs {
    /// Keep standard input open and connect it to the command
    #[arg(short, long)]
    interactive: bool,
    /// Allocate a pseudo-terminal
    #[arg(short, long)]
    tty: bool,
    /// Set an environment variable (KEY=VALUE, or KEY to take berth's)
    #[arg(short, long = "env", value_name = "KEY[=VALUE]")]
    env: Vec<String>,
    /// Read environment variables from a file (KEY=VALUE lines)
    #[arg(long, value_name = "FILE")]
    env_file: Vec<PathBuf>,
    /// User to run as: uid[:gid] or name[:group] (default: the
    /// container's)
    #[arg(short, long, value_name = "USER")]
    user: Option<String>,
    /// Working directory inside the container (default: the container's)
    #[arg(short, long, value_name = "DIR")]
    workdir: Option<String>,
    /// Give the command every capability
    #[arg(long)]
    privileged: bool,
    /// Start the command and return at once, printing its session's ID
    /// (its output is discarded)
    #[arg(short, long)]
    detach: bool,
    /// The container (name or ID)
    container: String,
    /// The command and its arguments
    #[arg(required = true, allow_hyphen_values = true, value_name = "COMMAND")]
    command: Vec<String>,
}

pub fn exec(paths: &StorePaths, a: &ExecArgs) -> Result<i32> {
    let opts = ops::exec::ExecOptions {
        container: a.container.clone(),
        command: a.command.clone(),
        env: a.env.clone(),
        env_files: a.env_file.clone(),
        user: a.user.clone(),
        workdir: a.workdir.clone(),
        interactive: a.interactive,
        tty: a.tty,
        privileged: a.privileged,
        detach: a.detach,
    };
    if a.detach {
        return exit_code(ops::exec::exec_detached(paths, &opts).and_then(|id| {
            output::println(&id)?;
            Ok(0)
        }));
    }
    exit_code(ops::exec::exec(paths, &opts))
}

pub fn internal_exec(a: &InternalInitArgs) -> Result<i32> {
    Ok(ops::exec::internal_exec(a.fd))
}

#[derive(Args, Debug)]
pub struct PruneArgs {
    /// Do not ask for confirmation
    #[arg(short, long)]
    force: bool,
}

pub fn prune(paths: &StorePaths, a: &PruneArgs) -> Result<i32> {
    output::prune_after_asking(
        a.force,
        "WARNING! This will remove all non running containers.\nAre you sure you want to continue?",
        || ops::containers::prune(paths),
    )
}

/// Which part of a log `logs` and `pod logs` show, and how.
#[derive(Args, Debug)]
pub(super) struct LogWindow {
    /// Keep printing new output until the container exits
    #[arg(short, long)]
    follow: bool,
    /// Print only the last N lines (of each container)
    #[arg(long, value_name = "N")]
    tail: Option<usize>,
    /// Prefix each line with its time (RFC 3339)
    #[arg(short, long)]
    pub(super) timestamps: bool,
    /// Only output from this time on: RFC 3339, a date or local time
    /// (2006-01-02, 2006-01-02T15:04:05), seconds since the epoch, or a
    /// duration before now (10s, 5m, 2h)
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Only output up to this time (as --since; a duration is after now)
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
}

impl LogWindow {
    pub(super) fn options(&self) -> Result<ops::containers::LogOptions> {
        let time = |flag: &str, v: &Option<String>| -> Result<Option<i64>> {
            v.as_deref()
                .map(|s| output::parse_time(flag, s))
                .transpose()
        };
        Ok(ops::containers::LogOptions {
            follow: self.follow,
            tail: self.tail,
            since: time("--since", &self.since)?,
            until: time("--until", &self.until)?,
        })
    }
}

#[derive(Args, Debug)]
pub struct LogsArgs {
    #[command(flatten)]
    window: LogWindow,
    /// The container created last
    #[arg(short, long)]
    latest: bool,
    /// With several containers, prefix lines with the container's name
    /// rather than its ID
    #[arg(short = 'n', long)]
    names: bool,
    /// The containers (names or IDs)
    #[arg(value_name = "CONTAINER")]
    containers: Vec<String>,
}

/// `logs`: stdout records to standard output, stderr records to standard
/// error, a newline after each full line. Lines of several containers
/// come with the container's short ID (or name, `-n`) before them, in
/// the order of their times (as they come, with `-f`).
pub fn logs(paths: &StorePaths, a: &LogsArgs) -> Result<i32> {
    let o = a.window.options()?;
    let names = match (a.containers.as_slice(), a.latest) {
        ([], _) | ([_], _) => vec![named_or_latest(
            paths,
            "logs",
            a.containers.first(),
            a.latest,
        )?],
        (_, true) => bail!("--latest and containers cannot be used together"),
        (many, false) => many.to_vec(),
    };
    if let [one] = names.as_slice() {
        let mut sink = |r: &crate::runtime::logs::Record| print_record(r, "", a.window.timestamps);
        ops::containers::logs(paths, one, &o, &mut sink)?;
        return Ok(0);
    }
    let mut prefixes = Vec::new();
    for n in &names {
        let c = ops::containers::inspect(paths, std::slice::from_ref(n))?;
        let rec = &c[0].record;
        // Each is checked before any is followed.
        ops::containers::log_kept(rec)?;
        prefixes.push(match a.names {
            true => format!("{} ", rec.name),
            false => format!("{} ", &rec.id[..12]),
        });
    }
    print_logs(paths, &names, &prefixes, &o, a.window.timestamps)?;
    Ok(0)
}

/// The logs of several containers, each line after its container's
/// prefix: in the order of their times, or as they come with a follow.
pub(super) fn print_logs(
    paths: &StorePaths,
    names: &[String],
    prefixes: &[String],
    o: &ops::containers::LogOptions,
    timestamps: bool,
) -> Result<()> {
    if o.follow {
        // Each followed at once; a line is written whole.
        std::thread::scope(|s| -> Result<()> {
            let handles: Vec<_> = names
                .iter()
                .zip(prefixes)
                .map(|(n, p)| {
                    s.spawn(move || {
                        let mut sink =
                            |r: &crate::runtime::logs::Record| print_record(r, p, timestamps);
                        ops::containers::logs(paths, n, o, &mut sink)
                    })
                })
                .collect();
            for h in handles {
                h.join()
                    .map_err(|_| anyhow::anyhow!("following a log: the thread panicked"))??;
            }
            Ok(())
        })?;
        return Ok(());
    }
    let mut all = Vec::new();
    for (n, p) in names.iter().zip(prefixes) {
        let mut sink = |r: &crate::runtime::logs::Record| {
            all.push((r.clone(), p));
            Ok(())
        };
        ops::containers::logs(paths, n, o, &mut sink)?;
    }
    all.sort_by_key(|(r, _)| crate::image::time::parse_rfc3339_nanos(&r.time));
    for (r, p) in &all {
        print_record(r, p, timestamps)?;
    }
    Ok(())
}

/// Print one record of a log, as `logs` does, after `prefix`.
pub(super) fn print_record(
    r: &crate::runtime::logs::Record,
    prefix: &str,
    timestamps: bool,
) -> Result<()> {
    use crate::runtime::logs::Stream;
    use std::io::Write;
    {
        let mut line = prefix.to_string();
        if timestamps {
            line.push_str(&r.time);
            line.push(' ');
        }
        line.push_str(&r.text);
        if r.full {
            line.push('\n');
        }
        match r.stream {
            Stream::Stdout => {
                let mut out = output::stdout();
                out.write_all(line.as_bytes())?;
                out.flush()?;
            }
            Stream::Stderr => std::io::stderr().lock().write_all(line.as_bytes())?,
        }
        Ok(())
    }
}

#[derive(Args, Debug)]
pub struct AttachArgs {
    /// The keys that detach, leaving the container running: ctrl-X or
    /// single characters, comma-separated (empty: none)
    #[arg(long, value_name = "KEYS", default_value = "ctrl-p,ctrl-q")]
    detach_keys: String,
    /// Do not send standard input to the container
    #[arg(long)]
    no_stdin: bool,
    /// Forward signals to the container (berth does not: ctrl-c in a
    /// terminal reaches it as a key; this flag is taken for Podman's
    /// scripts)
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    sig_proxy: bool,
    /// The container (name or ID)
    container: String,
}

/// `attach`: the container's terminal (or its output from now on) until
/// it exits (its exit code) or the detach keys (0).
pub fn attach(paths: &StorePaths, a: &AttachArgs) -> Result<i32> {
    let keys = crate::runtime::attach::parse_detach_keys(&a.detach_keys)?;
    let mut sink = |r: &crate::runtime::logs::Record| print_record(r, "", false);
    Ok(ops::containers::attach(paths, &a.container, &keys, a.no_stdin, &mut sink)?.unwrap_or(0))
}

#[derive(Args, Debug)]
pub struct StopArgs {
    /// Seconds to wait for the stop signal to end the container before
    /// SIGKILL (default: the container's --stop-timeout, else 10)
    #[arg(short = 't', long = "time", alias = "timeout", value_name = "SECONDS")]
    time: Option<u64>,
    /// Containers (names or IDs)
    #[arg(required = true)]
    containers: Vec<String>,
}

pub fn stop(paths: &StorePaths, a: &StopArgs) -> Result<i32> {
    for c in &a.containers {
        ops::containers::stop(paths, c, a.time.map(std::time::Duration::from_secs))?;
        output::println(c)?;
    }
    Ok(0)
}

pub fn restart(paths: &StorePaths, a: &StopArgs) -> Result<i32> {
    for c in &a.containers {
        ops::containers::stop(paths, c, a.time.map(std::time::Duration::from_secs))?;
        if let Err(code) = start_in_background(paths, c)? {
            return Ok(code);
        }
        ops::containers::restarted(paths, c)?;
        output::println(c)?;
    }
    Ok(0)
}

#[derive(Args, Debug)]
pub struct KillArgs {
    /// The signal: a name (TERM, SIGTERM) or a number
    #[arg(short, long, value_name = "SIGNAL", default_value = "KILL")]
    signal: String,
    /// Containers (names or IDs)
    #[arg(required = true)]
    containers: Vec<String>,
}

pub fn kill(paths: &StorePaths, a: &KillArgs) -> Result<i32> {
    let sig = ops::containers::parse_signal(&a.signal)?;
    for c in &a.containers {
        ops::containers::kill(paths, c, sig)?;
        output::println(c)?;
    }
    Ok(0)
}

#[derive(Args, Debug)]
pub struct WaitArgs {
    /// Wait until the container is running, stopped (or exited), healthy
    /// or unhealthy (repeatable: any of them; default: stopped). Prints
    /// the exit code for stopped, -1 for the others
    #[arg(long, value_name = "CONDITION")]
    condition: Vec<String>,
    /// Containers (names or IDs)
    #[arg(required = true)]
    containers: Vec<String>,
}

pub fn wait(paths: &StorePaths, a: &WaitArgs) -> Result<i32> {
    let conditions = a
        .condition
        .iter()
        .flat_map(|c| c.split(','))
        .map(ops::containers::Condition::parse)
        .collect::<Result<Vec<_>>>()?;
    for c in &a.containers {
        let code = ops::containers::wait_for(paths, c, &conditions)?;
        output::println(&code.to_string())?;
    }
    Ok(0)
}

#[derive(Subcommand, Debug)]
pub enum HealthcheckCommand {
    /// Run a container's healthcheck once: exit 0 when it passes, 1 when
    /// it fails (and print the status)
    Run(HealthcheckRunArgs),
}

#[derive(Args, Debug)]
pub struct HealthcheckRunArgs {
    /// The container (name or ID)
    container: String,
}

pub fn healthcheck(paths: &StorePaths, c: &HealthcheckCommand) -> Result<i32> {
    match c {
        HealthcheckCommand::Run(a) => {
            let (passed, status) = ops::health::run(paths, &a.container)?;
            if passed {
                return Ok(0);
            }
            output::println(&status)?;
            Ok(1)
        }
    }
}

#[derive(Args, Debug)]
pub struct PortArgs {
    /// Every running container's ports
    #[arg(short, long)]
    all: bool,
    /// The container created last
    #[arg(short, long)]
    latest: bool,
    /// CONTAINER, then the container's PORT[/PROTOCOL] to look up
    #[arg(value_name = "CONTAINER [PORT]", num_args = 0..=2)]
    args: Vec<String>,
}

/// `80/tcp -> 0.0.0.0:8080`, one line per mapping, as Podman prints them
/// (with `--all`, after the container's short id and a tab); with a
/// port, `0.0.0.0:8080` for each mapping of it. Only running containers
/// have published ports.
pub fn port(paths: &StorePaths, a: &PortArgs) -> Result<i32> {
    use crate::runtime::spec::PortMapping;
    let host = |p: &PortMapping| {
        let ip = if p.host_ip.is_empty() {
            "0.0.0.0".to_string()
        } else if p.host_ip.contains(':') {
            format!("[{}]", p.host_ip)
        } else {
            p.host_ip.clone()
        };
        format!("{ip}:{}", p.host_port)
    };
    let line = |p: &PortMapping| format!("{}/{} -> {}", p.container_port, p.protocol, host(p));
    if a.all {
        if !a.args.is_empty() || a.latest {
            bail!("no arguments are needed with --all");
        }
        let mut text = String::new();
        for (rec, ports) in ops::containers::all_ports(paths)? {
            for p in ports.iter().flatten() {
                text.push_str(&format!("{}\t{}\n", &rec.id[..12], line(p)));
            }
        }
        output::print(&text)?;
        return Ok(0);
    }
    let (name, wanted) = match (a.latest, a.args.as_slice()) {
        (true, [port]) => (None, Some(port)),
        (true, []) => (None, None),
        (true, _) => bail!("--latest and containers cannot be used together"),
        (false, [name]) => (Some(name), None),
        (false, [name, port]) => (Some(name), Some(port)),
        _ => bail!("\"berth port\" requires a name, id, or the \"--latest\" flag"),
    };
    let wanted = match wanted {
        Some(w) => {
            let (number, protocol) = w.split_once('/').unwrap_or((w, "tcp"));
            let number: u16 = number.parse().map_err(|_| {
                anyhow::anyhow!("invalid port {number:?}: a number from 0 to 65535")
            })?;
            Some((w, number, protocol))
        }
        None => None,
    };
    let name = named_or_latest(paths, "port", name, a.latest)?;
    let (_, ports) = ops::containers::ports(paths, &name)?;
    let text: String = match (wanted, ports) {
        (_, None) => String::new(),
        (None, Some(ports)) => ports.iter().map(|p| line(p) + "\n").collect(),
        (Some((w, number, protocol)), Some(ports)) => {
            let found: Vec<&PortMapping> = ports
                .iter()
                .filter(|p| p.container_port == number && p.protocol == protocol)
                .collect();
            if found.is_empty() {
                bail!("failed to find published port {w:?}");
            }
            found.iter().map(|p| host(p) + "\n").collect()
        }
    };
    output::print(&text)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_policies_have_podmans_names() {
        for (s, want) in [
            ("always", PullPolicy::Always),
            ("true", PullPolicy::Always),
            ("Missing", PullPolicy::Missing),
            ("ifnotpresent", PullPolicy::Missing),
            ("never", PullPolicy::Never),
            ("false", PullPolicy::Never),
        ] {
            assert_eq!(pull_policy(s).unwrap(), want, "{s}");
        }
        assert!(pull_policy("newer").is_err());
        let e = pull_policy("sometimes").unwrap_err().to_string();
        assert!(e.contains("sometimes"), "{e}");
    }
}
