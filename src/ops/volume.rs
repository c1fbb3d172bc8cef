//! `volume create`, `ls`, `inspect`, `rm`, `prune`, `exists`, `export`,
//! `import`: named
//! volumes in the store ([`crate::store::volumes`]). A volume is in use
//! while a container record (running or not) mounts it, as in Docker
//! and Podman: such a volume is removed only with `--force`, which
//! removes those containers first (Podman's `volume rm -f`).

use crate::runtime::spec::Mount;
use crate::store::containers::ContainerRecord;
use crate::store::volumes::{check_name, VolumeRecord};
use crate::store::{Store, StorePaths};
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;

/// A volume that is not there. The CLI exits 1 for it (as Podman does
/// for `volume rm`), and 125 for other errors.
#[derive(Debug)]
pub struct NotFound(pub String);

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no volume with name {:?} found", self.0)
    }
}

impl std::error::Error for NotFound {}

/// A volume with what the CLI shows of it.
pub struct VolumeInfo {
    pub record: VolumeRecord,
    /// `<root>/volumes/<name>/_data`.
    pub mountpoint: std::path::PathBuf,
    /// The containers that mount it, by name.
    pub users: Vec<String>,
    /// Not yet filled from an image (no container has mounted it).
    pub needs_copy_up: bool,
}

/// `volume create`: `name` (a random one when `None`), with labels and
/// driver options (`KEY=VALUE`). With `ignore`, an existing volume is
/// left as it is. Returns the name.
pub fn create(
    paths: &StorePaths,
    name: Option<&str>,
    labels: &[String],
    options: &[String],
    ignore: bool,
) -> Result<String> {
    let name = match name {
        Some(n) => n.to_string(),
        None => super::run::random_id()?,
    };
    check_name(&name)?;
    let pairs = |list: &[String], what: &str| -> Result<BTreeMap<String, String>> {
        list.iter()
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                if k.is_empty() {
                    bail!("{what} {kv:?}: expected KEY=VALUE");
                }
                Ok((k.to_string(), v.to_string()))
            })
            .collect()
    };
    let rec = VolumeRecord {
        name: name.clone(),
        driver: "local".into(),
        labels: pairs(labels, "--label")?,
        options: pairs(options, "--opt")?,
        created: crate::image::time::now_unix(),
        anonymous: false,
    };
    let store = Store::open(paths)?;
    if store.create_volume(&rec, ignore)?.1 {
        super::events::volume(&store, "create", &name);
    }
    Ok(name)
}

/// The named volumes that container `c` mounts: whole, or a file or
/// directory of one (`kube play`'s subPath, a bind mount from inside
/// the volume's data).
pub(crate) fn volumes_of(store: &Store, c: &ContainerRecord) -> Vec<String> {
    let Ok(spec) = super::containers::spec_of(c) else {
        return Vec::new();
    };
    let dir = store.volumes_dir();
    spec.mounts
        .iter()
        .filter_map(|m| match m {
            Mount::Volume { name, .. } => Some(name.clone()),
            Mount::Bind { source, .. } => {
                let inside = source.strip_prefix(&dir).ok()?;
                let mut parts = inside.components();
                let name = parts.next()?.as_os_str().to_str()?.to_string();
                (parts.next()?.as_os_str() == "_data").then_some(name)
            }
            _ => None,
        })
        .collect()
}

/// Every volume with its users, by name.
pub fn list(paths: &StorePaths) -> Result<Vec<VolumeInfo>> {
    list_with(paths, true)
}

/// [`list`]; without `users`, every volume's `users` is left empty and
/// no container record is read (what `volume ls` shows needs none).
pub fn list_with(paths: &StorePaths, users: bool) -> Result<Vec<VolumeInfo>> {
    let Some(store) = Store::open_existing(paths)? else {
        return Ok(Vec::new());
    };
    // Each container's spec is read once, not once per volume.
    let mut users_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in if users {
        store.all_containers()?
    } else {
        Vec::new()
    } {
        for v in volumes_of(&store, &c) {
            users_of.entry(v).or_default().push(c.name.clone());
        }
    }
    Ok(store
        .volumes()?
        .into_iter()
        .map(|record| {
            let dir = store.volume_dir(&record.name);
            VolumeInfo {
                users: users_of.remove(&record.name).unwrap_or_default(),
                mountpoint: dir.join("_data"),
                needs_copy_up: !dir.join("copied-up").exists(),
                record,
            }
        })
        .collect())
}

/// The volumes named, in order; a missing one is [`NotFound`].
pub fn inspect(paths: &StorePaths, names: &[String]) -> Result<Vec<VolumeInfo>> {
    let all = list(paths)?;
    let mut out = Vec::new();
    for n in names {
        let Some(pos) = all.iter().position(|v| &v.record.name == n) else {
            return Err(NotFound(n.clone()).into());
        };
        let v = &all[pos];
        out.push(VolumeInfo {
            record: v.record.clone(),
            mountpoint: v.mountpoint.clone(),
            users: v.users.clone(),
            needs_copy_up: v.needs_copy_up,
        });
    }
    Ok(out)
}

/// Whether volume `name` exists.
pub fn exists(paths: &StorePaths, name: &str) -> Result<bool> {
    Ok(match Store::open_existing(paths)? {
        Some(store) => store.volume(name)?.is_some(),
        None => false,
    })
}

/// `volume export`: a tar of what volume `name` holds (owners as the
/// container's user namespace sees them). Call in berth's user
/// namespace when rootless.
pub fn export(paths: &StorePaths, name: &str, out: &mut dyn std::io::Write) -> Result<()> {
    let store = Store::open_existing(paths)?.ok_or_else(|| NotFound(name.to_string()))?;
    if store.volume(name)?.is_none() {
        return Err(NotFound(name.to_string()).into());
    }
    let data = store.volume_dir(name).join("_data");
    let dir = crate::fsutil::open(&data)?;
    use std::os::fd::AsRawFd;
    let opts = crate::layer_tar::diff::DiffOptions::default();
    crate::layer_tar::diff::write_entry_tar(dir.as_raw_fd(), c".", &mut *out, &opts)
        .with_context(|| format!("exporting volume {name}"))?;
    out.flush().context("writing the tar")
}

/// `volume import`: unpack the tar `input` (`source` names it in errors)
/// into volume `name`, over what it holds (as Podman). The tar is
/// unpacked aside first: a bad one leaves the volume as it was. Call in
/// berth's user namespace when rootless.
pub fn import(
    paths: &StorePaths,
    name: &str,
    source: &str,
    input: &mut (dyn std::io::Read + Send),
) -> Result<()> {
    let store = Store::open_existing(paths)?.ok_or_else(|| NotFound(name.to_string()))?;
    if store.volume(name)?.is_none() {
        return Err(NotFound(name.to_string()).into());
    }
    let dir = store.volume_dir(name);
    // The lock of the volume's copy-up: neither runs while the other does.
    let _lock = crate::fsutil::FileLock::acquire(
        &dir.join("lock"),
        crate::fsutil::LockKind::Exclusive,
        |_| {},
    )?;
    let staging = dir.join(format!("import-{}", crate::fsutil::unique_suffix()));
    let tree = staging.join("tree");
    crate::fsutil::create_dir_all(&tree)?;
    let done = (|| {
        let opts = crate::layer_tar::UnpackOptions {
            layer: source.to_string(),
            opaque_xattr: crate::layer_tar::OpaqueXattr::User,
            chown: super::owners() != crate::store::Owners::User,
        };
        let (_, mut plain) = crate::image::compression::decompressed(input)
            .with_context(|| format!("importing {source} into volume {name}"))?;
        crate::layer_tar::unpack(&mut plain, &tree, &staging.join("tar-split"), &opts)
            .with_context(|| format!("importing {source} into volume {name}"))?;
        let from: std::os::fd::OwnedFd = crate::fsutil::open(&tree)?.into();
        let data = dir.join("_data");
        let to = crate::fsutil::open(&data)?;
        let before = to.metadata()?;
        let to: std::os::fd::OwnedFd = to.into();
        crate::runtime::cp::copy_dir_contents(&from, &to)
            .with_context(|| format!("importing {source} into volume {name}"))?;
        // The volume's own directory keeps its owner and mode (`:U`).
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let to = std::fs::File::from(to);
        std::os::unix::fs::fchown(&to, Some(before.uid()), Some(before.gid()))
            .with_context(|| format!("importing into volume {name}"))?;
        to.set_permissions(std::fs::Permissions::from_mode(before.mode() & 0o7777))
            .with_context(|| format!("importing into volume {name}"))
    })();
    let _ = crate::fsutil::remove_all(&staging);
    done
}

/// `volume rm`: everything is checked before anything is removed: a
/// missing volume ([`NotFound`], skipped with `force`), or one in use
/// unless `force`, which removes its containers first.
pub fn remove(paths: &StorePaths, names: &[String], force: bool) -> Result<Vec<String>> {
    let all = list(paths)?;
    let mut doomed: Vec<&VolumeInfo> = Vec::new();
    for n in names {
        let Some(v) = all.iter().find(|v| &v.record.name == n) else {
            if force {
                continue;
            }
            return Err(NotFound(n.clone()).into());
        };
        if !force && !v.users.is_empty() {
            bail!(
                "volume {n} is in use by the containers {}: remove them first, or use --force",
                v.users.join(", ")
            );
        }
        if !doomed.iter().any(|d| d.record.name == v.record.name) {
            doomed.push(v);
        }
    }
    let Some(store) = Store::open_existing(paths)? else {
        return Ok(Vec::new());
    };
    // Container removal moves containers into tmp/: holding the store
    // shared keeps the idle-store cleanup of tmp/ from racing it.
    let _lock = store.shared()?;
    let mut removed = Vec::new();
    for v in doomed {
        let name = &v.record.name;
        for c in store.all_containers()? {
            if volumes_of(&store, &c).contains(name) {
                super::containers::remove_one(&store, &c, true)
                    .with_context(|| format!("removing volume {name}"))?;
            }
        }
        store.remove_volume(name)?;
        super::events::volume(&store, "remove", name);
        removed.push(name.clone());
    }
    Ok(removed)
}

/// `volume prune`: remove every volume no container uses (with labels
/// `label=KEY[=VALUE]` filters all matching); returns their names.
pub fn prune(paths: &StorePaths, filters: &[String]) -> Result<Vec<String>> {
    let mut doomed = Vec::new();
    for v in list(paths)? {
        if v.users.is_empty() && matches(&v, filters)? {
            doomed.push(v.record.name);
        }
    }
    let Some(store) = Store::open_existing(paths)? else {
        return Ok(Vec::new());
    };
    let mut removed = Vec::new();
    for name in doomed {
        // A container made meanwhile may have taken it: checked again.
        let users: Vec<String> = store
            .all_containers()?
            .iter()
            .filter(|c| volumes_of(&store, c).contains(&name))
            .map(|c| c.name.clone())
            .collect();
        if users.is_empty() {
            store.remove_volume(&name)?;
            super::events::volume(&store, "remove", &name);
            removed.push(name);
        }
    }
    Ok(removed)
}

/// Whether volume `v` passes `filters` (`name=TEXT`, `label=KEY` or
/// `label=KEY=VALUE`, `dangling=true|false`; repeated keys: any of
/// them, different keys: all).
pub fn matches(v: &VolumeInfo, filters: &[String]) -> Result<bool> {
    let mut by_key: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for f in filters {
        let Some((k, val)) = f.split_once('=') else {
            bail!("--filter {f:?}: expected KEY=VALUE");
        };
        if !["name", "label", "dangling"].contains(&k) {
            bail!("--filter {f:?}: unknown filter {k:?} (known: name, label, dangling)");
        }
        if k == "dangling" && !["true", "false"].contains(&val) {
            bail!("--filter {f:?}: dangling is true or false");
        }
        by_key.entry(k).or_default().push(val);
    }
    let labels = &v.record.labels;
    Ok(by_key.iter().all(|(k, vals)| {
        vals.iter().any(|val| match *k {
            "name" => v.record.name.contains(val),
            "label" => match val.split_once('=') {
                Some((lk, lv)) => labels.get(lk).is_some_and(|x| x == lv),
                None => labels.contains_key(*val),
            },
            _ => (*val == "true") == v.users.is_empty(),
        })
    }))
}

/// The anonymous volumes that `spec` mounts (`-v /path`, the image's
/// `VOLUME`).
pub fn anonymous_of(store: &Store, spec: &crate::runtime::spec::Spec) -> Vec<String> {
    spec.mounts
        .iter()
        .filter_map(|m| match m {
            Mount::Volume { name, .. } => Some(name),
            _ => None,
        })
        .filter(|n| matches!(store.volume(n), Ok(Some(r)) if r.anonymous))
        .cloned()
        .collect()
}

/// Remove volumes `names` (anonymous ones of a container just
/// removed) that no container record mounts.
pub fn remove_unused(store: &Store, names: &[String]) -> Result<()> {
    if names.is_empty() {
        return Ok(());
    }
    let containers = store.all_containers()?;
    for name in names {
        if !containers
            .iter()
            .any(|c| volumes_of(store, c).contains(name))
        {
            store.remove_volume(name)?;
            super::events::volume(store, "remove", name);
        }
    }
    Ok(())
}
