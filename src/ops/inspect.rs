//! `inspect` and `history`: what the store knows of an image (or, for
//! the top-level `inspect`, of a container), in the shape Podman and
//! Docker print it.

use crate::digest::Digest;
use crate::image::config::ImageConfig;
use crate::store::{ImageRecord, ResolveError, Store, StorePaths};
use anyhow::{anyhow, Result};
use serde_json::{json, Value};

fn open(paths: &StorePaths, name: &str) -> Result<Store> {
    Store::open_existing(paths)?.ok_or_else(|| anyhow!("{name}: image not known"))
}

/// Podman's image inspect object for each image.
pub fn inspect(paths: &StorePaths, names: &[String]) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for name in names {
        let store = open(paths, name)?;
        let idx = store.read_index()?;
        let rec = store.resolve(&idx, name)?;
        out.push(image_doc(&store, rec)?);
    }
    Ok(out)
}

/// What the top-level `inspect` looks for (`--type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Container,
    Image,
    /// Containers first, then images (Podman's order: a container wins
    /// over an image of the same name).
    All,
}

/// One object found by [`inspect_objects`].
#[derive(Debug, Clone)]
pub enum Object {
    Container(Box<super::containers::ContainerInfo>),
    /// Podman's image inspect object.
    Image(Value),
}

/// The top-level `inspect`: each name as a container or an image, as
/// `kind` allows; an error names the first that is neither.
pub fn inspect_objects(paths: &StorePaths, names: &[String], kind: Kind) -> Result<Vec<Object>> {
    let store = Store::open_existing(paths)?;
    let mut out = Vec::new();
    for name in names {
        let missing = || match kind {
            Kind::Container => anyhow!("no such container {name}"),
            Kind::Image => anyhow!("{name}: image not known"),
            Kind::All => anyhow!("no such object: {name:?}"),
        };
        let Some(store) = &store else {
            return Err(missing());
        };
        if kind != Kind::Image {
            if let Ok(record) = store.find_container(name) {
                let info = super::containers::ContainerInfo::inspected(store, record)?;
                out.push(Object::Container(Box::new(info)));
                continue;
            }
        }
        if kind != Kind::Container {
            let idx = store.read_index()?;
            match store.resolve(&idx, name) {
                Ok(rec) => {
                    out.push(Object::Image(image_doc(store, rec)?));
                    continue;
                }
                Err(ResolveError::NotFound(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        return Err(missing());
    }
    Ok(out)
}

/// Podman's image inspect object for `rec`.
fn image_doc(store: &Store, rec: &ImageRecord) -> Result<Value> {
    let raw = store.blob(&rec.id)?;
    let cfg = ImageConfig::parse(&raw)?;
    let doc: Value = serde_json::from_slice(&raw)?;
    let manifest = store.blob(&rec.manifest)?;
    let mtype = serde_json::from_slice::<Value>(&manifest)
        .ok()
        .and_then(|m| {
            m.get("mediaType")
                .and_then(|t| t.as_str())
                .map(String::from)
        })
        .unwrap_or_else(|| crate::image::manifest::OCI_MANIFEST.into());
    let dirs: Vec<String> = store
        .layer_diffs(rec.layers.iter())
        .iter()
        .map(|d| d.display().to_string())
        .collect();
    let mut graph = serde_json::Map::new();
    if let Some((upper, lower)) = dirs.split_first() {
        if !lower.is_empty() {
            graph.insert("LowerDir".into(), json!(lower.join(":")));
        }
        graph.insert("UpperDir".into(), json!(upper));
        let top = rec
            .layers
            .last()
            .expect("an image with a layer dir has layers");
        graph.insert(
            "WorkDir".into(),
            json!(store.layer_work(top).display().to_string()),
        );
    }
    let created = cfg
        .created
        .clone()
        .unwrap_or_else(|| crate::image::time::GO_ZERO.into());
    Ok(json!({
        "Id": rec.id.hex(),
        "Digest": rec.manifest.to_string(),
        "RepoTags": rec.names,
        "RepoDigests": rec.digests,
        "Parent": "",
        "Comment": doc.get("comment").cloned().unwrap_or(json!("")),
        "Created": created,
        "Config": doc.get("config").cloned().unwrap_or(json!({})),
        "Version": doc.get("docker_version").cloned().unwrap_or(json!("")),
        "Author": cfg.author.clone().unwrap_or_default(),
        "Architecture": cfg.architecture,
        "Variant": cfg.variant,
        "Os": cfg.os,
        "Size": rec.size,
        "VirtualSize": rec.size,
        "GraphDriver": { "Name": "overlay", "Data": graph },
        "RootFS": { "Type": "layers", "Layers": cfg.rootfs.diff_ids },
        "Labels": cfg.config.labels,
        "Annotations": {},
        "ManifestType": mtype,
        "User": cfg.config.user.clone().unwrap_or_default(),
        "History": doc.get("history").cloned().unwrap_or(json!([])),
        "NamesHistory": rec.names,
    }))
}

/// One row of `history`, newest first.
#[derive(serde::Serialize, Debug)]
pub struct HistoryRow {
    /// The image id on the top row, `None` (shown `<missing>`) below.
    pub id: Option<Digest>,
    pub created: Option<i64>,
    pub created_by: String,
    pub size: u64,
    pub comment: String,
    pub empty_layer: bool,
}

pub fn history(paths: &StorePaths, name: &str) -> Result<Vec<HistoryRow>> {
    let store = open(paths, name)?;
    let idx = store.read_index()?;
    let rec = store.resolve(&idx, name)?;
    let cfg = ImageConfig::parse(&store.blob(&rec.id)?)?;
    let sizes: Vec<u64> = rec
        .layers
        .iter()
        .map(|l| store.layer(l).map(|r| r.tar_size).unwrap_or(0))
        .collect();
    let mut layer = 0;
    let mut rows = Vec::new();
    let history = if cfg.history.is_empty() {
        // No history: one row per layer, as Docker shows it.
        cfg.rootfs
            .diff_ids
            .iter()
            .map(|_| Default::default())
            .collect()
    } else {
        cfg.history.clone()
    };
    for h in &history {
        let size = if h.empty_layer {
            0
        } else {
            let s = sizes.get(layer).copied().unwrap_or(0);
            layer += 1;
            s
        };
        rows.push(HistoryRow {
            id: None,
            created: h
                .created
                .as_deref()
                .and_then(crate::image::time::parse_rfc3339),
            created_by: h.created_by.clone().unwrap_or_default(),
            size,
            comment: h.comment.clone().unwrap_or_default(),
            empty_layer: h.empty_layer,
        });
    }
    rows.reverse();
    if let Some(top) = rows.first_mut() {
        top.id = Some(rec.id.clone());
    }
    Ok(rows)
}

/// `image exists`: whether a name or id resolves.
pub fn exists(paths: &StorePaths, name: &str) -> Result<bool> {
    let Some(store) = Store::open_existing(paths)? else {
        return Ok(false);
    };
    let idx = store.read_index()?;
    match store.resolve(&idx, name) {
        Ok(_) => Ok(true),
        Err(crate::store::ResolveError::NotFound(_)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}
