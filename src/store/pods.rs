//! Pods: `<root>/pods/<id>.json`, one record per pod. A pod's
//! containers are the container records that name it (`pod`); the
//! membership is derived from them, never stored twice. The infra
//! container (berth's pause, which holds the namespaces the members
//! share) is one of them, and the record names it.
//!
//! `<root>/pods.lock` is held exclusively for each read-check-write of
//! the records (create, remove), and shared while a container joins a
//! pod, so a pod is never removed under a container being made for it.
//! Readers take none: records are replaced atomically.

use super::networks::valid_name;
use super::Store;
use crate::fsutil::{self, FileLock, LockKind};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// One pod.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct PodRecord {
    /// 64 hex digits.
    pub id: String,
    pub name: String,
    /// Unix seconds and their nanoseconds.
    pub created: i64,
    #[serde(default)]
    pub created_nanos: u32,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// The hostname of its shared UTS namespace.
    pub hostname: String,
    /// The namespaces its containers share with the infra container
    /// (`ipc`, `net`, `pid`, `uts`), sorted; none without an infra.
    #[serde(default)]
    pub shared: Vec<String>,
    /// The infra container's id (`--infra=false`: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub infra: Option<String>,
    /// The command line that created it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command_line: Vec<String>,
}

impl PodRecord {
    /// Whether its containers share namespace `kind` (`net`, …).
    pub fn shares(&self, kind: &str) -> bool {
        self.infra.is_some() && self.shared.iter().any(|s| s == kind)
    }
}

/// No pod by that name or id prefix.
#[derive(Debug)]
pub struct PodNotFound(pub String);

impl std::fmt::Display for PodNotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no pod with name or ID {:?} found", self.0)
    }
}

impl std::error::Error for PodNotFound {}

fn is_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Store {
    fn pods_dir(&self) -> PathBuf {
        self.root.join("pods")
    }

    fn pod_path(&self, id: &str) -> PathBuf {
        self.pods_dir().join(format!("{id}.json"))
    }

    /// Hold `pods.lock`: exclusively to create or remove a pod, shared
    /// while a container is made for one.
    pub fn lock_pods(&self, kind: LockKind) -> Result<FileLock> {
        fsutil::create_dir_all(&self.pods_dir())?;
        self.lock("pods.lock", kind)
    }

    /// Every pod, newest first; unreadable records are skipped.
    pub fn pods(&self) -> Result<Vec<PodRecord>> {
        let mut out = Vec::new();
        for name in fsutil::dir_names(&self.pods_dir())? {
            let Some(id) = name.strip_suffix(".json").filter(|i| is_id(i)) else {
                continue;
            };
            if let Ok(Some(rec)) = self.pod(id) {
                out.push(rec);
            }
        }
        out.sort_by(|a, b| {
            (b.created, b.created_nanos)
                .cmp(&(a.created, a.created_nanos))
                .then(a.id.cmp(&b.id))
        });
        Ok(out)
    }

    /// Pod `id`'s record; `None` if there is none.
    pub fn pod(&self, id: &str) -> Result<Option<PodRecord>> {
        if !is_id(id) {
            return Ok(None);
        }
        let path = self.pod_path(id);
        let Some(bytes) = fsutil::read_opt(&path)? else {
            return Ok(None);
        };
        let rec: PodRecord = serde_json::from_slice(&bytes)
            .with_context(|| format!("reading pod {id}: {} is malformed", path.display()))?;
        if rec.id != id {
            bail!(
                "reading pod {id}: {} names pod {:?}",
                path.display(),
                rec.id
            );
        }
        Ok(Some(rec))
    }

    /// Find a pod by name, full id or unique id prefix.
    pub fn find_pod(&self, s: &str) -> Result<PodRecord> {
        let all = self.pods()?;
        match super::find_named(&all, s, |p| (&p.id, &p.name)) {
            Ok(p) => Ok(p.clone()),
            Err(0) => Err(PodNotFound(s.to_string()).into()),
            Err(n) => bail!("{s:?}: ambiguous, it matches {n} pods"),
        }
    }

    /// Write pod `rec` (new or changed), durably. Creating one, the
    /// caller holds `pods.lock` exclusively and has checked its name.
    pub fn save_pod(&self, rec: &PodRecord) -> Result<()> {
        if !valid_name(&rec.name) || !is_id(&rec.id) {
            bail!("pod name {:?} is invalid", rec.name);
        }
        let bytes = serde_json::to_vec_pretty(rec).context("serializing a pod record")?;
        fsutil::write_atomic(&self.pod_path(&rec.id), &bytes)
            .with_context(|| format!("saving pod {}", rec.name))
    }

    /// Remove pod `id`'s record (the caller holds `pods.lock`
    /// exclusively and removed its containers).
    pub fn remove_pod(&self, id: &str) -> Result<()> {
        let path = self.pod_path(id);
        match std::fs::remove_file(&path) {
            Ok(()) => fsutil::sync_dir(&self.pods_dir()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| format!("removing {}", path.display())),
        }
    }
}
