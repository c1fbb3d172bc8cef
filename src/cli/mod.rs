//! The command line: clap definitions, one file per command group, and
//! the rendering of what `ops` returns. This is the only module that
//! prints. Each command turns its arguments into an options struct and
//! makes one call into `ops`.

/// Whether a command reads or writes the files of layers. Rootless with
/// a subordinate range, such a command runs in the user namespace that
/// maps the range (entered at its start, while berth has one thread), so
/// that layer files keep their owners; the others stay outside it, where
/// a container's berth must be. Each command's arguments declare it, with
/// [`layer_files!`] beside their definition, and each group dispatches
/// to its subcommands with [`layer_files_of!`], whose match has no
/// default: a new command does not build until it says.
pub(crate) trait LayerFiles {
    fn touches_layer_files(&self) -> bool;
}

/// `layer_files!(true: A, B)`: argument types `A` and `B` declare that
/// their commands touch layer files (`false`: that they do not).
macro_rules! layer_files {
    ($v:literal: $($t:ty),+ $(,)?) => {
        $(impl $crate::cli::LayerFiles for $t {
            fn touches_layer_files(&self) -> bool {
                $v
            }
        })+
    };
}

/// `layer_files_of!(Group: A, B)`: a subcommand enum touches layer files
/// when its subcommand's arguments do; every variant is named.
macro_rules! layer_files_of {
    ($e:ident: $($v:ident),+ $(,)?) => {
        impl $crate::cli::LayerFiles for $e {
            fn touches_layer_files(&self) -> bool {
                match self {
                    $($e::$v(a) => a.touches_layer_files(),)+
                }
            }
        }
    };
}

mod build;
pub mod complete;
mod compose;
mod container;
pub mod docs;
mod examples;
mod explore;
pub mod format;
mod image;
mod kube;
mod logging;
mod network;
mod output;
mod pod;
mod registry;
mod system;
mod volume;

use crate::store::StorePaths;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Exit codes, as Podman's.
pub mod exit {
    /// An error of berth itself.
    pub const ERROR: i32 = 125;
}

#[derive(Parser, Debug)]
#[command(
    name = "berth",
    version,
    about = "Manage images and containers without a daemon",
    long_about = "berth pulls, builds, runs and pushes OCI and Docker images. Each command does all of \
its work in its own process over a local content-addressed store; there is no daemon, and root is \
not needed.",
    propagate_version = true,
    disable_help_subcommand = true,
    // A flag given twice: the last one counts, as in Podman.
    args_override_self = true
)]
pub struct Cli {
    /// Path of the store (images, layers, containers).
    #[arg(long, global = true, env = "BERTH_ROOT", value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Path of runtime state (mounts, running containers).
    #[arg(long, global = true, env = "BERTH_RUNROOT", value_name = "DIR")]
    pub runroot: Option<PathBuf>,
    /// How much to report on standard error.
    #[arg(long, global = true, value_name = "LEVEL", default_value = "warn",
          value_parser = ["debug", "info", "warn", "error"])]
    pub log_level: String,
    /// Write berth's standard output to this file (the output of
    /// containers still goes to standard output)
    #[arg(long, global = true, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Print nothing on standard output (the output of containers still
    /// shows)
    #[arg(long, global = true)]
    pub noout: bool,
    /// A flag for the OCI runtime: berth runs containers itself, with no
    /// such runtime, so it is ignored with a warning
    #[arg(long, global = true, value_name = "FLAG")]
    pub runtime_flag: Vec<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
#[command(defer = true)]
pub enum Command {
    /// Build an image from a Dockerfile
    Build(Box<build::BuildArgs>),
    /// List images in local storage
    Images(image::ImagesArgs),
    /// Show the history of an image
    History(image::HistoryArgs),
    /// Explore an image's layers: what each adds, changes, removes and wastes
    Explore(Box<explore::ExploreArgs>),
    /// Display the configuration of images
    Inspect(image::InspectArgs),
    /// Load images from an archive (docker-archive or oci-archive)
    Load(image::LoadArgs),
    /// Save images to an archive (docker-archive or oci-archive)
    Save(image::SaveArgs),
    /// Create an image from a tarball of a root file system
    Import(image::ImportArgs),
    /// Add names to an image
    Tag(image::TagArgs),
    /// Remove names from an image
    Untag(image::UntagArgs),
    /// Remove images
    Rmi(image::RmiArgs),
    /// Manage images
    #[command(subcommand)]
    Image(image::ImageCommand),
    /// Manage the store
    #[command(subcommand)]
    System(system::SystemCommand),
    /// Pull an image from a registry
    Pull(registry::PullArgs),
    /// Push an image to a registry
    Push(registry::PushArgs),
    /// Log in to a registry
    Login(registry::LoginArgs),
    /// Log out of a registry
    Logout(registry::LogoutArgs),
    /// Inspect manifests in registries
    #[command(subcommand)]
    Manifest(registry::ManifestCommand),
    /// Display information about the host and the store
    Info(system::InfoArgs),
    /// Show events: past ones, and new ones as they happen
    Events(system::EventsArgs),
    /// Display the berth version
    Version(system::VersionArgs),
    /// Generate a shell completion script
    Completion(system::CompletionArgs),
    /// Run a command in a new container
    Run(container::RunArgs),
    /// Create a container without starting it
    Create(container::RunArgs),
    /// Start a created container
    Start(container::StartArgs),
    /// List containers
    Ps(container::PsArgs),
    /// Remove containers
    Rm(container::RmArgs),
    /// Show the changes of a container's file system
    Diff(container::DiffArgs),
    /// Create an image from a container's changes
    Commit(container::CommitArgs),
    /// Copy files between a container and the host
    Cp(container::CpArgs),
    /// Write a container's file system as a tar
    Export(container::ExportArgs),
    /// Give a container another name
    Rename(container::RenameArgs),
    /// Attach to a running container's terminal or output
    Attach(container::AttachArgs),
    /// Run a command in a running container
    Exec(container::ExecArgs),
    /// Show the output of a container
    Logs(container::LogsArgs),
    /// Stop running containers (the stop signal, then SIGKILL)
    Stop(container::StopArgs),
    /// Send a signal to running containers
    Kill(container::KillArgs),
    /// Wait for containers to exit and print their exit codes
    Wait(container::WaitArgs),
    /// Stop and start containers again (detached)
    Restart(container::StopArgs),
    /// Run containers' healthchecks
    #[command(subcommand)]
    Healthcheck(container::HealthcheckCommand),
    /// List the published ports of a container
    Port(container::PortArgs),
    /// Mount containers' root file systems and print where
    Mount(container::MountArgs),
    /// Unmount containers' root file systems
    #[command(visible_alias = "umount")]
    Unmount(container::UnmountArgs),
    /// Run a command in berth's user namespace, with a mount namespace of its own
    Unshare(container::UnshareArgs),
    /// Manage containers
    #[command(subcommand)]
    Container(container::ContainerCommand),
    /// Manage networks
    #[command(subcommand)]
    Network(network::NetworkCommand),
    /// Manage volumes
    #[command(subcommand)]
    Volume(volume::VolumeCommand),
    /// Manage pods: containers that share namespaces
    #[command(subcommand)]
    Pod(pod::PodCommand),
    /// Kubernetes YAML of pods and containers
    #[command(subcommand)]
    Kube(kube::KubeCommand),
    /// Run multi-container applications of compose files
    Compose(compose::ComposeArgs),
    #[command(name = "internal-init", hide = true)]
    InternalInit(container::InternalInitArgs),
    #[command(name = "internal-exec", hide = true)]
    InternalExec(container::InternalInitArgs),
    #[command(name = "internal-start", hide = true)]
    InternalStart(container::InternalStartArgs),
    #[command(name = "internal-netns", hide = true)]
    InternalNetns(container::InternalNetnsArgs),
}

impl Cli {
    fn paths(&self) -> StorePaths {
        let d = StorePaths::default_for_user();
        // Absolute once: the paths recorded in the store (mount sources,
        // a container's files) mean the same from any working directory.
        let absolute = |p: PathBuf| std::path::absolute(&p).unwrap_or(p);
        StorePaths {
            root: absolute(self.root.clone().unwrap_or(d.root)),
            runroot: absolute(self.runroot.clone().unwrap_or(d.runroot)),
        }
    }
}

/// Parse the command line, run the command, report an error in one line;
/// returns the exit code.
pub fn main() -> i32 {
    // berth's own helpers (`internal-exec FD`, `internal-init FD`), which
    // re-execute berth for every exec and healthcheck probe: straight to
    // work, without building the command line's definitions.
    let mut args = std::env::args_os().skip(1);
    // The completion scripts' call: answered before anything else.
    if args.next().is_some_and(|a| a == "__complete") {
        let words: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
        return complete::main(&words);
    }
    let mut args = std::env::args_os().skip(1);
    if let (Some(mode), Some(fd), None) = (args.next(), args.next(), args.next()) {
        let fd = fd.to_str().and_then(|f| f.parse::<i32>().ok());
        match (mode.to_str(), fd) {
            (Some("internal-exec"), Some(fd)) => return crate::ops::exec::internal_exec(fd),
            (Some("internal-init"), Some(fd)) => {
                logging::init_from_env();
                return crate::ops::run::internal_init(fd);
            }
            _ => {}
        }
    }
    let cli = match parse() {
        Ok(c) => c,
        Err(e) if e.use_stderr() => {
            let args: Vec<String> = std::env::args().skip(1).collect();
            eprint!("{}", usage_error(&e, &args));
            return exit::ERROR;
        }
        Err(e) => {
            // --help, --version.
            let _ = e.print();
            return 0;
        }
    };
    // Before any thread or helper process: they inherit the choice.
    logging::init(&cli.log_level);
    if let Err(e) = output::redirect_stdout(cli.out.as_deref(), cli.noout) {
        eprintln!("Error: {}", output::one_line(&e));
        return exit::ERROR;
    }
    for f in &cli.runtime_flag {
        eprintln!("WARN: --runtime-flag {f:?} is ignored: berth runs containers itself, with no OCI runtime");
    }
    let paths = cli.paths();
    if cli.command.touches_layer_files() {
        // Before any thread exists: this may fork (runtime::userns).
        match enter_user_namespace(&paths) {
            Ok(None) => {}
            Ok(Some(code)) => return code,
            Err(e) => {
                eprintln!("Error: {}", output::one_line(&e));
                return exit::ERROR;
            }
        }
    }
    match run(&cli, &paths) {
        Ok(code) => code,
        Err(e) => {
            if output::is_broken_pipe(&e) {
                return 0;
            }
            eprintln!("Error: {}", output::one_line(&e));
            exit::ERROR
        }
    }
}

/// Parse the command line as Podman's flag library does: besides `--rm`,
/// every on/off flag takes `--rm=true` and `--rm=false` (never a separate
/// `--rm false`, which would take `false` as the next argument), so
/// scripts written for Podman parse unchanged. Help is rendered from the
/// plain definitions, where such a flag shows no value.
fn parse() -> Result<Cli, clap::Error> {
    use clap::{CommandFactory, FromArgMatches};
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut cmd = Cli::command();
    // The subcommands' arguments are added when the command is built.
    cmd.build();
    match go_bools(cmd).try_get_matches_from(&args) {
        Ok(m) => Cli::from_arg_matches(&m),
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelp => {
            Err(docs::with_manual(Cli::command(), true)
                .try_get_matches_from(&args)
                .err()
                .unwrap_or(e))
        }
        Err(e) => Err(e),
    }
}

/// `cmd` with each of its (and its subcommands') on/off flags turned into
/// one that also takes `=true` or `=false`.
fn go_bools(cmd: clap::Command) -> clap::Command {
    use clap::ArgAction;
    let cmd = cmd.mut_args(|a| match a.get_action() {
        ArgAction::SetTrue => a
            .action(ArgAction::Set)
            .num_args(0..=1)
            .require_equals(true)
            .default_missing_value("true")
            .default_value("false")
            .value_parser(clap::value_parser!(bool)),
        _ => a,
    });
    cmd.mut_subcommands(go_bools)
}

/// A command line that does not parse, reported as Podman reports it
/// (scripts match these lines): `Error: WHAT` in one line, then where
/// the help is.
fn usage_error(e: &clap::Error, args: &[String]) -> String {
    use clap::error::{ContextKind as C, ContextValue as V, ErrorKind as K};
    let get = |k| match e.get(k) {
        Some(V::String(s)) => s.clone(),
        Some(V::Strings(v)) => v.first().cloned().unwrap_or_default(),
        _ => String::new(),
    };
    let path = command_path(args);
    // clap's own text up to its first blank line, in one line.
    let rendered = e.render().to_string();
    let first: Vec<&str> = rendered
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let clap_says = first.join(" ");
    let clap_says = clap_says.strip_prefix("error: ").unwrap_or(&clap_says);
    // `--format <FORMAT>` → `--format`, `--rm[=<RM>]` → `--rm`.
    let flag = get(C::InvalidArg)
        .split([' ', '['])
        .next()
        .unwrap_or_default()
        .to_string();
    let what = match e.kind() {
        K::InvalidSubcommand => {
            return format!(
                "Error: unrecognized command `{path} {}`\nTry '{path} --help' for more information\n",
                get(C::InvalidSubcommand)
            );
        }
        K::UnknownArgument => match flag.strip_prefix("--") {
            Some(long) => format!("unknown flag: --{}", long.split('=').next().unwrap_or("")),
            None => match flag.strip_prefix('-').and_then(|f| f.chars().next()) {
                Some(c) => format!("unknown shorthand flag: '{c}' in {flag}"),
                None => format!("unexpected argument {flag:?}"),
            },
        },
        K::InvalidValue if get(C::InvalidValue).is_empty() => {
            format!("flag needs an argument: {flag}")
        }
        K::InvalidValue | K::ValueValidation => {
            let reason = match e.get(C::ValidValue) {
                Some(V::Strings(valid)) => format!("possible values: {}", valid.join(", ")),
                _ => clap_says
                    .split_once("': ")
                    .map(|(_, r)| r.to_string())
                    .unwrap_or_else(|| clap_says.to_string()),
            };
            format!(
                "invalid argument {:?} for {flag:?} flag: {reason}",
                get(C::InvalidValue)
            )
        }
        _ => clap_says.to_string(),
    };
    format!("Error: {what}\nSee '{path} --help'\n")
}

/// `berth` and the subcommands that `args` name (`berth network ls`).
fn command_path(args: &[String]) -> String {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    let mut path = vec!["berth".to_string()];
    let mut value_next = false;
    for a in args {
        if std::mem::take(&mut value_next) {
            // The value of an option (`--log-level info`, not `info`).
            continue;
        }
        if a == "--" {
            break;
        }
        if let Some(long) = a.strip_prefix("--").filter(|l| !l.contains('=')) {
            value_next = cmd
                .get_arguments()
                .any(|x| x.get_long() == Some(long) && x.get_action().takes_values());
            continue;
        }
        if a.starts_with('-') {
            continue;
        }
        match cmd.find_subcommand(a) {
            Some(sub) => {
                path.push(sub.get_name().to_string());
                let sub = sub.clone();
                cmd = sub;
            }
            // Past the subcommands: an argument of the last one.
            None if path.len() > 1 => break,
            // The value of a global option (`--root DIR`).
            None => continue,
        }
    }
    path.join(" ")
}

/// Say once per runtime dir that rootless berth maps only the user (or
/// that berth's networks have no way out: a marker per kind of hint).
/// For a rootless command that reads or writes layer files: enter the
/// user namespace of the user's subordinate ranges (see
/// [`crate::ops::enter_user_namespace`]). `Some(code)`: this process only
/// waited for the one that went on, and exits with its code. Call while
/// the process has one thread.
pub(crate) fn enter_user_namespace(paths: &StorePaths) -> anyhow::Result<Option<i32>> {
    Ok(match crate::ops::enter_user_namespace()? {
        crate::ops::Namespace::Proceed => None,
        crate::ops::Namespace::ProceedWithout(hint) => {
            hint_once(paths, &hint);
            None
        }
        crate::ops::Namespace::Exit(code) => Some(code),
    })
}

fn hint_once(paths: &StorePaths, hint: &str) {
    let kind = if hint.contains("pasta") {
        "network-hint-shown"
    } else {
        "subid-hint-shown"
    };
    let marker = paths.runroot.join(kind);
    if !marker.exists() {
        eprintln!("WARN: {hint}");
        let _ = std::fs::create_dir_all(&paths.runroot).and_then(|_| std::fs::write(&marker, b""));
    }
}

layer_files_of!(Command: Build, Images, History, Explore, Inspect, Load, Save, Import, Tag, Untag, Rmi, Image, System, Pull, Push, Login, Logout, Manifest, Info, Events, Version, Completion, Run, Create, Start, Ps, Rm, Diff, Commit, Cp, Export, Rename, Attach, Exec, Logs, Stop, Kill, Wait, Restart, Healthcheck, Port, Mount, Unmount, Unshare, Container, Network, Volume, Pod, Kube, Compose, InternalInit, InternalExec, InternalStart, InternalNetns);

fn run(cli: &Cli, paths: &StorePaths) -> anyhow::Result<i32> {
    let paths = paths.clone();
    match &cli.command {
        Command::Build(a) => build::build(&paths, a),
        Command::Images(a) => image::images(&paths, a),
        Command::History(a) => image::history(&paths, a),
        Command::Explore(a) => explore::explore(&paths, a),
        Command::Inspect(a) => image::inspect(&paths, a),
        Command::Load(a) => image::load(&paths, a),
        Command::Save(a) => image::save(&paths, a),
        Command::Import(a) => image::import(&paths, a),
        Command::Tag(a) => image::tag(&paths, a),
        Command::Untag(a) => image::untag(&paths, a),
        Command::Rmi(a) => image::rmi(&paths, a),
        Command::Image(c) => image::run(&paths, c),
        Command::System(c) => system::run(&paths, c),
        Command::Pull(a) => registry::pull(&paths, a),
        Command::Push(a) => registry::push(&paths, a),
        Command::Login(a) => registry::login(a),
        Command::Logout(a) => registry::logout(a),
        Command::Manifest(c) => registry::manifest(&paths, c),
        Command::Info(a) => system::info(&paths, a),
        Command::Events(a) => system::events(&paths, a),
        Command::Version(a) => system::version(a),
        Command::Completion(a) => system::completion(a),
        Command::Run(a) => container::run(&paths, a),
        Command::Create(a) => container::create(&paths, a),
        Command::Start(a) => container::start(&paths, a),
        Command::Ps(a) => container::ps(&paths, a),
        Command::Rm(a) => container::rm(&paths, a),
        Command::Diff(a) => container::diff(&paths, a),
        Command::Commit(a) => container::commit(&paths, a),
        Command::Cp(a) => container::cp(&paths, a),
        Command::Export(a) => container::export(&paths, a),
        Command::Container(c) => container::group(&paths, c),
        Command::Network(c) => network::run(&paths, c),
        Command::Volume(c) => volume::run(&paths, c),
        Command::Pod(c) => pod::run(&paths, c),
        Command::Kube(c) => kube::run(&paths, c),
        Command::Compose(a) => compose::run(&paths, a),
        Command::InternalInit(a) => container::internal_init(a),
        Command::Rename(a) => container::rename(&paths, a),
        Command::Attach(a) => container::attach(&paths, a),
        Command::Exec(a) => container::exec(&paths, a),
        Command::InternalExec(a) => container::internal_exec(a),
        Command::InternalNetns(a) => Ok(crate::runtime::network::holder_main(
            &a.dir,
            a.containers.as_deref(),
        )),
        Command::InternalStart(a) => container::internal_start(&paths, a),
        Command::Logs(a) => container::logs(&paths, a),
        Command::Stop(a) => container::stop(&paths, a),
        Command::Kill(a) => container::kill(&paths, a),
        Command::Wait(a) => container::wait(&paths, a),
        Command::Restart(a) => container::restart(&paths, a),
        Command::Healthcheck(c) => container::healthcheck(&paths, c),
        Command::Port(a) => container::port(&paths, a),
        Command::Mount(a) => container::mount(&paths, a),
        Command::Unmount(a) => container::unmount(&paths, a),
        Command::Unshare(a) => container::unshare(&paths, a),
    }
}

#[cfg(test)]
mod tests {
    use super::{Cli, LayerFiles};
    use clap::Parser;

    fn touches(line: &str) -> bool {
        let args = std::iter::once("berth").chain(line.split_whitespace());
        Cli::try_parse_from(args)
            .unwrap_or_else(|e| panic!("{line}: {e}"))
            .command
            .touches_layer_files()
    }

    #[test]
    fn a_command_and_its_group_form_declare_layer_files_alike() {
        for (short, long, want) in [
            ("rm c", "container rm c", true),
            ("diff c", "container diff c", true),
            ("export c", "container export c", true),
            ("load", "image load", true),
            ("rmi i", "image rm i", true),
            ("build .", "image build .", true),
            ("ps", "container ls", false),
            ("images", "image ls", false),
            ("start c", "container start c", false),
            ("inspect i", "image inspect i", false),
        ] {
            assert_eq!(touches(short), want, "{short}");
            assert_eq!(touches(long), want, "{long}");
        }
    }

    #[test]
    fn layer_files_follow_what_the_command_does() {
        for (line, want) in [
            ("pull i", true),
            ("push i", true),
            ("unshare", true),
            ("system check", true),
            ("system df", false),
            ("volume rm v", true),
            ("volume ls", false),
            ("pod rm p", true),
            ("pod ps", false),
            ("network rm n", false),
            ("network rm -f n", true),
            ("run i", false),
            ("exec c true", false),
            ("cp c:/a b", false),
            ("kube play f.yaml", false),
        ] {
            assert_eq!(touches(line), want, "{line}");
        }
    }
}
