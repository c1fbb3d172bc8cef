//! `compose`: run a multi-container application of a compose file
//! ([`crate::compose`] reads it, [`crate::ops::compose`] makes and
//! finds its networks, volumes and containers; this module pulls or
//! builds the images, starts containers and prints).

use super::container::{background, berth_child};
use super::output;
use crate::compose::Project;
use crate::ops;
use crate::ops::compose::{Member, Step};
use crate::store::containers::State;
use crate::store::StorePaths;
use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Args, Debug)]
pub struct ComposeArgs {
    /// Compose files (repeatable; `-`: standard input). Default:
    /// COMPOSE_FILE, else compose.yaml, compose.yml, docker-compose.yaml
    /// or docker-compose.yml here or in a directory above, with its
    /// override file
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The project's name (default: COMPOSE_PROJECT_NAME, the file's
    /// name, else its directory's)
    #[arg(short = 'p', long = "project-name", value_name = "NAME")]
    project_name: Option<String>,
    /// The directory relative paths start from (default: the first
    /// file's)
    #[arg(long, value_name = "DIR")]
    project_directory: Option<PathBuf>,
    /// Variables for the files (default: .env in the project directory)
    #[arg(long, value_name = "FILE")]
    env_file: Vec<PathBuf>,
    /// Profiles to enable (also COMPOSE_PROFILES)
    #[arg(long, value_name = "PROFILE")]
    profile: Vec<String>,
    #[command(subcommand)]
    command: ComposeCommand,
}

#[derive(Subcommand, Debug)]
pub enum ComposeCommand {
    /// Create and start the application's containers
    Up(UpArgs),
    /// Stop and remove the application's containers and networks
    Down(DownArgs),
    /// List the application's containers
    Ps(PsArgs),
    /// Write the application's model, resolved, as YAML
    Config(ConfigArgs),
    /// Start the application's stopped containers
    Start(ServicesArgs),
    /// Stop the application's containers
    Stop(StopArgs),
    /// Restart the application's containers
    Restart(StopArgs),
    /// Send a signal to the application's containers
    Kill(KillArgs),
    /// Remove the application's stopped containers
    Rm(RmArgs),
    /// Print the output of the application's containers
    Logs(LogsArgs),
    /// Run a command in a running container of a service
    Exec(ExecArgs),
    /// Run a one-off command in a new container of a service
    Run(RunArgs),
    /// Build the images of the services with a build section
    Build(BuildArgs),
    /// Pull the services' images
    Pull(PullArgs),
    /// Push the images of the services that build and name one
    Push(PushArgs),
    /// Print the host address a container port of a service is
    /// published on
    Port(PortArgs),
    /// List the images the application's containers use
    Images(ImagesArgs),
    /// List the compose projects that have containers
    Ls(LsArgs),
}

#[derive(Args, Debug)]
pub struct BuildArgs {
    /// Build every step again
    #[arg(long)]
    no_cache: bool,
    /// Pull the base images first
    #[arg(long)]
    pull: bool,
    /// A build argument more: KEY=VALUE (over the file's)
    #[arg(long, value_name = "KEY=VALUE")]
    build_arg: Vec<String>,
    /// Services (default: all that build)
    services: Vec<String>,
}

#[derive(Args, Debug)]
pub struct PullArgs {
    /// Go on when an image cannot be pulled
    #[arg(long)]
    ignore_pull_failures: bool,
    /// Print no progress
    #[arg(short, long)]
    quiet: bool,
    /// Services (default: all)
    services: Vec<String>,
}

#[derive(Args, Debug)]
pub struct PushArgs {
    /// Go on when an image cannot be pushed
    #[arg(long)]
    ignore_push_failures: bool,
    /// Services (default: all)
    services: Vec<String>,
}

#[derive(Args, Debug)]
pub struct PortArgs {
    /// tcp or udp
    #[arg(long, default_value = "tcp")]
    protocol: String,
    /// Container N of the service (default 1)
    #[arg(long, value_name = "N", default_value_t = 1)]
    index: u32,
    /// The service
    service: String,
    /// The container port
    private_port: u16,
}

#[derive(Args, Debug)]
pub struct ImagesArgs {
    /// Print only the image ids
    #[arg(short, long)]
    quiet: bool,
    /// table (default) or json
    #[arg(long, value_name = "FORMAT")]
    format: Option<String>,
    /// Services (default: all)
    services: Vec<String>,
}

#[derive(Args, Debug)]
pub struct LsArgs {
    /// Show projects whose containers are all stopped too
    #[arg(short, long)]
    all: bool,
    /// Print only the projects' names
    #[arg(short, long)]
    quiet: bool,
    /// table (default), json, or a Go template
    #[arg(long, value_name = "FORMAT")]
    format: Option<String>,
}

#[derive(Args, Debug)]
pub struct LogsArgs {
    /// Keep printing new output until the containers exit
    #[arg(short, long)]
    follow: bool,
    /// Print only the last N lines of each container (`all`: every line)
    #[arg(short = 'n', long, value_name = "N")]
    tail: Option<String>,
    /// Prefix each line with its time (RFC 3339)
    #[arg(short, long)]
    timestamps: bool,
    /// Only output from this time on (as `logs --since`)
    #[arg(long, value_name = "TIME")]
    since: Option<String>,
    /// Only output up to this time (as `logs --until`)
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
    /// No colours in the prefixes
    #[arg(long)]
    no_color: bool,
    /// No `NAME |` before each line
    #[arg(long)]
    no_log_prefix: bool,
    /// Only container N of each service
    #[arg(long, value_name = "N")]
    index: Option<u32>,
    /// Services (default: all)
    services: Vec<String>,
}

#[derive(Args, Debug)]
#[command(trailing_var_arg = true)]
pub struct ExecArgs {
    /// Run it in the background
    #[arg(short, long)]
    detach: bool,
    /// No terminal (default: one when standard input is a terminal)
    #[arg(short = 'T', long = "no-TTY")]
    no_tty: bool,
    /// Set a variable: KEY=VALUE
    #[arg(short, long, value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// Run as this user
    #[arg(short, long, value_name = "USER")]
    user: Option<String>,
    /// Run in this directory
    #[arg(short, long, value_name = "DIR")]
    workdir: Option<String>,
    /// Give the process every capability
    #[arg(long)]
    privileged: bool,
    /// Container N of the service (default 1)
    #[arg(long, value_name = "N", default_value_t = 1)]
    index: u32,
    /// The service
    service: String,
    /// The command and its arguments
    #[arg(required = true, allow_hyphen_values = true)]
    command: Vec<String>,
}

#[derive(Args, Debug)]
#[command(trailing_var_arg = true)]
pub struct RunArgs {
    /// Remove the container when it exits
    #[arg(long)]
    rm: bool,
    /// Run it in the background and print its id
    #[arg(short, long)]
    detach: bool,
    /// No terminal (default: one when standard input is a terminal)
    #[arg(short = 'T', long = "no-TTY")]
    no_tty: bool,
    /// Set a variable: KEY=VALUE (over the service's)
    #[arg(short, long, value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// A label more: KEY=VALUE
    #[arg(short, long, value_name = "KEY=VALUE")]
    label: Vec<String>,
    /// The container's name (default PROJECT-SERVICE-run-ID)
    #[arg(long)]
    name: Option<String>,
    /// Over the service's entrypoint
    #[arg(long, value_name = "CMD")]
    entrypoint: Option<String>,
    /// Run as this user
    #[arg(short, long, value_name = "USER")]
    user: Option<String>,
    /// Run in this directory
    #[arg(short, long, value_name = "DIR")]
    workdir: Option<String>,
    /// Publish a port: [IP:]HOST:CONTAINER[/PROTO]
    #[arg(short, long, value_name = "PORT")]
    publish: Vec<String>,
    /// Publish the service's ports too
    #[arg(long)]
    service_ports: bool,
    /// Mount a volume more: SOURCE:TARGET[:MODE]
    #[arg(short, long, value_name = "VOLUME")]
    volume: Vec<String>,
    /// Do not start the services it depends on
    #[arg(long)]
    no_deps: bool,
    /// The service
    service: String,
    /// The command and its arguments (default: the service's)
    #[arg(allow_hyphen_values = true)]
    command: Vec<String>,
}

#[derive(Args, Debug)]
pub struct UpArgs {
    /// Start the containers in the background and return
    #[arg(short, long)]
    detach: bool,
    /// Build the images of services with a build section first
    #[arg(long, conflicts_with = "no_build")]
    build: bool,
    /// Build no image (a missing one is an error)
    #[arg(long)]
    no_build: bool,
    /// Pull images: always, missing (the default), never, or build
    #[arg(long, value_name = "POLICY")]
    pull: Option<String>,
    /// Recreate every container, changed or not
    #[arg(long, conflicts_with = "no_recreate")]
    force_recreate: bool,
    /// Keep existing containers even if their configuration changed
    #[arg(long)]
    no_recreate: bool,
    /// Create the containers but start none
    #[arg(long)]
    no_start: bool,
    /// Do not start the services the named ones depend on
    #[arg(long)]
    no_deps: bool,
    /// Run N containers of SERVICE (over its scale)
    #[arg(long, value_name = "SERVICE=N")]
    scale: Vec<String>,
    /// Remove containers of services the file no longer has
    #[arg(long)]
    remove_orphans: bool,
    /// Wait until every container runs, and is healthy if it has a
    /// healthcheck (implies --detach)
    #[arg(long)]
    wait: bool,
    /// With --wait: give up after this many seconds
    #[arg(long, value_name = "SECONDS")]
    wait_timeout: Option<u64>,
    /// Seconds to wait for a container replaced to stop
    #[arg(short = 't', long = "timeout", value_name = "SECONDS")]
    timeout: Option<u64>,
    /// Services (default: all, and with the named ones what they depend on)
    services: Vec<String>,
}

#[derive(Args, Debug)]
pub struct DownArgs {
    /// Remove the named volumes of the file's volumes section and the
    /// anonymous volumes of the containers
    #[arg(short, long)]
    volumes: bool,
    /// Remove images too: local (built ones, without an image name) or all
    #[arg(long, value_name = "local|all")]
    rmi: Option<String>,
    /// Remove containers of services the file no longer has
    #[arg(long)]
    remove_orphans: bool,
    /// Seconds to wait for each container to stop
    #[arg(short = 't', long = "timeout", value_name = "SECONDS")]
    timeout: Option<u64>,
    /// Services (default: all, with the networks and volumes)
    services: Vec<String>,
}

#[derive(Args, Debug)]
pub struct PsArgs {
    /// Show stopped containers too
    #[arg(short, long)]
    all: bool,
    /// Print only the ids
    #[arg(short, long)]
    quiet: bool,
    /// Print the services' names
    #[arg(long)]
    services: bool,
    /// table (default), json, or a Go template
    #[arg(long, value_name = "FORMAT")]
    format: Option<String>,
    /// Only containers of this state (running, exited, created,
    /// restarting)
    #[arg(long, value_name = "STATE")]
    status: Vec<String>,
    /// Services (default: all)
    #[arg(value_name = "SERVICE")]
    names: Vec<String>,
}

#[derive(Args, Debug)]
pub struct ConfigArgs {
    /// Print the services' names
    #[arg(long)]
    services: bool,
    /// Print the volumes' names
    #[arg(long)]
    volumes: bool,
    /// Print the networks' names
    #[arg(long)]
    networks: bool,
    /// Print the images' names
    #[arg(long)]
    images: bool,
    /// Print the profiles' names
    #[arg(long)]
    profiles: bool,
    /// Print each service's configuration hash (`*`: all)
    #[arg(long, value_name = "SERVICE")]
    hash: Option<String>,
    /// Check the files, print nothing
    #[arg(short, long)]
    quiet: bool,
    /// yaml (default) or json
    #[arg(long, value_name = "FORMAT", default_value = "yaml")]
    format: String,
    /// Write to this file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Services (default: all)
    services_named: Vec<String>,
}

#[derive(Args, Debug)]
pub struct ServicesArgs {
    /// Services (default: all)
    services: Vec<String>,
}

#[derive(Args, Debug)]
pub struct StopArgs {
    /// Seconds to wait for each container to stop before it is killed
    #[arg(short = 't', long = "timeout", value_name = "SECONDS")]
    timeout: Option<u64>,
    /// Services (default: all)
    services: Vec<String>,
}

#[derive(Args, Debug)]
pub struct KillArgs {
    /// The signal (default SIGKILL)
    #[arg(short, long, default_value = "KILL")]
    signal: String,
    /// Services (default: all)
    services: Vec<String>,
}

#[derive(Args, Debug)]
pub struct RmArgs {
    /// Remove without asking
    #[arg(short, long)]
    force: bool,
    /// Stop running containers first
    #[arg(short, long)]
    stop: bool,
    /// Remove the containers' anonymous volumes too
    #[arg(short, long)]
    volumes: bool,
    /// Services (default: all)
    services: Vec<String>,
}

/// The application, read as the flags and the environment say.
fn load(a: &ComposeArgs, services: &[String]) -> Result<crate::compose::Loaded> {
    let stdin = match a.files.iter().any(|f| f.as_os_str() == "-") {
        true => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .context("reading standard input")?;
            Some(text)
        }
        false => None,
    };
    let o = crate::compose::Options {
        files: a.files.clone(),
        project_name: a.project_name.clone(),
        project_dir: a.project_directory.clone(),
        env_files: a.env_file.clone(),
        profiles: a.profile.clone(),
        services: services.to_vec(),
        cwd: std::env::current_dir().context("the working directory")?,
        environ: std::env::vars().collect(),
        stdin,
    };
    let l = crate::compose::load(&o)?;
    for w in &l.warnings {
        eprintln!("WARN: {w}");
    }
    Ok(l)
}

pub fn run(paths: &StorePaths, a: &ComposeArgs) -> Result<i32> {
    match &a.command {
        ComposeCommand::Up(u) => up(paths, a, u),
        ComposeCommand::Down(d) => down(paths, a, d),
        ComposeCommand::Ps(p) => ps(paths, a, p),
        ComposeCommand::Config(c) => config(a, c),
        ComposeCommand::Start(s) => start(paths, a, &s.services),
        ComposeCommand::Stop(s) => stop(paths, a, s, false),
        ComposeCommand::Restart(s) => stop(paths, a, s, true),
        ComposeCommand::Kill(k) => kill(paths, a, k),
        ComposeCommand::Rm(r) => rm(paths, a, r),
        ComposeCommand::Logs(l) => logs(paths, a, l),
        ComposeCommand::Exec(e) => exec(paths, a, e),
        ComposeCommand::Run(r) => run_one(paths, a, r),
        ComposeCommand::Build(b) => build(paths, a, b),
        ComposeCommand::Pull(p) => pull(paths, a, p),
        ComposeCommand::Push(p) => push(paths, a, p),
        ComposeCommand::Port(p) => port(paths, a, p),
        ComposeCommand::Images(i) => images(paths, a, i),
        ComposeCommand::Ls(l) => ls(paths, l),
    }
}

/// A progress line, as docker compose prints them where no terminal is.
fn print_step(s: &Step) {
    eprintln!(" {} {}  {}", s.kind, s.name, s.status);
}

struct Cli<'a> {
    paths: &'a StorePaths,
    /// `compose build`'s flags, over the file's.
    build: BuildFlags,
}

#[derive(Default)]
struct BuildFlags {
    no_cache: bool,
    pull: bool,
    args: Vec<String>,
}

impl ops::compose::Driver for Cli<'_> {
    fn image(&mut self, p: &Project, service: &str, image: &str, build: bool) -> Result<()> {
        let mut args: Vec<String> = Vec::new();
        if build {
            let b = p.services[service]
                .build
                .as_ref()
                .ok_or_else(|| anyhow!("service {service} has no build section"))?;
            args.extend(["build".into(), "-t".into(), image.into()]);
            if let Some(f) = &b.dockerfile {
                let f = PathBuf::from(&b.context).join(f);
                args.extend(["-f".into(), f.display().to_string()]);
            }
            for (k, v) in &b.args {
                if let Some(v) = v {
                    args.extend(["--build-arg".into(), format!("{k}={v}")]);
                }
            }
            for a in &self.build.args {
                args.extend(["--build-arg".into(), a.clone()]);
            }
            // The file's secrets, as RUN --mount=type=secret,id=NAME
            // reads them (the reader checked that each is a file).
            for r in &b.secrets {
                if let Some(file) = p.secrets.get(&r.source).and_then(|d| d.file.as_ref()) {
                    let id = r.target.as_deref().unwrap_or(&r.source);
                    args.extend(["--secret".into(), format!("id={id},src={file}")]);
                }
            }
            if let Some(t) = &b.target {
                args.extend(["--target".into(), t.clone()]);
            }
            for (k, v) in &b.labels {
                args.extend(["--label".into(), format!("{k}={v}")]);
            }
            if b.no_cache || self.build.no_cache {
                args.push("--no-cache".into());
            }
            if b.pull || self.build.pull {
                args.push("--pull".into());
            }
            args.extend(["--".into(), b.context.clone()]);
        } else {
            args.extend(["pull".into(), "--".into(), image.into()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        match berth_child(self.paths, &args, image)? {
            None => Ok(()),
            Some(code) => bail!(
                "service {service}: {} of image {image} failed (exit code {code})",
                if build { "the build" } else { "the pull" }
            ),
        }
    }

    fn start(&mut self, id: &str) -> Result<()> {
        if let Err(code) = background(self.paths, id, false)? {
            bail!("container {id} did not start (exit code {code})");
        }
        Ok(())
    }

    fn step(&mut self, s: Step) {
        print_step(&s)
    }
}

fn up(paths: &StorePaths, a: &ComposeArgs, u: &UpArgs) -> Result<i32> {
    let l = load(a, &u.services)?;
    let since = crate::image::time::now_unix_nanos();
    let mut scale = BTreeMap::new();
    for s in &u.scale {
        let (k, n) = s
            .split_once('=')
            .ok_or_else(|| anyhow!("--scale {s:?}: expected SERVICE=N"))?;
        let n: u32 = n
            .parse()
            .map_err(|_| anyhow!("--scale {s:?}: {n:?} is not a number"))?;
        scale.insert(k.to_string(), n);
    }
    if let Some(p) = &u.pull {
        if !["always", "missing", "never", "build"].contains(&p.as_str()) {
            bail!("--pull {p:?}: use always, missing, never or build");
        }
    }
    let o = ops::compose::UpOptions {
        services: u.services.clone(),
        build: match (u.build, u.no_build) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
        pull: u.pull.clone(),
        force_recreate: u.force_recreate,
        no_recreate: u.no_recreate,
        no_start: u.no_start,
        no_deps: u.no_deps,
        scale,
        remove_orphans: u.remove_orphans,
        wait: u.wait,
        wait_timeout: u.wait_timeout.map(Duration::from_secs),
        timeout: u.timeout.map(Duration::from_secs),
        command_line: std::env::args().collect(),
    };
    let origin = ops::compose::Origin {
        working_dir: l.working_dir.clone(),
        files: l.files.clone(),
    };
    // In the foreground, ctrl-c (and SIGTERM) stops the application:
    // blocked here, before any thread starts, and waited for below.
    let foreground = !u.detach && !u.wait && !u.no_start;
    let done = ops::compose::up(
        paths,
        &l.project,
        &origin,
        &o,
        &mut Cli {
            paths,
            build: BuildFlags::default(),
        },
    )?;
    if !done.orphans.is_empty() {
        eprintln!(
            "WARN: Found orphan containers ({}) for this project. If you removed or renamed this service in your compose file, you can run this command with the --remove-orphans flag to clean it up.",
            done.orphans.join(", ")
        );
    }
    if !foreground {
        return Ok(0);
    }
    // From here ctrl-c (and SIGTERM) stops the application: blocked
    // now, before the log threads start (they inherit the mask), and
    // taken by the loop below. (Until here it ends berth at once, and
    // what was started runs on.)
    block_stop_signals()?;
    let members = ops::compose::members(paths, &l.project.name)?;
    let ids: Vec<&str> = done.containers.iter().map(|(_, id)| id.as_str()).collect();
    let shown: Vec<&Member> = members.iter().filter(|m| ids.contains(&m.id())).collect();
    let window = ops::containers::LogOptions {
        follow: true,
        tail: None,
        since: Some(since),
        until: None,
    };
    eprintln!(
        "Attaching to {}",
        shown
            .iter()
            .map(|m| m.name())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let prefixes = prefixes(&shown, !output::stdout_is_terminal());
    let finished = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| -> Result<()> {
        for (m, prefix) in shown.iter().zip(&prefixes) {
            let finished = &finished;
            let window = &window;
            s.spawn(move || {
                let mut sink = |r: &crate::runtime::logs::Record| {
                    super::container::print_record(r, prefix, false)
                };
                let _ = ops::containers::logs(paths, m.id(), window, &mut sink);
                if let Ok(info) = ops::containers::inspect(paths, &[m.id().to_string()]) {
                    if let Some(State::Exited(code)) = info.first().map(|i| i.state) {
                        eprintln!("{} exited with code {code}", m.name());
                    }
                }
                finished.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            });
        }
        // Until every container has exited, or a stop signal comes.
        while finished.load(std::sync::atomic::Ordering::SeqCst) < shown.len() {
            if wait_stop_signal(Duration::from_millis(200)) {
                eprintln!("Gracefully stopping... (press Ctrl+C again to force)");
                let live = live_of(paths, &shown);
                // Stopped on a thread of its own: a second signal
                // meanwhile kills what still runs.
                let stopped = std::thread::scope(|inner| {
                    let stopping =
                        inner.spawn(|| ops::compose::stop_all(paths, &l.project, &live, o.timeout));
                    let mut killed = false;
                    while !stopping.is_finished() {
                        if wait_stop_signal(Duration::from_millis(100)) && !killed {
                            killed = true;
                            for m in live_of(paths, &shown) {
                                let _ = ops::containers::kill(
                                    paths,
                                    m.id(),
                                    nix::sys::signal::Signal::SIGKILL,
                                );
                            }
                        }
                    }
                    stopping.join()
                });
                match stopped {
                    Ok(Ok(names)) => {
                        for name in names {
                            print_step(&Step {
                                kind: "Container",
                                name,
                                status: "Stopped",
                            });
                        }
                    }
                    failed => {
                        // Whatever still runs is killed, so that its log
                        // ends too.
                        for m in live_of(paths, &shown) {
                            let _ = ops::containers::kill(
                                paths,
                                m.id(),
                                nix::sys::signal::Signal::SIGKILL,
                            );
                        }
                        if let Ok(Err(e)) = failed {
                            eprintln!("WARN: {}", output::one_line(&e));
                        }
                    }
                }
                break;
            }
        }
        Ok(())
    })?;
    Ok(0)
}

/// The containers of `shown` that still run.
fn live_of<'a>(paths: &StorePaths, shown: &[&'a Member]) -> Vec<&'a Member> {
    shown
        .iter()
        .copied()
        .filter(|m| {
            ops::containers::inspect(paths, &[m.id().to_string()])
                .is_ok_and(|i| i.first().is_some_and(|i| i.state.is_live()))
        })
        .collect()
}

/// Block SIGINT and SIGTERM (threads started later inherit it), so that
/// [`wait_stop_signal`] takes them.
fn block_stop_signals() -> Result<()> {
    use nix::sys::signal::{SigSet, Signal};
    let mut set = SigSet::empty();
    set.add(Signal::SIGINT);
    set.add(Signal::SIGTERM);
    set.thread_block().context("blocking SIGINT and SIGTERM")?;
    Ok(())
}

/// Whether SIGINT or SIGTERM came within `wait`.
fn wait_stop_signal(wait: Duration) -> bool {
    // SAFETY: plain calls on a local set; sigtimedwait only reads them.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        let ts = libc::timespec {
            tv_sec: wait.as_secs() as libc::time_t,
            tv_nsec: wait.subsec_nanos() as libc::c_long,
        };
        libc::sigtimedwait(&set, std::ptr::null_mut(), &ts) > 0
    }
}

/// `NAME  | ` before each container's lines, the names padded to one
/// width, each in a colour of its own on a terminal.
fn prefixes(members: &[&Member], plain: bool) -> Vec<String> {
    const COLOURS: [u8; 6] = [36, 33, 32, 35, 34, 31];
    let width = members.iter().map(|m| m.name().len()).max().unwrap_or(0);
    members
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let text = format!("{:<width$}  |", m.name());
            match plain {
                true => format!("{text} "),
                false => format!("\x1b[{}m{text}\x1b[0m ", COLOURS[i % COLOURS.len()]),
            }
        })
        .collect()
}

fn logs(paths: &StorePaths, a: &ComposeArgs, l: &LogsArgs) -> Result<i32> {
    let (p, members) = targets(paths, a, &l.services)?;
    let chosen: Vec<&Member> = ops::compose::selected(&p, &members, &l.services)?
        .into_iter()
        .filter(|m| l.index.is_none_or(|i| m.number == i))
        .collect();
    let time = |flag: &str, v: &Option<String>| -> Result<Option<i64>> {
        v.as_deref()
            .map(|s| output::parse_time(flag, s))
            .transpose()
    };
    let tail = match l.tail.as_deref() {
        None | Some("all") => None,
        Some(n) => Some(
            n.parse::<usize>()
                .map_err(|_| anyhow!("--tail {n:?}: a number of lines, or all"))?,
        ),
    };
    let o = ops::containers::LogOptions {
        follow: l.follow,
        tail,
        since: time("--since", &l.since)?,
        until: time("--until", &l.until)?,
    };
    let names: Vec<String> = chosen.iter().map(|m| m.id().to_string()).collect();
    let prefixes: Vec<String> = match l.no_log_prefix {
        true => vec![String::new(); chosen.len()],
        false => prefixes(&chosen, l.no_color || !output::stdout_is_terminal()),
    };
    super::container::print_logs(paths, &names, &prefixes, &o, l.timestamps)?;
    Ok(0)
}

/// Run berth itself with `args`, on this process's standard streams;
/// its exit code.
fn berth_here(paths: &StorePaths, args: &[String]) -> Result<i32> {
    ops::detached::berth_here(paths, args)
}

fn exec(paths: &StorePaths, a: &ComposeArgs, e: &ExecArgs) -> Result<i32> {
    let (p, members) = targets(paths, a, std::slice::from_ref(&e.service))?;
    let m = ops::compose::selected(&p, &members, std::slice::from_ref(&e.service))?
        .into_iter()
        .find(|m| m.number == e.index)
        .ok_or_else(|| {
            anyhow!(
                "service {:?} is not running container {}",
                e.service,
                e.index
            )
        })?;
    if !m.info.state.is_live() {
        bail!(
            "service {:?}: container {} is not running",
            e.service,
            m.name()
        );
    }
    let mut args: Vec<String> = vec!["exec".into()];
    if e.detach {
        args.push("-d".into());
    } else {
        args.push("-i".into());
        if !e.no_tty && std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            args.push("-t".into());
        }
    }
    for v in &e.env {
        args.extend(["-e".into(), v.clone()]);
    }
    if let Some(u) = &e.user {
        args.extend(["-u".into(), u.clone()]);
    }
    if let Some(w) = &e.workdir {
        args.extend(["-w".into(), w.clone()]);
    }
    if e.privileged {
        args.push("--privileged".into());
    }
    args.extend(["--".into(), m.id().to_string()]);
    args.extend(e.command.iter().cloned());
    berth_here(paths, &args)
}

fn run_one(paths: &StorePaths, a: &ComposeArgs, r: &RunArgs) -> Result<i32> {
    let l = load(a, std::slice::from_ref(&r.service))?;
    let p = &l.project;
    if !p.services.contains_key(&r.service) {
        bail!("no such service: {}", r.service);
    }
    let origin = ops::compose::Origin {
        working_dir: l.working_dir.clone(),
        files: l.files.clone(),
    };
    // What it depends on runs first, as `up` would start it.
    let deps: Vec<String> = match r.no_deps {
        true => Vec::new(),
        false => crate::compose::load::dependencies(p, &r.service),
    };
    let o = ops::compose::UpOptions {
        services: deps.clone(),
        command_line: std::env::args().collect(),
        ..Default::default()
    };
    let mut cli = Cli {
        paths,
        build: BuildFlags::default(),
    };
    if !deps.is_empty() {
        ops::compose::up(paths, p, &origin, &o, &mut cli)?;
        let store = crate::store::Store::open(paths)?;
        ops::compose::wait_for_dependencies(paths, &store, p, &r.service, &mut cli)?;
    }
    ops::compose::prepare(paths, p, std::slice::from_ref(&r.service), &o, &mut cli)?;
    let tty = !r.no_tty && !r.detach && std::io::IsTerminal::is_terminal(&std::io::stdin());
    let opts = ops::compose::one_off(
        p,
        &origin,
        &r.service,
        &ops::compose::OneOff {
            name: r.name.clone(),
            command: r.command.clone(),
            entrypoint: r.entrypoint.clone(),
            env: r.env.clone(),
            labels: r.label.clone(),
            user: r.user.clone(),
            workdir: r.workdir.clone(),
            publish: r.publish.clone(),
            service_ports: r.service_ports,
            volumes: r.volume.clone(),
            rm: r.rm,
            interactive: !r.detach,
            tty,
        },
        &std::env::args().collect::<Vec<_>>(),
    )?;
    if r.detach {
        let id = ops::containers::create(paths, &opts)?;
        if let Err(code) = background(paths, &id, false)? {
            return Ok(code);
        }
        output::println(&id)?;
        return Ok(0);
    }
    let mut hint = |h: &str| super::hint_once(paths, h);
    super::container::exit_code(ops::run::run(paths, &opts, &mut hint).map(|(code, _)| code))
}

fn down(paths: &StorePaths, a: &ComposeArgs, d: &DownArgs) -> Result<i32> {
    let l = load(a, &[])?;
    for s in &d.services {
        if !l.project.services.contains_key(s) && !l.project.disabled.contains(s) {
            bail!("no such service: {s}");
        }
    }
    if let Some(r) = &d.rmi {
        if r != "local" && r != "all" {
            bail!("--rmi {r:?}: use local or all");
        }
    }
    let o = ops::compose::DownOptions {
        volumes: d.volumes,
        remove_orphans: d.remove_orphans,
        rmi: d.rmi.clone(),
        timeout: d.timeout.map(Duration::from_secs),
        services: d.services.clone(),
    };
    let done = ops::compose::down(paths, &l.project, &o)?;
    for s in &done.steps {
        print_step(s);
    }
    Ok(0)
}

/// docker compose's state word.
fn state_word(s: &State) -> &'static str {
    match s {
        State::Created => "created",
        State::Running(_) => "running",
        State::Restarting(..) => "restarting",
        State::Exited(_) => "exited",
    }
}

fn ps(paths: &StorePaths, a: &ComposeArgs, p: &PsArgs) -> Result<i32> {
    let l = load(a, &[])?;
    for n in &p.names {
        if !l.project.services.contains_key(n) {
            bail!("no such service: {n}");
        }
    }
    let members = ops::compose::members(paths, &l.project.name)?;
    let shown: Vec<&Member> = members
        .iter()
        .filter(|m| !m.oneoff || p.all)
        .filter(|m| p.names.is_empty() || p.names.contains(&m.service))
        .filter(|m| {
            let word = state_word(&m.info.state);
            match p.status.is_empty() {
                true => p.all || m.info.state.is_live(),
                false => p.status.iter().any(|s| s == word),
            }
        })
        .collect();
    if p.services {
        let mut names: Vec<&str> = shown.iter().map(|m| m.service.as_str()).collect();
        names.dedup();
        output::print(&names.iter().map(|n| format!("{n}\n")).collect::<String>())?;
        return Ok(0);
    }
    if p.quiet {
        output::print(
            &shown
                .iter()
                .map(|m| format!("{}\n", m.id()))
                .collect::<String>(),
        )?;
        return Ok(0);
    }
    let now = crate::image::time::now_unix();
    let docs: Vec<serde_json::Value> = shown
        .iter()
        .map(|m| ps_doc(&l.project.name, m, now))
        .collect();
    match p.format.as_deref() {
        None | Some("table") => {
            let rows: Vec<Vec<String>> = docs
                .iter()
                .map(|d| {
                    [
                        "Name",
                        "Image",
                        "Command",
                        "Service",
                        "RunningFor",
                        "Status",
                        "Ports",
                    ]
                    .iter()
                    .map(|k| match (*k, d[*k].as_str()) {
                        ("Command", Some(c)) => format!("{:?}", truncate(c, 20)),
                        (_, Some(s)) => s.to_string(),
                        _ => String::new(),
                    })
                    .collect()
                })
                .collect();
            output::print(&super::format::table(
                &[
                    "NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "PORTS",
                ],
                &rows,
            ))?;
        }
        Some("json") => {
            let mut text = String::new();
            for d in &docs {
                text.push_str(&serde_json::to_string(d)?);
                text.push('\n');
            }
            output::print(&text)?;
        }
        Some(f) => output::print_each(f, &docs)?,
    }
    Ok(0)
}

fn truncate(s: &str, n: usize) -> String {
    match s.chars().count() > n {
        true => format!("{}…", s.chars().take(n - 1).collect::<String>()),
        false => s.to_string(),
    }
}

/// One container as `compose ps --format json` prints it.
fn ps_doc(project: &str, m: &Member, now: i64) -> serde_json::Value {
    let r = &m.info.record;
    let labels = r
        .run_config
        .as_ref()
        .and_then(|c| c.labels.clone())
        .unwrap_or_default();
    let command = r.command.join(" ");
    let ports = super::container::ports_column(r);
    let exit_code = match m.info.state {
        State::Exited(c) | State::Restarting(_, c) => c,
        _ => 0,
    };
    serde_json::json!({
        "ID": r.id,
        "Name": r.name,
        "Names": [r.name],
        "Image": r.image_name,
        "Command": command,
        "Project": project,
        "Service": m.service,
        "CreatedAt": crate::image::time::format_rfc3339(r.created),
        "RunningFor": output::human_age(r.created, now),
        "State": state_word(&m.info.state),
        "Status": super::container::status(m.info.state, r, m.info.health.as_ref(), now),
        "Health": m.info.health.as_ref().map(|h| h.status.clone()).unwrap_or_default(),
        "ExitCode": exit_code,
        "Ports": ports,
        "Labels": labels,
        "Networks": m.info.networks.iter().map(|n| n.network.clone()).collect::<Vec<_>>(),
    })
}

fn config(a: &ComposeArgs, c: &ConfigArgs) -> Result<i32> {
    let l = load(a, &c.services_named)?;
    let mut p = l.project.clone();
    if !c.services_named.is_empty() {
        let keep = ops::compose::with_dependencies(&p, &c.services_named);
        p.services.retain(|k, _| keep.contains(k));
    }
    let lines = |v: Vec<String>| v.into_iter().map(|s| s + "\n").collect::<String>();
    let text = if c.quiet {
        return Ok(0);
    } else if c.services {
        lines(p.services.keys().cloned().collect())
    } else if c.volumes {
        lines(p.volumes.keys().cloned().collect())
    } else if c.networks {
        lines(p.networks.keys().cloned().collect())
    } else if c.images {
        lines(
            p.services
                .keys()
                .map(|s| ops::compose::image_of(&p, s))
                .collect(),
        )
    } else if c.profiles {
        let mut all: Vec<String> = p
            .services
            .values()
            .flat_map(|s| s.profiles.clone())
            .collect();
        all.sort();
        all.dedup();
        lines(all)
    } else if let Some(h) = &c.hash {
        let mut out = Vec::new();
        for s in p.services.keys() {
            if h == "*" || h.split(',').any(|x| x == s) {
                out.push(format!("{s} {}", ops::compose::config_hash(&p, s, "", "")?));
            }
        }
        lines(out)
    } else {
        match c.format.as_str() {
            "yaml" => crate::compose::load::to_yaml(&p)?,
            "json" => serde_json::to_string_pretty(&p)? + "\n",
            f => bail!("--format {f:?}: use yaml or json"),
        }
    };
    match &c.output {
        Some(f) => crate::fsutil::write_atomic(&std::path::absolute(f)?, text.as_bytes())
            .with_context(|| format!("writing {}", f.display()))?,
        None => output::print(&text)?,
    }
    Ok(0)
}

fn targets(
    paths: &StorePaths,
    a: &ComposeArgs,
    services: &[String],
) -> Result<(Project, Vec<Member>)> {
    let l = load(a, services)?;
    let members = ops::compose::members(paths, &l.project.name)?;
    Ok((l.project, members))
}

fn start(paths: &StorePaths, a: &ComposeArgs, services: &[String]) -> Result<i32> {
    let (p, members) = targets(paths, a, services)?;
    for m in ops::compose::selected(&p, &members, services)? {
        if m.info.state.is_live() {
            continue;
        }
        if let Err(code) = background(paths, m.id(), false)? {
            bail!("container {} did not start (exit code {code})", m.name());
        }
        print_step(&Step {
            kind: "Container",
            name: m.name().to_string(),
            status: "Started",
        });
    }
    Ok(0)
}

fn stop(paths: &StorePaths, a: &ComposeArgs, s: &StopArgs, restart: bool) -> Result<i32> {
    let (p, members) = targets(paths, a, &s.services)?;
    let chosen = ops::compose::selected(&p, &members, &s.services)?;
    let live: Vec<&Member> = chosen
        .iter()
        .copied()
        .filter(|m| m.info.state.is_live())
        .collect();
    let timeout = s.timeout.map(Duration::from_secs);
    for name in ops::compose::stop_all(paths, &p, &live, timeout)? {
        print_step(&Step {
            kind: "Container",
            name,
            status: "Stopped",
        });
    }
    if restart {
        for m in &chosen {
            if let Err(code) = background(paths, m.id(), false)? {
                bail!("container {} did not start (exit code {code})", m.name());
            }
            ops::containers::restarted(paths, m.id())?;
            print_step(&Step {
                kind: "Container",
                name: m.name().to_string(),
                status: "Started",
            });
        }
    }
    Ok(0)
}

fn kill(paths: &StorePaths, a: &ComposeArgs, k: &KillArgs) -> Result<i32> {
    let (p, members) = targets(paths, a, &k.services)?;
    let sig = ops::containers::parse_signal(&k.signal)?;
    for m in ops::compose::selected(&p, &members, &k.services)? {
        if !m.info.state.is_live() {
            continue;
        }
        ops::containers::kill(paths, m.id(), sig)?;
        print_step(&Step {
            kind: "Container",
            name: m.name().to_string(),
            status: "Killed",
        });
    }
    Ok(0)
}

fn rm(paths: &StorePaths, a: &ComposeArgs, r: &RmArgs) -> Result<i32> {
    let (p, members) = targets(paths, a, &r.services)?;
    let chosen = ops::compose::selected(&p, &members, &r.services)?;
    let mut doomed = Vec::new();
    for m in chosen {
        if m.info.state.is_live() {
            if !r.stop {
                continue;
            }
            ops::containers::stop(paths, m.id(), None)?;
        }
        doomed.push(m);
    }
    if doomed.is_empty() {
        eprintln!("No stopped containers");
        return Ok(0);
    }
    if !r.force {
        let names: Vec<&str> = doomed.iter().map(|m| m.name()).collect();
        if !output::confirm(&format!(
            "Going to remove {}\n? Are you sure?",
            names.join(", ")
        )) {
            return Ok(0);
        }
    }
    for m in doomed {
        ops::containers::remove(paths, &[m.id().to_string()], false, true, r.volumes, None)?;
        print_step(&Step {
            kind: "Container",
            name: m.name().to_string(),
            status: "Removed",
        });
    }
    Ok(0)
}

/// The services named (all if none), each checked.
fn services_of(p: &Project, named: &[String]) -> Result<Vec<String>> {
    for n in named {
        if !p.services.contains_key(n) {
            bail!("no such service: {n}");
        }
    }
    Ok(p.services
        .keys()
        .filter(|k| named.is_empty() || named.contains(k))
        .cloned()
        .collect())
}

fn build(paths: &StorePaths, a: &ComposeArgs, b: &BuildArgs) -> Result<i32> {
    let l = load(a, &b.services)?;
    let p = &l.project;
    let mut cli = Cli {
        paths,
        build: BuildFlags {
            no_cache: b.no_cache,
            pull: b.pull,
            args: b.build_arg.clone(),
        },
    };
    for s in services_of(p, &b.services)? {
        if p.services[&s].build.is_none() {
            continue;
        }
        let image = ops::compose::image_of(p, &s);
        ops::compose::Driver::image(&mut cli, p, &s, &image, true)?;
        print_step(&Step {
            kind: "Image",
            name: image,
            status: "Built",
        });
    }
    Ok(0)
}

fn pull(paths: &StorePaths, a: &ComposeArgs, o: &PullArgs) -> Result<i32> {
    let l = load(a, &o.services)?;
    let p = &l.project;
    let mut code = 0;
    for s in services_of(p, &o.services)? {
        let svc = &p.services[&s];
        // A service that builds its image has none to pull.
        let Some(image) = svc.image.clone().filter(|_| svc.build.is_none()) else {
            continue;
        };
        let mut args = vec!["pull"];
        if o.quiet {
            args.push("-q");
        }
        args.extend(["--", &image]);
        if let Some(c) = image_step(paths, &args, &s, &image, o.ignore_pull_failures)? {
            code = c;
            break;
        }
    }
    Ok(code)
}

/// `berth pull|push … IMAGE` of service `service`: its progress line,
/// or a warning (`ignore`) or the exit code when it fails.
fn image_step(
    paths: &StorePaths,
    args: &[&str],
    service: &str,
    image: &str,
    ignore: bool,
) -> Result<Option<i32>> {
    let (done, doing) = match args[0] {
        "push" => ("Pushed", "pushing"),
        _ => ("Pulled", "pulling"),
    };
    match berth_child(paths, args, image)? {
        None => print_step(&Step {
            kind: "Image",
            name: image.to_string(),
            status: done,
        }),
        Some(c) if ignore => {
            eprintln!("WARN: service {service}: {doing} {image} failed (exit code {c})");
        }
        Some(c) => return Ok(Some(c)),
    }
    Ok(None)
}

fn push(paths: &StorePaths, a: &ComposeArgs, o: &PushArgs) -> Result<i32> {
    let l = load(a, &o.services)?;
    let p = &l.project;
    for s in services_of(p, &o.services)? {
        let svc = &p.services[&s];
        // As docker compose: the images a service builds and names.
        let (Some(image), Some(_)) = (&svc.image, &svc.build) else {
            continue;
        };
        let args = ["push", "--", image.as_str()];
        if let Some(c) = image_step(paths, &args, &s, image, o.ignore_push_failures)? {
            return Ok(c);
        }
    }
    Ok(0)
}

fn port(paths: &StorePaths, a: &ComposeArgs, o: &PortArgs) -> Result<i32> {
    let (p, members) = targets(paths, a, std::slice::from_ref(&o.service))?;
    let m = ops::compose::selected(&p, &members, std::slice::from_ref(&o.service))?
        .into_iter()
        .find(|m| m.number == o.index)
        .ok_or_else(|| anyhow!("service {:?} has no container {}", o.service, o.index))?;
    let spec = ops::containers::spec_of(&m.info.record)?;
    let Some(pm) = spec
        .ports
        .iter()
        .find(|pm| pm.container_port == o.private_port && pm.protocol == o.protocol)
    else {
        bail!(
            "service {:?}: port {}/{} is not published",
            o.service,
            o.private_port,
            o.protocol
        );
    };
    let ip = if pm.host_ip.is_empty() {
        "0.0.0.0"
    } else {
        &pm.host_ip
    };
    output::println(&format!("{ip}:{}", pm.host_port))?;
    Ok(0)
}

fn images(paths: &StorePaths, a: &ComposeArgs, o: &ImagesArgs) -> Result<i32> {
    let (p, members) = targets(paths, a, &o.services)?;
    let chosen = ops::compose::selected(&p, &members, &o.services)?;
    let records = ops::images::list(paths, &ops::images::ListOptions::default())?;
    let mut docs = Vec::new();
    for m in chosen {
        let r = &m.info.record;
        let id = r
            .image
            .as_ref()
            .map(|d| d.hex().to_string())
            .unwrap_or_default();
        let size = records
            .iter()
            .find(|i| Some(&i.id) == r.image.as_ref())
            .map_or(0, |i| i.size);
        let (repo, tag) = match r.image_name.rsplit_once(':') {
            Some((n, t)) if !t.contains('/') => (n.to_string(), t.to_string()),
            _ => (r.image_name.clone(), String::new()),
        };
        docs.push(serde_json::json!({
            "ContainerName": r.name,
            "Repository": repo,
            "Tag": tag,
            "ID": id,
            "Size": size,
        }));
    }
    if o.quiet {
        let mut ids: Vec<&str> = docs.iter().filter_map(|d| d["ID"].as_str()).collect();
        ids.dedup();
        output::print(&ids.iter().map(|i| format!("{i}\n")).collect::<String>())?;
        return Ok(0);
    }
    match o.format.as_deref() {
        None | Some("table") => {
            let rows: Vec<Vec<String>> = docs
                .iter()
                .map(|d| {
                    vec![
                        d["ContainerName"].as_str().unwrap_or_default().to_string(),
                        d["Repository"].as_str().unwrap_or_default().to_string(),
                        d["Tag"].as_str().unwrap_or_default().to_string(),
                        d["ID"]
                            .as_str()
                            .unwrap_or_default()
                            .chars()
                            .take(12)
                            .collect(),
                        output::human_size(d["Size"].as_u64().unwrap_or(0)),
                    ]
                })
                .collect();
            output::print(&super::format::table(
                &["CONTAINER", "REPOSITORY", "TAG", "IMAGE ID", "SIZE"],
                &rows,
            ))?;
        }
        Some("json") => output::println(&serde_json::to_string(&docs)?)?,
        Some(f) => bail!("--format {f:?}: use table or json"),
    }
    Ok(0)
}

fn ls(paths: &StorePaths, o: &LsArgs) -> Result<i32> {
    let projects = ops::compose::projects(paths)?;
    let docs: Vec<serde_json::Value> = projects
        .iter()
        .filter(|p| o.all || p.running > 0)
        .map(|p| {
            let mut status: Vec<String> = p
                .states
                .iter()
                .map(|(state, n)| format!("{state}({n})"))
                .collect();
            status.sort();
            serde_json::json!({
                "Name": p.name,
                "Status": status.join(", "),
                "ConfigFiles": p.config_files,
            })
        })
        .collect();
    if o.quiet {
        output::print(
            &docs
                .iter()
                .map(|d| format!("{}\n", d["Name"].as_str().unwrap_or_default()))
                .collect::<String>(),
        )?;
        return Ok(0);
    }
    match o.format.as_deref() {
        None | Some("table") => {
            let rows: Vec<Vec<String>> = docs
                .iter()
                .map(|d| {
                    ["Name", "Status", "ConfigFiles"]
                        .iter()
                        .map(|k| d[*k].as_str().unwrap_or_default().to_string())
                        .collect()
                })
                .collect();
            output::print(&super::format::table(
                &["NAME", "STATUS", "CONFIG FILES"],
                &rows,
            ))?;
        }
        Some("json") => output::println(&serde_json::to_string(&docs)?)?,
        Some(f) => output::print_each(f, &docs)?,
    }
    Ok(0)
}

// Compose pulls and builds in berth children, which enter the namespace
// themselves.
layer_files!(false: ComposeArgs);
