//! `build` (and `image build`): run a Dockerfile and print its progress
//! as `podman build` does: `STEP n/m: …`, the output of RUN, `--> ID`,
//! `COMMIT NAME`, `Successfully tagged NAME`, and the image id last.

use super::output;
use super::registry::{Direction, RemoteArgs, Renderer};
use crate::ops::build::{self, BuildEvent, BuildOptions, StepFailed};
use crate::ops::build_cache::{parse_ttl, CacheRef};
use crate::ops::build_context::{parse_named, Source};
use crate::progress::Sink;
use crate::store::StorePaths;
use anyhow::{bail, Context, Result};
use clap::Args;
use std::io::Read;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct BuildArgs {
    /// The build context: a directory; `-` for standard input (a tar of
    /// the context, plain or compressed, else a Dockerfile); the URL of
    /// such a tar or Dockerfile; or a git repository (`git://…`,
    /// `git@…`, `github.com/…`, `https://….git`, with `#REF:SUBDIR`)
    #[arg(value_name = "CONTEXT", default_value = ".")]
    context: String,
    /// The Dockerfile (default: CONTEXT/Dockerfile, else
    /// CONTEXT/Containerfile); `-` reads it from standard input
    #[arg(short, long, value_name = "FILE")]
    file: Option<PathBuf>,
    /// A name for the image (repeatable); without a registry it is local
    /// (localhost/NAME:TAG)
    #[arg(short, long, value_name = "NAME")]
    tag: Vec<String>,
    /// A build argument, KEY=VALUE or KEY (value from the environment)
    #[arg(long, value_name = "KEY[=VALUE]")]
    build_arg: Vec<String>,
    /// A label for the image (repeatable)
    #[arg(long, value_name = "KEY=VALUE")]
    label: Vec<String>,
    /// The stage to build (default: the last)
    #[arg(long, value_name = "STAGE")]
    target: Option<String>,
    /// Write the image ID to this file
    #[arg(long, value_name = "FILE")]
    iidfile: Option<PathBuf>,
    /// Write what was built to this file as JSON, as BuildKit does:
    /// `containerimage.config.digest` (the image ID),
    /// `containerimage.digest` and `containerimage.descriptor` (its
    /// manifest), `image.name` (the names given, comma-separated)
    #[arg(long, value_name = "FILE")]
    metadata_file: Option<PathBuf>,
    /// Where the result goes (repeatable): type=image[,name=NAME][,push=true]
    /// (the default: the image, in local storage), type=registry,name=NAME
    /// (pushed), type=local,dest=DIR (its files), type=tar,dest=FILE (its
    /// files, as a tar), type=oci|docker,dest=FILE (an archive of the
    /// image); DIR is type=local, - a tar on standard output. With no image
    /// output, the store keeps the image only as build cache
    #[arg(short, long, value_name = "OUTPUT")]
    output: Vec<String>,
    /// Print only the image ID
    #[arg(short, long)]
    quiet: bool,
    /// How progress is shown: auto (bars for pulls on a terminal, else
    /// lines), plain (lines), tty (bars; standard error must be a
    /// terminal) or quiet (as --quiet)
    #[arg(long, value_name = "TYPE", default_value = "auto",
          value_parser = ["auto", "plain", "tty", "quiet"])]
    progress: String,
    /// The network of RUN instructions: default (outbound access), none,
    /// host, private, pasta, slirp4netns, or a berth network's name
    #[arg(long, value_name = "MODE")]
    network: Option<String>,
    /// Do not use cached steps (they are replaced)
    #[arg(long)]
    no_cache: bool,
    /// A registry cache to take steps from (repeatable):
    /// type=registry,ref=REPO[:TAG] or REPO[:TAG] (tag buildcache by
    /// default); one that does not exist is a warning
    #[arg(long, value_name = "REF")]
    cache_from: Vec<String>,
    /// A registry cache to write the build's steps to (repeatable):
    /// REPO[:TAG], or type=registry,ref=REPO[:TAG] with the options
    /// mode=min|max (both write the steps of every stage built) and
    /// ignore-error=true (a failed write is then a warning)
    #[arg(long, value_name = "REF")]
    cache_to: Vec<String>,
    /// A named context for FROM, COPY --from and RUN --mount=from
    /// (repeatable), over a stage or image of that name: NAME=DIR,
    /// NAME=docker-image://REF or NAME=oci-layout://DIR[:TAG|@DIGEST]
    #[arg(long, value_name = "NAME=VALUE")]
    build_context: Vec<String>,
    /// Use only cached steps made within this duration (24h, 30m, …; 0
    /// is --no-cache)
    #[arg(long, value_name = "DURATION")]
    cache_ttl: Option<String>,
    /// Explore the built image's layers right away (as `berth explore`:
    /// the interactive view on a terminal, the CI gate with CI=true)
    #[arg(long)]
    explore: bool,
    /// Pull FROM images even when they are in local storage
    #[arg(long)]
    pull: bool,
    /// The platforms to build for, comma-separated (linux/amd64,linux/arm64);
    /// a RUN for a foreign one runs under qemu-user-static (binfmt_misc).
    /// With several, the images go into the --manifest list (or the
    /// lists the -t names name)
    #[arg(long, value_name = "OS/ARCH[/VARIANT],…")]
    platform: Option<String>,
    /// Add the image (each platform's) to this manifest list, created if
    /// missing
    #[arg(long, value_name = "NAME")]
    manifest: Option<String>,
    /// A secret for RUN --mount=type=secret: id=ID,src=PATH (a file),
    /// id=ID,env=VAR (an environment variable's value), or id=ID (the
    /// variable ID if it is set, else the file ID); never kept in the image
    #[arg(long, value_name = "id=ID[,src=PATH|,env=VAR]")]
    secret: Vec<String>,
    /// An SSH agent for RUN --mount=type=ssh: default (SSH_AUTH_SOCK's
    /// agent), ID=SOCKET, or ID=KEYFILE[,KEYFILE…] (loaded into an agent
    /// of the build's own)
    #[arg(long, value_name = "default|ID[=SOCKET|KEYFILE]")]
    ssh: Vec<String>,
    /// The image's manifest format: oci, or docker (Docker's schema 2,
    /// which `push` then sends)
    #[arg(long, value_name = "FORMAT", default_value = "oci", value_parser = ["oci", "docker"],
          env = "BUILDAH_FORMAT")]
    format: String,
    /// Keep a layer per instruction and use the step cache
    /// (`--layers=false`: one layer for what the build adds, every step
    /// run again)
    #[arg(long, value_name = "BOOL", default_value_t = true, num_args = 0..=1,
          require_equals = true, default_missing_value = "true", action = clap::ArgAction::Set)]
    layers: bool,
    /// Make the layers the build adds one layer (its base's stay)
    #[arg(long)]
    squash: bool,
    /// Make the whole image one layer, its base's included
    #[arg(long)]
    squash_all: bool,
    /// Every time in the image (configs, history, files) is this one,
    /// in seconds since the epoch, so the same sources give the same image
    #[arg(long, value_name = "SECONDS")]
    timestamp: Option<i64>,
    /// Parse the Dockerfile and print its instructions; run nothing
    #[arg(long)]
    dry_run: bool,
    /// With --dry-run: `json` prints one object per instruction
    #[arg(long, value_name = "FORMAT", requires = "dry_run", value_parser = ["json"])]
    dry_run_format: Option<String>,
    #[command(flatten)]
    remote: RemoteArgs,
}

fn options(a: &BuildArgs) -> Result<BuildOptions> {
    let source = Source::parse(&a.context);
    let (dockerfile, dockerfile_text) = match &a.file {
        Some(f) if f.as_os_str() == "-" && source == Source::Stdin => {
            bail!("the Dockerfile (-f -) and the build context (-) cannot both come from standard input")
        }
        Some(f) if f.as_os_str() == "-" => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading the Dockerfile from standard input")?;
            (None, Some(text))
        }
        Some(f) => (Some(f.clone()), None),
        None => (None, None),
    };
    let (context, source) = match source {
        Source::Dir(d) => (d, None),
        other => (PathBuf::new(), Some(other)),
    };
    Ok(BuildOptions {
        context,
        source,
        dockerfile,
        dockerfile_text,
        tags: a.tag.clone(),
        build_args: a.build_arg.clone(),
        labels: a.label.clone(),
        target: a.target.clone(),
        network: a.network.clone(),
        no_cache: a.no_cache,
        pull: a.pull,
        platform: a.platform.clone(),
        manifest: a.manifest.clone(),
        secrets: a.secret.clone(),
        ssh: a.ssh.clone(),
        outputs: a
            .output
            .iter()
            .map(|o| build::Output::parse(o))
            .collect::<Result<_>>()?,
        stdout: None,
        docker_format: a.format == "docker",
        squash: a.squash,
        no_layers: !a.layers,
        squash_all: a.squash_all,
        timestamp: a.timestamp,
        cache_from: a
            .cache_from
            .iter()
            .map(|c| CacheRef::parse("--cache-from", c))
            .collect::<Result<_>>()?,
        cache_to: a
            .cache_to
            .iter()
            .map(|c| CacheRef::parse("--cache-to", c))
            .collect::<Result<_>>()?,
        cache_ttl: a.cache_ttl.as_deref().map(parse_ttl).transpose()?,
        named: a
            .build_context
            .iter()
            .map(|c| parse_named(c))
            .collect::<Result<_>>()?,
        remote: a.remote.options()?,
        one_of_several: false,
    })
}

pub fn build(paths: &StorePaths, a: &BuildArgs) -> Result<i32> {
    let mut opts = options(a)?;
    if a.dry_run {
        let df = build::dry_run(paths, &opts)?;
        if a.dry_run_format.as_deref() == Some("json") {
            let v = crate::build::dry_run_json(&df);
            let text = serde_json::to_string_pretty(&v).context("serializing the instructions")?;
            output::println(&text)?;
        } else {
            let total = df.instructions.len();
            let mut out = String::new();
            for (n, i) in df.instructions.iter().enumerate() {
                out.push_str(&format!("STEP {}/{total}: {}\n", n + 1, i.original.trim()));
            }
            output::print(&out)?;
        }
        return Ok(0);
    }
    let quiet = a.quiet || a.progress == "quiet";
    let bars = match a.progress.as_str() {
        "plain" => false,
        "tty" => {
            if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                bail!("--progress tty: standard error is not a terminal");
            }
            true
        }
        _ => std::io::IsTerminal::is_terminal(&std::io::stderr()),
    };
    let renderer = Renderer::with_bars(Direction::Pull, bars);
    let events = |e: BuildEvent| {
        if quiet {
            return;
        }
        let line = match e {
            BuildEvent::Step {
                number,
                total,
                text,
            } => format!("STEP {number}/{total}: {text}"),
            BuildEvent::Pull(p) => {
                renderer.event(p);
                return;
            }
            BuildEvent::UsingCache(id) => format!("--> Using cache {}", id.hex()),
            BuildEvent::StepDone(id) => format!("--> {}", &id.hex()[..11]),
            BuildEvent::Commit(name) => match name {
                Some(n) => format!("COMMIT {n}"),
                None => "COMMIT".to_string(),
            },
            BuildEvent::Tagged(n) => format!("Successfully tagged {n}"),
            BuildEvent::CacheExported { reference, entries } => {
                format!("Cache written to {reference}: {entries} steps")
            }
            BuildEvent::Warning(w) => {
                eprintln!("WARN: {w}");
                return;
            }
            BuildEvent::Platform(p) => format!("[{p}]"),
        };
        // A closed stdout must not stop the build.
        let _ = output::println(&line);
    };
    let mut hint = |h: &str| super::hint_once(paths, h);
    // With -q, what RUN instructions print must not reach standard output,
    // which then carries only the image id: the containers inherit
    // berth's stdout, so point it at standard error for the build.
    // An output on standard output has it to itself: the rest goes to
    // standard error, as with -q.
    let to_stdout = opts.outputs.iter().any(|o| o.to_stdout());
    let saved = if quiet || to_stdout {
        Some(redirect_stdout()?)
    } else {
        None
    };
    if let (Some(fd), true) = (&saved, to_stdout) {
        let out = fd.try_clone().context("duplicating standard output")?;
        opts.stdout = Some(std::sync::Arc::new(std::fs::File::from(out)));
    }
    let res = build::build(paths, &opts, &events, &mut hint);
    opts.stdout = None;
    renderer.finish();
    if let Some(fd) = saved {
        restore_stdout(fd)?;
    }
    let mut built = match res {
        Ok(b) => b,
        Err(e) => {
            if let Some(f) = e.downcast_ref::<StepFailed>() {
                eprintln!("Error: {}", output::one_line(&e));
                return Ok(f.code);
            }
            return Err(e);
        }
    };
    // A build for several platforms made a list: its digest stands for
    // the result.
    let list = built.list.clone().filter(|_| built.platforms > 1);
    if let Some(l) = &list {
        built.id = l.clone();
    }
    if let Some(f) = &a.iidfile {
        std::fs::write(f, built.id.to_string())
            .with_context(|| format!("writing --iidfile {}", f.display()))?;
    }
    if let Some(f) = &a.metadata_file {
        let (media_type, digest, size) = &built.manifest;
        let mut meta = match &list {
            // A manifest list: its index, and no config.
            Some(l) => serde_json::json!({
                "containerimage.digest": l.to_string(),
                "containerimage.descriptor": {
                    "mediaType": crate::image::manifest::OCI_INDEX,
                    "digest": l.to_string(),
                },
            }),
            None => serde_json::json!({
                "containerimage.config.digest": built.id.to_string(),
                "containerimage.digest": digest.to_string(),
                "containerimage.descriptor": {
                    "mediaType": media_type,
                    "digest": digest.to_string(),
                    "size": size,
                },
            }),
        };
        if !built.names.is_empty() {
            meta["image.name"] = built.names.join(",").into();
        }
        let text = serde_json::to_string_pretty(&meta).context("encoding the metadata")?;
        crate::fsutil::write_atomic(f, format!("{text}\n").as_bytes())
            .with_context(|| format!("writing --metadata-file {}", f.display()))?;
    }
    for name in &built.push {
        push_built(paths, name, &opts, quiet)?;
    }
    if to_stdout {
        eprintln!("{}", built.id.hex());
    } else {
        output::println(built.id.hex())?;
    }
    if a.explore {
        return super::explore::explore_image(paths, built.id.hex());
    }
    Ok(0)
}

/// `--output type=image,push=true`: push `name` as `push` does.
fn push_built(paths: &StorePaths, name: &str, opts: &BuildOptions, quiet: bool) -> Result<()> {
    use crate::ops::push::{self, PushOptions};
    let p = PushOptions {
        image: name.to_string(),
        destination: None,
        format: None,
        compression: crate::registry::push::LayerCompression::Gzip,
        remote: opts.remote.clone(),
    };
    if quiet {
        push::push(paths, &p, &crate::progress::Silent)?;
    } else {
        let r = Renderer::new(Direction::Push);
        let res = push::push(paths, &p, &r);
        r.finish();
        res?;
    }
    Ok(())
}

/// Point fd 1 at fd 2; returns a copy of the old fd 1.
fn redirect_stdout() -> Result<std::os::fd::OwnedFd> {
    use std::os::fd::{AsFd, AsRawFd};
    let saved = std::io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .context("duplicating standard output")?;
    // SAFETY: dup2 on two open descriptors.
    if unsafe { libc::dup2(std::io::stderr().as_raw_fd(), 1) } < 0 {
        bail!(
            "redirecting standard output: {}",
            std::io::Error::last_os_error()
        );
    }
    Ok(saved)
}

fn restore_stdout(saved: std::os::fd::OwnedFd) -> Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: dup2 on two open descriptors.
    if unsafe { libc::dup2(saved.as_raw_fd(), 1) } < 0 {
        bail!(
            "restoring standard output: {}",
            std::io::Error::last_os_error()
        );
    }
    Ok(())
}

// A build writes layers.
layer_files!(true: BuildArgs);
