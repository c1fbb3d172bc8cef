//! `images`: the store's images, filtered and sorted.

use crate::digest::Digest;
use crate::store::{ImageRecord, Index, Store, StorePaths};
use anyhow::{anyhow, bail, Result};
use std::collections::{BTreeMap, HashMap, HashSet};

#[derive(Default)]
pub struct ListOptions {
    /// `dangling=true`, `reference=PATTERN`, `before=IMAGE`, `since=IMAGE`,
    /// `label=KEY[=VALUE]`, `id=ID`.
    pub filters: Vec<String>,
    /// `created` (default), `id`, `repository`, `tag`, `size`.
    pub sort: Option<String>,
    /// Include intermediate images (`-a`).
    pub all: bool,
}

enum Filter {
    Dangling(bool),
    Reference(String),
    Before(i64),
    Since(i64),
    Label(String, Option<String>),
    Id(String),
}

/// The images matching the filters, newest first unless sorted otherwise.
pub fn list(paths: &StorePaths, opts: &ListOptions) -> Result<Vec<ImageRecord>> {
    let Some(store) = Store::open_existing(paths)? else {
        return Ok(Vec::new());
    };
    let idx = store.read_index()?;
    let mut filters = Vec::new();
    for f in &opts.filters {
        let (k, v) = f
            .split_once('=')
            .ok_or_else(|| anyhow!("invalid filter {f:?}: expected KEY=VALUE"))?;
        let time_of = |s: &str| -> Result<i64> { Ok(store.resolve(&idx, s)?.created) };
        filters.push(match k {
            "dangling" => Filter::Dangling(match v {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => bail!("invalid filter {f:?}: dangling takes true or false"),
            }),
            "reference" => Filter::Reference(v.to_string()),
            "before" => Filter::Before(time_of(v)?),
            "since" => Filter::Since(time_of(v)?),
            "label" => match v.split_once('=') {
                Some((k, v)) => Filter::Label(k.into(), Some(v.into())),
                None => Filter::Label(v.into(), None),
            },
            "id" => Filter::Id(v.trim_start_matches("sha256:").to_string()),
            _ => bail!("invalid filter {f:?}: unknown key {k:?}"),
        });
    }
    let hidden = if opts.all {
        HashSet::new()
    } else {
        intermediate_ids(&store, &idx)
    };
    // Manifest lists are listed as Podman lists them: a row of their own,
    // the list's digest for an id, the index's size.
    let lists: Vec<ImageRecord> = idx
        .lists
        .iter()
        .map(|l| ImageRecord {
            id: l.digest.clone(),
            names: l.names.clone(),
            digests: Vec::new(),
            manifest: l.digest.clone(),
            layers: Vec::new(),
            size: std::fs::metadata(store.blob_path(&l.digest)).map_or(0, |m| m.len()),
            created: l.created,
            added: l.created,
            build_cache: false,
        })
        .collect();
    let mut out = Vec::new();
    for img in idx.images.into_iter().chain(lists) {
        if hidden.contains(&img.id) {
            continue;
        }
        let mut keep = true;
        for f in &filters {
            keep &= match f {
                Filter::Dangling(d) => img.names.is_empty() == *d,
                Filter::Reference(p) => img.names.iter().any(|n| reference_matches(p, n)),
                Filter::Before(t) => img.created < *t,
                Filter::Since(t) => img.created > *t,
                Filter::Id(p) => img.id.hex().starts_with(p.as_str()),
                Filter::Label(k, v) => {
                    let cfg = store
                        .blob(&img.id)
                        .ok()
                        .and_then(|b| crate::image::config::ImageConfig::parse(&b).ok());
                    let labels = cfg.and_then(|c| c.config.labels).unwrap_or_default();
                    match (labels.get(k), v) {
                        (Some(have), Some(want)) => have == want,
                        (Some(_), None) => true,
                        (None, _) => false,
                    }
                }
            };
        }
        if keep {
            out.push(img);
        }
    }
    match opts.sort.as_deref().unwrap_or("created") {
        "created" => out.sort_by(|a, b| b.created.cmp(&a.created).then(b.added.cmp(&a.added))),
        "id" => out.sort_by(|a, b| a.id.cmp(&b.id)),
        "repository" | "tag" => out.sort_by(|a, b| a.names.first().cmp(&b.names.first())),
        "size" => out.sort_by_key(|i| i.size),
        s => bail!("invalid sort {s:?}: expected created, id, repository, tag or size"),
    }
    Ok(out)
}

/// The labels of each image in `ids` (an image whose config cannot be
/// read has none), in that order: what `images --format` shows.
pub fn labels(paths: &StorePaths, ids: &[&Digest]) -> Result<Vec<BTreeMap<String, String>>> {
    let Some(store) = Store::open_existing(paths)? else {
        return Ok(vec![BTreeMap::new(); ids.len()]);
    };
    Ok(ids
        .iter()
        .map(|id| {
            store
                .blob(id)
                .ok()
                .and_then(|b| crate::image::config::ImageConfig::parse(&b).ok())
                .and_then(|c| c.config.labels)
                .unwrap_or_default()
        })
        .collect())
}

/// Podman's intermediate images: images without a name that another
/// image builds on (a build's steps), and the results of builds whose
/// output was not an image. `images` hides them unless `-a`; `image
/// prune` keeps them while a child needs them.
pub fn intermediate_ids(store: &Store, idx: &Index) -> HashSet<Digest> {
    let children = children_of(store, idx);
    idx.images
        .iter()
        .filter(|i| {
            i.names.is_empty() && (i.build_cache || children.get(&i.id).is_some_and(|c| *c > 0))
        })
        .map(|i| i.id.clone())
        .collect()
}

/// How many children each image has. `Y` is a child of `X` when `Y`'s
/// layers start with all of `X`'s and `Y` adds a layer, or has the same
/// layers and a longer history (a build step that changed only the
/// config).
pub fn children_of(store: &Store, idx: &Index) -> HashMap<Digest, usize> {
    let mut history_len: HashMap<Digest, usize> = HashMap::new();
    let mut hlen = |id: &Digest| -> usize {
        *history_len.entry(id.clone()).or_insert_with(|| {
            store
                .blob(id)
                .ok()
                .and_then(|b| crate::image::config::ImageConfig::parse(&b).ok())
                .map_or(0, |c| c.history.len())
        })
    };
    let mut out = HashMap::new();
    for x in idx.images.iter().filter(|i| i.names.is_empty()) {
        let mut n = 0;
        for y in &idx.images {
            if y.id == x.id || !y.layers.starts_with(&x.layers) {
                continue;
            }
            if y.layers.len() > x.layers.len() || hlen(&y.id) > hlen(&x.id) {
                n += 1;
            }
        }
        out.insert(x.id.clone(), n);
    }
    out
}

/// Podman's `reference=` filter: a glob over the full name, the name
/// without its registry, and the repository alone (with or without tag).
pub fn reference_matches(pattern: &str, name: &str) -> bool {
    let (repo, tag) = name
        .rsplit_once(':')
        .filter(|(_, t)| !t.contains('/'))
        .unwrap_or((name, ""));
    let short_repo = repo.split_once('/').map(|(_, r)| r).unwrap_or(repo);
    let short_repo2 = short_repo.strip_prefix("library/").unwrap_or(short_repo);
    let last = repo.rsplit('/').next().unwrap_or(repo);
    let candidates = [
        name.to_string(),
        repo.to_string(),
        format!("{short_repo}:{tag}"),
        short_repo.to_string(),
        format!("{short_repo2}:{tag}"),
        short_repo2.to_string(),
        format!("{last}:{tag}"),
        last.to_string(),
    ];
    candidates
        .iter()
        .any(|c| glob(pattern.as_bytes(), c.as_bytes()))
}

/// Shell-style glob with `*` and `?` (`*` does not cross `/`, as Go's
/// path.Match).
pub fn glob(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => glob(&p[1..], s) || (!s.is_empty() && s[0] != b'/' && glob(p, &s[1..])),
        (Some(b'?'), Some(c)) if *c != b'/' => glob(&p[1..], &s[1..]),
        (Some(a), Some(b)) if a == b => glob(&p[1..], &s[1..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_filter_matches_like_podman() {
        let n = "docker.io/library/busybox:latest";
        assert!(reference_matches("busybox", n));
        assert!(reference_matches("busybox:latest", n));
        assert!(reference_matches("busy*", n));
        assert!(reference_matches("docker.io/library/busybox:*", n));
        assert!(!reference_matches("alpine", n));
        assert!(!reference_matches("busybox:1", n));
        assert!(reference_matches("localhost/app*", "localhost/app1:v2"));
    }
}
