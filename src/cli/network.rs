//! The `network` group: `create`, `ls`, `inspect`, `rm`, `prune`,
//! `exists`. Output as Podman 4 prints it with netavark: `ls` columns
//! NETWORK ID, NAME, DRIVER; `inspect` and `ls --format json` the
//! netavark network objects (`name`, `id`, `network_interface`,
//! `subnets` …); templates see the Go field names (`{{.Name}}`,
//! `{{.NetworkInterface}}`, `{{.Subnets}}`).

use super::format as tmpl;
use super::output;
use crate::ops;
use crate::ops::network::NotFound;
use crate::store::networks::NetworkRecord;
use crate::store::StorePaths;
use anyhow::Result;
use clap::{Args, Subcommand};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

#[derive(Subcommand, Debug)]
#[command(defer = true)]
pub enum NetworkCommand {
    /// Create a network
    Create(CreateArgs),
    /// List networks
    #[command(name = "ls", visible_alias = "list")]
    Ls(LsArgs),
    /// Display the configuration of networks
    Inspect(InspectArgs),
    /// Remove networks
    #[command(visible_alias = "remove")]
    Rm(RmArgs),
    /// Remove all networks no container is on
    Prune(PruneArgs),
    /// Exit 0 if a network exists, 1 if not
    Exists(ExistsArgs),
    /// Put a container on a network
    Connect(ConnectArgs),
    /// Take a container off a network
    Disconnect(DisconnectArgs),
}

pub fn run(paths: &StorePaths, c: &NetworkCommand) -> Result<i32> {
    match c {
        NetworkCommand::Create(a) => create(paths, a),
        NetworkCommand::Ls(a) => ls(paths, a),
        NetworkCommand::Inspect(a) => inspect(paths, a),
        NetworkCommand::Rm(a) => rm(paths, a),
        NetworkCommand::Prune(a) => prune(paths, a),
        NetworkCommand::Exists(a) => exists(paths, a),
        NetworkCommand::Connect(a) => {
            ops::network::connect(
                paths,
                &a.network,
                &a.container,
                &a.alias,
                a.ip.as_deref(),
                a.ip6.as_deref(),
            )?;
            Ok(0)
        }
        NetworkCommand::Disconnect(a) => {
            ops::network::disconnect(paths, &a.network, &a.container)?;
            Ok(0)
        }
    }
}

layer_files!(false: CreateArgs, LsArgs, InspectArgs, PruneArgs, ExistsArgs, ConnectArgs, DisconnectArgs);

/// `rm --force` removes the containers on the network, whose upper
/// layers may hold files of subordinate ids.
impl super::LayerFiles for RmArgs {
    fn touches_layer_files(&self) -> bool {
        self.force
    }
}
layer_files_of!(NetworkCommand: Create, Ls, Inspect, Rm, Prune, Exists, Connect, Disconnect);

#[derive(Args, Debug)]
pub struct CreateArgs {
    /// The driver (bridge is the only one)
    #[arg(short, long, value_name = "DRIVER", default_value = "bridge")]
    driver: String,
    /// The subnet, ADDRESS/PREFIX (default: the first free
    /// 10.89.N.0/24); once for IPv4 and once more for IPv6
    #[arg(long, value_name = "CIDR")]
    subnet: Vec<String>,
    /// The gateway's address in the subnet of its family (default: the
    /// subnet's first host address)
    #[arg(long, value_name = "IP")]
    gateway: Vec<String>,
    /// Hand out container addresses from this part of the subnet of its
    /// family only
    #[arg(long, value_name = "CIDR")]
    ip_range: Vec<String>,
    /// No route out of the network: its containers reach only each other
    #[arg(long)]
    internal: bool,
    /// Set a label on the network (KEY=VALUE, or KEY)
    #[arg(long, value_name = "KEY[=VALUE]")]
    label: Vec<String>,
    /// IPv6 too: an IPv6 --subnet, else a free unique local /64
    #[arg(long)]
    ipv6: bool,
    /// The network's name
    name: String,
}

/// `network create`: prints the new network's name.
pub fn create(paths: &StorePaths, a: &CreateArgs) -> Result<i32> {
    let (subnet, subnet6) = by_family(&a.subnet, "--subnet")?;
    let (gateway, gateway6) = by_family(&a.gateway, "--gateway")?;
    let (ip_range, ip_range6) = by_family(&a.ip_range, "--ip-range")?;
    let opts = ops::network::CreateOptions {
        name: a.name.clone(),
        driver: a.driver.clone(),
        subnet,
        gateway,
        ip_range,
        internal: a.internal,
        labels: a.label.clone(),
        ipv6: a.ipv6,
        subnet6,
        gateway6,
        ip_range6,
    };
    let rec = ops::network::create(paths, &opts)?;
    output::println(&rec.name)?;
    Ok(0)
}

/// The IPv4 and the IPv6 value of a repeatable flag (IPv6 values hold a
/// colon); at most one of each.
fn by_family(values: &[String], flag: &str) -> Result<(Option<String>, Option<String>)> {
    let (v6, v4): (Vec<&String>, Vec<&String>) = values.iter().partition(|v| v.contains(':'));
    if v4.len() > 1 || v6.len() > 1 {
        anyhow::bail!("{flag}: give it at most once for IPv4 and once for IPv6");
    }
    Ok((v4.first().cloned().cloned(), v6.first().cloned().cloned()))
}

/// One subnet of a network as netavark writes it.
#[derive(Serialize)]
struct SubnetJson {
    subnet: String,
    gateway: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    lease_range: Option<LeaseRangeJson>,
}

#[derive(Serialize)]
struct LeaseRangeJson {
    start_ip: String,
    end_ip: String,
}

/// A network as Podman 4 (netavark) shows it, keys in Podman's order.
#[derive(Serialize)]
struct NetworkJson<'a> {
    name: &'a str,
    id: &'a str,
    driver: &'a str,
    network_interface: &'a str,
    created: String,
    subnets: Vec<SubnetJson>,
    ipv6_enabled: bool,
    internal: bool,
    dns_enabled: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    labels: &'a BTreeMap<String, String>,
    ipam_options: BTreeMap<&'static str, &'static str>,
}

/// When the network was made; the default network, which has no record,
/// was made now (as Podman says of its own).
fn created(r: &NetworkRecord, now: i64) -> String {
    let t = if r.created > 0 { r.created } else { now };
    crate::image::time::format_rfc3339(t)
}

/// The JSON of a network (serialized as it is: a `Value` would sort the
/// keys).
fn network_json(r: &NetworkRecord, now: i64) -> NetworkJson<'_> {
    NetworkJson {
        name: &r.name,
        id: &r.id,
        driver: &r.driver,
        network_interface: &r.interface,
        created: created(r, now),
        subnets: subnets(r)
            .into_iter()
            .map(|(subnet, gateway, lease)| SubnetJson {
                subnet,
                gateway,
                lease_range: lease.map(|(start_ip, end_ip)| LeaseRangeJson { start_ip, end_ip }),
            })
            .collect(),
        ipv6_enabled: r.ipv6,
        internal: r.internal,
        dns_enabled: false,
        labels: &r.labels,
        ipam_options: BTreeMap::from([("driver", "host-local")]),
    }
}

/// The subnets of `r` (IPv4, then IPv6 if it has one): subnet, gateway
/// and lease range.
type Subnet = (String, String, Option<(String, String)>);

fn subnets(r: &NetworkRecord) -> Vec<Subnet> {
    let mut out = vec![(
        r.subnet.clone(),
        r.gateway.clone(),
        ops::network::lease_range(r).map(|(s, e)| (s.to_string(), e.to_string())),
    )];
    if let (Some(s), Some(g)) = (&r.subnet6, &r.gateway6) {
        out.push((
            s.clone(),
            g.clone(),
            ops::network::lease_range6(r).map(|(s, e)| (s.to_string(), e.to_string())),
        ));
    }
    out
}

/// The fields a template sees, named as Podman's Go struct names them.
fn template_value(r: &NetworkRecord, now: i64) -> Value {
    let subnets: Vec<Value> = subnets(r)
        .into_iter()
        .map(|(s, g, lease)| {
            let lease = lease.map(|(a, b)| json!({"StartIP": a, "EndIP": b}));
            json!({"Subnet": s, "Gateway": g, "LeaseRange": lease})
        })
        .collect();
    json!({
        "Name": r.name,
        "ID": r.id,
        "Driver": r.driver,
        "NetworkInterface": r.interface,
        "Created": created(r, now),
        "Subnets": subnets,
        "IPv6Enabled": r.ipv6,
        "Internal": r.internal,
        "DNSEnabled": false,
        "Labels": r.labels,
        "Options": {},
        "IPAMOptions": {"driver": "host-local"},
    })
}

#[derive(Args, Debug)]
pub struct LsArgs {
    /// Show only network names
    #[arg(short, long)]
    quiet: bool,
    /// Filter: name=TEXT (^ and $ anchor it), label=KEY[=VALUE],
    /// driver=DRIVER, id=PREFIX
    #[arg(short, long, value_name = "FILTER")]
    filter: Vec<String>,
    /// `json`, or a Go template such as '{{.Name}} {{.Driver}}'
    #[arg(long, value_name = "FORMAT")]
    format: Option<String>,
    /// Do not truncate network IDs
    #[arg(long)]
    no_trunc: bool,
    /// Do not print the header
    #[arg(long)]
    noheading: bool,
}

/// `network ls`.
pub fn ls(paths: &StorePaths, a: &LsArgs) -> Result<i32> {
    let list = ops::network::list(paths, &a.filter)?;
    if a.quiet {
        let text: String = list.iter().map(|r| format!("{}\n", r.name)).collect();
        output::print(&text)?;
        return Ok(0);
    }
    let id = |r: &NetworkRecord| {
        if a.no_trunc {
            r.id.clone()
        } else {
            r.id.chars().take(12).collect()
        }
    };
    let now = crate::image::time::now_unix();
    if let Some(f) = &a.format {
        if f == "json" {
            let docs: Vec<NetworkJson> = list.iter().map(|r| network_json(r, now)).collect();
            output::println(&serde_json::to_string_pretty(&docs)?)?;
            return Ok(0);
        }
        let t = tmpl::Template::parse(f)?;
        if !(t.is_table() && t.is_empty()) {
            let rows: Vec<Value> = list
                .iter()
                .map(|r| {
                    let mut v = template_value(r, now);
                    v["ID"] = json!(id(r));
                    // `ls` shows labels as Podman's list does: k=v,k2=v2.
                    let labels: Vec<String> =
                        r.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    v["Labels"] = json!(labels.join(","));
                    v
                })
                .collect();
            let headers = HashMap::from([("ID", "NETWORK ID")]);
            output::print(&t.render_rows(&rows, &headers)?)?;
            return Ok(0);
        }
    }
    let cells: Vec<Vec<String>> = list
        .iter()
        .map(|r| vec![id(r), r.name.clone(), r.driver.clone()])
        .collect();
    let head: &[&str] = if a.noheading {
        &[]
    } else {
        &["NETWORK ID", "NAME", "DRIVER"]
    };
    output::print(&tmpl::table(head, &cells))?;
    Ok(0)
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// `json` (the default), or a Go template such as '{{.Subnets}}'
    #[arg(short, long, value_name = "FORMAT")]
    format: Option<String>,
    /// Networks (names or IDs)
    #[arg(required = true)]
    networks: Vec<String>,
}

/// `network inspect`: a JSON array, or the template once per network.
pub fn inspect(paths: &StorePaths, a: &InspectArgs) -> Result<i32> {
    let list = ops::network::inspect(paths, &a.networks)?;
    let now = crate::image::time::now_unix();
    match a.format.as_deref() {
        None | Some("json") => {
            let docs: Vec<NetworkJson> = list.iter().map(|r| network_json(r, now)).collect();
            output::println(&serde_json::to_string_pretty(&docs)?)?;
        }
        Some(f) => {
            let docs: Vec<Value> = list.iter().map(|r| template_value(r, now)).collect();
            output::print_each(f, &docs)?;
        }
    }
    Ok(0)
}

#[derive(Args, Debug)]
pub struct RmArgs {
    /// Remove the containers on the networks first (running ones are
    /// killed); networks that do not exist are no error
    #[arg(short, long)]
    force: bool,
    /// Networks (names or IDs)
    #[arg(required = true)]
    networks: Vec<String>,
}

/// `network rm`: prints each network removed, as named. A network that
/// does not exist fails it with exit code 1, as Podman's (nothing is
/// removed then); other errors with 125.
pub fn rm(paths: &StorePaths, a: &RmArgs) -> Result<i32> {
    output::removed(ops::network::remove(paths, &a.networks, a.force), |e| {
        e.is::<NotFound>()
    })
}

#[derive(Args, Debug)]
pub struct PruneArgs {
    /// Do not ask for confirmation
    #[arg(short, long)]
    force: bool,
}

/// `network prune`: prints the networks removed.
pub fn prune(paths: &StorePaths, a: &PruneArgs) -> Result<i32> {
    output::prune_after_asking(
        a.force,
        "WARNING! This will remove all networks not used by at least one container.\nAre you sure you want to continue?",
        || ops::network::prune(paths),
    )
}

#[derive(Args, Debug)]
pub struct ExistsArgs {
    /// The network (name or ID)
    network: String,
}

/// `network exists`: exit 0 if it does, 1 if not; prints nothing.
pub fn exists(paths: &StorePaths, a: &ExistsArgs) -> Result<i32> {
    Ok(if ops::network::exists(paths, &a.network)? {
        0
    } else {
        1
    })
}

#[derive(Args, Debug)]
pub struct ConnectArgs {
    /// Another name of the container on this network
    #[arg(long, value_name = "NAME")]
    alias: Vec<String>,
    /// The container's IPv4 address on this network
    #[arg(long, value_name = "IP")]
    ip: Option<String>,
    /// The container's IPv6 address on this network
    #[arg(long, value_name = "IP")]
    ip6: Option<String>,
    /// The network (name or ID)
    network: String,
    /// The container (name or ID)
    container: String,
}

#[derive(Args, Debug)]
pub struct DisconnectArgs {
    /// Accepted for Podman's sake: a running container is always
    /// disconnected at once
    #[arg(short, long)]
    force: bool,
    /// The network (name or ID)
    network: String,
    /// The container (name or ID)
    container: String,
}
