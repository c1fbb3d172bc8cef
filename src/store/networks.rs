//! Network records: `<root>/networks/<name>.json`, one per user-defined
//! network, written atomically under the store's lock. The default
//! network (`berth`, also called `bridge` as Docker and Podman call
//! theirs) has no file: it always exists and cannot be removed.
//!
//! The lock is `<root>/networks.lock`, held exclusively for each
//! read-check-write of the records (create, remove): the simplest lock
//! that is correct here. `store.lock` would not do: it guards content
//! against garbage collection, and its exclusive holder also cleans
//! `tmp/` and removes orphans, which a network command has no business
//! waiting for. Readers take no lock (records are replaced by rename).
//! Whether a network is free of containers is decided by the caller
//! (`ops::network`) from the container records.

use super::Store;
pub use crate::cidr::{Ipv4Net, Ipv6Net};
use crate::fsutil::{self, FileLock, LockKind};
use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;

/// The default network's name, its bridge and its subnet.
pub const DEFAULT_NAME: &str = "berth";
pub const DEFAULT_INTERFACE: &str = "berth0";
pub const DEFAULT_SUBNET: &str = "10.88.0.0/16";
pub const DEFAULT_GATEWAY: &str = "10.88.0.1";

/// One network.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct NetworkRecord {
    pub name: String,
    /// 64 hex digits.
    pub id: String,
    /// `bridge` (the only driver).
    pub driver: String,
    /// The bridge's name in berth's network namespace (`berth0` for the
    /// default network, `berth1`, `berth2` … for the others).
    pub interface: String,
    /// IPv4 `ADDR/PREFIX`.
    pub subnet: String,
    pub gateway: String,
    /// `--ip-range`: addresses are handed out from this part of the subnet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_range: Option<String>,
    /// No route out of berth's network namespace.
    #[serde(default)]
    pub internal: bool,
    /// Dual stack: the network has an IPv6 subnet too.
    #[serde(default)]
    pub ipv6: bool,
    /// IPv6 `ADDR/PREFIX` (with `ipv6`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet6: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway6: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_range6: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Unix seconds.
    pub created: i64,
}

impl NetworkRecord {
    /// The default network.
    pub fn default_network() -> NetworkRecord {
        NetworkRecord {
            name: DEFAULT_NAME.to_string(),
            // sha256 of "berth" would do as well; a fixed id, as Podman's
            // default network has.
            id: "2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9".to_string(),
            driver: "bridge".to_string(),
            interface: DEFAULT_INTERFACE.to_string(),
            subnet: DEFAULT_SUBNET.to_string(),
            gateway: DEFAULT_GATEWAY.to_string(),
            ip_range: None,
            internal: false,
            ipv6: false,
            subnet6: None,
            gateway6: None,
            ip_range6: None,
            labels: BTreeMap::new(),
            created: 0,
        }
    }
}

/// Names that `--network` gives a meaning of its own (and `bridge`, the
/// default network's other name): no user network may take them.
pub const RESERVED_NAMES: &[&str] = &[
    "bridge",
    DEFAULT_NAME,
    "none",
    "host",
    "private",
    "pasta",
    "slirp4netns",
];

/// The longest network name: a record's file name, and the temporary
/// file beside it while it is written, must fit in a directory entry.
pub const MAX_NAME_LEN: usize = 200;

/// Whether `name` is a valid network name: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`
/// (as Podman's), at most [`MAX_NAME_LEN`] characters. A valid name is
/// safe as a file name.
pub fn valid_name(name: &str) -> bool {
    let mut b = name.bytes();
    name.len() <= MAX_NAME_LEN
        && b.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && b.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

/// Whether `name` is one of [`RESERVED_NAMES`].
pub fn is_reserved_name(name: &str) -> bool {
    RESERVED_NAMES.contains(&name)
}

/// The IPv6 network that slirp4netns gives berth's network namespace
/// (its way out): no berth network may overlap it.
pub const WAY_OUT_SUBNET6: &str = "fd00::/64";

/// A unique local `/64` (RFC 4193: `fd` and 40 bits) that overlaps no
/// IPv6 subnet of `existing` nor the way out's: its bits come from the
/// hash of `seed` (the network's id) and a counter, as Podman picks a
/// random one.
pub fn free_subnet6(existing: &[NetworkRecord], seed: &str) -> Result<String> {
    use sha2::{Digest, Sha256};
    (0u32..64)
        .filter_map(|k| {
            let h = Sha256::digest(format!("{seed}/{k}").as_bytes());
            let mut b = [0u8; 16];
            b[0] = 0xfd;
            b[1..6].copy_from_slice(&h[..5]);
            Ipv6Net::new(Ipv6Addr::from(b), 64)
        })
        .find(|net| check_subnet6_free(net, existing).is_ok())
        .map(|net| net.to_string())
        .ok_or_else(|| anyhow!("no free IPv6 subnet found: give --subnet"))
}

/// Refuse `subnet` if it overlaps the IPv6 subnet of a network in
/// `existing` (the error names it) or the way out's.
pub fn check_subnet6_free(subnet: &Ipv6Net, existing: &[NetworkRecord]) -> Result<()> {
    let way_out = Ipv6Net::parse(WAY_OUT_SUBNET6).expect("a subnet");
    if way_out.overlaps(subnet) {
        bail!(
            "subnet {:?} overlaps {WAY_OUT_SUBNET6}, the subnet of berth's way out (slirp4netns)",
            subnet.to_string()
        );
    }
    for r in existing {
        let theirs = r.subnet6.as_deref().map(Ipv6Net::parse);
        if let Some(Ok(s)) = theirs {
            if s.overlaps(subnet) {
                bail!(
                    "subnet {:?} overlaps the subnet {s} of network {}",
                    subnet.to_string(),
                    r.name
                );
            }
        }
    }
    Ok(())
}

/// The lowest bridge name `berthN` (N >= 1) that none of `existing`
/// uses (`berth0` is the default network's).
pub fn free_interface(existing: &[NetworkRecord]) -> String {
    (1u32..)
        .map(|n| format!("berth{n}"))
        .find(|i| !existing.iter().any(|r| &r.interface == i))
        .expect("a free number")
}

/// The first `10.89.N.0/24` (N from 0), as Podman picks, that overlaps
/// no subnet of `existing`.
pub fn free_subnet(existing: &[NetworkRecord]) -> Result<String> {
    (0u8..=255)
        .filter_map(|n| Ipv4Net::new(Ipv4Addr::new(10, 89, n, 0), 24))
        .find(|net| check_subnet_free(net, existing).is_ok())
        .map(|net| net.to_string())
        .ok_or_else(|| {
            anyhow!("no free subnet left in 10.89.0.0/16: remove a network or give --subnet")
        })
}

/// Refuse `subnet` if it overlaps the subnet of a network in `existing`;
/// the error names that network.
pub fn check_subnet_free(subnet: &Ipv4Net, existing: &[NetworkRecord]) -> Result<()> {
    for r in existing {
        // A record whose subnet does not parse overlaps nothing: it
        // was refused when made, so it can only be damage.
        if Ipv4Net::parse(&r.subnet).is_ok_and(|s| s.overlaps(subnet)) {
            bail!(
                "subnet {:?} overlaps the subnet {} of network {}",
                subnet.to_string(),
                r.subnet,
                r.name
            );
        }
    }
    Ok(())
}

impl Store {
    /// `<root>/networks/`.
    fn networks_dir(&self) -> PathBuf {
        self.root.join("networks")
    }

    /// `<root>/networks/<name>.json`; `name` is valid (a plain file name).
    fn network_path(&self, name: &str) -> PathBuf {
        self.networks_dir().join(format!("{name}.json"))
    }

    /// Every network: the default one first, then the user's, by name.
    /// Files that are not records (damaged ones, temporary files of a
    /// killed writer) are skipped.
    pub fn networks(&self) -> Result<Vec<NetworkRecord>> {
        let mut out = vec![NetworkRecord::default_network()];
        let mut user = Vec::new();
        for file in fsutil::dir_names(&self.networks_dir())? {
            let Some(name) = file.strip_suffix(".json").filter(|n| valid_name(n)) else {
                continue;
            };
            if let Ok(Some(rec)) = self.read_network(name) {
                user.push(rec);
            }
        }
        user.sort_by(|a, b| a.name.cmp(&b.name));
        out.extend(user);
        Ok(out)
    }

    /// The record of user network `name` (valid), `None` if it has none.
    /// A record that does not name itself `name` is damage: an error.
    fn read_network(&self, name: &str) -> Result<Option<NetworkRecord>> {
        let path = self.network_path(name);
        let Some(bytes) = fsutil::read_opt(&path)? else {
            return Ok(None);
        };
        let rec: NetworkRecord = serde_json::from_slice(&bytes)
            .with_context(|| format!("reading network {name}: {} is malformed", path.display()))?;
        if rec.name != name {
            bail!(
                "reading network {name}: {} names network {:?}",
                path.display(),
                rec.name
            );
        }
        Ok(Some(rec))
    }

    /// Find a network by name (`bridge` is the default network), full id
    /// or unique id prefix. `None` when none matches; an error when a
    /// prefix matches several.
    pub fn network(&self, name_or_id_prefix: &str) -> Result<Option<NetworkRecord>> {
        let s = name_or_id_prefix;
        if s == DEFAULT_NAME || s == "bridge" {
            return Ok(Some(NetworkRecord::default_network()));
        }
        if valid_name(s) {
            if let Some(rec) = self.read_network(s)? {
                return Ok(Some(rec));
            }
        }
        if s.is_empty() || !s.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let s = s.to_ascii_lowercase();
        let all = self.networks()?;
        if let Some(r) = all.iter().find(|r| r.id == s) {
            return Ok(Some(r.clone()));
        }
        let hits: Vec<&NetworkRecord> = all.iter().filter(|r| r.id.starts_with(&s)).collect();
        match hits.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some((*one).clone())),
            _ => bail!(
                "{name_or_id_prefix:?}: ambiguous, it matches the networks {}",
                hits.iter()
                    .map(|r| r.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// Hold `networks.lock` exclusively, after removing what a killed
    /// writer left beside the records (no writer runs while it is held).
    fn lock_networks(&self) -> Result<FileLock> {
        fsutil::create_dir_all(&self.networks_dir())?;
        let lock = self.lock("networks.lock", LockKind::Exclusive)?;
        super::remove_temp_siblings(&self.networks_dir(), None)?;
        Ok(lock)
    }

    /// Record a new network. Refused, naming it, if its name is invalid,
    /// reserved or taken, or its subnet overlaps another network's.
    pub fn create_network(&self, rec: &NetworkRecord) -> Result<()> {
        self.create_network_with(|_| Ok(rec.clone())).map(|_| ())
    }

    /// Record the network that `make` returns given every network there
    /// is (the default one first), all under the lock: what `make` picks
    /// from them (a free bridge name, a free subnet) stays free until the
    /// record is written. Then refused as [`create_network`] says.
    ///
    /// [`create_network`]: Self::create_network
    pub fn create_network_with(
        &self,
        make: impl FnOnce(&[NetworkRecord]) -> Result<NetworkRecord>,
    ) -> Result<NetworkRecord> {
        let _lock = self.lock_networks()?;
        let existing = self.networks()?;
        let rec = make(&existing)?;
        let name = &rec.name;
        if is_reserved_name(name) {
            bail!("network name {name:?} is reserved: choose another name");
        }
        if !valid_name(name) {
            bail!(
                "network name {name:?} is invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]* \
                 (at most {MAX_NAME_LEN} characters)"
            );
        }
        if existing.iter().any(|r| &r.name == name) || self.network_path(name).exists() {
            bail!(
                "network name {name} is already in use: remove that network or choose another name"
            );
        }
        if let Some(r) = existing.iter().find(|r| r.id == rec.id) {
            bail!("network {name}: the id {} is network {}'s", rec.id, r.name);
        }
        let subnet = Ipv4Net::parse(&rec.subnet)
            .map_err(|why| anyhow!("network {name}: invalid subnet {:?}: {why}", rec.subnet))?;
        check_subnet_free(&subnet, &existing)?;
        if let Some(s6) = &rec.subnet6 {
            let subnet6 = Ipv6Net::parse(s6)
                .map_err(|why| anyhow!("network {name}: invalid subnet {s6:?}: {why}"))?;
            check_subnet6_free(&subnet6, &existing)?;
        }
        let bytes = serde_json::to_vec_pretty(&rec).context("serializing a network record")?;
        fsutil::write_atomic(&self.network_path(name), &bytes)
            .with_context(|| format!("creating network {name}"))?;
        Ok(rec)
    }

    /// Remove user network `name`'s record. The default network cannot
    /// be removed; a network that does not exist is an error.
    pub fn remove_network(&self, name: &str) -> Result<()> {
        if name == DEFAULT_NAME || name == "bridge" {
            bail!("the default network {DEFAULT_NAME} cannot be removed");
        }
        if !valid_name(name) {
            bail!("no network with name {name:?} found");
        }
        let _lock = self.lock_networks()?;
        let path = self.network_path(name);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                bail!("no network with name {name:?} found")
            }
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("removing network {name}: {}", path.display()))
            }
        }
        fsutil::sync_dir(&self.networks_dir())
    }

    /// The lowest bridge name `berthN` (N >= 1) no network uses.
    pub fn next_network_interface(&self) -> Result<String> {
        Ok(free_interface(&self.networks()?))
    }

    /// The first `10.89.N.0/24` (N from 0) that overlaps no network.
    pub fn next_free_subnet(&self) -> Result<String> {
        free_subnet(&self.networks()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let d = tempfile::tempdir().unwrap();
        let paths = super::super::StorePaths {
            root: d.path().join("root"),
            runroot: d.path().join("run"),
        };
        let s = Store::open(&paths).unwrap();
        (d, s)
    }

    fn rec(name: &str, subnet: &str, id: &str) -> NetworkRecord {
        NetworkRecord {
            name: name.into(),
            id: id.repeat(64 / id.len()),
            driver: "bridge".into(),
            interface: String::new(),
            subnet: subnet.into(),
            gateway: String::new(),
            ip_range: None,
            internal: false,
            ipv6: false,
            subnet6: None,
            gateway6: None,
            ip_range6: None,
            labels: BTreeMap::new(),
            created: 1,
        }
    }

    #[test]
    fn records_are_created_listed_found_and_removed() {
        let (_d, s) = store();
        assert_eq!(s.networks().unwrap(), [NetworkRecord::default_network()]);
        s.create_network(&rec("zeta", "198.18.20.0/24", "b"))
            .unwrap();
        s.create_network(&rec("alpha", "198.18.10.0/24", "a"))
            .unwrap();
        let names: Vec<String> = s.networks().unwrap().into_iter().map(|r| r.name).collect();
        assert_eq!(names, ["berth", "alpha", "zeta"]);
        assert_eq!(s.network("alpha").unwrap().unwrap().name, "alpha");
        assert_eq!(s.network("bridge").unwrap().unwrap().name, "berth");
        assert_eq!(s.network("bbbb").unwrap().unwrap().name, "zeta");
        assert!(s.network("nosuch").unwrap().is_none());
        assert!(s.network("../x").unwrap().is_none());
        let e = s
            .create_network(&rec("alpha", "198.18.30.0/24", "c"))
            .unwrap_err();
        assert!(e.to_string().contains("already in use"), "{e}");
        let e = s
            .create_network(&rec("other", "198.18.10.128/25", "d"))
            .unwrap_err();
        assert!(e.to_string().contains("alpha"), "{e}");
        for reserved in ["bridge", "berth", "host", "none", "pasta"] {
            let e = s
                .create_network(&rec(reserved, "198.18.40.0/24", "e"))
                .unwrap_err();
            assert!(e.to_string().contains("reserved"), "{e}");
        }
        assert!(s
            .create_network(&rec("a/b", "198.18.40.0/24", "e"))
            .is_err());
        s.remove_network("alpha").unwrap();
        assert!(s.network("alpha").unwrap().is_none());
        assert!(s.remove_network("alpha").is_err());
        assert!(s.remove_network("berth").is_err());
        assert!(s.remove_network("bridge").is_err());
    }

    #[test]
    fn free_names_and_subnets_are_the_lowest() {
        let (_d, s) = store();
        assert_eq!(s.next_network_interface().unwrap(), "berth1");
        assert_eq!(s.next_free_subnet().unwrap(), "10.89.0.0/24");
        let mut a = rec("a", "10.89.0.0/24", "a");
        a.interface = "berth1".into();
        let mut b = rec("b", "10.89.1.0/25", "b");
        b.interface = "berth3".into();
        s.create_network(&a).unwrap();
        s.create_network(&b).unwrap();
        assert_eq!(s.next_network_interface().unwrap(), "berth2");
        assert_eq!(s.next_free_subnet().unwrap(), "10.89.2.0/24");
        let mut all = vec![NetworkRecord::default_network()];
        all.push(rec("wide", "10.89.0.0/16", "c"));
        assert!(free_subnet(&all).is_err());
    }
}
