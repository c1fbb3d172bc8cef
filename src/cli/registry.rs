//! Registry commands: pull, push, login, logout, manifest inspect, and the
//! rendering of their progress events: bars (indicatif) when standard
//! error is a terminal, Podman's plain lines otherwise, nothing with `-q`.

use super::output;
use crate::ops::login::{self, LoginOptions};
use crate::ops::manifest::{self, EntryOptions, PushListOptions};
use crate::ops::pull::{self, ManifestInspectOptions, PullOptions, RemoteOptions};
use crate::ops::push::{self, PushOptions};
use crate::progress::{BlobKind, Event, Silent, Sink};
use crate::registry::push::{Format, LayerCompression};
use crate::registry::Credentials;
use crate::store::StorePaths;
use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand};
use std::collections::HashMap;
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::sync::Mutex;

// Flags every command that talks to a registry has (flattened into each: a
// doc comment here would become their description).
#[derive(Args, Debug, Clone)]
pub struct RemoteArgs {
    /// Require HTTPS and verify certificates (`--tls-verify=false` allows
    /// plain HTTP and any certificate)
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true,
          default_missing_value = "true")]
    tls_verify: Option<bool>,
    /// Credentials (USERNAME:PASSWORD) to use instead of stored ones
    #[arg(long, value_name = "USERNAME:PASSWORD")]
    creds: Option<String>,
    /// Path of the authentication file (default: Podman's auth.json)
    #[arg(long, value_name = "FILE", env = "REGISTRY_AUTH_FILE")]
    authfile: Option<PathBuf>,
    /// A directory of TLS certificates: `*.crt` CAs, `NAME.cert` with
    /// `NAME.key` the client's (default: the registry's dir in
    /// `certs.d`)
    #[arg(long, value_name = "DIR")]
    cert_dir: Option<PathBuf>,
    /// Retries of a failed request to a registry (default 4)
    #[arg(long, value_name = "N")]
    retry: Option<u32>,
    /// The pause between retries, a Go duration such as `2s` (default:
    /// exponential backoff from 0.5 s)
    #[arg(long, value_name = "DURATION")]
    retry_delay: Option<String>,
}

impl RemoteArgs {
    pub(super) fn options(&self) -> Result<RemoteOptions> {
        let creds = match &self.creds {
            None => None,
            Some(c) => {
                let (u, p) = c
                    .split_once(':')
                    .ok_or_else(|| anyhow!("--creds must be USERNAME:PASSWORD"))?;
                Some(Credentials {
                    username: u.to_string(),
                    password: p.to_string(),
                })
            }
        };
        let retry_delay = match &self.retry_delay {
            None => None,
            Some(d) => Some(crate::build::instructions::parse_duration(d).ok_or_else(|| {
                anyhow!("invalid argument {d:?} for \"--retry-delay\" flag: expected a duration such as 2s")
            })?),
        };
        Ok(RemoteOptions {
            tls_verify: self.tls_verify,
            creds,
            authfile: self.authfile.clone(),
            cert_dir: self.cert_dir.clone(),
            retries: self.retry,
            retry_delay,
        })
    }
}

#[derive(Args, Debug)]
pub struct PullArgs {
    /// Image to pull, e.g. alpine, 127.0.0.1:5000/app:1, repo@sha256:…
    reference: String,
    /// Pull every tag of the repository
    #[arg(short, long)]
    all_tags: bool,
    #[command(flatten)]
    platform: PlatformArgs,
    /// Print only the image ID
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    remote: RemoteArgs,
}

pub fn pull(paths: &StorePaths, a: &PullArgs) -> Result<i32> {
    let opts = PullOptions {
        reference: a.reference.clone(),
        platform: a.platform.platform()?,
        all_tags: a.all_tags,
        unnamed: false,
        remote: a.remote.options()?,
    };
    let pulled = if a.quiet {
        pull::pull(paths, &opts, &Silent)?
    } else {
        let r = Renderer::new(Direction::Pull);
        let res = pull::pull(paths, &opts, &r);
        if res.is_ok() {
            r.line("Writing manifest to image destination");
        }
        r.finish();
        res?
    };
    let mut out = String::new();
    for p in &pulled {
        out.push_str(&format!("{}\n", p.id.hex()));
    }
    output::print(&out)?;
    Ok(0)
}

/// Pull `reference` for another command that needs it in the store
/// (`image explore`), with `pull`'s progress on standard error.
pub(super) fn pull_for(paths: &StorePaths, reference: &str, remote: &RemoteArgs) -> Result<()> {
    let opts = PullOptions {
        reference: reference.to_string(),
        platform: None,
        all_tags: false,
        unnamed: false,
        remote: remote.options()?,
    };
    let r = Renderer::new(Direction::Pull);
    let res = pull::pull(paths, &opts, &r);
    if res.is_ok() {
        r.line("Writing manifest to image destination");
    }
    r.finish();
    res.map(|_| ())
}

#[derive(Args, Debug)]
pub struct PushArgs {
    /// Image in local storage (or a manifest list, pushed with its images)
    image: String,
    /// Destination (registry/repository[:tag]); the image's name if absent
    destination: Option<String>,
    #[command(flatten)]
    push: PushFlags,
}

/// What `push` and `manifest push` share.
#[derive(Args, Debug)]
pub struct PushFlags {
    /// Manifest format: oci or v2s2 (Docker); default: the image's own
    #[arg(short, long, value_name = "FORMAT", value_parser = ["oci", "v2s2", "docker"])]
    format: Option<String>,
    /// Compression of layers: gzip or zstd
    #[arg(long, value_name = "FORMAT", default_value = "gzip", value_parser = ["gzip", "zstd"])]
    compression_format: String,
    /// Write the digest of the pushed manifest to this file
    #[arg(long, value_name = "FILE")]
    digestfile: Option<PathBuf>,
    /// Print nothing but errors
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    remote: RemoteArgs,
}

pub fn push(paths: &StorePaths, a: &PushArgs) -> Result<i32> {
    let p = &a.push;
    let opts = PushOptions {
        image: a.image.clone(),
        destination: a.destination.clone(),
        format: push_format(p.format.as_deref()),
        compression: compression(&p.compression_format),
        remote: p.remote.options()?,
    };
    pushed(p, "Writing manifest to image destination", |sink| {
        push::push(paths, &opts, sink)
    })
}

/// Run a push with its progress (none when `quiet`), write its digest
/// to `digestfile`, and print it.
fn pushed(
    p: &PushFlags,
    last: &str,
    f: impl FnOnce(&dyn Sink) -> Result<push::PushResult>,
) -> Result<i32> {
    let res = if p.quiet {
        f(&Silent)?
    } else {
        let r = Renderer::new(Direction::Push);
        let res = f(&r);
        if res.is_ok() {
            r.line(last);
        }
        r.finish();
        res?
    };
    if let Some(f) = &p.digestfile {
        std::fs::write(f, res.manifest_digest.to_string())
            .with_context(|| format!("writing {}", f.display()))?;
    }
    if !p.quiet {
        output::println(&res.manifest_digest.to_string())?;
    }
    Ok(0)
}

#[derive(Args, Debug)]
pub struct LoginArgs {
    /// Registry (host[:port]); the default registry if absent
    registry: Option<String>,
    /// User name
    #[arg(short, long)]
    username: Option<String>,
    /// Password (visible in the process list; prefer --password-stdin)
    #[arg(short, long)]
    password: Option<String>,
    /// Read the password from standard input
    #[arg(long)]
    password_stdin: bool,
    /// Require HTTPS and verify certificates
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true,
          default_missing_value = "true")]
    tls_verify: Option<bool>,
    /// Path of the authentication file (default: Podman's auth.json)
    #[arg(long, value_name = "FILE", env = "REGISTRY_AUTH_FILE")]
    authfile: Option<PathBuf>,
    /// A directory of TLS certificates (as for pull)
    #[arg(long, value_name = "DIR")]
    cert_dir: Option<PathBuf>,
}

pub fn login(a: &LoginArgs) -> Result<i32> {
    let username = a
        .username
        .clone()
        .ok_or_else(|| anyhow!("logging in: a user name is required (-u USERNAME)"))?;
    let password = match (&a.password, a.password_stdin) {
        (Some(_), true) => bail!("logging in: --password and --password-stdin exclude each other"),
        (Some(p), false) => p.clone(),
        (None, true) => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("reading the password from standard input")?;
            s.trim_end_matches(['\n', '\r']).to_string()
        }
        (None, false) => {
            bail!("logging in: a password is required (-p PASSWORD or --password-stdin)")
        }
    };
    login::login(&LoginOptions {
        registry: a.registry.clone(),
        credentials: Credentials { username, password },
        remote: RemoteOptions {
            tls_verify: a.tls_verify,
            creds: None,
            authfile: a.authfile.clone(),
            cert_dir: a.cert_dir.clone(),
            ..RemoteOptions::default()
        },
    })?;
    output::println("Login Succeeded!")?;
    Ok(0)
}

#[derive(Args, Debug)]
pub struct LogoutArgs {
    /// Registry (host[:port]); the default registry if absent
    #[arg(conflicts_with = "all")]
    registry: Option<String>,
    /// Remove the credentials of every registry
    #[arg(short, long)]
    all: bool,
    /// Path of the authentication file (default: Podman's auth.json)
    #[arg(long, value_name = "FILE", env = "REGISTRY_AUTH_FILE")]
    authfile: Option<PathBuf>,
}

pub fn logout(a: &LogoutArgs) -> Result<i32> {
    if a.all {
        login::logout(None, a.authfile.clone())?;
        output::println("Removed login credentials for all registries")?;
        return Ok(0);
    }
    let key = login::registry_key(a.registry.as_deref())?;
    if !login::logout(Some(&key), a.authfile.clone())? {
        bail!("not logged into {key}");
    }
    output::println(&format!("Removed login credentials for {key}"))?;
    Ok(0)
}

#[derive(Subcommand, Debug)]
#[command(defer = true)]
pub enum ManifestCommand {
    /// Create a manifest list in local storage, with the images given
    Create(ManifestCreateArgs),
    /// Add an image to a manifest list (from local storage, else pulled)
    Add(ManifestAddArgs),
    /// Change an entry's platform or annotations, or the list's
    Annotate(ManifestAnnotateArgs),
    /// Take an entry out of a manifest list
    Remove(ManifestRemoveArgs),
    /// Print a manifest list of local storage, or the manifest or index
    /// of an image in a registry
    Inspect(ManifestInspectArgs),
    /// Push a manifest list and its images to a registry
    Push(ManifestPushArgs),
    /// Remove manifest lists from local storage (their images stay)
    Rm(ManifestRmArgs),
    /// Exit 0 if the manifest list exists in local storage, else 1
    Exists(ManifestExistsArgs),
}

/// Platform fields of an entry.
#[derive(Args, Debug)]
pub struct EntryArgs {
    /// The entry's operating system (default: the image's)
    #[arg(long, value_name = "OS")]
    os: Option<String>,
    /// The entry's architecture (default: the image's)
    #[arg(long, value_name = "ARCH")]
    arch: Option<String>,
    /// The entry's architecture variant (default: the image's)
    #[arg(long, value_name = "VARIANT")]
    variant: Option<String>,
    /// The entry's OS version
    #[arg(long, value_name = "VERSION")]
    os_version: Option<String>,
    /// The entry's OS features (comma-separated)
    #[arg(long, value_name = "FEATURES", value_delimiter = ',')]
    os_features: Vec<String>,
    /// An annotation of the entry (repeatable)
    #[arg(long, value_name = "KEY=VALUE")]
    annotation: Vec<String>,
}

impl EntryArgs {
    fn options(&self) -> EntryOptions {
        EntryOptions {
            os: self.os.clone(),
            arch: self.arch.clone(),
            variant: self.variant.clone(),
            os_version: self.os_version.clone(),
            os_features: self.os_features.clone(),
            annotations: self.annotation.clone(),
        }
    }
}

#[derive(Args, Debug)]
pub struct ManifestCreateArgs {
    /// The list's name
    list: String,
    /// Images to add (from local storage, else pulled)
    images: Vec<String>,
    /// Add to the list if it exists already
    #[arg(long)]
    amend: bool,
    /// An annotation of the list (repeatable)
    #[arg(long, value_name = "KEY=VALUE")]
    annotation: Vec<String>,
    #[command(flatten)]
    remote: RemoteArgs,
}

#[derive(Args, Debug)]
pub struct ManifestAddArgs {
    /// The list
    list: String,
    /// The image: in local storage, else pulled (for --os/--arch/--variant
    /// when given)
    image: String,
    /// When the image is a manifest list in a registry, add the image of
    /// each of its platforms
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    entry: EntryArgs,
    #[command(flatten)]
    remote: RemoteArgs,
}

#[derive(Args, Debug)]
pub struct ManifestAnnotateArgs {
    /// The list
    list: String,
    /// The entry: its manifest digest, or its image's name or id
    #[arg(required_unless_present = "index")]
    entry: Option<String>,
    /// Annotate the list itself (--annotation only)
    #[arg(long)]
    index: bool,
    #[command(flatten)]
    fields: EntryArgs,
}

#[derive(Args, Debug)]
pub struct ManifestRemoveArgs {
    /// The list
    list: String,
    /// The entry: its manifest digest, or its image's name or id
    entry: String,
}

#[derive(Args, Debug)]
pub struct ManifestInspectArgs {
    /// A manifest list in local storage, or an image in a registry
    reference: String,
    /// Print the manifest exactly as the registry sent it
    #[arg(long)]
    raw: bool,
    #[command(flatten)]
    remote: RemoteArgs,
}

#[derive(Args, Debug)]
pub struct ManifestPushArgs {
    /// The list
    list: String,
    /// Destination (registry/repository[:tag]); the list's name if absent
    destination: Option<String>,
    /// Push the list's images too (`--all=false`: each must be in the
    /// destination repository already)
    #[arg(long, value_name = "BOOL", default_value_t = true, num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = clap::ArgAction::Set)]
    all: bool,
    /// Remove the list from local storage once pushed
    #[arg(long)]
    rm: bool,
    #[command(flatten)]
    push: PushFlags,
}

#[derive(Args, Debug)]
pub struct ManifestRmArgs {
    /// The lists
    #[arg(required = true)]
    lists: Vec<String>,
}

#[derive(Args, Debug)]
pub struct ManifestExistsArgs {
    /// The list
    list: String,
}

/// The platform of an image to pick from a multi-platform image (`pull`,
/// `run`, `create`).
#[derive(Args, Debug)]
pub struct PlatformArgs {
    /// The image's platform, os/arch[/variant], to pick from a
    /// multi-platform image (and a local manifest list)
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    platform: Option<String>,
    /// The image's architecture (as --platform, the OS this host's)
    #[arg(long, value_name = "ARCH")]
    arch: Option<String>,
    /// The image's OS (as --platform)
    #[arg(long, value_name = "OS")]
    os: Option<String>,
    /// The image's architecture variant (as --platform)
    #[arg(long, value_name = "VARIANT")]
    variant: Option<String>,
}

impl PlatformArgs {
    /// The platform `--platform`, or `--os`/`--arch`/`--variant` (over
    /// the host's), name; `None` when none is given.
    pub(super) fn platform(&self) -> Result<Option<String>> {
        platform_arg(
            self.platform.as_deref(),
            self.os.as_deref(),
            self.arch.as_deref(),
            self.variant.as_deref(),
        )
    }
}

fn platform_arg(
    platform: Option<&str>,
    os: Option<&str>,
    arch: Option<&str>,
    variant: Option<&str>,
) -> Result<Option<String>> {
    if let Some(p) = platform {
        if os.is_some() || arch.is_some() || variant.is_some() {
            bail!("--platform cannot be combined with --os, --arch or --variant");
        }
        return Ok(Some(p.to_string()));
    }
    if os.is_none() && arch.is_none() && variant.is_none() {
        return Ok(None);
    }
    let p = crate::registry::remote::Platform::with_parts(os, arch, variant)?;
    Ok(Some(p.to_string()))
}

fn push_format(f: Option<&str>) -> Option<Format> {
    f.map(|f| match f {
        "oci" => Format::Oci,
        _ => Format::V2s2,
    })
}

fn compression(f: &str) -> LayerCompression {
    if f == "zstd" {
        LayerCompression::Zstd
    } else {
        LayerCompression::Gzip
    }
}

/// Run `f` with a pull renderer (finished whatever `f` returns).
fn pulling<T>(f: impl FnOnce(&dyn Sink) -> Result<T>) -> Result<T> {
    let r = Renderer::new(Direction::Pull);
    let res = f(&r);
    r.finish();
    res
}

pub fn manifest(paths: &StorePaths, c: &ManifestCommand) -> Result<i32> {
    match c {
        ManifestCommand::Create(a) => {
            let remote = a.remote.options()?;
            let d = pulling(|sink| {
                manifest::create(
                    paths,
                    &a.list,
                    &a.images,
                    a.amend,
                    &a.annotation,
                    &remote,
                    sink,
                )
            })?;
            output::println(d.hex())?;
        }
        ManifestCommand::Add(a) => {
            let remote = a.remote.options()?;
            let o = a.entry.options();
            let d =
                pulling(|sink| manifest::add(paths, &a.list, &a.image, &o, a.all, &remote, sink))?;
            output::println(d.hex())?;
        }
        ManifestCommand::Annotate(a) => {
            let which = if a.index { None } else { a.entry.as_deref() };
            let d = manifest::annotate(paths, &a.list, which, &a.fields.options())?;
            output::println(d.hex())?;
        }
        ManifestCommand::Remove(a) => {
            let d = manifest::remove(paths, &a.list, &a.entry)?;
            output::println(d.hex())?;
        }
        ManifestCommand::Inspect(a) => {
            let bytes = match manifest::inspect(paths, &a.reference)? {
                Some(b) => b,
                None => pull::inspect_manifest(&ManifestInspectOptions {
                    reference: a.reference.clone(),
                    remote: a.remote.options()?,
                })?,
            };
            if a.raw {
                output::print(&String::from_utf8_lossy(&bytes))?;
            } else {
                let v: serde_json::Value = serde_json::from_slice(&bytes)
                    .map_err(|e| anyhow!("{}: malformed manifest: {e}", a.reference))?;
                output::println(&serde_json::to_string_pretty(&v)?)?;
            }
        }
        ManifestCommand::Push(a) => {
            let p = &a.push;
            let opts = PushListOptions {
                list: a.list.clone(),
                destination: a.destination.clone(),
                all: a.all,
                format: push_format(p.format.as_deref()),
                compression: compression(&p.compression_format),
                remote: p.remote.options()?,
            };
            pushed(p, "Writing manifest list to image destination", |sink| {
                let res = manifest::push(paths, &opts, sink)?;
                if a.rm {
                    manifest::rm(paths, std::slice::from_ref(&a.list))?;
                }
                Ok(res)
            })?;
        }
        ManifestCommand::Rm(a) => {
            for l in manifest::rm(paths, &a.lists)? {
                for n in &l.names {
                    output::println(&format!("Untagged: {n}"))?;
                }
                output::println(&format!("Deleted: {}", l.digest.hex()))?;
            }
        }
        ManifestCommand::Exists(a) => {
            return Ok(if manifest::exists(paths, &a.list)? {
                0
            } else {
                1
            });
        }
    }
    Ok(0)
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Direction {
    Pull,
    Push,
}

/// Turns progress events into bars or lines on standard error.
pub(super) struct Renderer {
    direction: Direction,
    bars: Option<indicatif::MultiProgress>,
    state: Mutex<RenderState>,
}

#[derive(Default)]
struct RenderState {
    announced: bool,
    bars: HashMap<String, indicatif::ProgressBar>,
    kinds: HashMap<String, BlobKind>,
}

impl Renderer {
    pub(super) fn new(direction: Direction) -> Renderer {
        Renderer::with_bars(direction, std::io::stderr().is_terminal())
    }

    /// Bars (on standard error) or, without, a line per event.
    pub(super) fn with_bars(direction: Direction, bars: bool) -> Renderer {
        let bars = bars.then(|| {
            indicatif::MultiProgress::with_draw_target(indicatif::ProgressDrawTarget::stderr())
        });
        Renderer {
            direction,
            bars,
            state: Mutex::new(RenderState::default()),
        }
    }

    pub(super) fn line(&self, s: &str) {
        match &self.bars {
            Some(m) => {
                let _ = m.println(s);
            }
            None => eprintln!("{s}"),
        }
    }

    pub(super) fn finish(&self) {
        let st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        for b in st.bars.values() {
            if !b.is_finished() {
                b.abandon();
            }
        }
    }
}

/// `sha256:0123456789ab…` → `0123456789ab`, as Podman shows blobs.
fn short(digest: &str) -> &str {
    let hex = digest.split_once(':').map_or(digest, |(_, h)| h);
    &hex[..hex.len().min(12)]
}

fn noun(k: BlobKind) -> &'static str {
    match k {
        BlobKind::Config => "config",
        BlobKind::Layer => "blob",
    }
}

impl Sink for Renderer {
    fn event(&self, e: Event) {
        let mut guard = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let st: &mut RenderState = &mut guard;
        let announce = |st: &mut RenderState| {
            if !st.announced {
                st.announced = true;
                self.line("Getting image source signatures");
            }
        };
        match e {
            Event::Resolving { reference } => {
                if self.direction == Direction::Pull {
                    self.line(&format!("Trying to pull {reference}..."));
                }
            }
            Event::BlobStart {
                digest,
                total,
                kind,
            } => {
                announce(&mut *st);
                st.kinds.insert(digest.clone(), kind);
                if let Some(m) = &self.bars {
                    let bar = m.add(indicatif::ProgressBar::new(total.unwrap_or(0)));
                    bar.set_style(
                        indicatif::ProgressStyle::with_template(
                            "Copying {prefix} {msg} {wide_bar} {bytes}/{total_bytes}",
                        )
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                    );
                    bar.set_prefix(format!("{} {}", noun(kind), short(&digest)));
                    st.bars.insert(digest.clone(), bar);
                }
            }
            Event::BlobProgress { digest, done } => {
                if let Some(b) = st.bars.get(&digest) {
                    b.set_position(done);
                }
            }
            Event::BlobDone { digest } => {
                let kind = st.kinds.get(&digest).copied().unwrap_or(BlobKind::Layer);
                match st.bars.get(&digest) {
                    Some(b) => b.finish_with_message("done"),
                    None => self.line(&format!("Copying {} {} done", noun(kind), short(&digest))),
                }
            }
            Event::BlobSkipped { digest, kind } => {
                announce(&mut *st);
                self.line(&format!(
                    "Copying {} {} skipped: already exists",
                    noun(kind),
                    short(&digest)
                ));
            }
            Event::BlobMounted { digest, from } => {
                announce(&mut *st);
                self.line(&format!(
                    "Copying blob {} mounted from {from}",
                    short(&digest)
                ));
            }
            Event::Retrying { what, attempt } => {
                self.line(&format!("Retrying {what} (attempt {attempt})"));
            }
            Event::Manifest { .. } => {}
        }
    }
}

// A pull writes layers; a push reads them.
layer_files!(true: PullArgs, PushArgs, ManifestCreateArgs, ManifestAddArgs, ManifestPushArgs);
layer_files!(
    false: LoginArgs,
    LogoutArgs,
    ManifestInspectArgs,
    ManifestAnnotateArgs,
    ManifestRemoveArgs,
    ManifestRmArgs,
    ManifestExistsArgs
);
layer_files_of!(ManifestCommand: Create, Add, Annotate, Remove, Inspect, Push, Rm, Exists);
