//! The `run`/`create` flags that go straight to the kernel: `--ulimit`,
//! `--shm-size`, `--sysctl`, `--device`, `--group-add` and `--tz`,
//! checked here so a bad value is refused before anything is made.

use crate::runtime::spec::{Mount, Network, Rlimit, NAMESPACED_SYSCTLS};
use anyhow::{anyhow, bail, Context, Result};
use std::path::{Path, PathBuf};

/// The flags as given.
#[derive(Clone, Debug, Default)]
pub struct KernelFlags {
    /// `NAME=SOFT[:HARD]` or `host`.
    pub ulimits: Vec<String>,
    pub shm_size: Option<String>,
    /// `NAME=VALUE`.
    pub sysctls: Vec<String>,
    /// `HOST[:CTR[:PERMS]]`.
    pub devices: Vec<String>,
    pub group_add: Vec<String>,
    /// `local` or a zone name (`Europe/Paris`).
    pub tz: Option<String>,
}

/// What the flags make of the container.
#[derive(Debug, Default)]
pub struct Checked {
    pub rlimits: Vec<Rlimit>,
    pub shm_size: Option<u64>,
    pub sysctls: Vec<(String, String)>,
    pub devices: Vec<Mount>,
    pub group_add: Vec<String>,
    pub keep_groups: bool,
    /// The zone file to copy into the container's dir and bind at
    /// `/etc/localtime`.
    pub zone_file: Option<PathBuf>,
}

/// Check every flag; `network` is the container's (a network sysctl
/// needs a namespace of its own).
pub fn check(f: &KernelFlags, network: &Network) -> Result<Checked> {
    let mut c = Checked::default();
    for u in &f.ulimits {
        if u == "host" {
            // The host's limits: berth's own, which the container inherits.
            continue;
        }
        let r = parse_ulimit(u)?;
        c.rlimits.retain(|o| o.name != r.name);
        c.rlimits.push(r);
    }
    if let Some(s) = &f.shm_size {
        c.shm_size = Some(parse_size(s).map_err(|e| anyhow!("--shm-size {s:?}: {e}"))?);
    }
    for s in &f.sysctls {
        c.sysctls.push(parse_sysctl(s, network)?);
    }
    for d in &f.devices {
        c.devices.push(parse_device(d)?);
    }
    for g in &f.group_add {
        if g == "keep-groups" {
            c.keep_groups = true;
        } else if g.is_empty() || g.contains([':', '\n']) {
            bail!("--group-add {g:?}: expected a group name or number");
        } else {
            c.group_add.push(g.clone());
        }
    }
    if c.keep_groups && !c.group_add.is_empty() {
        bail!("--group-add keep-groups cannot be combined with other groups");
    }
    if let Some(tz) = &f.tz {
        c.zone_file = Some(zone_file(tz)?);
    }
    Ok(c)
}

/// `--ulimit NAME=SOFT[:HARD]`; `-1` or `unlimited` is no limit, a
/// missing HARD is SOFT.
pub fn parse_ulimit(s: &str) -> Result<Rlimit> {
    let (name, values) = s
        .split_once('=')
        .ok_or_else(|| anyhow!("--ulimit {s:?}: expected NAME=SOFT[:HARD]"))?;
    let name = name.trim().to_ascii_lowercase();
    // Docker's and ulimit's long names.
    let name = name.strip_prefix("rlimit_").unwrap_or(&name).to_string();
    if crate::runtime::process::rlimit_resource(&name).is_none() {
        bail!(
            "--ulimit {s:?}: unknown limit {name:?} (known: as, core, cpu, data, fsize, \
             locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, \
             sigpending, stack)"
        );
    }
    let value = |v: &str| -> Result<u64> {
        match v.trim() {
            "-1" | "unlimited" => Ok(u64::MAX),
            n => n
                .parse::<u64>()
                .map_err(|_| anyhow!("--ulimit {s:?}: {n:?} is not a number, -1 or unlimited")),
        }
    };
    let (soft, hard) = match values.split_once(':') {
        Some((a, b)) => (value(a)?, value(b)?),
        None => {
            let v = value(values)?;
            (v, v)
        }
    };
    if soft > hard {
        bail!("--ulimit {s:?}: the soft limit is above the hard limit");
    }
    Ok(Rlimit { name, soft, hard })
}

/// A size in bytes: a number with an optional `b`, `k`, `m`, `g` suffix.
pub fn parse_size(s: &str) -> std::result::Result<u64, String> {
    let lower = s.trim().to_ascii_lowercase();
    let t = lower.strip_suffix('b').unwrap_or(&lower);
    let (num, mult) = match t.chars().last() {
        Some('k') => (&t[..t.len() - 1], 1u64 << 10),
        Some('m') => (&t[..t.len() - 1], 1 << 20),
        Some('g') => (&t[..t.len() - 1], 1 << 30),
        _ => (t, 1),
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .filter(|n| *n > 0)
        .ok_or_else(|| "not a size (bytes, or a number with k, m, g)".to_string())
}

/// `--sysctl NAME=VALUE` (NAME with `.` or `/` between its parts): a
/// namespaced sysctl only, a network one only with a network namespace
/// of the container's own. The name comes back with `/`.
pub fn parse_sysctl(s: &str, network: &Network) -> Result<(String, String)> {
    let (name, value) = s
        .split_once('=')
        .ok_or_else(|| anyhow!("--sysctl {s:?}: expected NAME=VALUE"))?;
    let name = name.trim();
    // `net/ipv4/conf/eth0.100/forwarding`: with slashes, dots stay in
    // a part (an interface's name).
    let parts: Vec<&str> = if name.contains('/') {
        name.split('/').collect()
    } else {
        name.split('.').collect()
    };
    let ok_part = |p: &&str| {
        !p.is_empty()
            && *p != "."
            && *p != ".."
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
    };
    if !parts.iter().all(ok_part) {
        bail!("--sysctl {s:?}: {name:?} is not a sysctl name");
    }
    let dotted = parts.join(".");
    let namespaced = NAMESPACED_SYSCTLS
        .iter()
        .any(|n| match n.strip_suffix('.') {
            Some(prefix) => dotted.starts_with(&format!("{prefix}.")),
            None => dotted == *n,
        });
    if !namespaced {
        bail!(
            "--sysctl {s:?}: {dotted} is not namespaced (a container may set only the \
             kernel.msg*, kernel.sem, kernel.shm*, kernel.domainname, fs.mqueue.* and net.* \
             sysctls)"
        );
    }
    if dotted.starts_with("net.") && !network.own_namespace() {
        bail!(
            "--sysctl {s:?}: the container has no network namespace of its own \
             (--network host, container: or ns:)"
        );
    }
    Ok((parts.join("/"), value.to_string()))
}

/// `--device HOST[:CTR[:PERMS]]`: the host's node must be a device.
/// PERMS (of `r`, `w`, `m`) is checked and otherwise left to the node's
/// own mode: berth keeps no device cgroup, as rootless Podman.
pub fn parse_device(s: &str) -> Result<Mount> {
    let mut parts = s.splitn(3, ':');
    let host = parts.next().unwrap_or_default();
    let (target, perms) = match (parts.next(), parts.next()) {
        (None, _) => (host, "rwm"),
        // `HOST:PERMS` as Docker reads it.
        (Some(p), None) if !p.starts_with('/') && !p.is_empty() => (host, p),
        (Some(t), None) => (t, "rwm"),
        (Some(t), Some(p)) => (t, p),
    };
    if !host.starts_with('/') || !target.starts_with('/') {
        bail!("--device {s:?}: expected HOST-PATH[:CONTAINER-PATH[:PERMISSIONS]], absolute paths");
    }
    if perms.is_empty() || !perms.chars().all(|c| "rwm".contains(c)) {
        bail!("--device {s:?}: permissions {perms:?} are a set of r, w and m");
    }
    let md = std::fs::metadata(host).with_context(|| format!("--device {host}"))?;
    use std::os::unix::fs::FileTypeExt;
    if !(md.file_type().is_char_device() || md.file_type().is_block_device()) {
        bail!("--device {host}: not a device node");
    }
    Ok(Mount::Device {
        source: PathBuf::from(host),
        target: target.to_string(),
    })
}

/// `--tz local` (the host's zone) or `--tz AREA/CITY`: the zone file to
/// give the container as `/etc/localtime`.
pub fn zone_file(tz: &str) -> Result<PathBuf> {
    let path = if tz == "local" {
        PathBuf::from("/etc/localtime")
    } else {
        let zone = Path::new(tz);
        let plain = zone
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        if tz.is_empty() || !plain {
            bail!("--tz {tz:?}: expected local or a zone name such as Europe/Paris");
        }
        Path::new(ZONEINFO).join(zone)
    };
    let md = std::fs::metadata(&path).map_err(|_| {
        anyhow!(
            "--tz {tz:?}: no such time zone ({} does not exist)",
            path.display()
        )
    })?;
    if !md.is_file() {
        bail!(
            "--tz {tz:?}: not a time zone ({} is not a file)",
            path.display()
        );
    }
    Ok(path)
}

/// Where the host keeps its time zones.
const ZONEINFO: &str = "/usr/share/zoneinfo";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulimits_parse_as_docker_reads_them() {
        let r = parse_ulimit("nofile=1024:2048").unwrap();
        assert_eq!((r.name.as_str(), r.soft, r.hard), ("nofile", 1024, 2048));
        let r = parse_ulimit("core=-1").unwrap();
        assert_eq!((r.soft, r.hard), (u64::MAX, u64::MAX));
        for bad in ["nofile", "bogus=1", "nofile=2:1", "nofile=x"] {
            assert!(parse_ulimit(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_namespaced_sysctls_pass() {
        let net = Network::Private;
        assert_eq!(
            parse_sysctl("net.ipv4.ip_forward=1", &net).unwrap(),
            ("net/ipv4/ip_forward".into(), "1".into())
        );
        assert_eq!(
            parse_sysctl("net/ipv4/conf/eth0.100/forwarding=1", &net)
                .unwrap()
                .0,
            "net/ipv4/conf/eth0.100/forwarding"
        );
        assert!(parse_sysctl("kernel.shmmax=1000", &net).is_ok());
        assert!(parse_sysctl("fs.mqueue.msg_max=20", &net).is_ok());
        for bad in [
            "kernel.hostname=x",
            "vm.swappiness=1",
            "net..x=1",
            "net/../../x=1",
            "kernel.shmmaxx=1",
            "noequals",
        ] {
            assert!(parse_sysctl(bad, &net).is_err(), "{bad}");
        }
        assert!(parse_sysctl("net.ipv4.ip_forward=1", &Network::Host).is_err());
    }

    #[test]
    fn devices_and_zones_are_checked() {
        assert!(matches!(
            parse_device("/dev/null:/dev/n:r").unwrap(),
            Mount::Device { ref target, .. } if target == "/dev/n"
        ));
        assert!(matches!(
            parse_device("/dev/zero").unwrap(),
            Mount::Device { ref target, .. } if target == "/dev/zero"
        ));
        assert!(parse_device("/dev/no-such-device").is_err());
        assert!(parse_device("/etc/hostname").is_err());
        assert!(parse_device("/dev/null:/dev/n:x").is_err());
        assert!(zone_file("../../etc/passwd").is_err());
        assert!(zone_file("No/Such_Zone").is_err());
        assert!(parse_size("64m") == Ok(64 << 20) && parse_size("0").is_err());
    }
}
