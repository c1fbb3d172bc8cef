//! Manifests, indexes and descriptors (OCI image spec `manifest.md`,
//! `image-index.md`, `descriptor.md`, and Docker's v2 schema 2 which has
//! the same shape with other media types).

use crate::digest::Digest;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar";
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub const OCI_LAYER_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
pub const DOCKER_LAYER: &str = "application/vnd.docker.image.rootfs.diff.tar";
pub const DOCKER_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
/// The annotation an OCI layout uses to name a manifest (a tag or a
/// full reference).
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    pub media_type: String,
    pub digest: Digest,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
pub struct Platform {
    pub architecture: String,
    pub os: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    #[serde(
        rename = "os.version",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub os_version: Option<String>,
    #[serde(rename = "os.features", default, skip_serializing_if = "Vec::is_empty")]
    pub os_features: Vec<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Index {
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    pub manifests: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
}

impl Manifest {
    /// An OCI manifest for an image whose layers are plain tars named by
    /// their diffIDs — how berth describes images it holds unpacked.
    pub fn for_uncompressed(config: &[u8], layers: &[(Digest, u64)]) -> Manifest {
        Manifest {
            schema_version: 2,
            media_type: Some(OCI_MANIFEST.into()),
            config: Descriptor {
                media_type: OCI_CONFIG.into(),
                digest: Digest::of(config),
                size: config.len() as u64,
                platform: None,
                annotations: None,
            },
            layers: layers
                .iter()
                .map(|(d, size)| Descriptor {
                    media_type: OCI_LAYER.into(),
                    digest: d.clone(),
                    size: *size,
                    platform: None,
                    annotations: None,
                })
                .collect(),
            annotations: None,
        }
    }

    /// This manifest of plain-tar layers as a Docker (schema 2) one
    /// (`docker`) or an OCI one, or `None` when its layers are compressed
    /// (a pulled image keeps the manifest it came with).
    pub fn plain_as(&self, docker: bool) -> Option<Manifest> {
        let plain = |d: &Descriptor| d.media_type == OCI_LAYER || d.media_type == DOCKER_LAYER;
        if !self.layers.iter().all(plain) {
            return None;
        }
        let (manifest, config, layer) = match docker {
            true => (DOCKER_MANIFEST, DOCKER_CONFIG, DOCKER_LAYER),
            false => (OCI_MANIFEST, OCI_CONFIG, OCI_LAYER),
        };
        let mut m = self.clone();
        m.media_type = Some(manifest.into());
        m.config.media_type = config.into();
        for l in &mut m.layers {
            l.media_type = layer.into();
        }
        Some(m)
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a manifest always serializes")
    }
}

/// Whether a JSON document is an index (or Docker manifest list) rather
/// than a single manifest: by media type, else by its `manifests` key.
pub fn is_index(media_type: Option<&str>, json: &[u8]) -> bool {
    match media_type {
        Some(OCI_INDEX | DOCKER_LIST) => true,
        Some(OCI_MANIFEST | DOCKER_MANIFEST) => false,
        _ => serde_json::from_slice::<serde_json::Value>(json)
            .map(|v| v.get("manifests").is_some())
            .unwrap_or(false),
    }
}

/// Choose the manifest for `os/arch[/variant]` from an index.
pub fn pick_platform<'a>(
    index: &'a Index,
    os: &str,
    arch: &str,
    variant: Option<&str>,
) -> Option<&'a Descriptor> {
    let matching = |d: &&Descriptor| {
        d.platform
            .as_ref()
            .is_some_and(|p| p.os == os && p.architecture == arch)
    };
    let mut candidates = index.manifests.iter().filter(matching);
    match variant {
        Some(v) => index
            .manifests
            .iter()
            .filter(matching)
            .find(|d| d.platform.as_ref().and_then(|p| p.variant.as_deref()) == Some(v))
            .or_else(|| candidates.next()),
        None => candidates.next(),
    }
}
