//! `network create`, `ls`, `inspect`, `rm`, `prune`, `exists`: berth's
//! networks as records. Making and tearing down the bridges themselves is
//! the runtime's work, when containers start and stop; here a network is
//! its record, validated so that the runtime can trust it (an IPv4 subnet
//! of berth's own, a gateway and an address range inside it).
//!
//! A container is on a network when its runtime spec (the record's
//! `config`) has an attachment to it, `network.Bridge.attachments[]
//! .network`; such a network is in use and is removed only with
//! `--force`, which removes those containers first, as `rm -f` does.

use crate::store::networks::{self, Ipv4Net, Ipv6Net, NetworkRecord};
use crate::store::{Store, StorePaths};
use anyhow::{anyhow, bail, Context, Result};
use std::collections::BTreeMap;
use std::io::Read;
use std::net::{Ipv4Addr, Ipv6Addr};

/// What `network create` was asked for.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    pub name: String,
    /// `bridge` (the only driver); empty means `bridge`.
    pub driver: String,
    /// `ADDR/PREFIX`; a free `10.89.N.0/24` when `None`.
    pub subnet: Option<String>,
    /// Inside the subnet; its first host address when `None`.
    pub gateway: Option<String>,
    /// `ADDR/PREFIX` inside the subnet: addresses are handed out from it.
    pub ip_range: Option<String>,
    pub internal: bool,
    /// `KEY=VALUE`, or `KEY` for an empty value.
    pub labels: Vec<String>,
    /// Dual stack: an IPv6 subnet too (`subnet6`, else a free unique
    /// local /64). Implied by `subnet6`.
    pub ipv6: bool,
    /// IPv6 `ADDR/PREFIX`.
    pub subnet6: Option<String>,
    /// Inside `subnet6`; its first host address when `None`.
    pub gateway6: Option<String>,
    /// Inside `subnet6`: IPv6 addresses are handed out from it.
    pub ip_range6: Option<String>,
}

/// A network that is not there. The CLI exits 1 for it (as Podman does
/// for `network rm`), and 125 for other errors.
#[derive(Debug)]
pub struct NotFound(pub String);

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no network with name or ID {:?} found", self.0)
    }
}

impl std::error::Error for NotFound {}

/// `network create`: validate, pick what was not given (bridge name,
/// subnet, gateway) and record the network. Bad input is refused before
/// the store is touched.
pub fn create(paths: &StorePaths, opts: &CreateOptions) -> Result<NetworkRecord> {
    // Everything that does not depend on other networks is checked
    // before the store is opened (and so perhaps created).
    plan(opts, &[NetworkRecord::default_network()], String::new(), 0)?;
    let id = random_id()?;
    let store = Store::open(paths)?;
    let now = crate::image::time::now_unix();
    // As root the bridge is the host's, where every store's are: named
    // after the network's id, not numbered per store.
    let root = crate::runtime::userns::identity() == crate::runtime::userns::Identity::Root;
    let rec = store.create_network_with(|existing| {
        let mut rec = plan(opts, existing, id, now)?;
        if root {
            rec.interface = crate::runtime::network::host_bridge_name(&rec.id);
        }
        Ok(rec)
    })?;
    super::events::network(&store, "create", &rec.id, &rec.name);
    Ok(rec)
}

/// The record `opts` asks for among the `existing` networks, with `id`
/// and `created`; refused, naming what is wrong, if `opts` is invalid or
/// its subnet overlaps an existing network's. Pure.
pub fn plan(
    opts: &CreateOptions,
    existing: &[NetworkRecord],
    id: String,
    created: i64,
) -> Result<NetworkRecord> {
    let name = &opts.name;
    if !networks::valid_name(name) {
        bail!(
            "network name {name:?} is invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]* \
             (at most {} characters)",
            networks::MAX_NAME_LEN
        );
    }
    if networks::is_reserved_name(name) {
        bail!("network name {name:?} is reserved: choose another name");
    }
    if existing.iter().any(|r| &r.name == name) {
        bail!("network name {name} is already in use: remove that network or choose another name");
    }
    if !(opts.driver.is_empty() || opts.driver == "bridge") {
        bail!(
            "network {name}: unsupported driver {:?}: berth supports bridge only",
            opts.driver
        );
    }
    let labels = parse_labels(&opts.labels)?;
    let subnet = match &opts.subnet {
        Some(s) => parse_subnet(s)?,
        None => {
            if opts.gateway.is_some() || opts.ip_range.is_some() {
                bail!("network {name}: --gateway and --ip-range need --subnet");
            }
            Ipv4Net::parse(&networks::free_subnet(existing)?).map_err(|e| anyhow!(e))?
        }
    };
    networks::check_subnet_free(&subnet, existing)?;
    let gateway = match &opts.gateway {
        Some(g) => parse_gateway(g, &subnet)?,
        None => first_host(&subnet),
    };
    let ip_range = match &opts.ip_range {
        Some(r) => Some(parse_ip_range(r, &subnet, gateway)?.to_string()),
        None => None,
    };
    let ipv6 = opts.ipv6 || opts.subnet6.is_some();
    let (subnet6, gateway6, ip_range6) = if ipv6 {
        let subnet6 = match &opts.subnet6 {
            Some(s) => parse_subnet6(s)?,
            None => {
                if opts.gateway6.is_some() || opts.ip_range6.is_some() {
                    bail!("network {name}: an IPv6 --gateway or --ip-range needs an IPv6 --subnet");
                }
                Ipv6Net::parse(&networks::free_subnet6(existing, &id)?).map_err(|e| anyhow!(e))?
            }
        };
        networks::check_subnet6_free(&subnet6, existing)?;
        let gateway6 = match &opts.gateway6 {
            Some(g) => parse_gateway6(g, &subnet6)?,
            None => Ipv6Addr::from(u128::from(subnet6.network()) + 1),
        };
        let ip_range6 = match &opts.ip_range6 {
            Some(r) => Some(parse_ip_range6(r, &subnet6, gateway6)?.to_string()),
            None => None,
        };
        (
            Some(subnet6.to_string()),
            Some(gateway6.to_string()),
            ip_range6,
        )
    } else {
        if opts.gateway6.is_some() || opts.ip_range6.is_some() {
            bail!(
                "network {name}: an IPv6 --gateway or --ip-range needs --ipv6 and an IPv6 --subnet"
            );
        }
        (None, None, None)
    };
    Ok(NetworkRecord {
        name: name.clone(),
        id,
        driver: "bridge".into(),
        interface: networks::free_interface(existing),
        subnet: subnet.to_string(),
        gateway: gateway.to_string(),
        ip_range,
        internal: opts.internal,
        ipv6,
        subnet6,
        gateway6,
        ip_range6,
        labels,
        created,
    })
}

/// `KEY=VALUE` (or `KEY`, for an empty value) as a map; a later label
/// replaces an earlier one of the same key.
fn parse_labels(labels: &[String]) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for l in labels {
        let (k, v) = l.split_once('=').unwrap_or((l, ""));
        if k.is_empty() {
            bail!("invalid label {l:?}: the key is empty");
        }
        out.insert(k.to_string(), v.to_string());
    }
    Ok(out)
}

/// A subnet berth can make a network of: an IPv4 CIDR with host bits
/// zero, a prefix from 8 to 30 (room for a gateway and a container), and
/// not loopback, multicast or reserved space.
pub fn parse_subnet(s: &str) -> Result<Ipv4Net> {
    let bad = |why: String| anyhow!("invalid subnet {s:?}: {why}");
    let net = Ipv4Net::parse(s).map_err(bad)?;
    if !(8..=30).contains(&net.prefix()) {
        return Err(bad(format!(
            "the prefix /{} is not from /8 to /30",
            net.prefix()
        )));
    }
    if net.has_host_bits() {
        return Err(bad(format!(
            "host bits are set (the network is {})",
            net.trunc()
        )));
    }
    let first = net.network().octets()[0];
    if first == 0 || first == 127 || first >= 224 {
        return Err(bad(
            "not a unicast range (0.0.0.0/8, loopback, multicast and reserved space cannot be networks)"
                .into(),
        ));
    }
    Ok(net)
}

/// `--gateway`: an IPv4 address inside `subnet`, neither its network
/// nor its broadcast address.
pub fn parse_gateway(g: &str, subnet: &Ipv4Net) -> Result<Ipv4Addr> {
    let ip: Ipv4Addr = g
        .parse()
        .map_err(|_| anyhow!("invalid gateway {g:?}: not an IPv4 address"))?;
    if !subnet.contains(ip) {
        bail!("invalid gateway {g:?}: it is not in the subnet {subnet}");
    }
    if ip == subnet.network() {
        bail!("invalid gateway {g:?}: it is the network address of the subnet {subnet}");
    }
    if ip == subnet.broadcast() {
        bail!("invalid gateway {g:?}: it is the broadcast address of the subnet {subnet}");
    }
    Ok(ip)
}

/// `--ip-range`: a CIDR (host bits zero) inside `subnet` that holds an
/// address to hand out besides the gateway and the subnet's network and
/// broadcast addresses.
pub fn parse_ip_range(r: &str, subnet: &Ipv4Net, gateway: Ipv4Addr) -> Result<Ipv4Net> {
    let bad = |why: String| anyhow!("invalid ip range {r:?}: {why}");
    let range = Ipv4Net::parse(r).map_err(bad)?;
    if range.has_host_bits() {
        return Err(bad(format!(
            "host bits are set (the range is {})",
            range.trunc()
        )));
    }
    if !subnet.contains_net(&range) {
        return Err(bad(format!("it is not inside the subnet {subnet}")));
    }
    let usable = (u32::from(range.network())..=u32::from(range.broadcast()))
        .map(Ipv4Addr::from)
        .any(|ip| ip != gateway && ip != subnet.network() && ip != subnet.broadcast());
    if !usable {
        return Err(bad(
            "it holds no address to hand out (only the gateway, network or broadcast address)"
                .into(),
        ));
    }
    Ok(range)
}

/// An IPv6 subnet berth can make a network of: host bits zero, a
/// prefix from /48 to /120, global or unique local unicast space (not
/// unspecified, loopback, IPv4-mapped, link-local or multicast).
pub fn parse_subnet6(s: &str) -> Result<Ipv6Net> {
    let bad = |why: String| anyhow!("invalid subnet {s:?}: {why}");
    let net = Ipv6Net::parse(s).map_err(bad)?;
    if !(48..=120).contains(&net.prefix()) {
        return Err(bad(format!(
            "the prefix /{} is not from /48 to /120",
            net.prefix()
        )));
    }
    if net.has_host_bits() {
        return Err(bad(format!(
            "host bits are set (the network is {})",
            net.trunc()
        )));
    }
    let first = net.network().segments()[0];
    if first == 0 || first & 0xff00 == 0xff00 || first & 0xffc0 == 0xfe80 {
        return Err(bad(
            "not a unicast range (::/16, link-local and multicast space cannot be networks)".into(),
        ));
    }
    Ok(net)
}

/// An IPv6 `--gateway`: inside `subnet`, not its network address.
pub fn parse_gateway6(g: &str, subnet: &Ipv6Net) -> Result<Ipv6Addr> {
    let ip: Ipv6Addr = g
        .parse()
        .map_err(|_| anyhow!("invalid gateway {g:?}: not an IPv6 address"))?;
    if !subnet.contains(ip) {
        bail!("invalid gateway {g:?}: it is not in the subnet {subnet}");
    }
    if ip == subnet.network() {
        bail!("invalid gateway {g:?}: it is the network address of the subnet {subnet}");
    }
    Ok(ip)
}

/// An IPv6 `--ip-range`: a CIDR (host bits zero) inside `subnet` that
/// holds an address besides the gateway and the subnet's network address.
pub fn parse_ip_range6(r: &str, subnet: &Ipv6Net, gateway: Ipv6Addr) -> Result<Ipv6Net> {
    let bad = |why: String| anyhow!("invalid ip range {r:?}: {why}");
    let range = Ipv6Net::parse(r).map_err(bad)?;
    if range.has_host_bits() {
        return Err(bad(format!(
            "host bits are set (the range is {})",
            range.trunc()
        )));
    }
    if !subnet.contains_net(&range) {
        return Err(bad(format!("it is not inside the subnet {subnet}")));
    }
    // Three addresses: at least one is neither of the two excluded.
    let usable = (u128::from(range.network())..=u128::from(range.last()))
        .take(3)
        .map(Ipv6Addr::from)
        .any(|ip| ip != gateway && ip != subnet.network());
    if !usable {
        return Err(bad(
            "it holds no address to hand out (only the gateway or network address)".into(),
        ));
    }
    Ok(range)
}

/// The first and last IPv6 address a network with an IPv6 `--ip-range`
/// hands out; `None` without one.
pub fn lease_range6(rec: &NetworkRecord) -> Option<(Ipv6Addr, Ipv6Addr)> {
    let range = Ipv6Net::parse(rec.ip_range6.as_deref()?).ok()?;
    let subnet = Ipv6Net::parse(rec.subnet6.as_deref()?).ok()?;
    let first = u128::from(range.network()).max(u128::from(subnet.network()) + 1);
    Some((Ipv6Addr::from(first), range.last()))
}

/// The first host address of `net` (its network address + 1).
fn first_host(net: &Ipv4Net) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(net.network()) + 1)
}

/// The first and last address a network with an `--ip-range` hands out
/// (Podman's `lease_range`): the range, less the subnet's network and
/// broadcast addresses, as the runtime allocates them. (Podman shows a
/// range from its second address to its last, broadcast or not.) `None`
/// without a range: the whole subnet.
pub fn lease_range(rec: &NetworkRecord) -> Option<(Ipv4Addr, Ipv4Addr)> {
    let range = Ipv4Net::parse(rec.ip_range.as_deref()?).ok()?;
    let subnet = Ipv4Net::parse(&rec.subnet).ok()?;
    let first = u32::from(range.network()).max(u32::from(subnet.network()) + 1);
    let last = u32::from(range.broadcast()).min(u32::from(subnet.broadcast()) - 1);
    Some((Ipv4Addr::from(first), Ipv4Addr::from(last)))
}

/// 64 hex digits from /dev/urandom.
fn random_id() -> Result<String> {
    let mut b = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .context("reading /dev/urandom for a network id")?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// One `network ls --filter`.
enum Filter {
    /// `name=TEXT`: the name holds TEXT (`^` and `$` anchor it).
    Name(String),
    /// `label=KEY` (has the label) or `label=KEY=VALUE`.
    Label(String, Option<String>),
    Driver(String),
    /// `id=PREFIX`.
    Id(String),
}

impl Filter {
    fn parse(f: &str) -> Result<(&str, Filter)> {
        let (k, v) = f
            .split_once('=')
            .ok_or_else(|| anyhow!("invalid filter {f:?}: expected KEY=VALUE"))?;
        let filter = match k {
            "name" => Filter::Name(v.to_string()),
            "label" => match v.split_once('=') {
                Some((k, v)) => Filter::Label(k.into(), Some(v.into())),
                None => Filter::Label(v.into(), None),
            },
            "driver" => Filter::Driver(v.to_string()),
            "id" => Filter::Id(v.to_ascii_lowercase()),
            _ => bail!("invalid filter {f:?}: the keys are name, label, driver and id"),
        };
        Ok((k, filter))
    }

    fn matches(&self, r: &NetworkRecord) -> bool {
        match self {
            Filter::Name(p) => name_matches(p, &r.name),
            Filter::Label(k, v) => match (r.labels.get(k), v) {
                (Some(have), Some(want)) => have == want,
                (Some(_), None) => true,
                (None, _) => false,
            },
            Filter::Driver(d) => &r.driver == d,
            Filter::Id(p) => r.id.starts_with(p.as_str()),
        }
    }
}

/// Podman matches names with a regular expression; berth with the
/// plainest part of one: TEXT anywhere in the name, `^TEXT` at its
/// start, `TEXT$` at its end.
fn name_matches(pattern: &str, name: &str) -> bool {
    let (start, p) = match pattern.strip_prefix('^') {
        Some(p) => (true, p),
        None => (false, pattern),
    };
    let (end, p) = match p.strip_suffix('$') {
        Some(p) => (true, p),
        None => (false, p),
    };
    match (start, end) {
        (true, true) => name == p,
        (true, false) => name.starts_with(p),
        (false, true) => name.ends_with(p),
        (false, false) => name.contains(p),
    }
}

/// `network ls`: every network, by name (as Podman lists them), that
/// passes the filters: filters of one key pass a network if any of them
/// does, filters of different keys if all keys do (as Podman's).
pub fn list(paths: &StorePaths, filters: &[String]) -> Result<Vec<NetworkRecord>> {
    let mut by_key: BTreeMap<&str, Vec<Filter>> = BTreeMap::new();
    for f in filters {
        let (k, filter) = Filter::parse(f)?;
        by_key.entry(k).or_default().push(filter);
    }
    let mut all = match Store::open_existing(paths)? {
        Some(store) => store.networks()?,
        None => vec![NetworkRecord::default_network()],
    };
    all.retain(|r| by_key.values().all(|fs| fs.iter().any(|f| f.matches(r))));
    all.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(all)
}

/// Find a network by name, full id or unique id prefix in `store`
/// (`None`: no store yet, only the default network).
fn find(store: Option<&Store>, name: &str) -> Result<NetworkRecord> {
    let found = match store {
        Some(s) => s.network(name)?,
        None if name == networks::DEFAULT_NAME || name == "bridge" => {
            Some(NetworkRecord::default_network())
        }
        None => None,
    };
    found.ok_or_else(|| NotFound(name.to_string()).into())
}

/// `network inspect`: the networks, in the order named.
pub fn inspect(paths: &StorePaths, names: &[String]) -> Result<Vec<NetworkRecord>> {
    let store = Store::open_existing(paths)?;
    names.iter().map(|n| find(store.as_ref(), n)).collect()
}

/// `network exists`.
pub fn exists(paths: &StorePaths, name: &str) -> Result<bool> {
    let store = Store::open_existing(paths)?;
    match find(store.as_ref(), name) {
        Ok(_) => Ok(true),
        Err(e) if e.is::<NotFound>() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Whether a container's runtime spec (`config` of its record) attaches
/// it to network `name`.
pub fn spec_uses_network(config: &serde_json::Value, name: &str) -> bool {
    config
        .pointer("/network/Bridge/attachments")
        .and_then(|a| a.as_array())
        .is_some_and(|a| {
            a.iter()
                .any(|x| x.get("network").and_then(|n| n.as_str()) == Some(name))
        })
}

/// The names of the containers on network `name`.
pub fn in_use_by(store: &Store, name: &str) -> Result<Vec<String>> {
    Ok(store
        .all_containers()?
        .into_iter()
        .filter(|c| spec_uses_network(&c.config, name))
        .map(|c| c.name)
        .collect())
}

/// `network rm`: remove the networks (by name, id or id prefix); returns
/// them as named. The default network is refused, and so is a network
/// that containers are on, unless `force`, which removes those
/// containers first (killing running ones, as `rm -f`). Everything is
/// checked before anything is removed: a missing network ([`NotFound`];
/// skipped with `force`, as Podman does), the default network, or one in
/// use fails the command with nothing removed.
pub fn remove(paths: &StorePaths, names: &[String], force: bool) -> Result<Vec<String>> {
    let store = Store::open_existing(paths)?;
    let mut doomed = Vec::new();
    for n in names {
        let rec = match find(store.as_ref(), n) {
            Ok(r) => r,
            Err(e) if force && e.is::<NotFound>() => continue,
            Err(e) => return Err(e),
        };
        if rec.name == networks::DEFAULT_NAME {
            let named = if *n == rec.name {
                String::new()
            } else {
                format!("network {n}: ")
            };
            bail!("{named}the default network {} cannot be removed", rec.name);
        }
        if doomed
            .iter()
            .any(|(_, d): &(String, NetworkRecord)| d.name == rec.name)
        {
            continue;
        }
        if let (false, Some(store)) = (force, store.as_ref()) {
            let users = in_use_by(store, &rec.name)?;
            if !users.is_empty() {
                bail!(
                    "network {} is in use by the containers {}: remove them first, or use --force",
                    rec.name,
                    users.join(", ")
                );
            }
        }
        doomed.push((n.clone(), rec));
    }
    let Some(store) = store else {
        return Ok(Vec::new());
    };
    // Container removal moves containers into tmp/: holding the store
    // shared keeps the idle-store cleanup of tmp/ from racing it.
    let _lock = if force { Some(store.shared()?) } else { None };
    let mut removed = Vec::new();
    for (n, rec) in doomed {
        if force {
            for c in store.all_containers()? {
                if spec_uses_network(&c.config, &rec.name) {
                    super::containers::remove_one(&store, &c, true)
                        .with_context(|| format!("removing network {}", rec.name))?;
                }
            }
        }
        store.remove_network(&rec.name)?;
        super::events::network(&store, "remove", &rec.id, &rec.name);
        // Its bridge, if berth's network namespace is up; a bridge left
        // (a rootless `rm -f` runs where it cannot reach it) is replaced
        // when its name is used again.
        let _ = crate::runtime::network::remove_bridge(&store.network_state_dir(), &rec.interface);
        removed.push(n);
    }
    Ok(removed)
}

/// What the runtime needs to put a container on network `rec`.
pub fn attachment_of(
    rec: &NetworkRecord,
    ip: Option<String>,
    ip6: Option<String>,
    mac: Option<String>,
    aliases: &[String],
) -> crate::runtime::spec::Attachment {
    crate::runtime::spec::Attachment {
        network: rec.name.clone(),
        interface: rec.interface.clone(),
        subnet: rec.subnet.clone(),
        gateway: rec.gateway.clone(),
        ip_range: rec.ip_range.clone(),
        internal: rec.internal,
        subnet6: rec.subnet6.clone(),
        gateway6: rec.gateway6.clone(),
        ip_range6: rec.ip_range6.clone(),
        ip,
        ip6,
        mac,
        aliases: aliases.to_vec(),
        default_network: rec.name == networks::DEFAULT_NAME,
    }
}

/// `network connect NET CTR`: put the container on network `net` (at
/// once if it runs; at its next start in any case), with more names
/// (`aliases`) and an address (`ip`) on it.
pub fn connect(
    paths: &StorePaths,
    net: &str,
    container: &str,
    aliases: &[String],
    ip: Option<&str>,
    ip6: Option<&str>,
) -> Result<()> {
    use crate::runtime::spec::{Network, Spec};
    let store = Store::open(paths)?;
    let rec = find(Some(&store), net)?;
    let c = store.find_container(container)?;
    let mut spec: Spec = super::containers::spec_of(&c)?;
    let Network::Bridge(b) = &mut spec.network else {
        bail!(
            "container {} is not on a berth network (it was started with another --network mode)",
            c.name
        );
    };
    if b.attachments.iter().any(|a| a.network == rec.name) {
        bail!("container {} is already on network {}", c.name, rec.name);
    }
    if let Some(ip) = ip {
        let ipv4: Ipv4Addr = ip
            .parse()
            .map_err(|_| anyhow!("--ip {ip:?} is not an IPv4 address"))?;
        if !Ipv4Net::parse(&rec.subnet)
            .map_err(|e| anyhow!(e))?
            .contains(ipv4)
        {
            bail!(
                "--ip {ip}: not in network {}'s subnet {}",
                rec.name,
                rec.subnet
            );
        }
    }
    if let Some(ip6) = ip6 {
        check_ip6(&rec, ip6)?;
    }
    let attachment = attachment_of(
        &rec,
        ip.map(str::to_string),
        ip6.map(str::to_string),
        None,
        aliases,
    );
    crate::runtime::network::check_names_fit(&c.id, &c.name, &attachment)?;
    if let Some((pid, _)) = store.container_pid1(&c) {
        let mut only = (**b).clone();
        only.attachments = vec![attachment.clone()];
        crate::runtime::network::connect(&only, pid)
            .with_context(|| format!("connecting container {} to network {}", c.name, rec.name))?;
    }
    b.attachments.push(attachment);
    let config = serde_json::to_value(&spec)?;
    store.update_container(&c.id, |r| r.config = config)?;
    Ok(())
}

/// `--ip6 IP` on network `rec`: an IPv6 address in its IPv6 subnet.
pub fn check_ip6(rec: &NetworkRecord, ip6: &str) -> Result<()> {
    let addr: Ipv6Addr = ip6
        .parse()
        .map_err(|_| anyhow!("--ip6 {ip6:?} is not an IPv6 address"))?;
    let Some(subnet6) = &rec.subnet6 else {
        bail!("--ip6 {ip6}: network {} has no IPv6 subnet", rec.name);
    };
    if !Ipv6Net::parse(subnet6)
        .map_err(|e| anyhow!(e))?
        .contains(addr)
    {
        bail!(
            "--ip6 {ip6}: not in network {}'s subnet {subnet6}",
            rec.name
        );
    }
    Ok(())
}

/// `network disconnect NET CTR`: take the container off network `net`.
pub fn disconnect(paths: &StorePaths, net: &str, container: &str) -> Result<()> {
    use crate::runtime::spec::{Network, Spec};
    let store = Store::open(paths)?;
    let rec = find(Some(&store), net)?;
    let c = store.find_container(container)?;
    let mut spec: Spec = super::containers::spec_of(&c)?;
    let Network::Bridge(b) = &mut spec.network else {
        bail!("container {} is not on network {}", c.name, rec.name);
    };
    if !b.attachments.iter().any(|a| a.network == rec.name) {
        bail!("container {} is not on network {}", c.name, rec.name);
    }
    if store.container_pid1(&c).is_some() {
        crate::runtime::network::disconnect(b, &rec.name).with_context(|| {
            format!(
                "disconnecting container {} from network {}",
                c.name, rec.name
            )
        })?;
    }
    b.attachments.retain(|a| a.network != rec.name);
    let config = serde_json::to_value(&spec)?;
    store.update_container(&c.id, |r| r.config = config)?;
    Ok(())
}

/// `network prune`: remove every user network that no container is on;
/// returns their names.
pub fn prune(paths: &StorePaths) -> Result<Vec<String>> {
    let Some(store) = Store::open_existing(paths)? else {
        return Ok(Vec::new());
    };
    let mut removed = Vec::new();
    for rec in store.networks()? {
        if rec.name == networks::DEFAULT_NAME || !in_use_by(&store, &rec.name)?.is_empty() {
            continue;
        }
        match store.remove_network(&rec.name) {
            Ok(()) => {
                super::events::network(&store, "remove", &rec.id, &rec.name);
                let _ = crate::runtime::network::remove_bridge(
                    &store.network_state_dir(),
                    &rec.interface,
                );
                removed.push(rec.name)
            }
            // Removed meanwhile by another berth: not this one's to report.
            Err(_) if store.network(&rec.name)?.is_none() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(name: &str, subnet: Option<&str>) -> CreateOptions {
        CreateOptions {
            name: name.into(),
            driver: "bridge".into(),
            subnet: subnet.map(String::from),
            ..Default::default()
        }
    }

    fn default_only() -> Vec<NetworkRecord> {
        vec![NetworkRecord::default_network()]
    }

    fn err(o: &CreateOptions, existing: &[NetworkRecord]) -> String {
        plan(o, existing, "a".repeat(64), 0)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn defaults_are_the_first_free_ones() {
        let r = plan(&opts("n1", None), &default_only(), "a".repeat(64), 5).unwrap();
        assert_eq!(
            (&r.subnet[..], &r.gateway[..], &r.interface[..]),
            ("10.89.0.0/24", "10.89.0.1", "berth1")
        );
        assert_eq!(
            (r.driver.as_str(), r.created, &r.ip_range),
            ("bridge", 5, &None)
        );
        let mut existing = default_only();
        existing.push(r);
        let r2 = plan(&opts("n2", None), &existing, "b".repeat(64), 5).unwrap();
        assert_eq!(
            (&r2.subnet[..], &r2.interface[..]),
            ("10.89.1.0/24", "berth2")
        );
    }

    #[test]
    fn subnets_must_be_ipv4_cidrs_with_a_sane_prefix_and_no_host_bits() {
        assert!(parse_subnet("198.18.10.0/24").is_ok());
        assert!(parse_subnet("198.18.0.0/15").is_ok());
        assert!(parse_subnet("10.0.0.0/8").is_ok());
        assert!(parse_subnet("198.18.10.0/30").is_ok());
        for bad in [
            "198.18.10.0",
            "198.18.10.0/33",
            "198.18.10.0/31",
            "10.0.0.0/7",
            "198.18.10.1/24",
            "198.18.10/24",
            "bogus",
            "",
            "127.0.0.0/8",
            "224.0.0.0/8",
            "fd00::/64",
            "198.18.10.0/24 ",
        ] {
            let e = parse_subnet(bad).unwrap_err().to_string();
            assert!(
                e.starts_with(&format!("invalid subnet {bad:?}")),
                "{bad}: {e}"
            );
        }
        let e = parse_subnet("198.18.10.1/24").unwrap_err().to_string();
        assert!(e.contains("198.18.10.0/24"), "{e}");
        let e = parse_subnet("fd12::/64").unwrap_err().to_string();
        assert!(e.contains("an IPv6 address, not an IPv4 one"), "{e}");
    }

    #[test]
    fn overlapping_subnets_are_refused_naming_the_other_network() {
        let mut existing = default_only();
        existing.push(
            plan(
                &opts("one", Some("198.18.10.0/24")),
                &existing,
                "a".repeat(64),
                0,
            )
            .unwrap(),
        );
        for s in [
            "198.18.10.0/24",
            "198.18.10.128/25",
            "198.18.0.0/16",
            "10.88.5.0/24",
        ] {
            let e = err(&opts("two", Some(s)), &existing);
            assert!(e.contains("overlaps"), "{s}: {e}");
        }
        let e = err(&opts("two", Some("198.18.0.0/16")), &existing);
        assert!(e.contains("network one"), "{e}");
        let e = err(&opts("two", Some("10.88.0.0/24")), &existing);
        assert!(e.contains("network berth"), "{e}");
        assert!(plan(
            &opts("two", Some("198.18.11.0/24")),
            &existing,
            "b".repeat(64),
            0
        )
        .is_ok());
    }

    #[test]
    fn gateways_lie_inside_the_subnet_and_are_hosts() {
        let net = parse_subnet("198.18.30.0/24").unwrap();
        assert_eq!(
            parse_gateway("198.18.30.5", &net).unwrap(),
            Ipv4Addr::new(198, 18, 30, 5)
        );
        for (g, why) in [
            ("198.18.31.1", "not in the subnet"),
            ("198.18.30.0", "network address"),
            ("198.18.30.255", "broadcast address"),
            ("bogus", "not an IPv4 address"),
            ("fd00::1", "not an IPv4 address"),
        ] {
            let e = parse_gateway(g, &net).unwrap_err().to_string();
            assert!(e.contains(why) && e.contains(g), "{g}: {e}");
        }
        let mut o = opts("gw", Some("198.18.30.0/24"));
        o.gateway = Some("198.18.30.7".into());
        let r = plan(&o, &default_only(), "a".repeat(64), 0).unwrap();
        assert_eq!(r.gateway, "198.18.30.7");
        let mut o = opts("gw", None);
        o.gateway = Some("198.18.30.7".into());
        assert!(err(&o, &default_only()).contains("--subnet"));
    }

    #[test]
    fn ip_ranges_lie_inside_the_subnet() {
        let net = parse_subnet("198.18.11.0/24").unwrap();
        let gw = Ipv4Addr::new(198, 18, 11, 1);
        assert!(parse_ip_range("198.18.11.128/25", &net, gw).is_ok());
        for bad in [
            "198.18.12.0/25",
            "198.18.0.0/16",
            "198.18.11.3/25",
            "bogus",
            "198.18.11.1/32",
            "198.18.11.255/32",
        ] {
            let e = parse_ip_range(bad, &net, gw).unwrap_err().to_string();
            assert!(e.starts_with(&format!("invalid ip range {bad:?}")), "{e}");
        }
        let mut o = opts("r", Some("198.18.11.0/24"));
        o.ip_range = Some("198.18.11.128/25".into());
        let r = plan(&o, &default_only(), "a".repeat(64), 0).unwrap();
        assert_eq!(
            lease_range(&r),
            Some((
                Ipv4Addr::new(198, 18, 11, 128),
                Ipv4Addr::new(198, 18, 11, 254)
            ))
        );
        o.ip_range = Some("198.18.11.0/26".into());
        let r = plan(&o, &default_only(), "a".repeat(64), 0).unwrap();
        assert_eq!(
            lease_range(&r),
            Some((
                Ipv4Addr::new(198, 18, 11, 1),
                Ipv4Addr::new(198, 18, 11, 63)
            ))
        );
    }

    #[test]
    fn names_follow_podmans_pattern_and_slashes_are_named() {
        let e = err(&opts("a/b", Some("198.18.10.0/24")), &default_only());
        assert!(e.contains("\"a/b\"") && e.contains("invalid"), "{e}");
        for bad in ["", "-a", ".a", "a b", "a:b", "é", &"n".repeat(201)] {
            assert!(
                plan(&opts(bad, None), &default_only(), String::new(), 0).is_err(),
                "{bad}"
            );
        }
        for good in ["a", "A-b_c.d", "0net", &"n".repeat(200)] {
            assert!(
                plan(&opts(good, None), &default_only(), String::new(), 0).is_ok(),
                "{good}"
            );
        }
        for reserved in [
            "bridge",
            "berth",
            "none",
            "host",
            "private",
            "pasta",
            "slirp4netns",
        ] {
            assert!(err(&opts(reserved, None), &default_only()).contains("reserved"));
        }
    }

    #[test]
    fn drivers_ipv6_and_labels() {
        let mut o = opts("d", None);
        o.driver = "macvlan".into();
        assert!(err(&o, &default_only()).contains("macvlan"));
        let mut o = opts("d", None);
        o.ipv6 = true;
        let r = plan(&o, &default_only(), "ab".repeat(32), 0).unwrap();
        let s6 = Ipv6Net::parse(r.subnet6.as_deref().unwrap()).unwrap();
        assert!(r.ipv6 && s6.prefix() == 64 && s6.network().segments()[0] >> 8 == 0xfd);
        assert_eq!(
            r.gateway6.unwrap(),
            Ipv6Addr::from(u128::from(s6.network()) + 1).to_string()
        );
        // A subnet of its own, given: IPv6 is implied.
        let mut o = opts("d", None);
        o.subnet6 = Some("fd12:3456:789a:1::/64".into());
        o.gateway6 = Some("fd12:3456:789a:1::fe".into());
        o.ip_range6 = Some("fd12:3456:789a:1::100/120".into());
        let r = plan(&o, &default_only(), String::new(), 0).unwrap();
        assert!(r.ipv6);
        assert_eq!(r.gateway6.as_deref(), Some("fd12:3456:789a:1::fe"));
        assert_eq!(
            lease_range6(&r).map(|(a, b)| format!("{a} {b}")).unwrap(),
            "fd12:3456:789a:1::100 fd12:3456:789a:1::1ff"
        );
        let mut other = r.clone();
        other.name = "e".into();
        let e = err(&o, &[NetworkRecord::default_network(), other]);
        assert!(e.contains("overlaps") && e.contains("network e"), "{e}");
        for (bad, why) in [
            ("fd12::1/64", "host bits"),
            ("fd12::/40", "/48 to /120"),
            ("fe80::/64", "unicast"),
            ("ff02::/64", "unicast"),
            ("::/64", "unicast"),
            ("fd00::/64", "way out"),
            ("fd00::/48", "way out"),
            ("fd12::/64x", "prefix"),
        ] {
            let mut o = opts("d", None);
            o.subnet6 = Some(bad.into());
            let e = err(&o, &default_only());
            assert!(e.contains(why) && !e.contains('\n'), "{bad}: {e}");
        }
        let mut o = opts("d", None);
        o.subnet6 = Some("fd12::/64".into());
        o.gateway6 = Some("fd13::1".into());
        assert!(err(&o, &default_only()).contains("not in the subnet"));
        let mut o = opts("d", None);
        o.gateway6 = Some("fd13::1".into());
        assert!(err(&o, &default_only()).contains("needs"));
        let mut o = opts("d", None);
        o.labels = vec!["a=b".into(), "c".into(), "e=f=g".into()];
        let r = plan(&o, &default_only(), String::new(), 0).unwrap();
        let want: BTreeMap<String, String> = [("a", "b"), ("c", ""), ("e", "f=g")]
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        assert_eq!(r.labels, want);
        o.labels = vec!["=x".into()];
        assert!(err(&o, &default_only()).contains("\"=x\""));
    }

    #[test]
    fn filters_and_name_patterns() {
        assert!(name_matches("net", "mynet1"));
        assert!(name_matches("^net", "net1") && !name_matches("^net", "mynet"));
        assert!(name_matches("net$", "mynet") && !name_matches("net$", "net1"));
        assert!(name_matches("^net$", "net") && !name_matches("^net$", "net1"));
        assert!(Filter::parse("bogus=1").is_err());
        assert!(Filter::parse("name").is_err());
        let mut r = NetworkRecord::default_network();
        r.labels.insert("a".into(), "b".into());
        assert!(Filter::parse("label=a").unwrap().1.matches(&r));
        assert!(Filter::parse("label=a=b").unwrap().1.matches(&r));
        assert!(!Filter::parse("label=a=c").unwrap().1.matches(&r));
        assert!(Filter::parse("id=2F259").unwrap().1.matches(&r));
        assert!(Filter::parse("driver=bridge").unwrap().1.matches(&r));
    }

    #[test]
    fn attachments_in_a_spec_say_who_uses_a_network() {
        let spec = serde_json::json!({
            "network": {"Bridge": {"attachments": [{"network": "one"}, {"network": "two"}]}}
        });
        assert!(spec_uses_network(&spec, "one") && spec_uses_network(&spec, "two"));
        assert!(!spec_uses_network(&spec, "three"));
        assert!(!spec_uses_network(
            &serde_json::json!({"network": "Host"}),
            "one"
        ));
        assert!(!spec_uses_network(&serde_json::Value::Null, "one"));
    }

    #[test]
    fn ids_are_64_hex_digits() {
        let a = random_id().unwrap();
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, random_id().unwrap());
    }
}
