//! The `kube` group: `generate` writes Kubernetes YAML of pods and
//! containers ([`crate::ops::kube`]).

use super::output;
use crate::ops;
use crate::store::StorePaths;
use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};

#[derive(Subcommand, Debug)]
#[command(defer = true)]
pub enum KubeCommand {
    /// Write Kubernetes YAML of pods or containers
    Generate(GenerateArgs),
}

pub fn run(paths: &StorePaths, c: &KubeCommand) -> Result<i32> {
    match c {
        KubeCommand::Generate(a) => generate(paths, a),
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
