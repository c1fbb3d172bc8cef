//! `build`: execute a Dockerfile, one stage after another (only the
//! stages the target needs), as Podman does with its default `--layers`:
//! every instruction after FROM is committed as an intermediate image (no
//! name), and a cache record maps the step's key to that image, so an
//! unchanged step is reused without running anything.
//!
//! A step's key is the digest of the image it starts from (its layers and
//! config), the expanded instruction with its flags, the variables it
//! sees, and for COPY/ADD the digest of what it would copy. RUN runs in a
//! container over the current image (the `run` code path) whose writable
//! layer then becomes the step's layer (the `commit` code path); the other
//! instructions change only the config. Nothing here prints: progress
//! goes to the caller as [`BuildEvent`]s.

use super::build_cache::{self, CacheRef, ExportEntry, Hit, RemoteCache, Unusable};
use super::build_context::{self, Source};
use super::build_copy;
use super::build_output::Export;
pub use super::build_output::Output;
use super::build_secrets::Lent;
use super::commit::{self, ContainerLayer, NewImage};
use super::pull::{PullOptions, RemoteOptions};
use super::run::RunOptions;
use crate::build::context::{BuildContext, CopyFrom, CopyRequest};
use crate::build::{
    self, BuildArgs, Command, CommandLine, Dockerfile, Env, Healthcheck, Instruction, Platform,
    Stages, Step,
};
use crate::digest::{Digest, HashingWriter};
use crate::image::archive::Format;
use crate::image::config::{History, ImageConfig};
use crate::layer_tar::diff::Mtimes;
use crate::progress::Event;
use crate::runtime::spec::{Mount, Spec};
use crate::store::containers::ContainerRecord;
use crate::store::{ImageRecord, Index, Store, StorePaths, Writer};
use anyhow::{anyhow, bail, Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What `build` takes from the command line.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The build context directory.
    pub context: PathBuf,
    /// A context that is not a directory here (standard input, a URL, a
    /// git repository): fetched by `build` into the store's staging,
    /// which then becomes `context`.
    pub source: Option<Source>,
    /// `-f FILE`; `None`: `CONTEXT/Dockerfile`, else `CONTEXT/Containerfile`.
    pub dockerfile: Option<PathBuf>,
    /// The Dockerfile's text when it came from standard input (`-f -`).
    pub dockerfile_text: Option<String>,
    /// `-t`: names for the result.
    pub tags: Vec<String>,
    /// `--build-arg K=V` or `K` (the value from berth's environment).
    pub build_args: Vec<String>,
    /// `--label K=V`, applied to the final image.
    pub labels: Vec<String>,
    /// `--target`: the stage to build (default: the last).
    pub target: Option<String>,
    /// `--network default|none|host` for every RUN.
    pub network: Option<String>,
    /// Ignore cache records (and replace them).
    pub no_cache: bool,
    /// Pull every FROM image, even when the store has it.
    pub pull: bool,
    /// `--platform OS/ARCH[/VARIANT][,…]`: one build per platform.
    pub platform: Option<String>,
    /// `--manifest NAME`: the images built join this manifest list.
    pub manifest: Option<String>,
    /// `--secret id=ID[,src=PATH|,env=VAR]`.
    pub secrets: Vec<String>,
    /// `--ssh default|ID[=SOCKET|KEYFILE,…]`.
    pub ssh: Vec<String>,
    /// `--output`; none: the image, in the store.
    pub outputs: Vec<Output>,
    /// Where an output to standard output is written (the CLI points fd
    /// 1 elsewhere while the build runs).
    pub stdout: Option<std::sync::Arc<std::fs::File>>,
    /// `--squash`: the layers the build adds become one, over its base's.
    pub squash: bool,
    /// `--layers=false`: as `--squash`, and no step is taken from the
    /// cache (buildah commits such a build once, at its end).
    pub no_layers: bool,
    /// `--squash-all`: the image has one layer, its base's included.
    pub squash_all: bool,
    /// `--format docker`: the image's manifest is Docker's schema 2 (what
    /// `push` then sends by default) rather than OCI's.
    pub docker_format: bool,
    /// `--timestamp SECONDS`: the time of every config, history entry
    /// and layer file (Podman's; `SOURCE_DATE_EPOCH` only clamps file
    /// times to it).
    pub timestamp: Option<i64>,
    /// `--cache-from`: registry caches whose steps a build may take.
    pub cache_from: Vec<CacheRef>,
    /// `--cache-to`: registry caches the build's steps are written to.
    pub cache_to: Vec<CacheRef>,
    /// `--cache-ttl`: only cached steps made within it are used.
    pub cache_ttl: Option<std::time::Duration>,
    /// `--build-context NAME=…`: named contexts, over stages and images
    /// of the same name.
    pub named: BTreeMap<String, build_context::Named>,
    pub remote: RemoteOptions,
    /// Set on each platform's build of a build for several platforms:
    /// the file outputs and `--cache-to` are left to that build, which
    /// writes them once for every platform ([`Built::cache`] carries the
    /// steps).
    pub one_of_several: bool,
}

/// What happens during a build, in order, for the caller to render.
#[derive(Debug, Clone)]
pub enum BuildEvent {
    /// `STEP n/total: INSTRUCTION`.
    Step {
        number: usize,
        total: usize,
        text: String,
    },
    /// A FROM image is being pulled.
    Pull(Event),
    /// The step's image came from the cache.
    UsingCache(Digest),
    /// A step (or a stage) ended with this image.
    StepDone(Digest),
    /// The final image is being committed under this name (`None`: no
    /// name).
    Commit(Option<String>),
    /// The final image was given this name.
    Tagged(String),
    /// Something the user should know (unused build args …).
    Warning(String),
    /// `--cache-to`: the cache was written with this many steps.
    CacheExported { reference: String, entries: usize },
    /// A build for several platforms starts this one's.
    Platform(String),
}

/// A RUN instruction exited with a non-zero code: the build fails, and
/// berth exits with that code as Podman does.
#[derive(Debug)]
pub struct StepFailed {
    pub step: String,
    pub file: String,
    pub line: usize,
    pub code: i32,
}

impl std::fmt::Display for StepFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "building at STEP \"{}\" ({}:{}): while running runtime: exit status {}",
            self.step, self.file, self.line, self.code
        )
    }
}

impl std::error::Error for StepFailed {}

/// The result of a build.
#[derive(Debug, Clone)]
pub struct Built {
    pub id: Digest,
    pub names: Vec<String>,
    /// The names to push (`--output type=image,push=true`).
    pub push: Vec<String>,
    /// The image's manifest: its media type, digest and size.
    pub manifest: (String, Digest, u64),
    /// The manifest list the image joined (`--manifest`, or several
    /// platforms): its digest now.
    pub list: Option<Digest>,
    /// The steps `--cache-to` writes, when the build is one platform's
    /// of several ([`BuildOptions::one_of_several`]).
    pub cache: Vec<ExportEntry>,
    /// The images the build made, when it is one platform's of several:
    /// they go if the build for every platform fails after it.
    pub made: Vec<Digest>,
    /// How many platforms were built (`--platform a,b`: 2).
    pub platforms: usize,
}

/// The shell of RUN, CMD and ENTRYPOINT in shell form unless SHELL says
/// otherwise.
const DEFAULT_SHELL: [&str; 2] = ["/bin/sh", "-c"];

/// Read and parse the Dockerfile `opts` names. A syntax error comes back
/// as a [`build::DockerfileError`] (`Dockerfile:LINE:COL: message`).
pub fn load_dockerfile(opts: &BuildOptions) -> Result<Dockerfile> {
    let (name, text) = match (&opts.dockerfile_text, &opts.dockerfile) {
        (Some(text), _) => ("Dockerfile".to_string(), text.clone()),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading Dockerfile {}", path.display()))?;
            (file_label(path), text)
        }
        (None, None) => {
            let path = default_dockerfile(&opts.context)?;
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading Dockerfile {}", path.display()))?;
            (file_label(&path), text)
        }
    };
    Ok(build::parse(&name, &text)?)
}

/// `CONTEXT/Dockerfile`, else `CONTEXT/Containerfile`.
pub fn default_dockerfile(context: &Path) -> Result<PathBuf> {
    for name in ["Dockerfile", "Containerfile"] {
        let p = context.join(name);
        if p.is_file() {
            return Ok(p);
        }
    }
    bail!(
        "no Dockerfile or Containerfile found in the build context {}",
        context.display()
    )
}

/// How a Dockerfile is named in errors: its file name.
fn file_label(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "Dockerfile".into())
}

/// `--dry-run`: the parsed Dockerfile, nothing executed.
pub fn dry_run(paths: &StorePaths, opts: &BuildOptions) -> Result<Dockerfile> {
    if opts.source.is_none() {
        check_context(opts)?;
        return load_dockerfile(opts);
    }
    let store = super::open_store(paths)?;
    let writer = store.writer(super::owners())?;
    let opts = fetched_context(opts, writer.staging())?;
    load_dockerfile(&opts)
}

/// `opts` with its `source` fetched into `staging` and made `context`;
/// a relative `-f` is then a file of that context, as Docker takes it.
fn fetched_context(opts: &BuildOptions, staging: &Path) -> Result<BuildOptions> {
    let mut out = opts.clone();
    if let Some(source) = out.source.take() {
        let got = build_context::fetch(
            &source,
            staging,
            &mut std::io::stdin().lock(),
            &crate::registry::ClientOptions::default(),
        )?;
        let fetched = !matches!(source, Source::Dir(_));
        if let Some(f) = &out.dockerfile {
            if fetched && f.is_relative() && f.as_os_str() != "-" {
                out.dockerfile = Some(got.join(f));
            }
        }
        out.context = got;
    }
    check_context(&out)?;
    Ok(out)
}

fn check_context(opts: &BuildOptions) -> Result<()> {
    if !opts.context.is_dir() {
        bail!("build context {}: not a directory", opts.context.display());
    }
    Ok(())
}

/// `--build-arg` values: `K=V`, or `K` taking berth's environment (and
/// ignored when that has none), as Podman does.
fn parse_build_args(list: &[String]) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for a in list {
        match a.split_once('=') {
            Some(("", _)) => bail!("--build-arg {a:?}: expected KEY=VALUE or KEY"),
            Some((k, v)) => {
                out.insert(k.to_string(), v.to_string());
            }
            None if a.is_empty() => bail!("--build-arg {a:?}: expected KEY=VALUE or KEY"),
            None => {
                if let Ok(v) = std::env::var(a) {
                    out.insert(a.clone(), v);
                }
            }
        }
    }
    Ok(out)
}

fn parse_labels(list: &[String]) -> Result<Vec<(String, String)>> {
    list.iter()
        .map(|l| match l.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            None if !l.is_empty() => Ok((l.to_string(), String::new())),
            _ => bail!("--label {l:?}: expected KEY=VALUE"),
        })
        .collect()
}

/// The image state between steps.
#[derive(Clone)]
struct State {
    /// The image in the store with exactly this state; `None` right
    /// after `FROM scratch`, or while the state is a `--cache-from` hit
    /// not fetched yet.
    image: Option<ImageRecord>,
    /// A `--cache-from` hit, fetched only when its files are needed.
    remote: Option<Hit>,
    config: ImageConfig,
    /// CMD was set in this stage (ENTRYPOINT then keeps it).
    cmd_set: bool,
}

impl State {
    /// The id of the state's image (`None`: right after `FROM scratch`).
    fn id(&self) -> Option<&Digest> {
        match (&self.image, &self.remote) {
            (Some(i), _) => Some(&i.id),
            (None, Some(h)) => Some(&h.id),
            (None, None) => None,
        }
    }
}

/// Everything a build run needs, shared by its stages.
struct Builder<'a> {
    store: &'a Store,
    writer: Writer<'a>,
    paths: &'a StorePaths,
    opts: &'a BuildOptions,
    df: &'a Dockerfile,
    stages: &'a Stages,
    args: BuildArgs,
    /// `--secret` and `--ssh`.
    lent: Lent,
    /// `SOURCE_DATE_EPOCH` or `--timestamp`: the time written into
    /// configs and the latest mtime of layer files.
    epoch: Option<i64>,
    /// `--timestamp`: every layer file has the time `epoch`.
    set_mtimes: bool,
    index: Index,
    events: &'a (dyn Fn(BuildEvent) + Sync),
    hint: &'a mut dyn FnMut(&str),
    step: usize,
    total: usize,
    /// The resulting image of each stage built so far.
    results: BTreeMap<usize, State>,
    /// The state each stage built so far started from.
    bases: BTreeMap<usize, State>,
    /// Images this build added to the store.
    made: Vec<Digest>,
    /// `--cache-from`.
    remote: RemoteCache,
    /// Every step's key and image so far, for `--cache-to`.
    exports: Vec<ExportEntry>,
    /// The image each `oci-layout://` context was loaded as.
    loaded: BTreeMap<String, Digest>,
    /// `--platform` was given: FROM images must be of the stage's
    /// platform (else any image of the name will do, as before).
    explicit_platform: bool,
    /// The platform of the stage being built (`None`: not chosen).
    stage_platform: Option<Platform>,
    /// Whether this build warned that binfmt_misc cannot be seen.
    unsure_said: bool,
}

/// The platforms of `--platform a,b,…`, normalized as BuildKit does
/// (`arm64/v8` is `arm64`, `arm` is `arm/v7`), without repeats.
pub fn parse_platforms(list: &str) -> Result<Vec<Platform>> {
    let mut out: Vec<Platform> = Vec::new();
    for p in list.split(',').map(str::trim) {
        let mut want = Platform::parse(p)
            .ok_or_else(|| anyhow!("--platform {p:?}: expected OS/ARCH[/VARIANT]"))?;
        if want.os != "linux" {
            bail!("--platform {p}: berth builds linux images only");
        }
        if want
            .architecture
            .contains(|c: char| !c.is_ascii_alphanumeric())
            || want
                .variant
                .as_deref()
                .is_some_and(|v| v.is_empty() || v.contains(|c: char| !c.is_ascii_alphanumeric()))
        {
            bail!("--platform {p:?}: expected OS/ARCH[/VARIANT]");
        }
        match (want.architecture.as_str(), want.variant.as_deref()) {
            ("arm64", Some("v8")) | ("amd64", Some("v1")) => want.variant = None,
            ("arm", None) => want.variant = Some("v7".into()),
            _ => {}
        }
        if !out.contains(&want) {
            out.push(want);
        }
    }
    Ok(out)
}

/// Build the image `opts` describes: once per `--platform`, the images
/// then in the manifest list `--manifest` names (or, for several
/// platforms, the lists the `-t` names name). Events are sent in order;
/// `hint` is called once if rootless berth maps only the user.
pub fn build(
    paths: &StorePaths,
    opts: &BuildOptions,
    events: &(dyn Fn(BuildEvent) + Sync),
    hint: &mut dyn FnMut(&str),
) -> Result<Built> {
    let platforms = match &opts.platform {
        Some(p) => parse_platforms(p)?,
        None => Vec::new(),
    };
    if platforms.len() < 2 && opts.manifest.is_none() {
        return build_for(paths, opts, platforms.first(), events, hint);
    }
    let several = platforms.len() > 1;
    if several
        && opts.outputs.iter().any(|o| {
            matches!(
                o,
                Output::Archive {
                    format: Format::DockerArchive,
                    ..
                }
            )
        })
    {
        bail!("--output type=docker: a Docker archive cannot hold an image for several platforms; use type=oci");
    }
    // Only files or archives asked for: the result is no image, and -t
    // names nothing, as in a build for one platform.
    let as_image = opts.outputs.is_empty()
        || opts
            .outputs
            .iter()
            .any(|o| matches!(o, Output::Image { .. }));
    // The output images' names: with several platforms, the lists'.
    let mut output_names = Vec::new();
    let mut push = false;
    for o in &opts.outputs {
        if let Output::Image { names, push: p } = o {
            push |= *p;
            for n in names {
                let n = super::local_name(n)?;
                if !output_names.contains(&n) {
                    output_names.push(n);
                }
            }
        }
    }
    let mut lists = Vec::new();
    if let Some(m) = &opts.manifest {
        lists.push(super::local_name(m)?);
    }
    if several && as_image {
        for t in &opts.tags {
            let t = super::local_name(t)?;
            if !lists.contains(&t) {
                lists.push(t);
            }
        }
        for n in &output_names {
            if !lists.contains(n) {
                lists.push(n.clone());
            }
        }
    } else if let Some(m) = lists.first() {
        if opts
            .tags
            .iter()
            .chain(&output_names)
            .any(|t| super::local_name(t).is_ok_and(|t| t == *m))
        {
            bail!("--manifest {m}: the image is given the same name; a name is an image's or a list's");
        }
    }
    let mut each = opts.clone();
    if several {
        // The names are the lists'; the file outputs and the caches are
        // written below, once for every platform.
        each.one_of_several = true;
        each.tags.clear();
        each.outputs.retain(|o| !matches!(o, Output::Image { .. }));
        if as_image || !lists.is_empty() {
            // Each platform's image stays in the store (for the lists).
            each.outputs.push(Output::Image {
                names: Vec::new(),
                push: false,
            });
        }
    }
    let store = super::open_store(paths)?;
    let idx = store.read_index()?;
    for l in &lists {
        if idx.list(l).is_none() && idx.images.iter().any(|i| i.names.contains(l)) {
            bail!("{l}: an image has this name; a manifest list cannot have it too");
        }
    }
    drop(idx);
    let all = if platforms.is_empty() {
        vec![None]
    } else {
        platforms.iter().map(Some).collect()
    };
    // Every platform is built before any list changes: a build that
    // fails leaves the lists as they were.
    let mut made = Vec::new();
    let mut lock = None;
    let res = (|| -> Result<Option<Digest>> {
        for p in all {
            if let Some(p) = p.filter(|_| several) {
                events(BuildEvent::Platform(p.to_string()));
            }
            made.push(build_for(paths, &each, p, events, hint)?);
        }
        // Held from here to the lists: no garbage collection takes the
        // platforms' images while the caches are written, the outputs
        // read and the lists made. Not while the platforms build: a
        // failed build takes its new layers out only with the store to
        // itself.
        lock = Some(store.shared()?);
        if several {
            let steps: Vec<ExportEntry> = made
                .iter_mut()
                .flat_map(|b| std::mem::take(&mut b.cache))
                .collect();
            export_caches(&store, opts, &steps, events)?;
            let mut names = Vec::new();
            for n in opts.tags.iter().chain(&output_names) {
                let n = super::local_name(n)?;
                if !names.contains(&n) {
                    names.push(n);
                }
            }
            let ids: Vec<Digest> = made.iter().map(|b| b.id.clone()).collect();
            platform_outputs(&store, opts, &platforms, &ids, &names)?;
        }
        let ids: Vec<Digest> = made.iter().map(|b| b.id.clone()).collect();
        let mut list_digest = None;
        for l in &lists {
            list_digest = Some(super::manifest::add_built(&store, l, &ids)?);
            events(BuildEvent::Tagged(l.clone()));
        }
        Ok(list_digest)
    })();
    let list_digest = match res {
        Ok(d) => d,
        Err(e) => {
            // As a build for one platform does: the images the
            // platforms' builds made go.
            let gone: Vec<Digest> = made.iter().flat_map(|b| b.made.iter().cloned()).collect();
            let _ = forget_made(&store, &gone);
            return Err(e);
        }
    };
    drop(lock);
    let mut built = made.pop().expect("at least one platform");
    if several {
        built.names = lists.clone();
        built.push = if push { output_names } else { Vec::new() };
    }
    built.list = list_digest;
    built.platforms = platforms.len().max(1);
    Ok(built)
}

/// Remove the images `made` by a build that then failed and the cache
/// records naming them; not those that something took meanwhile: a
/// name, a container, a manifest list.
fn forget_made(store: &Store, made: &[Digest]) -> Result<()> {
    if made.is_empty() {
        return Ok(());
    }
    let used: BTreeSet<Digest> = store
        .all_containers()?
        .into_iter()
        .filter_map(|c| c.image)
        .collect();
    let gone = store.update_index(|idx| {
        let listed = super::manifest::listed_manifests(store, idx)?;
        let goes = |i: &ImageRecord| {
            i.names.is_empty()
                && made.contains(&i.id)
                && !used.contains(&i.id)
                && !listed.contains(&i.manifest)
        };
        let gone: Vec<Digest> = idx
            .images
            .iter()
            .filter(|i| goes(i))
            .map(|i| i.id.clone())
            .collect();
        idx.images.retain(|i| !gone.contains(&i.id));
        let changed = !gone.is_empty();
        Ok((gone, changed))
    })?;
    for (key, image) in store.cache_records()? {
        if gone.contains(&image) {
            store.cache_remove(&key)?;
        }
    }
    Ok(())
}

/// Write the images `ids` of a build for `platforms` (in that order) to
/// the file outputs of `opts`: each platform's files below its own
/// directory (`linux_arm64`), archives as one index of the images, named
/// `names` when they name none.
fn platform_outputs(
    store: &Store,
    opts: &BuildOptions,
    platforms: &[Platform],
    ids: &[Digest],
    names: &[String],
) -> Result<()> {
    if opts
        .outputs
        .iter()
        .all(|o| matches!(o, Output::Image { .. }))
    {
        return Ok(());
    }
    let idx = store.read_index()?;
    let recs = ids
        .iter()
        .map(|id| {
            idx.find(id)
                .ok_or_else(|| anyhow!("image {} vanished during the build", id.short()))
        })
        .collect::<Result<Vec<_>>>()?;
    let parts: Vec<_> = platforms
        .iter()
        .zip(recs)
        .map(|(p, rec)| {
            (
                p.to_string().replace('/', "_"),
                file_export(store, opts, rec, names),
            )
        })
        .collect();
    for o in &opts.outputs {
        super::build_output::write(&parts, o)?;
    }
    Ok(())
}

fn build_for(
    paths: &StorePaths,
    opts: &BuildOptions,
    platform: Option<&Platform>,
    events: &(dyn Fn(BuildEvent) + Sync),
    hint: &mut dyn FnMut(&str),
) -> Result<Built> {
    let _phase = tracing::info_span!("build").entered();
    if opts.source.is_none() {
        check_context(opts)?;
    }
    if let Some(n) = &opts.network {
        if n.is_empty() || n.contains('/') && !n.starts_with("ns:") {
            bail!("--network {n:?}: expected default, none, host, private, pasta, slirp4netns or a network name");
        }
    }
    super::build_output::check(&opts.outputs, opts.stdout.as_deref())?;
    let mut names = opts
        .tags
        .iter()
        .map(|t| super::local_name(t))
        .collect::<Result<Vec<_>>>()?;
    for o in &opts.outputs {
        if let Output::Image { names: more, .. } = o {
            for n in more {
                let n = super::local_name(n)?;
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
    }
    let labels = parse_labels(&opts.labels)?;
    let lent = Lent::new(&opts.secrets, &opts.ssh, &paths.runroot)?;
    let mut values = parse_build_args(&opts.build_args)?;
    if let (None, Ok(v)) = (
        values.get("SOURCE_DATE_EPOCH"),
        std::env::var("SOURCE_DATE_EPOCH"),
    ) {
        values.insert("SOURCE_DATE_EPOCH".into(), v);
    }
    let epoch =
        match values.get("SOURCE_DATE_EPOCH") {
            Some(v) if !v.is_empty() => Some(v.parse::<i64>().map_err(|_| {
                anyhow!("SOURCE_DATE_EPOCH {v:?}: expected seconds since the epoch")
            })?),
            _ => None,
        };
    if opts.timestamp.is_some_and(|t| t < 0) {
        bail!("--timestamp: expected seconds since the epoch, not before it");
    }
    let epoch = opts.timestamp.or(epoch);
    let store = super::open_store(paths)?;
    let writer = store.writer(super::owners())?;
    let fetched = fetched_context(opts, writer.staging())?;
    let opts = &fetched;
    let df = load_dockerfile(opts)?;
    let stages = build::split_stages(&df)?;
    let mut args = BuildArgs {
        values,
        ..BuildArgs::default()
    };
    if let Some(p) = platform {
        args.target_platform = p.clone();
    }
    let explicit_platform = platform.is_some();
    let target = match &opts.target {
        Some(t) => stages
            .find(t)
            .ok_or_else(|| anyhow!("--target {t:?}: no such stage in {}", df.file))?,
        None => stages.stages.len() - 1,
    };
    let needed = needed_stages(&df, &stages, &args, target, &opts.named)?;
    let total = needed
        .iter()
        .map(|&i| 1 + stages.stages[i].instructions.len())
        .sum();

    // The step containers of a build that was killed.
    store.remove_orphans()?;
    let remote = match opts.no_cache || opts.no_layers || opts.cache_ttl == Some(Default::default())
    {
        true => RemoteCache::open(&[], &opts.remote, &|_| {}),
        false => RemoteCache::open(&opts.cache_from, &opts.remote, &|w| {
            events(BuildEvent::Warning(w))
        }),
    };
    let index = store.read_index()?;
    let mut b = Builder {
        store: &store,
        writer,
        paths,
        opts,
        df: &df,
        stages: &stages,
        args,
        lent,
        epoch,
        set_mtimes: opts.timestamp.is_some(),
        index,
        events,
        hint,
        step: 0,
        total,
        results: BTreeMap::new(),
        bases: BTreeMap::new(),
        made: Vec::new(),
        remote,
        exports: Vec::new(),
        loaded: BTreeMap::new(),
        explicit_platform,
        stage_platform: None,
        unsure_said: false,
    };
    let mut res;
    let mut warned = false;
    loop {
        res = (|| {
            for &i in &needed {
                let state = b.stage(i)?;
                b.results.insert(i, state);
            }
            let unused = unused_build_args(&stages, &needed, &b.args);
            if !unused.is_empty() && !std::mem::replace(&mut warned, true) {
                b.emit(BuildEvent::Warning(format!(
                    "one or more build args were not consumed: [{}]",
                    unused.join(" ")
                )));
            }
            let state = b
                .results
                .remove(&target)
                .expect("the target stage was built");
            let base = b.bases.get(&target).cloned();
            b.finish(state, base, &labels, &names)
        })();
        // A `--cache-from` entry that turned out unusable: refused now,
        // the build starts over without it (the steps it ran since are
        // in the local cache).
        match res
            .as_ref()
            .err()
            .and_then(|e| e.downcast_ref::<Unusable>())
        {
            Some(u) => {
                b.emit(BuildEvent::Warning(format!(
                    "{u}; not used, building again without it"
                )));
                b.step = 0;
                b.results.clear();
                b.bases.clear();
                b.exports.clear();
                match store.read_index() {
                    Ok(i) => b.index = i,
                    Err(e) => {
                        res = Err(e);
                        break;
                    }
                }
            }
            None => break,
        }
    }
    match &mut res {
        Ok(built) if opts.one_of_several => {
            built.cache = std::mem::take(&mut b.exports);
            built.made = std::mem::take(&mut b.made);
        }
        Ok(_) => {}
        // A failed build leaves the store as it found it: the images its
        // steps made go (their layers with the writer, see `Writer`'s
        // drop), and so do the cache records naming them.
        Err(_) => {
            let _ = b.forget_made();
        }
    }
    res
}

/// `--build-arg` names that no ARG of the built stages declares (the
/// proxy args and `SOURCE_DATE_EPOCH` are consumed without one).
fn unused_build_args(stages: &Stages, needed: &[usize], args: &BuildArgs) -> Vec<String> {
    let mut declared = BTreeSet::new();
    let instructions = stages.meta_args.iter().chain(
        needed
            .iter()
            .flat_map(|&i| stages.stages[i].instructions.iter()),
    );
    for i in instructions {
        if let Command::Arg(pairs) = &i.command {
            declared.extend(pairs.iter().map(|kv| kv.key.clone()));
        }
    }
    args.values
        .keys()
        .filter(|k| {
            !declared.contains(*k)
                && !build::stages::PROXY_ARGS.contains(&k.as_str())
                && k.as_str() != "SOURCE_DATE_EPOCH"
        })
        .cloned()
        .collect()
}

/// The stages `target` needs (FROM another stage, `COPY --from`, `RUN
/// --mount=from=`), in order.
fn needed_stages(
    df: &Dockerfile,
    stages: &Stages,
    args: &BuildArgs,
    target: usize,
    named: &BTreeMap<String, build_context::Named>,
) -> Result<Vec<usize>> {
    let mut needed = BTreeSet::new();
    let mut todo = vec![target];
    while let Some(i) = todo.pop() {
        if !needed.insert(i) {
            continue;
        }
        let st = build::expand_stage(df, stages, i, args, &[])?;
        let mut refs = vec![st.base.clone()];
        for s in &st.steps {
            match &s.instruction.command {
                Command::Copy(c) => refs.extend(c.from.clone()),
                Command::Run(r) => {
                    for m in &r.mounts {
                        refs.extend(
                            m.split(',')
                                .filter_map(|kv| kv.strip_prefix("from="))
                                .map(str::to_string),
                        );
                    }
                }
                _ => {}
            }
        }
        // A named context stands for the stage of its name.
        for r in refs.into_iter().filter(|r| !named.contains_key(r)) {
            if let Some(j) = stages.find(&r).filter(|&j| j < i) {
                todo.push(j);
            }
        }
    }
    Ok(needed.into_iter().collect())
}

impl Builder<'_> {
    fn emit(&self, e: BuildEvent) {
        (self.events)(e)
    }

    fn now(&self) -> String {
        crate::image::time::format_rfc3339(self.epoch.unwrap_or_else(crate::image::time::now_unix))
    }

    fn next_step(&mut self, i: &Instruction) {
        self.step += 1;
        self.emit(BuildEvent::Step {
            number: self.step,
            total: self.total,
            text: step_text(i),
        });
    }

    /// Take the images this build made out of the store again, with the
    /// cache records that name them.
    fn forget_made(&self) -> Result<()> {
        forget_made(self.store, &self.made)
    }

    /// `--> ID` after a step; the last step's comes after `COMMIT`.
    fn done(&self, id: &Digest) {
        if self.step < self.total {
            self.emit(BuildEvent::StepDone(id.clone()));
        }
    }

    /// Build stage `index`; returns its final state.
    fn stage(&mut self, index: usize) -> Result<State> {
        let from = &self.stages.stages[index].from;
        self.next_step(from);
        let first = build::expand_stage(self.df, self.stages, index, &self.args, &[])?;
        let platform = match &first.platform {
            Some(p) => {
                let mut all = parse_platforms(p)
                    .with_context(|| format!("{}:{}: FROM --platform", self.df.file, from.line))?;
                if all.len() != 1 {
                    bail!(
                        "{}:{}: FROM --platform={p}: one platform expected",
                        self.df.file,
                        from.line
                    );
                }
                Some(all.remove(0))
            }
            None => self
                .explicit_platform
                .then(|| self.args.target_platform.clone()),
        };
        let mut state = self.base(&first.base, index, from, platform.as_ref())?;
        self.stage_platform = platform;
        self.bases.insert(index, state.clone());
        // As BuildKit and Podman: a stage whose base sets no PATH gets the
        // default one, in its RUN steps and in its config.
        let env = state.config.config.env.get_or_insert_with(Vec::new);
        if !env.iter().any(|e| e.starts_with("PATH=")) {
            env.insert(0, format!("PATH={}", super::run::DEFAULT_PATH));
        }
        // ONBUILD triggers of the base image run right after FROM, and
        // are not inherited further (Docker's rule).
        let triggers = state.config.config.on_build.take().unwrap_or_default();
        let (df, stages);
        let (df_ref, stages_ref) = if triggers.is_empty() {
            (self.df, self.stages)
        } else {
            (df, stages) = with_triggers(self.df, self.stages, index, &triggers)?;
            (&df, &stages)
        };
        let image_env = state.config.config.env.clone().unwrap_or_default();
        let expanded = build::expand_stage(df_ref, stages_ref, index, &self.args, &image_env)?;
        let n_triggers = expanded.steps.len() - self.stages.stages[index].instructions.len();
        if !triggers.is_empty() {
            // The triggers' effect lands in the next committed image.
            state.config.config.on_build = None;
        }
        for (k, step) in expanded.steps.iter().enumerate() {
            if k >= n_triggers {
                self.next_step(&step.instruction);
            }
            state = self.step(state, step)?;
        }
        if let Some(id) = state.id() {
            if expanded.steps.is_empty() {
                self.done(id);
            }
        }
        Ok(state)
    }

    /// The state FROM gives: an image (pulled if needed), scratch, or an
    /// earlier stage's result.
    fn base(
        &mut self,
        base: &str,
        index: usize,
        from: &Instruction,
        platform: Option<&Platform>,
    ) -> Result<State> {
        if base == "scratch" {
            let (architecture, variant) = match platform {
                Some(p) => (p.architecture.clone(), p.variant.clone()),
                None => (crate::image::config::host_arch().into(), None),
            };
            return Ok(State {
                image: None,
                remote: None,
                config: ImageConfig {
                    architecture,
                    variant,
                    os: "linux".into(),
                    ..ImageConfig::default()
                },
                cmd_set: false,
            });
        }
        if let Some(rec) = self
            .named_image(base)
            .with_context(|| format!("{}:{}: FROM {base}", self.df.file, from.line))?
        {
            let config = ImageConfig::parse(&self.store.blob(&rec.id)?)
                .with_context(|| format!("image {}", rec.id.short()))?;
            return Ok(State {
                image: Some(rec),
                remote: None,
                config,
                cmd_set: false,
            });
        }
        if let Some(j) = self.stages.find(base).filter(|&j| j < index) {
            let mut s = self.results.get(&j).cloned().ok_or_else(|| {
                anyhow!("{}:{}: stage {base} was not built", self.df.file, from.line)
            })?;
            s.cmd_set = false;
            return Ok(s);
        }
        let rec = self
            .image_of(base, platform)
            .with_context(|| format!("{}:{}: FROM {base}", self.df.file, from.line))?;
        let config = ImageConfig::parse(&self.store.blob(&rec.id)?)
            .with_context(|| format!("image {}", rec.id.short()))?;
        if let Some(p) = platform {
            if config.architecture != p.architecture {
                self.emit(BuildEvent::Warning(format!(
                    "FROM {base}: the image is for {}, not {p}",
                    config.platform()
                )));
            }
        }
        Ok(State {
            image: Some(rec),
            remote: None,
            config,
            cmd_set: false,
        })
    }

    /// The image of the named context `name` (in the store, pulled or
    /// loaded); `None` when no context has that name. A directory is not
    /// an image.
    fn named_image(&mut self, name: &str) -> Result<Option<ImageRecord>> {
        use build_context::Named;
        let Some(named) = self.opts.named.get(name).cloned() else {
            return Ok(None);
        };
        let rec = match named {
            Named::Image(r) => self.image(&r)?,
            Named::OciLayout { dir, select } => {
                let id = match self.loaded.get(name) {
                    Some(id) => id.clone(),
                    None => {
                        let (id, new) = build_context::load_oci_layout(
                            &self.writer,
                            &dir,
                            select.as_deref(),
                        )?;
                        if new {
                            // Build input, not a result: forgotten if the
                            // build fails, hidden as build cache if not.
                            self.made.push(id.clone());
                            self.hide_input(&id)?;
                        }
                        self.loaded.insert(name.to_string(), id.clone());
                        id
                    }
                };
                self.index = self.store.read_index()?;
                self.index.find(&id).cloned().ok_or_else(|| {
                    anyhow!("build context {name}: image {} not in the store", id.short())
                })?
            }
            Named::Dir(d) => bail!(
                "build context {name} is a directory ({}), not an image: give docker-image:// or oci-layout://",
                d.display()
            ),
        };
        Ok(Some(rec))
    }

    /// The directory of named context `name`, if it is one.
    fn named_dir(&self, name: &str) -> Option<&Path> {
        match self.opts.named.get(name) {
            Some(build_context::Named::Dir(d)) => Some(d),
            _ => None,
        }
    }

    /// Image `reference` from the store, or pulled (always with
    /// `--pull`).
    fn image(&mut self, reference: &str) -> Result<ImageRecord> {
        self.image_of(reference, None)
    }

    /// Image `reference` for `platform` (any the store has when `None`)
    /// from the store, or pulled (always with `--pull`).
    fn image_of(&mut self, reference: &str, platform: Option<&Platform>) -> Result<ImageRecord> {
        let wanted = platform
            .map(|p| crate::registry::remote::Platform::parse(&p.to_string()))
            .transpose()?;
        let present = self.store.resolve(&self.index, reference).ok().cloned();
        if let Some(r) = present.filter(|_| !self.opts.pull) {
            let fits = match &wanted {
                Some(p) => super::manifest::platform_matches(self.store, &r, p)?,
                None => true,
            };
            if fits {
                return Ok(r);
            }
        }
        // Another platform's image is pulled without the name (which
        // stays on this platform's), and found again by the repository
        // it came from.
        let foreign = wanted.as_ref().is_some_and(|p| {
            p.architecture != crate::registry::remote::Platform::host().architecture
        });
        if let (Some(p), false) = (&wanted, self.opts.pull) {
            if let Some(r) = self.pulled_for(reference, p)? {
                return Ok(r);
            }
        }
        let wanted_again = wanted.clone();
        let popts = PullOptions {
            reference: reference.to_string(),
            unnamed: foreign,
            platform: wanted.map(|p| p.to_string()),
            all_tags: false,
            remote: self.opts.remote.clone(),
        };
        let events = self.events;
        let sink = move |e: Event| events(BuildEvent::Pull(e));
        let pulled = super::pull::pull(self.paths, &popts, &sink)?;
        self.index = self.store.read_index()?;
        let id = &pulled
            .first()
            .ok_or_else(|| anyhow!("pulling {reference}: nothing pulled"))?
            .id;
        if let (true, Some(p)) = (popts.unnamed, &wanted_again) {
            self.hide_input(id)?;
            self.index = self.store.read_index()?;
            self.store
                .cache_record(&Self::pulled_key(reference, p), id)?;
        }
        self.index
            .find(id)
            .cloned()
            .ok_or_else(|| anyhow!("pulling {reference}: image {} not in the store", id.short()))
    }

    /// A build input, not a result: hidden from `images` as build cache
    /// while it has no name.
    fn hide_input(&self, id: &Digest) -> Result<()> {
        self.store.update_index(|idx| {
            let img = idx.images.iter_mut().find(|i| &i.id == id);
            let mark = img.is_some_and(|i| {
                i.build_cache = i.names.is_empty();
                i.build_cache
            });
            Ok(((), mark))
        })
    }

    /// The key of the record of the image pulled as `reference` for
    /// platform `p` without a name.
    fn pulled_key(reference: &str, p: &crate::registry::remote::Platform) -> Digest {
        Digest::of(format!("berth pulled {reference} for {p}").as_bytes())
    }

    /// The image pulled as `reference` for platform `p` without a name
    /// (by an earlier build), if the store still has it.
    fn pulled_for(
        &self,
        reference: &str,
        p: &crate::registry::remote::Platform,
    ) -> Result<Option<ImageRecord>> {
        let Some(id) = self.store.cache_lookup(&Self::pulled_key(reference, p))? else {
            return Ok(None);
        };
        Ok(self.index.find(&id).cloned())
    }

    /// Image `rec` with its layers from the `keep`th on made one (the
    /// first `keep` are `base`'s): `--squash` and `--squash-all`. The
    /// history keeps every entry; the last that made a layer now stands
    /// for the squashed one, the others are marked empty.
    fn squash(
        &self,
        rec: ImageRecord,
        base: Option<&ImageRecord>,
        keep: usize,
    ) -> Result<ImageRecord> {
        if rec.layers.len() <= keep + 1 {
            return Ok(rec);
        }
        let what = || format!("squashing image {}", rec.id.short());
        let img = self.store.image(&rec).with_context(what)?;
        let mut cfg =
            ImageConfig::parse(crate::image::Image::config_bytes(&img)).with_context(what)?;
        let dirs = self.store.layer_diffs(rec.layers[keep..].iter());
        let below = self.store.layer_diffs(rec.layers[..keep].iter());
        let tar = self.writer.staging().join("squash.tar");
        let mut out = HashingWriter::new(crate::fsutil::create(&tar)?);
        // The layers' own files, runtime mount points and all: those were
        // left out when each layer was made.
        let opts = crate::layer_tar::diff::DiffOptions {
            placeholders: Vec::new(),
            ..commit::diff_options()
        };
        crate::layer_tar::diff::write_squashed_tar(&dirs, &below, &mut out, &opts)
            .with_context(what)?;
        let diff_id = out.finish().0;
        cfg.rootfs.diff_ids.truncate(keep);
        let mut layers_seen = 0;
        let mut last = None;
        for (i, h) in cfg.history.iter_mut().enumerate() {
            if h.empty_layer {
                continue;
            }
            layers_seen += 1;
            if layers_seen > keep {
                h.empty_layer = true;
                last = Some(i);
            }
        }
        if let Some(i) = last {
            cfg.history[i].empty_layer = false;
        }
        let base = base
            .map(|b| self.store.image(b))
            .transpose()
            .with_context(what)?;
        let res = commit::store_image(
            &self.writer,
            NewImage {
                base,
                config: cfg,
                layer: Some((tar.clone(), diff_id)),
                names: &[],
            },
        )
        .with_context(what);
        let _ = std::fs::remove_file(&tar);
        res
    }

    /// Give image `rec` (made by this build) a manifest of the format
    /// asked for (`--format`), if it has the other: same config, so the
    /// same id.
    fn manifest_format(&self, rec: ImageRecord) -> Result<ImageRecord> {
        use crate::image::manifest::Manifest;
        let path = self.store.blob_path(&rec.manifest);
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let m: Manifest = serde_json::from_slice(&bytes)
            .with_context(|| format!("image {}: malformed manifest", rec.id.short()))?;
        let Some(wanted) = m.plain_as(self.opts.docker_format) else {
            return Ok(rec);
        };
        let bytes = wanted.to_json();
        if Digest::of(&bytes) == rec.manifest {
            return Ok(rec);
        }
        let digest = self.store.put_blob(&bytes)?;
        self.store.update_index(|idx| {
            let img = idx
                .images
                .iter_mut()
                .find(|i| i.id == rec.id)
                .ok_or_else(|| anyhow!("image {} vanished during the build", rec.id.short()))?;
            img.manifest = digest.clone();
            Ok((img.clone(), true))
        })
    }

    /// How layer files' times are written: as they are, clamped to
    /// `SOURCE_DATE_EPOCH`, or all `--timestamp`.
    fn mtimes(&self) -> Mtimes {
        match self.epoch.map(|e| e.max(0) as u64) {
            None => Mtimes::Keep,
            Some(t) if self.set_mtimes => Mtimes::Set(t),
            Some(t) => Mtimes::Clamp(t),
        }
    }

    /// The cache key of `step` over `state`.
    fn key(&self, state: &State, step: &Step, extra: Option<&Digest>) -> Digest {
        let parent = match state.id() {
            Some(id) => id.to_string(),
            None => serde_json::to_string(&state.config).unwrap_or_default(),
        };
        let text = format!(
            "berth build step v1\nparent {parent}\ncommand {:?}\nheredocs {:?}\nenv {:?}\nepoch {:?}{}\nextra {:?}\n",
            step.instruction.command,
            step.instruction.heredocs,
            step.env.vars,
            self.epoch,
            if self.set_mtimes { " (every file)" } else { "" },
            extra,
        );
        Digest::of(text.as_bytes())
    }

    /// Look `key` up; a hit whose image is gone, or older than
    /// `--cache-ttl`, is a miss.
    fn cached(&self, key: &Digest) -> Result<Option<ImageRecord>> {
        if self.opts.no_cache || self.opts.no_layers {
            return Ok(None);
        }
        if let Some(ttl) = self.opts.cache_ttl {
            // A record from a clock ahead of this one is new.
            match self.store.cache_written(key) {
                Some(t) if !ttl.is_zero() && t.elapsed().unwrap_or_default() <= ttl => {}
                _ => return Ok(None),
            }
        }
        let Some(id) = self.store.cache_lookup(key)? else {
            return Ok(None);
        };
        Ok(self.index.find(&id).cloned())
    }

    /// Look `key` up in the local cache, then in `--cache-from`'s; the
    /// state of the hit, and when it was made.
    fn lookup(&mut self, key: &Digest, cmd_set: bool) -> Result<Option<(State, i64)>> {
        if let Some(hit) = self.cached(key)? {
            let config = ImageConfig::parse(&self.store.blob(&hit.id)?)
                .with_context(|| format!("image {}", hit.id.short()))?;
            let made = self
                .store
                .cache_written(key)
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or_else(crate::image::time::now_unix, |d| d.as_secs() as i64);
            let state = State {
                image: Some(hit),
                remote: None,
                config,
                cmd_set,
            };
            return Ok(Some((state, made)));
        }
        if self.opts.no_cache || self.opts.no_layers || self.remote.is_empty() {
            return Ok(None);
        }
        let events = self.events;
        let warn = |w: String| events(BuildEvent::Warning(w));
        let Some(hit) = self.remote.lookup(key, self.opts.cache_ttl, &warn) else {
            return Ok(None);
        };
        let config = ImageConfig::parse(&hit.config)
            .with_context(|| format!("cache entry {}@{}", hit.repository, hit.manifest.digest))?;
        let made = hit.created.unwrap_or_else(crate::image::time::now_unix);
        let state = match self.index.find(&hit.id) {
            // The store has the image already (another key made it).
            Some(rec) => {
                self.store.cache_record_at(key, &rec.id, hit.created)?;
                State {
                    image: Some(rec.clone()),
                    remote: None,
                    config,
                    cmd_set,
                }
            }
            None => State {
                image: None,
                remote: Some(hit),
                config,
                cmd_set,
            },
        };
        Ok(Some((state, made)))
    }

    /// Note step `key`'s result for `--cache-to`.
    fn exported(&mut self, key: Digest, state: &State, made: i64) {
        if let Some(id) = state.id() {
            self.exports.push(ExportEntry {
                key,
                id: id.clone(),
                created: made,
                remote: state.remote.clone(),
            });
        }
    }

    /// Put a `--cache-from` state's image in the store (its layers
    /// fetched), and record its key in the local cache.
    fn materialize(&mut self, state: &mut State) -> Result<()> {
        let Some(hit) = state.remote.take() else {
            return Ok(());
        };
        let rec = match self.index.find(&hit.id) {
            Some(r) => r.clone(),
            None => {
                let events = self.events;
                let sink = move |e: Event| events(BuildEvent::Pull(e));
                let rec = self.remote.fetch(&hit, self.store, &self.writer, &sink)?;
                self.made.push(rec.id.clone());
                self.index = self.store.read_index()?;
                rec
            }
        };
        // Dated as the entry, for --cache-ttl.
        self.store.cache_record_at(&hit.key, &rec.id, hit.created)?;
        state.image = Some(rec);
        Ok(())
    }

    /// The image of stage `j`'s result, fetched if it is a `--cache-from`
    /// hit.
    fn stage_image(&mut self, j: usize) -> Result<ImageRecord> {
        let mut state = self
            .results
            .get(&j)
            .cloned()
            .ok_or_else(|| anyhow!("stage {j} was not built"))?;
        self.materialize(&mut state)?;
        let rec = self.image_for(&state)?;
        self.results.insert(j, state);
        Ok(rec)
    }

    /// Execute one step (or take it from the cache).
    fn step(&mut self, mut state: State, step: &Step) -> Result<State> {
        let i = &step.instruction;
        // What the step reads besides its parent: the files COPY/ADD
        // would copy, the context files RUN bind-mounts.
        let mut mounts = RunMounts::default();
        let extra = match &i.command {
            Command::Copy(_) | Command::Add(_) => Some(self.copy_digest(&state, step)?),
            Command::Run(r) => {
                let mut listing = Vec::new();
                for m in &r.mounts {
                    let at = || format!("{}:{}: RUN --mount={m}", self.df.file, i.line);
                    let before = mounts.mounts.len();
                    if let Some(keyed) = self.mount(m, &mut mounts).with_context(at)? {
                        // The runtime's errors about it name the step too.
                        for mount in &mut mounts.mounts[before..] {
                            if let Mount::Overlay { what, .. } = mount {
                                *what = format!("{}: {what}", at());
                            }
                        }
                        match keyed {
                            MountKey::None => {}
                            MountKey::Tree(source) => {
                                tree_listing(&source, Path::new(""), &mut listing)
                                    .with_context(at)?
                            }
                            MountKey::Image(id) => {
                                listing.extend_from_slice(format!("from {id}\n").as_bytes())
                            }
                        }
                    }
                }
                (!listing.is_empty()).then(|| Digest::of(&listing))
            }
            _ => None,
        };
        let key = self.key(&state, step, extra.as_ref());
        if let Command::Cmd(_) = i.command {
            state.cmd_set = true;
        }
        if let Some((hit, made)) = self.lookup(&key, state.cmd_set)? {
            let id = hit.id().expect("a cached state has an image").clone();
            self.emit(BuildEvent::UsingCache(id.clone()));
            self.done(&id);
            self.exported(key, &hit, made);
            return Ok(hit);
        }
        // The step runs over its parent's files.
        self.materialize(&mut state)?;
        let now = self.now();
        let mut history = History {
            created: Some(now.clone()),
            created_by: Some(format!("/bin/sh -c #(nop) {}", i.original.trim())),
            author: None,
            comment: None,
            empty_layer: true,
        };
        state.config.created = Some(now);
        let rec = match &i.command {
            Command::Run(r) => {
                history.created_by = Some(self.run_created_by(&state, r, i));
                self.run(&state, step, r, mounts, history)?
            }
            Command::Workdir(w) => {
                let dir = resolve_workdir(state.config.config.working_dir.as_deref(), w);
                state.config.config.working_dir = Some(dir.clone());
                history.created_by = Some(format!("/bin/sh -c #(nop) WORKDIR {dir}"));
                self.workdir(&state, &dir, history)?
            }
            Command::Copy(_) | Command::Add(_) => self.copy(&state, step, history)?,
            Command::Arg(pairs) => {
                // Podman's form: the names only, values stay out of the
                // image.
                let names: Vec<&str> = pairs.iter().map(|kv| kv.key.as_str()).collect();
                history.created_by = Some(format!("/bin/sh -c #(nop) ARG {}", names.join(" ")));
                state.config.history.push(history);
                self.commit_config(&state)?
            }
            _ => {
                apply_metadata(&mut state, &i.command);
                state.config.history.push(history);
                self.commit_config(&state)?
            }
        };
        if self.index.find(&rec.id).is_none() {
            self.made.push(rec.id.clone());
        }
        self.store.cache_record(&key, &rec.id)?;
        self.index = self.store.read_index()?;
        self.done(&rec.id);
        let config = ImageConfig::parse(&self.store.blob(&rec.id)?)
            .with_context(|| format!("image {}", rec.id.short()))?;
        let state = State {
            image: Some(rec),
            remote: None,
            config,
            cmd_set: state.cmd_set,
        };
        self.exported(key, &state, crate::image::time::now_unix());
        Ok(state)
    }

    /// Store `state.config` as an image over the state's layers.
    fn commit_config(&self, state: &State) -> Result<ImageRecord> {
        let base = match &state.image {
            Some(r) => Some(self.store.image(r)?),
            None => None,
        };
        commit::store_image(
            &self.writer,
            NewImage {
                base,
                config: state.config.clone(),
                layer: None,
                names: &[],
            },
        )
    }

    /// The image a container for this state runs over (made for a state
    /// right after `FROM scratch`).
    fn image_for(&self, state: &State) -> Result<ImageRecord> {
        match &state.image {
            Some(r) => Ok(r.clone()),
            None => self.commit_config(state),
        }
    }

    fn run_created_by(&self, state: &State, r: &build::RunCmd, i: &Instruction) -> String {
        match &r.command {
            CommandLine::Shell(s) => {
                let mut parts = self.shell(state);
                parts.push(shell_script(s, i));
                parts.join(" ")
            }
            CommandLine::Exec(v) => v.join(" "),
        }
    }

    fn shell(&self, state: &State) -> Vec<String> {
        state
            .config
            .config
            .shell
            .clone()
            .unwrap_or_else(|| DEFAULT_SHELL.iter().map(|s| s.to_string()).collect())
    }

    /// RUN: a container over the current image; its writable layer
    /// becomes the step's layer.
    fn run(
        &mut self,
        state: &State,
        step: &Step,
        r: &build::RunCmd,
        mounts: RunMounts,
        history: History,
    ) -> Result<ImageRecord> {
        let i = &step.instruction;
        let arch = &state.config.architecture;
        if !arch.is_empty() {
            let platform = match &state.config.variant {
                Some(v) => format!("{}/{arch}/{v}", state.config.os),
                None => format!("{}/{arch}", state.config.os),
            };
            let unsure = crate::runtime::binfmt::check(&platform, arch)
                .with_context(|| format!("{}:{}: RUN", self.df.file, i.line))?;
            // Said once a platform: every foreign RUN would say it again.
            if let Some(w) = unsure.filter(|_| !std::mem::replace(&mut self.unsure_said, true)) {
                self.emit(BuildEvent::Warning(w));
            }
        }
        let image = self.image_for(state)?;
        let args = match &r.command {
            CommandLine::Shell(s) => {
                let mut a = self.shell(state);
                a.push(shell_script(s, i));
                a
            }
            CommandLine::Exec(v) => v.clone(),
        };
        // `default`: the default network, with outbound access.
        let networks = match r
            .network
            .as_deref()
            .or(self.opts.network.as_deref())
            .unwrap_or("default")
        {
            "default" => Vec::new(),
            other => vec![other.to_string()],
        };
        let env: Vec<String> = step
            .env
            .vars
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let ropts = RunOptions {
            image: image.id.to_string(),
            command: args,
            entrypoint: Some(String::new()),
            env,
            workdir: state
                .config
                .config
                .working_dir
                .clone()
                .filter(|w| !w.is_empty()),
            user: state.config.config.user.clone().filter(|u| !u.is_empty()),
            networks,
            owned: true,
            ..RunOptions::default()
        };
        let (rec, mut spec) = super::run::create(self.store, &ropts)?;
        // The stage's WORKDIR, not a `--workdir`: made when missing, as
        // BuildKit does.
        spec.process.cwd_given = false;
        // Secrets and agent sockets given as variables: into the process
        // only, after its record was written.
        let name = |e: &String| e.split_once('=').map_or(e.as_str(), |p| p.0).to_string();
        for (k, v) in mounts.env {
            spec.process.env.retain(|e| name(e) != k);
            spec.process.env.push(format!("{k}={v}"));
        }
        if let Some(sock) = mounts.ssh_sock {
            if !spec.process.env.iter().any(|e| name(e) == "SSH_AUTH_SOCK") {
                spec.process.env.push(format!("SSH_AUTH_SOCK={sock}"));
            }
        }
        let targets: Vec<String> = mounts
            .mounts
            .iter()
            .filter_map(mount_target)
            .map(str::to_string)
            .collect();
        let code = self
            .overlay_dirs(&rec, &mut spec, mounts.mounts)
            .and_then(|()| super::run::start(self.store, rec.clone(), &spec, false, self.hint));
        if code.is_ok() {
            let upper = self.store.container_overlay(&rec.id).upper;
            let below = self.store.layer_diffs(image.layers.iter());
            remove_mount_stubs(&upper, &below, &targets);
        }
        let worked = code.and_then(|code| match code {
            0 => Ok(()),
            code => Err(StepFailed {
                step: step_text(i),
                file: self.df.file.clone(),
                line: i.line,
                code,
            }
            .into()),
        });
        self.commit_step(&rec, state, history, true, worked)
    }

    /// After the work of a step (`worked`) in container `rec`: its
    /// writable layer becomes the step's layer over the state's image
    /// (nothing when `skip_empty` and it is empty), then the container
    /// goes, whatever happened.
    fn commit_step(
        &self,
        rec: &ContainerRecord,
        state: &State,
        history: History,
        skip_empty: bool,
        worked: Result<()>,
    ) -> Result<ImageRecord> {
        let result = worked.and_then(|()| {
            commit::commit_container(
                self.store,
                &self.writer,
                ContainerLayer {
                    container: rec,
                    config: state.config.clone(),
                    history,
                    mtimes: self.mtimes(),
                    skip_empty,
                    names: &[],
                },
            )
        });
        let removed = super::containers::remove_record(self.store, rec);
        let rec = result?;
        removed?;
        Ok(rec)
    }

    /// Give the overlay mounts of a RUN step their directories, in the
    /// step's container dir, removed with it (by the monitor, in the
    /// user namespace, where it may remove what the step wrote).
    fn overlay_dirs(
        &self,
        rec: &ContainerRecord,
        spec: &mut Spec,
        mounts: Vec<Mount>,
    ) -> Result<()> {
        let base = self.store.container_dir(&rec.id);
        for (n, mut m) in mounts.into_iter().enumerate() {
            if let Mount::Overlay { dir, read_only, .. } = &mut m {
                *dir = base.join(format!("mount-{n}"));
                let mut subs = vec!["root", "empty"];
                if !*read_only {
                    subs.extend(["upper", "work"]);
                }
                for sub in subs {
                    crate::fsutil::create_dir_all(&dir.join(sub))?;
                }
                spec.remove_after.push(dir.clone());
            }
            spec.mounts.push(m);
        }
        Ok(())
    }

    /// A `RUN --mount` as the runtime mounts it: `type=cache` (a
    /// directory kept in the store across builds), `tmpfs`, `bind` or
    /// `secret` (a `--secret`, read-only, at `/run/secrets/ID` by
    /// default, and with `env=VAR` in that variable instead, or also at
    /// `target`) or `ssh` (a `--ssh` agent's socket, at
    /// `/run/buildkit/ssh_agent.N` by default, in `SSH_AUTH_SOCK`). A
    /// bind mount shows the build context, or with `from=` an earlier
    /// stage's or an image's root file system, at `source` (default its
    /// root); read-only, or with `rw` writable with the writes thrown
    /// away after the step. The mount and the variables go to `out`.
    /// `None`: a secret or agent that was not given and is not required
    /// (skipped, as BuildKit does). The [`MountKey`] says what of the
    /// mount is part of the step's cache key.
    fn mount(&mut self, spec: &str, out: &mut RunMounts) -> Result<Option<MountKey>> {
        let mut kv: BTreeMap<&str, &str> = BTreeMap::new();
        for part in spec.split(',').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, "true"));
            let k = match k {
                "dst" | "destination" => "target",
                "src" => "source",
                "ro" => "readonly",
                k => k,
            };
            kv.insert(k, v);
        }
        let kind = kv.get("type").copied().unwrap_or("bind");
        let target = kv.get("target").map(|t| t.to_string());
        let need_target = || {
            target
                .clone()
                .filter(|t| !t.is_empty())
                .ok_or_else(|| anyhow!("a {kind} mount needs target=PATH"))
        };
        match kind {
            "cache" => {
                let target = need_target()?;
                let id = kv.get("id").copied().unwrap_or(target.as_str());
                out.mounts.push(Mount::Bind {
                    source: self.store.cache_mount_dir(id)?,
                    target,
                    read_only: kv.get("readonly").is_some_and(|v| *v == "true"),
                    propagation: None,
                });
                Ok(Some(MountKey::None))
            }
            "tmpfs" => {
                let options = kv
                    .get("size")
                    .map(|s| format!("size={s}"))
                    .unwrap_or_default();
                out.mounts.push(Mount::Tmpfs {
                    target: need_target()?,
                    options,
                });
                Ok(Some(MountKey::None))
            }
            "bind" => {
                let target = need_target()?;
                let rw = ["rw", "readwrite"]
                    .iter()
                    .any(|k| kv.get(k).is_some_and(|v| *v == "true"));
                if kv.get("readonly").is_some_and(|v| *v == "true") && rw {
                    bail!("a bind mount cannot be both readonly and rw");
                }
                let from = kv.get("from").copied();
                let named_dir = from.and_then(|f| self.named_dir(f)).map(Path::to_path_buf);
                if let (Some(from), None) = (from, &named_dir) {
                    let (what, id) = self.mount_from(from)?;
                    let lowers =
                        build_copy::image_lowers(self.store, &id).with_context(|| what.clone())?;
                    let source = kv.get("source").copied().unwrap_or("/");
                    out.mounts.push(Mount::Overlay {
                        lower_base: self.store.lower_base(),
                        lowers,
                        dir: PathBuf::new(),
                        source: format!("/{}", source.trim_start_matches('/')),
                        target,
                        read_only: !rw,
                        what,
                    });
                    return Ok(Some(MountKey::Image(id)));
                }
                let rel = kv.get("source").copied().unwrap_or(".");
                let root = named_dir.unwrap_or_else(|| self.opts.context.clone());
                let context = root
                    .canonicalize()
                    .with_context(|| format!("build context {}", root.display()))?;
                let source = context
                    .join(rel.trim_start_matches('/'))
                    .canonicalize()
                    .with_context(|| format!("source {rel} in the build context"))?;
                // A symlink in the context must not lead the mount out
                // of it.
                if !source.starts_with(&context) {
                    bail!("source {rel} is outside the build context");
                }
                if !rw {
                    out.mounts.push(Mount::Bind {
                        source: source.clone(),
                        target,
                        read_only: true,
                        propagation: None,
                    });
                    return Ok(Some(MountKey::Tree(source)));
                }
                // Writable: an overlay over the source's directory with a
                // throwaway upper dir, so the context never changes.
                let (lower, inner) = if source.is_dir() {
                    (source.clone(), "/".to_string())
                } else {
                    let name = source.file_name().unwrap_or_default().to_string_lossy();
                    let parent = source.parent().unwrap_or(&context).to_path_buf();
                    (parent, format!("/{name}"))
                };
                out.mounts.push(Mount::Overlay {
                    lower_base: lower.clone(),
                    lowers: vec![overlay_escape(&lower.to_string_lossy())],
                    dir: PathBuf::new(),
                    source: inner,
                    target,
                    read_only: false,
                    what: format!("source {rel} in the build context"),
                });
                Ok(Some(MountKey::Tree(source)))
            }
            "secret" => {
                let id = kv
                    .get("id")
                    .map(|s| s.to_string())
                    .or_else(|| {
                        target
                            .as_deref()
                            .and_then(|t| t.rsplit('/').next())
                            .map(str::to_string)
                    })
                    .filter(|id| !id.is_empty())
                    .ok_or_else(|| anyhow!("a secret mount needs id=ID"))?;
                if !self.lent.has_secret(&id) {
                    if required(&kv) {
                        bail!("secret {id:?} is required: give it with --secret id={id},src=PATH or --secret id={id},env=VAR");
                    }
                    return Ok(None);
                }
                let env = kv.get("env").filter(|v| !v.is_empty());
                if let Some(var) = env {
                    if var.contains('=') {
                        bail!("env={var}: not a variable name");
                    }
                    let value = self.lent.secret_value(&id)?.expect("given");
                    out.env.push((var.to_string(), value));
                }
                // With env= alone, no file.
                if env.is_none() || target.is_some() {
                    let target = target.unwrap_or_else(|| format!("/run/secrets/{id}"));
                    out.mounts.push(Mount::Bind {
                        source: self.lent.secret_file(&id)?.expect("given"),
                        target,
                        read_only: true,
                        propagation: None,
                    });
                }
                Ok(Some(MountKey::None))
            }
            "ssh" => {
                let id = kv
                    .get("id")
                    .copied()
                    .filter(|i| !i.is_empty())
                    .unwrap_or("default");
                for (k, default) in [("uid", "0"), ("gid", "0"), ("mode", "0600")] {
                    if kv.get(k).is_some_and(|v| {
                        v.trim_start_matches('0') != default.trim_start_matches('0')
                    }) {
                        bail!("{k}=: the agent's socket is the step's root's alone ({k}={default}); other owners and modes are not supported");
                    }
                }
                let n = out.ssh;
                out.ssh += 1;
                let target = target.unwrap_or_else(|| format!("/run/buildkit/ssh_agent.{n}"));
                // As BuildKit: the first SSH mount's, given or not.
                out.ssh_sock.get_or_insert_with(|| target.clone());
                let Some(socket) = self.lent.agent(id) else {
                    if required(&kv) {
                        bail!("SSH agent {id:?} is required: give it with --ssh {id}[=SOCKET|KEYFILE]");
                    }
                    return Ok(None);
                };
                out.mounts.push(Mount::Bind {
                    source: socket.to_path_buf(),
                    target,
                    read_only: false,
                    propagation: None,
                });
                Ok(Some(MountKey::None))
            }
            other => {
                bail!("unknown mount type {other:?} (expected cache, tmpfs, bind, secret or ssh)")
            }
        }
    }

    /// `RUN --mount=type=bind,from=`: an earlier stage's image, or an
    /// image (pulled if needed); with what it is, for messages.
    fn mount_from(&mut self, from: &str) -> Result<(String, Digest)> {
        if let Some(rec) = self.named_image(from)? {
            return Ok((format!("build context {from}"), rec.id));
        }
        if let Some(j) = self.stages.find(from) {
            if !self.results.contains_key(&j) {
                bail!("from={from}: stage {from} is not an earlier stage");
            }
            return Ok((format!("stage {from}"), self.stage_image(j)?.id));
        }
        let platform = self.stage_platform.clone();
        let rec = self.image_of(from, platform.as_ref()).with_context(|| {
            format!("from={from}: no stage is named {from}, and image {from} is not available")
        })?;
        Ok((format!("image {from}"), rec.id))
    }

    /// WORKDIR: the directory is made in a layer when the image lacks it.
    fn workdir(&self, state: &State, dir: &str, mut history: History) -> Result<ImageRecord> {
        let layer_dirs: Vec<PathBuf> = match &state.image {
            Some(r) => self.store.layer_diffs(r.layers.iter()),
            None => Vec::new(),
        };
        let missing = missing_dirs(&layer_dirs, dir);
        let mut cfg = state.config.clone();
        if missing.is_empty() {
            cfg.history.push(history);
            return self.commit_config(&State {
                config: cfg,
                ..state.clone()
            });
        }
        history.empty_layer = false;
        cfg.history.push(history);
        let mtime = self
            .epoch
            .unwrap_or_else(crate::image::time::now_unix)
            .max(0) as u64;
        let tar = self.writer.staging().join("workdir.tar");
        let mut out = HashingWriter::new(crate::fsutil::create(&tar)?);
        {
            let mut t = tar::Builder::new(&mut out);
            for d in &missing {
                let mut h = tar::Header::new_gnu();
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                h.set_uid(0);
                h.set_gid(0);
                h.set_mtime(mtime);
                h.set_size(0);
                t.append_data(&mut h, format!("{d}/"), std::io::empty())
                    .with_context(|| format!("writing {}", tar.display()))?;
            }
            t.finish()
                .with_context(|| format!("writing {}", tar.display()))?;
        }
        let diff_id = out.finish().0;
        let base = match &state.image {
            Some(r) => Some(self.store.image(r)?),
            None => None,
        };
        let rec = commit::store_image(
            &self.writer,
            NewImage {
                base,
                config: cfg,
                layer: Some((tar.clone(), diff_id)),
                names: &[],
            },
        );
        let _ = std::fs::remove_file(&tar);
        rec
    }

    /// A layer made by `work` in the writable layer of a created (never
    /// started) container over the state's image: the container's upper
    /// dir becomes the step's layer, then the container is removed.
    fn layer_from_container(
        &mut self,
        state: &State,
        history: History,
        work: impl FnOnce(&ContainerRecord) -> Result<()>,
    ) -> Result<ImageRecord> {
        let image = self.image_for(state)?;
        let ropts = RunOptions {
            image: image.id.to_string(),
            command: vec!["true".into()],
            entrypoint: Some(String::new()),
            networks: vec!["none".into()],
            owned: true,
            ..RunOptions::default()
        };
        let (rec, _) = super::run::create(self.store, &ropts)?;
        let worked = work(&rec);
        self.commit_step(&rec, state, history, false, worked)
    }

    // ---- COPY and ADD ------------------------------------------------
    // COPY/ADD are executed by `super::build_copy`: `cache_digest` for
    // the key, `copy_into` a created container over the current image,
    // whose writable layer becomes the step's layer.

    /// The build context, with the ignore file for the Dockerfile.
    fn build_context(&self) -> Result<BuildContext> {
        let dockerfile = match &self.opts.dockerfile {
            Some(p) if p.as_os_str() != "-" => p.clone(),
            _ => default_dockerfile(&self.opts.context)
                .unwrap_or_else(|_| self.opts.context.join("Dockerfile")),
        };
        BuildContext::open(&self.opts.context, &dockerfile)
    }

    /// `--from=`: an earlier stage's image, or an image (pulled if
    /// needed). A stage's image is fetched from `--cache-from` only when
    /// `files` are to be read (the cache key needs only its id).
    fn copy_from_image(&mut self, from: &str, i: &Instruction, files: bool) -> Result<Digest> {
        if let Some(rec) = self
            .named_image(from)
            .with_context(|| format!("{}:{}: --from={from}", self.df.file, i.line))?
        {
            return Ok(rec.id);
        }
        if let Some(j) = self
            .stages
            .find(from)
            .filter(|j| self.results.contains_key(j))
        {
            let state = &self.results[&j];
            if let (false, Some(h)) = (files, &state.remote) {
                return Ok(h.id.clone());
            }
            return Ok(self.stage_image(j)?.id);
        }
        let platform = self.stage_platform.clone();
        match self.base(from, usize::MAX, i, platform.as_ref())?.image {
            Some(r) => Ok(r.id),
            None => bail!(
                "{}:{}: --from={from}: nothing to copy from",
                self.df.file,
                i.line
            ),
        }
    }

    /// The request of a COPY or ADD step.
    fn copy_request<'c>(
        &mut self,
        ctx: &'c BuildContext,
        state: &State,
        step: &Step,
        files: bool,
    ) -> Result<CopyRequest<'c>> {
        let i = &step.instruction;
        let (c, add) = match &i.command {
            Command::Copy(c) => (c, false),
            Command::Add(c) => (c, true),
            _ => bail!("{}:{}: not a COPY or ADD", self.df.file, i.line),
        };
        let from = match &c.from {
            Some(f) if self.named_dir(f).is_some() => CopyFrom::Context(ctx),
            Some(f) => CopyFrom::Image(self.copy_from_image(f, i, files)?),
            None => CopyFrom::Context(ctx),
        };
        let mut sources = Vec::new();
        let mut heredocs = Vec::new();
        for s in &c.sources {
            let word = s
                .strip_prefix("<<")
                .map(|w| w.trim_start_matches('-').trim_matches(['"', '\'']));
            match word.and_then(|w| i.heredocs.iter().find(|h| h.name == w)) {
                Some(h) => heredocs.push((h.name.clone(), h.content.clone())),
                None => sources.push(s.clone()),
            }
        }
        Ok(CopyRequest {
            add,
            from,
            sources,
            heredocs,
            dest: c.dest.clone(),
            workdir: state
                .config
                .config
                .working_dir
                .clone()
                .filter(|w| !w.is_empty())
                .unwrap_or_else(|| "/".into()),
            chown: c.chown.clone(),
            chmod: c.chmod.clone(),
            excludes: c.exclude.clone(),
            parents: c.parents,
            checksum: c.checksum.clone(),
            link: c.link,
        })
    }

    /// The context a COPY or ADD reads: a named directory's for
    /// `--from=NAME`, else the build's.
    fn copy_context(&self, step: &Step) -> Result<BuildContext> {
        let from = match &step.instruction.command {
            Command::Copy(c) | Command::Add(c) => c.from.as_deref(),
            _ => None,
        };
        match from.and_then(|f| self.named_dir(f)) {
            Some(dir) => BuildContext::open(dir, &dir.join("Dockerfile")),
            None => self.build_context(),
        }
    }

    fn copy_digest(&mut self, state: &State, step: &Step) -> Result<Digest> {
        let i = &step.instruction;
        let ctx = self.copy_context(step)?;
        let req = self.copy_request(&ctx, state, step, false)?;
        build_copy::cache_digest(&req).with_context(|| format!("{}:{}", self.df.file, i.line))
    }

    fn copy(&mut self, state: &State, step: &Step, history: History) -> Result<ImageRecord> {
        let i = &step.instruction;
        let ctx = self.copy_context(step)?;
        let req = self.copy_request(&ctx, state, step, true)?;
        let (paths, file) = (self.paths, self.df.file.clone());
        self.layer_from_container(state, history, |c| {
            build_copy::copy_into(paths, &c.id, &req).with_context(|| format!("{file}:{}", i.line))
        })
    }

    /// Apply `--label`, commit the final image and give it its names.
    fn finish(
        &mut self,
        mut state: State,
        base: Option<State>,
        labels: &[(String, String)],
        names: &[String],
    ) -> Result<Built> {
        let squashing = self.opts.squash || self.opts.no_layers || self.opts.squash_all;
        let base = match base {
            Some(mut b) if squashing && !self.opts.squash_all => {
                self.materialize(&mut b)?;
                b.image
            }
            _ => None,
        };
        let mut rec = match &state.image {
            _ if labels.is_empty() && state.remote.is_some() => {
                self.materialize(&mut state)?;
                state.image.clone().expect("fetched")
            }
            Some(r) if labels.is_empty() => r.clone(),
            _ => {
                let labels_text = labels
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ");
                let key = Digest::of(
                    format!(
                        "berth build labels v1\nparent {:?}\nlabels {labels:?}\n",
                        state.id().map(|i| i.to_string())
                    )
                    .as_bytes(),
                );
                match self.lookup(&key, state.cmd_set)? {
                    Some((mut hit, made)) => {
                        self.exported(key, &hit, made);
                        self.materialize(&mut hit)?;
                        hit.image.expect("fetched")
                    }
                    None => {
                        self.materialize(&mut state)?;
                        if !labels.is_empty() {
                            let map = state.config.config.labels.get_or_insert_with(BTreeMap::new);
                            for (k, v) in labels {
                                map.insert(k.clone(), v.clone());
                            }
                            let now = self.now();
                            state.config.created = Some(now.clone());
                            state.config.history.push(History {
                                created: Some(now),
                                created_by: Some(format!("/bin/sh -c #(nop) LABEL {labels_text}")),
                                empty_layer: true,
                                ..History::default()
                            });
                        }
                        let r = self.commit_config(&state)?;
                        self.store.cache_record(&key, &r.id)?;
                        let made = State {
                            image: Some(r.clone()),
                            remote: None,
                            ..state.clone()
                        };
                        self.exported(key, &made, crate::image::time::now_unix());
                        r
                    }
                }
            }
        };
        self.emit(BuildEvent::Commit(self.opts.tags.first().cloned()));
        if squashing {
            let keep = match (&base, self.opts.squash_all) {
                (Some(b), false) => b.layers.len(),
                _ => 0,
            };
            rec = self.squash(rec, base.as_ref().filter(|_| keep > 0), keep)?;
        }
        rec = self.manifest_format(rec)?;
        if self.index.find(&rec.id).is_none() && !self.made.contains(&rec.id) {
            // Made here (labels, squash): forgotten if what follows fails.
            self.made.push(rec.id.clone());
        }
        // Before the image is named or written anywhere: a failed export
        // fails the build, which then leaves the store as it was.
        self.export_cache()?;
        let outputs = &self.opts.outputs;
        let as_image =
            outputs.is_empty() || outputs.iter().any(|o| matches!(o, Output::Image { .. }));
        if !as_image {
            // Only files or archives were asked for: the store keeps an
            // image this build made as build cache alone, hidden as
            // intermediate images are (`image prune` removes it). Marked
            // first, so that a failed export shows no image either.
            if rec.names.is_empty() && !rec.build_cache && self.made.contains(&rec.id) {
                rec = self.store.update_index(|idx| {
                    let img = idx
                        .images
                        .iter_mut()
                        .find(|i| i.id == rec.id)
                        .ok_or_else(|| {
                            anyhow!("image {} vanished during the build", rec.id.short())
                        })?;
                    // Named meanwhile by another berth: an image of its own.
                    let mark = img.names.is_empty();
                    img.build_cache |= mark;
                    Ok((img.clone(), mark))
                })?;
            }
            self.export(&rec, names)?;
            self.emit(BuildEvent::StepDone(rec.id.clone()));
            return self.built(rec, Vec::new(), false);
        }
        self.export(&rec, names)?;
        // A name is on one image only: when the image has them all, the
        // index need not be written (a fully cached rebuild writes nothing).
        if !names.iter().all(|n| rec.names.contains(n)) || rec.build_cache {
            rec = self.store.update_index(|idx| {
                let pos = idx
                    .images
                    .iter()
                    .position(|i| i.id == rec.id)
                    .ok_or_else(|| anyhow!("image {} vanished during the build", rec.id.short()))?;
                for n in names {
                    crate::store::move_name(idx, n, pos);
                }
                // The build's result now, shown even without a name.
                idx.images[pos].build_cache = false;
                Ok((idx.images[pos].clone(), true))
            })?;
        }
        self.emit(BuildEvent::StepDone(rec.id.clone()));
        let first = names.first().map_or("", |n| n.as_str());
        super::events::image(self.store, "build", &rec.id, first);
        for n in names {
            self.emit(BuildEvent::Tagged(n.clone()));
        }
        let push = outputs
            .iter()
            .any(|o| matches!(o, Output::Image { push: true, .. }));
        self.built(rec, names.to_vec(), push)
    }

    /// What the build made: image `rec`, named `names`.
    fn built(&self, rec: ImageRecord, names: Vec<String>, push: bool) -> Result<Built> {
        let blob = self.store.blob(&rec.manifest)?;
        let media_type = serde_json::from_slice::<serde_json::Value>(&blob)
            .ok()
            .and_then(|m| m["mediaType"].as_str().map(str::to_string))
            .unwrap_or_else(|| "application/vnd.oci.image.manifest.v1+json".to_string());
        Ok(Built {
            id: rec.id,
            push: if push { names.clone() } else { Vec::new() },
            names,
            manifest: (media_type, rec.manifest, blob.len() as u64),
            list: None,
            cache: Vec::new(),
            made: Vec::new(),
            platforms: 1,
        })
    }

    /// `--cache-to`: write the steps of this build to each cache. A step
    /// taken from another repository's cache and never fetched is
    /// fetched first: the entries after it are reachable only through it.
    fn export_cache(&mut self) -> Result<()> {
        let elsewhere: Vec<Hit> = self
            .exports
            .iter()
            .filter_map(|e| e.remote.clone())
            .filter(|h| {
                self.opts
                    .cache_to
                    .iter()
                    .any(|to| to.reference.name() != h.repository)
            })
            .collect();
        for hit in elsewhere {
            let mut state = State {
                image: None,
                config: ImageConfig::default(),
                remote: Some(hit),
                cmd_set: false,
            };
            self.materialize(&mut state)?;
        }
        if self.opts.one_of_several {
            // Written with every platform's steps, by the caller.
            return Ok(());
        }
        export_caches(self.store, self.opts, &self.exports, self.events)
    }

    /// Write image `rec` to the file outputs asked for; `names` are the
    /// names an archive gets when its output gives none.
    fn export(&self, rec: &ImageRecord, names: &[String]) -> Result<()> {
        if self.opts.one_of_several {
            // Written with every platform's image, by the caller.
            return Ok(());
        }
        let parts = [(
            String::new(),
            file_export(self.store, self.opts, rec, names),
        )];
        for o in &self.opts.outputs {
            super::build_output::write(&parts, o)?;
        }
        Ok(())
    }
}

/// How image `rec` is written to the file outputs of `opts`; `names` are
/// the names an archive gets when its output gives none.
fn file_export<'a>(
    store: &'a Store,
    opts: &'a BuildOptions,
    rec: &'a ImageRecord,
    names: &'a [String],
) -> Export<'a> {
    Export {
        store,
        rec,
        layers: store.layer_diffs(rec.layers.iter()),
        names,
        stdout: opts.stdout.as_deref(),
        diff: crate::layer_tar::diff::DiffOptions {
            placeholders: Vec::new(),
            ..commit::diff_options()
        },
        keep_owners: matches!(
            crate::runtime::userns::identity(),
            crate::runtime::userns::Identity::Root
        ),
    }
}

/// `--cache-to`: write `entries`, the steps of the build, to each cache
/// of `opts` (one that fails with `ignore-error` is a warning).
fn export_caches(
    store: &Store,
    opts: &BuildOptions,
    entries: &[ExportEntry],
    events: &(dyn Fn(BuildEvent) + Sync),
) -> Result<()> {
    for to in &opts.cache_to {
        let sink = move |e: Event| events(BuildEvent::Pull(e));
        let index = store.read_index()?;
        let res = build_cache::export(store, &index, to, entries, &opts.remote, &sink)
            .with_context(|| format!("--cache-to {}", to.reference));
        match res {
            Ok(done) => events(BuildEvent::CacheExported {
                reference: to.reference.to_string(),
                entries: done.entries,
            }),
            Err(e) if to.ignore_error => events(BuildEvent::Warning(format!("{e:#}"))),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// `STEP n/m:` text: the instruction as written (continuations joined).
fn step_text(i: &Instruction) -> String {
    i.original.trim().to_string()
}

/// The script RUN passes to the shell. A heredoc alone (`RUN <<EOF`) is
/// the script itself; heredocs after a command (`RUN cat <<EOF > f`) are
/// given back to the shell after the command line, as BuildKit does.
fn shell_script(s: &str, i: &Instruction) -> String {
    match i.heredocs.first() {
        None => s.to_string(),
        Some(h)
            if i.heredocs.len() == 1
                && s.trim_start().starts_with("<<")
                && !s.trim().contains(' ') =>
        {
            h.content.clone()
        }
        Some(_) => {
            let mut script = s.to_string();
            script.push('\n');
            for h in &i.heredocs {
                script.push_str(&h.content);
                script.push_str(&h.name);
                script.push('\n');
            }
            script
        }
    }
}

/// Append a line per file below `root` (path, type and mode, a regular
/// file's digest, a symlink's target) to `out`, sorted: what a bind
/// mount shows, for the cache key.
fn tree_listing(root: &Path, rel: &Path, out: &mut Vec<u8>) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    // Not `root.join("")`: its trailing `/` fails on a file's path.
    let path = if rel.as_os_str().is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel)
    };
    let md =
        std::fs::symlink_metadata(&path).with_context(|| format!("reading {}", path.display()))?;
    let link = if md.file_type().is_symlink() {
        std::fs::read_link(&path).ok()
    } else {
        None
    };
    // Content, not times: a fresh checkout on another machine (a CI
    // runner reading a registry cache) has the same key.
    let content = if md.is_file() {
        let mut f = crate::fsutil::open(&path)?;
        let mut h = HashingWriter::new(std::io::sink());
        std::io::copy(&mut f, &mut h).with_context(|| format!("reading {}", path.display()))?;
        Some(h.finish().0)
    } else {
        None
    };
    out.extend_from_slice(
        format!(
            "{:?} {:o} {:?} {:?}\n",
            rel,
            md.mode(),
            content.map(|d| d.to_string()),
            link
        )
        .as_bytes(),
    );
    if md.is_dir() {
        let mut names: Vec<_> = std::fs::read_dir(&path)
            .with_context(|| format!("reading {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .collect();
        names.sort();
        for n in names {
            tree_listing(root, &rel.join(n), out)?;
        }
    }
    Ok(())
}

/// WORKDIR's path: relative ones are joined to the current one.
fn resolve_workdir(current: Option<&str>, w: &str) -> String {
    let joined = if w.starts_with('/') {
        w.to_string()
    } else {
        format!("{}/{w}", current.unwrap_or("/"))
    };
    let mut parts: Vec<&str> = Vec::new();
    for p in joined.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The directories of `dir` (absolute) that no layer has, parents first.
/// `layers` are the layers' `diff/` dirs, top first.
fn missing_dirs(layers: &[PathBuf], dir: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rel = String::new();
    for part in dir.split('/').filter(|p| !p.is_empty()) {
        if !rel.is_empty() {
            rel.push('/');
        }
        rel.push_str(part);
        if !out.is_empty() || !exists_in(layers, &rel) {
            out.push(rel.clone());
        }
    }
    out
}

/// Whether `rel` is a directory in the union of `layers` (top first):
/// the first layer that has it (or a whiteout of it) decides.
fn exists_in(layers: &[PathBuf], rel: &str) -> bool {
    use std::os::unix::fs::FileTypeExt;
    for l in layers {
        match std::fs::symlink_metadata(l.join(rel)) {
            Ok(m) if m.file_type().is_char_device() => return false,
            Ok(m) => return m.is_dir(),
            Err(_) => {}
        }
    }
    false
}

/// Where a RUN mount is mounted.
fn mount_target(m: &Mount) -> Option<&str> {
    match m {
        Mount::Bind { target, .. }
        | Mount::Tmpfs { target, .. }
        | Mount::Overlay { target, .. } => Some(target),
        _ => None,
    }
}

/// Take out of a step's upper dir what the runtime made only to mount
/// on, as BuildKit does: each mount's target, then the directories made
/// for it, while empty and not in the image below (`below`, top first).
/// What the step wrote there, or the image has, stays. The path is walked
/// a directory at a time without following symlinks: a step that put a
/// symlink on it cannot point the removal elsewhere.
fn remove_mount_stubs(upper: &Path, below: &[PathBuf], targets: &[String]) {
    use crate::fsat;
    use std::ffi::CString;
    use std::os::fd::AsRawFd;
    use std::os::unix::ffi::OsStrExt;
    let flags = libc::O_RDONLY | libc::O_DIRECTORY;
    let Ok(root) = std::fs::File::open(upper) else {
        return;
    };
    for t in targets {
        let rel = PathBuf::from(t.trim_start_matches('/'));
        let Ok(names) = rel
            .components()
            .map(|c| CString::new(c.as_os_str().as_bytes()))
            .collect::<Result<Vec<_>, _>>()
        else {
            continue;
        };
        // The directories holding each name: the upper dir, then each
        // name's parent.
        let mut dirs = Vec::new();
        let mut at = root.as_raw_fd();
        for n in &names[..names.len().saturating_sub(1)] {
            match fsat::openat(at, n, flags) {
                Ok(fd) => {
                    dirs.push(fd);
                    at = dirs.last().expect("pushed").as_raw_fd();
                }
                Err(_) => break,
            }
        }
        if dirs.len() + 1 != names.len() {
            continue;
        }
        for depth in (0..names.len()).rev() {
            let parent = match depth {
                0 => root.as_raw_fd(),
                d => dirs[d - 1].as_raw_fd(),
            };
            let name = &names[depth];
            let Ok(st) = fsat::lstatat(parent, name) else {
                break;
            };
            let empty = if fsat::is_dir(&st) {
                fsat::openat(parent, name, flags)
                    .ok()
                    .and_then(|d| fsat::names(&d).ok())
                    .is_some_and(|n| n.is_empty())
            } else {
                st.st_mode & libc::S_IFMT == libc::S_IFREG && st.st_size == 0
            };
            let here: PathBuf = rel.components().take(depth + 1).collect();
            if !empty || in_image(below, &here) {
                break;
            }
            let how = if fsat::is_dir(&st) {
                libc::AT_REMOVEDIR
            } else {
                0
            };
            // SAFETY: a valid directory fd and name.
            if unsafe { libc::unlinkat(parent, name.as_ptr(), how) } != 0 {
                break;
            }
        }
    }
}

/// Whether `rel` is in the image of layer dirs `layers` (top first): the
/// topmost layer that has it has no whiteout there.
fn in_image(layers: &[PathBuf], rel: &Path) -> bool {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    for l in layers {
        if let Ok(m) = std::fs::symlink_metadata(l.join(rel)) {
            return !(m.file_type().is_char_device() && m.rdev() == 0);
        }
    }
    false
}

/// A RUN step's mounts, and the variables its secret and SSH mounts
/// give its process.
#[derive(Default)]
struct RunMounts {
    mounts: Vec<Mount>,
    env: Vec<(String, String)>,
    /// The `type=ssh` mounts so far (the default target's number).
    ssh: usize,
    /// `SSH_AUTH_SOCK`, unless the step's environment sets it.
    ssh_sock: Option<String>,
}

/// `required` or `required=true`.
fn required(kv: &BTreeMap<&str, &str>) -> bool {
    kv.get("required").is_some_and(|v| *v == "true")
}

/// What of a RUN mount is part of the step's cache key.
enum MountKey {
    None,
    /// The files below a build context path.
    Tree(PathBuf),
    /// A stage's result or an image, by id.
    Image(Digest),
}

/// A directory as overlay's `lowerdir` takes it: `:` separates dirs and
/// `,` options, so both (and `\`) are escaped.
fn overlay_escape(dir: &str) -> String {
    let mut out = String::with_capacity(dir.len());
    for c in dir.chars() {
        if matches!(c, ':' | ',' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Apply a metadata instruction to the state's config.
fn apply_metadata(state: &mut State, c: &Command) {
    let shell = state
        .config
        .config
        .shell
        .clone()
        .unwrap_or_else(|| DEFAULT_SHELL.iter().map(|s| s.to_string()).collect());
    let line = |l: &CommandLine| match l {
        CommandLine::Shell(s) => {
            let mut v = shell.clone();
            v.push(s.clone());
            v
        }
        CommandLine::Exec(v) => v.clone(),
    };
    let cfg = &mut state.config.config;
    match c {
        Command::Cmd(l) => {
            cfg.cmd = Some(line(l));
            state.cmd_set = true;
        }
        Command::Entrypoint(l) => {
            cfg.entrypoint = Some(line(l));
            if !state.cmd_set {
                cfg.cmd = None;
            }
        }
        Command::Shell(v) => cfg.shell = Some(v.clone()),
        Command::Label(pairs) => {
            let map = cfg.labels.get_or_insert_with(BTreeMap::new);
            for (k, v) in pairs {
                map.insert(k.clone(), v.clone());
            }
        }
        Command::Maintainer(m) => state.config.author = Some(m.clone()),
        Command::Expose(ports) => {
            let map = cfg.exposed_ports.get_or_insert_with(BTreeMap::new);
            for p in ports {
                let p = if p.contains('/') {
                    p.to_lowercase()
                } else {
                    format!("{p}/tcp")
                };
                map.insert(p, serde_json::json!({}));
            }
        }
        Command::Env(pairs) => {
            let mut env = Env::from_strings(cfg.env.as_deref().unwrap_or_default());
            for (k, v) in pairs {
                env.set(k, v);
            }
            cfg.env = Some(env.to_strings());
        }
        Command::Volume(vols) => {
            let map = cfg.volumes.get_or_insert_with(BTreeMap::new);
            for v in vols {
                map.insert(v.clone(), serde_json::json!({}));
            }
        }
        Command::User(u) => cfg.user = Some(u.clone()),
        Command::StopSignal(s) => cfg.stop_signal = Some(s.clone()),
        Command::Onbuild { expression, .. } => {
            cfg.on_build
                .get_or_insert_with(Vec::new)
                .push(expression.clone());
        }
        Command::Healthcheck(h) => cfg.healthcheck = Some(healthcheck_json(h)),
        Command::From(_)
        | Command::Run(_)
        | Command::Add(_)
        | Command::Copy(_)
        | Command::Workdir(_)
        | Command::Arg(_) => {}
    }
}

/// Docker's `Healthcheck` object (durations in nanoseconds).
fn healthcheck_json(h: &Healthcheck) -> serde_json::Value {
    match h {
        Healthcheck::None => serde_json::json!({ "Test": ["NONE"] }),
        Healthcheck::Cmd {
            test,
            interval,
            timeout,
            start_period,
            start_interval,
            retries,
        } => {
            let mut m = serde_json::Map::new();
            m.insert("Test".into(), serde_json::json!(test));
            for (k, d) in [
                ("Interval", interval),
                ("Timeout", timeout),
                ("StartPeriod", start_period),
                ("StartInterval", start_interval),
            ] {
                if let Some(d) = d {
                    m.insert(k.into(), serde_json::json!(d.as_nanos() as u64));
                }
            }
            if let Some(r) = retries {
                m.insert("Retries".into(), serde_json::json!(r));
            }
            serde_json::Value::Object(m)
        }
    }
}

/// A copy of the Dockerfile and its stages with the base image's ONBUILD
/// `triggers` inserted at the start of stage `index`.
fn with_triggers(
    df: &Dockerfile,
    stages: &Stages,
    index: usize,
    triggers: &[String],
) -> Result<(Dockerfile, Stages)> {
    let text = format!("FROM scratch\n{}\n", triggers.join("\n"));
    let parsed = build::parse("ONBUILD", &text)?;
    let mut stages = stages.clone();
    let extra: Vec<Instruction> = parsed.instructions.into_iter().skip(1).collect();
    for t in &extra {
        if matches!(t.command, Command::From(_) | Command::Onbuild { .. }) {
            bail!(
                "ONBUILD trigger {:?} of the base image: {} is not allowed as a trigger",
                t.original,
                t.name.to_uppercase()
            );
        }
    }
    let st = &mut stages.stages[index];
    let mut list = extra;
    list.append(&mut st.instructions);
    st.instructions = list;
    Ok((df.clone(), stages))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mount_stubs_go_and_no_symlink_leads_the_removal_out() {
        let t = tempfile::tempdir().unwrap();
        let (upper, lower, victim) = (
            t.path().join("upper"),
            t.path().join("lower"),
            t.path().join("victim"),
        );
        for d in [
            upper.join("run/buildkit"),
            upper.join("tmp/kept"),
            lower.join("tmp"),
            victim.join("b"),
        ] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(upper.join("run/buildkit/ssh_agent.0"), "").unwrap();
        std::fs::write(upper.join("tmp/kept/x"), "").unwrap();
        std::fs::write(upper.join("tmp/kept/other"), "written by the step").unwrap();
        std::fs::write(victim.join("b/c"), "").unwrap();
        // A step turned a directory made for a mount into a symlink.
        std::os::unix::fs::symlink(&victim, upper.join("a")).unwrap();
        let targets = ["/run/buildkit/ssh_agent.0", "/tmp/kept/x", "/a/b/c"].map(String::from);
        remove_mount_stubs(&upper, std::slice::from_ref(&lower), &targets);
        assert!(
            !upper.join("run").exists(),
            "the stub and the dirs made for it go"
        );
        assert!(!upper.join("tmp/kept/x").exists());
        assert!(
            upper.join("tmp/kept/other").exists(),
            "what the step wrote stays"
        );
        assert!(victim.join("b/c").exists(), "nothing through the symlink");
        assert!(upper.join("a").is_symlink());
    }

    #[test]
    fn workdir_paths() {
        assert_eq!(resolve_workdir(None, "app"), "/app");
        assert_eq!(resolve_workdir(Some("/a"), "b/../c"), "/a/c");
        assert_eq!(resolve_workdir(Some("/a"), "/x/./y/"), "/x/y");
    }

    #[test]
    fn entrypoint_resets_an_inherited_cmd() {
        let mut s = State {
            image: None,
            remote: None,
            config: ImageConfig::default(),
            cmd_set: false,
        };
        s.config.config.cmd = Some(vec!["base".into()]);
        apply_metadata(&mut s, &Command::Entrypoint(CommandLine::Shell("x".into())));
        assert_eq!(s.config.config.cmd, None);
        assert_eq!(
            s.config.config.entrypoint,
            Some(vec!["/bin/sh".into(), "-c".into(), "x".into()])
        );
        apply_metadata(&mut s, &Command::Cmd(CommandLine::Exec(vec!["a".into()])));
        apply_metadata(
            &mut s,
            &Command::Entrypoint(CommandLine::Exec(vec!["e".into()])),
        );
        assert_eq!(s.config.config.cmd, Some(vec!["a".into()]));
    }
}
