//! The `kube` group: `generate` writes Kubernetes YAML of pods and
//! containers ([`crate::ops::kube`]); `play` runs the pods of such a file
//! ([`crate::kube::play`] reads it, [`crate::ops::kube_play`] makes
//! them, and this module pulls or builds the images and starts the
//! pods); `down` removes them.

use super::container::{background, berth_child, start_pod_infra};
use super::output;
use crate::kube::play::{read_manifest, Manifest, Mode, PlayContainer, PlayPod, Pull};
use crate::ops;
use crate::store::StorePaths;
use anyhow::{anyhow, bail, Context, Result};
use clap::{ArgAction, Args, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
#[command(defer = true)]
pub enum KubeCommand {
    /// Write Kubernetes YAML of pods or containers
    Generate(GenerateArgs),
    /// Run the pods of Kubernetes YAML (Pod, Deployment, ConfigMap,
    /// Secret, PersistentVolumeClaim)
    Play(PlayArgs),
    /// Remove the pods a Kubernetes YAML file made (`play --down`)
    Down(DownArgs),
}

pub fn run(paths: &StorePaths, c: &KubeCommand) -> Result<i32> {
    match c {
        KubeCommand::Generate(a) => generate(paths, a),
        KubeCommand::Play(a) => play(paths, a),
        KubeCommand::Down(a) => down(paths, &a.file, a.force),
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum KindArg {
    Pod,
    Deployment,
}

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Also write a Service of the published ports
    #[arg(short, long)]
    service: bool,
    /// Write to this file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    filename: Option<std::path::PathBuf>,
    /// What to write each pod as
    #[arg(short, long = "type", value_enum, default_value = "pod")]
    kind: KindArg,
    /// Pods or containers (names or IDs)
    #[arg(required = true, value_name = "POD|CONTAINER")]
    names: Vec<String>,
}

fn generate(paths: &StorePaths, a: &GenerateArgs) -> Result<i32> {
    let kind = match a.kind {
        KindArg::Pod => ops::kube::Kind::Pod,
        KindArg::Deployment => ops::kube::Kind::Deployment,
    };
    let yaml = ops::kube::generate(paths, &a.names, kind, a.service)?;
    match &a.filename {
        Some(f) => {
            // A bare file name's directory is the working one.
            let path =
                std::path::absolute(f).with_context(|| format!("writing {}", f.display()))?;
            crate::fsutil::write_atomic(&path, yaml.as_bytes())
                .with_context(|| format!("writing {}", f.display()))?
        }
        None => output::print(&yaml)?,
    }
    Ok(0)
}

#[derive(Args, Debug)]
pub struct PlayArgs {
    /// Remove the pods the file made (and their emptyDir, ConfigMap and
    /// Secret volumes) instead of making them
    #[arg(long, conflicts_with_all = ["replace", "start"])]
    down: bool,
    /// With --down: remove the PersistentVolumeClaims' volumes too
    #[arg(long, requires = "down")]
    force: bool,
    /// Remove the file's pods first, if they exist
    #[arg(long)]
    replace: bool,
    /// Start the pods (--start=false: only create them)
    #[arg(long, default_value_t = true, action = ArgAction::Set, num_args = 0..=1,
          default_missing_value = "true", value_name = "BOOL")]
    start: bool,
    /// ConfigMaps the pods use, from YAML files (repeatable, or
    /// comma-separated)
    #[arg(long, value_name = "FILE", value_delimiter = ',')]
    configmap: Vec<PathBuf>,
    /// The pods' networks (default: the default network)
    #[arg(long = "network", alias = "net", value_name = "NETWORK")]
    network: Vec<String>,
    /// Publish a port of the pods: [IP:]HOSTPORT:CTRPORT[/PROTO], over
    /// the file's hostPort of that container port
    #[arg(long, value_name = "PORT")]
    publish: Vec<String>,
    /// Build an image from the directory of its name (holding a
    /// Containerfile or Dockerfile) in the working directory; default:
    /// only when the image is missing (--build=false: never)
    #[arg(long, action = ArgAction::Set, num_args = 0..=1,
          default_missing_value = "true", value_name = "BOOL")]
    build: Option<bool>,
    /// The containers' log driver (k8s-file, json-file, journald, none)
    #[arg(long, value_name = "DRIVER")]
    log_driver: Option<String>,
    /// Print nothing while images are pulled or built
    #[arg(short, long)]
    quiet: bool,
    /// The YAML file (`-`: standard input)
    #[arg(value_name = "FILE")]
    file: String,
}

#[derive(Args, Debug)]
pub struct DownArgs {
    /// Remove the PersistentVolumeClaims' volumes too
    #[arg(long)]
    force: bool,
    /// The YAML file (`-`: standard input)
    #[arg(value_name = "FILE")]
    file: String,
}

/// The file's name for messages and its text.
fn read_input(file: &str) -> Result<(String, String)> {
    if file == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .context("reading standard input")?;
        return Ok(("(standard input)".into(), text));
    }
    let text = std::fs::read(file).with_context(|| format!("reading {file}"))?;
    let text = String::from_utf8(text).map_err(|_| anyhow!("{file}: not UTF-8 text"))?;
    Ok((file.to_string(), text))
}

fn manifest(file: &str, configmaps: &[PathBuf], mode: Mode) -> Result<Manifest> {
    let (name, text) = read_input(file)?;
    let mut extra = Vec::new();
    for f in configmaps {
        let f = f.display().to_string();
        extra.push(read_input(&f)?);
    }
    let m = read_manifest(&name, &text, &extra, mode)?;
    if mode == Mode::Play {
        for w in &m.warnings {
            eprintln!("WARN: {w}");
        }
    }
    Ok(m)
}

fn down(paths: &StorePaths, file: &str, force: bool) -> Result<i32> {
    let m = manifest(file, &[], Mode::Down)?;
    let d = ops::kube_play::down(paths, &m, force)?;
    let mut out = String::new();
    if !d.pods.is_empty() {
        out.push_str("Pods stopped:\n");
        for id in &d.pods {
            out.push_str(&format!("{id}\n"));
        }
        out.push_str("Pods removed:\n");
        for id in &d.pods {
            out.push_str(&format!("{id}\n"));
        }
    }
    if !d.volumes.is_empty() {
        out.push_str("Volumes removed:\n");
        for v in &d.volumes {
            out.push_str(&format!("{v}\n"));
        }
    }
    output::print(&out)?;
    Ok(0)
}

fn play(paths: &StorePaths, a: &PlayArgs) -> Result<i32> {
    if a.down {
        return down(paths, &a.file, a.force);
    }
    if a.file == "-" && a.configmap.iter().any(|c| c.as_os_str() == "-") {
        bail!("--configmap -: standard input is the file already");
    }
    let m = manifest(&a.file, &a.configmap, Mode::Play)?;
    if !a.start {
        if let Some(p) = m.pods.iter().find(|p| !p.init_containers.is_empty()) {
            bail!(
                "--start=false: pod {} has init containers, which berth runs when it plays the pod (pod start would start them with the others)",
                p.name
            );
        }
    }
    // Every image is there before anything is made (or, with --replace,
    // removed).
    let mut done: Vec<(&str, Pull)> = Vec::new();
    for p in &m.pods {
        for c in p.init_containers.iter().chain(&p.containers) {
            if done.contains(&(c.image.as_str(), c.pull)) {
                continue;
            }
            done.push((&c.image, c.pull));
            if let Some(code) = ensure_image(paths, c, a)? {
                return Ok(code);
            }
        }
    }
    if a.replace {
        ops::kube_play::down(paths, &m, false)?;
    }
    let opts = ops::kube_play::PlayOptions {
        command_line: std::env::args().collect(),
        networks: a.network.clone(),
        publish: a.publish.clone(),
        log_driver: a.log_driver.clone(),
    };
    let played = ops::kube_play::play(paths, &m, &opts)?;
    if a.start {
        for (p, want) in played.pods.iter().zip(&m.pods) {
            start_pod(paths, p, want)?;
        }
    }
    let mut out = String::new();
    for p in &played.pods {
        out.push_str(&format!("Pod:\n{}\n", p.id));
        let ids: Vec<&String> = match a.start {
            // Init containers that ran are gone.
            true => p.containers.iter().collect(),
            false => p.init_containers.iter().chain(&p.containers).collect(),
        };
        out.push_str(if ids.len() == 1 {
            "Container:\n"
        } else {
            "Containers:\n"
        });
        for id in ids {
            out.push_str(&format!("{id}\n"));
        }
        out.push('\n');
    }
    output::print(&out)?;
    Ok(0)
}

/// Start pod `p`: its infra container, each init container run to its
/// end (and removed once it succeeded, as Podman does), then the others.
fn start_pod(paths: &StorePaths, p: &ops::kube_play::PlayedPod, want: &PlayPod) -> Result<()> {
    start_pod_infra(paths, ops::pod::PodOf::Pod(&p.id))?;
    for (id, c) in p.init_containers.iter().zip(&want.init_containers) {
        let name = format!("{}-{}", p.name, c.name);
        if let Err(code) = background(paths, id, false)? {
            bail!(
                "pod {}: init container {name} did not start (exit code {code})",
                p.name
            );
        }
        let code = ops::containers::wait(paths, id)?;
        if code != 0 {
            bail!(
                "pod {}: init container {name} exited with code {code}: see `berth logs {name}`",
                p.name
            );
        }
        ops::containers::remove(paths, std::slice::from_ref(id), false, false, false, None)?;
    }
    for id in &p.containers {
        if let Err(code) = background(paths, id, false)? {
            bail!(
                "pod {}: a container did not start (exit code {code})",
                p.name
            );
        }
    }
    Ok(())
}

/// Pull or build the image of `c` as its pull policy and `--build` say.
/// `Some(code)`: a pull or build failed with that exit code.
fn ensure_image(paths: &StorePaths, c: &PlayContainer, a: &PlayArgs) -> Result<Option<i32>> {
    let image = c.image.as_str();
    let present = ops::inspect::exists(paths, image)?;
    // `--build`: the directory of the image's name in the working one.
    let base = image
        .rsplit('/')
        .next()
        .unwrap_or(image)
        .split([':', '@'])
        .next()
        .unwrap_or_default();
    let context = PathBuf::from(base);
    let buildable = !base.is_empty()
        && (context.join("Containerfile").is_file() || context.join("Dockerfile").is_file());
    let build = match a.build {
        Some(true) => buildable,
        Some(false) => false,
        None => buildable && !present,
    };
    let context = context.display().to_string();
    let mut args = Vec::new();
    if build {
        args.extend(["build", "-t", image]);
        if a.quiet {
            args.push("--quiet");
        }
        args.extend(["--", &context]);
    } else {
        match c.pull {
            Pull::Never if !present => {
                bail!("image {image}: not known, and its imagePullPolicy is Never")
            }
            Pull::Never | Pull::Missing if present => return Ok(None),
            _ => {}
        }
        args.push("pull");
        if a.quiet {
            args.push("--quiet");
        }
        args.extend(["--", image]);
    }
    berth_child(paths, &args, image)
}

// `play` pulls and builds in berth children, which enter the namespace
// themselves.
layer_files!(false: GenerateArgs, PlayArgs, DownArgs);
layer_files_of!(KubeCommand: Generate, Play, Down);
