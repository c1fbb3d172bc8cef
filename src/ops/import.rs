//! `import`: a tarball of a root file system becomes a one-layer image.

use super::{local_name, open_store};
use crate::digest::Digest;
use crate::image::config::{self, ImageConfig, RunConfig};
use crate::image::{Image, LayerInfo};
use crate::store::{ImageRecord, StorePaths};
use anyhow::{Context, Result};
use std::io::Read;
use std::path::PathBuf;

pub struct ImportOptions {
    /// The tarball (plain, gzip or zstd); `None` reads standard input.
    pub input: Option<PathBuf>,
    pub reference: Option<String>,
    /// `CMD …`, `ENV …` … as Dockerfile instructions.
    pub changes: Vec<String>,
    pub message: Option<String>,
}

/// An image whose one layer is a tar file already on disk.
struct TarImage {
    config: Vec<u8>,
    layers: Vec<LayerInfo>,
    tar: PathBuf,
}

impl Image for TarImage {
    fn config_bytes(&self) -> &[u8] {
        &self.config
    }
    fn layers(&self) -> &[LayerInfo] {
        &self.layers
    }
    fn open_layer(&self, _: usize) -> Result<Box<dyn Read + Send + '_>> {
        Ok(Box::new(crate::fsutil::open(&self.tar)?))
    }
}

pub fn import(
    paths: &StorePaths,
    opts: &ImportOptions,
    stdin: &mut (dyn Read + Send),
) -> Result<ImageRecord> {
    let name = opts.reference.as_deref().map(local_name).transpose()?;
    let mut run = RunConfig::default();
    for c in &opts.changes {
        config::apply_change(&mut run, c)?;
    }
    let source = opts
        .input
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "<stdin>".into());
    let store = open_store(paths)?;
    let writer = store.writer(super::owners())?;
    // Spool the decompressed tar once: its digest is needed for the config
    // before the layer can be stored under its chain id.
    let tar = writer.staging().join("import.tar");
    let (diff_id, _size) = {
        let mut input: Box<dyn Read + Send> = match &opts.input {
            Some(p) => Box::new(crate::fsutil::open(p)?),
            None => Box::new(stdin),
        };
        let (_, mut plain) = crate::image::compression::decompressed(&mut input)
            .with_context(|| format!("importing {source}"))?;
        let mut out = crate::digest::HashingWriter::new(crate::fsutil::create(&tar)?);
        std::io::copy(&mut plain, &mut out).with_context(|| format!("importing {source}"))?;
        let (d, n, _) = out.finish();
        (d, n)
    };
    let now = crate::image::time::format_rfc3339(crate::image::time::now_unix());
    let cfg = ImageConfig {
        created: Some(now.clone()),
        author: None,
        architecture: config::host_arch().into(),
        variant: None,
        os: "linux".into(),
        config: run,
        rootfs: config::RootFs {
            kind: "layers".into(),
            diff_ids: vec![diff_id.clone()],
        },
        history: vec![config::History {
            created: Some(now),
            created_by: Some(format!(
                "/bin/sh -c #(nop) ADD file:{} in /",
                Digest::of(source.as_bytes()).hex()
            )),
            comment: opts
                .message
                .clone()
                .or_else(|| Some(format!("imported from {source}"))),
            ..Default::default()
        }],
    };
    let img = TarImage {
        config: serde_json::to_vec(&cfg)?,
        layers: vec![LayerInfo {
            diff_id,
            blob: None,
            tar_size: None,
        }],
        tar,
    };
    let names: Vec<String> = name.into_iter().collect();
    let rec = writer
        .commit_image(&img, &names, None, &[])
        .with_context(|| format!("importing {source}"))?;
    let name = names.first().map_or("", |n| n.as_str());
    super::events::image(&store, "import", &rec.id, name);
    Ok(rec)
}
