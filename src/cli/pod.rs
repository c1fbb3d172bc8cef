//! The `pod` group: `create`, `ps`, `inspect`, `start`, `stop`,
//! `restart`, `kill`, `rm`, `prune`, `exists`, `logs`, as Podman 4 has
//! them: `ps` columns POD ID, NAME, STATUS, CREATED, INFRA ID, # OF
//! CONTAINERS; `inspect` and `ps --format json` Podman's pod objects,
//! which templates see by the same names.

use super::container::{background, print_logs, state_name, NetworkArgs};
use super::format as tmpl;
use super::output;
use crate::ops;
use crate::ops::pod::{PodInfo, PodOptions};
use crate::store::StorePaths;
use anyhow::{bail, Result};
use clap::{ArgAction, Args, Subcommand};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;

#[derive(Subcommand, Debug)]
#[command(defer = true)]
pub enum PodCommand {
    /// Create a pod: containers that share namespaces
    Create(Box<CreateArgs>),
    /// List pods
    #[command(name = "ps", visible_aliases = ["ls", "list"])]
    Ps(PsArgs),
    /// Display the configuration of pods
    Inspect(InspectArgs),
    /// Start pods: the infra container, then the others
    Start(NamesArgs),
    /// Stop pods: their containers, then the infra container
    Stop(StopArgs),
    /// Stop and start pods again
    Restart(NamesArgs),
    /// Send a signal to the running containers of pods
    Kill(KillArgs),
    /// Remove pods and their containers
    #[command(visible_alias = "remove")]
    Rm(RmArgs),
    /// Remove every pod none of whose containers runs
    Prune(PruneArgs),
    /// Exit 0 if a pod exists, 1 if not
    Exists(ExistsArgs),
    /// Show the logs of a pod's containers, each line after its
    /// container's name
    Logs(LogsArgs),
}

pub fn run(paths: &StorePaths, c: &PodCommand) -> Result<i32> {
    match c {
        PodCommand::Create(a) => create(paths, a),
        PodCommand::Ps(a) => ps(paths, a),
        PodCommand::Inspect(a) => inspect(paths, a),
        PodCommand::Start(a) => each(&chosen(paths, a.all, &a.pods)?, |p| start(paths, p)),
        PodCommand::Stop(a) => each(&chosen(paths, a.all, &a.pods)?, |p| {
            Ok(ops::pod::stop(paths, p, a.time.map(Duration::from_secs))?.id)
        }),
        PodCommand::Restart(a) => each(&chosen(paths, a.all, &a.pods)?, |p| {
            ops::pod::stop(paths, p, None)?;
            start(paths, p)
        }),
        PodCommand::Kill(a) => {
            let sig = ops::containers::parse_signal(&a.signal)?;
            let pods = match a.all {
                // Those with a container to signal.
                true => ops::pod::list(paths)?
                    .into_iter()
                    .filter(|p| p.containers.iter().any(|c| c.state.is_live()))
                    .map(|p| p.record.id)
                    .collect(),
                false => a.pods.clone(),
            };
            each(&pods, |p| Ok(ops::pod::kill(paths, p, sig)?.id))
        }
        PodCommand::Rm(a) => rm(paths, a),
        PodCommand::Prune(a) => output::prune_after_asking(
            a.force,
            "WARNING! This will remove all stopped/exited pods..\nAre you sure you want to continue?",
            || ops::pod::prune(paths),
        ),
        PodCommand::Exists(a) => Ok(match ops::pod::inspect(paths, &a.pod) {
            Ok(_) => 0,
            Err(e) if e.is::<crate::store::pods::PodNotFound>() => 1,
            Err(e) => return Err(e),
        }),
        PodCommand::Logs(a) => logs(paths, a),
    }
}

// Which commands read or write layer files (see `LayerFiles`):
// Removing a pod removes its containers' files (rootless:
// subordinate ids).
layer_files!(true: RmArgs, PruneArgs);
layer_files!(false: CreateArgs, PsArgs, InspectArgs, NamesArgs, StopArgs, KillArgs, ExistsArgs, LogsArgs);
layer_files_of!(PodCommand: Create, Ps, Inspect, Start, Stop, Restart, Kill, Rm, Prune, Exists, Logs);

/// The pods named, or with `all` every pod (by id).
fn chosen(paths: &StorePaths, all: bool, named: &[String]) -> Result<Vec<String>> {
    Ok(match all {
        true => ops::pod::list(paths)?
            .into_iter()
            .map(|p| p.record.id)
            .collect(),
        false => named.to_vec(),
    })
}

/// Act on each pod, printing its id as Podman does; every pod is tried,
/// and the exit code is 125 if one failed.
fn each(pods: &[String], mut f: impl FnMut(&str) -> Result<String>) -> Result<i32> {
    if pods.is_empty() {
        return Ok(0);
    }
    if let [one] = pods {
        output::println(&f(one)?)?;
        return Ok(0);
    }
    let mut code = 0;
    for p in pods {
        match f(p) {
            Ok(id) => output::println(&id)?,
            Err(e) => {
                eprintln!("Error: {}", output::one_line(&e));
                code = super::exit::ERROR;
            }
        }
    }
    Ok(code)
}

/// `pod start`: the infra container first, then the others, each
/// detached; the pod's id.
fn start(paths: &StorePaths, pod: &str) -> Result<String> {
    let (rec, ids) = ops::pod::to_start(paths, pod)?;
    for id in &ids {
        if let Err(code) = background(paths, id, false)? {
            bail!(
                "pod {}: a container did not start (exit code {code})",
                rec.name
            );
        }
    }
    Ok(rec.id)
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    /// The pod's name (default: a generated one)
    #[arg(short, long, value_name = "NAME")]
    name: Option<String>,
    /// Publish a port of the pod: [IP:]HOSTPORT:CTRPORT[/tcp] or CTRPORT
    #[arg(short, long, value_name = "PORT")]
    publish: Vec<String>,
    #[command(flatten)]
    net: NetworkArgs,
    /// The namespaces its containers share: a comma-separated list of
    /// ipc, net, pid, uts (default ipc,net,uts; cgroup is accepted)
    #[arg(long, value_name = "KINDS")]
    share: Option<String>,
    /// Set a label on the pod
    #[arg(short, long, value_name = "KEY[=VALUE]")]
    label: Vec<String>,
    /// The pod's hostname (default: its name)
    #[arg(long, value_name = "NAME")]
    hostname: Option<String>,
    /// Make an infra container to hold the shared namespaces
    /// (--infra=false: none, and nothing shared)
    #[arg(long, value_name = "BOOL", default_value = "true", num_args = 0..=1,
          default_missing_value = "true", action = ArgAction::Set)]
    infra: bool,
    /// The pod's name, as --name gives it
    #[arg(value_name = "NAME", conflicts_with = "name")]
    pod: Option<String>,
}

fn create(paths: &StorePaths, a: &CreateArgs) -> Result<i32> {
    let opts = a.net.pod_options(PodOptions {
        command_line: std::env::args().collect(),
        name: a.name.clone().or_else(|| a.pod.clone()),
        publish: a.publish.clone(),
        share: a.share.clone(),
        labels: a.label.clone(),
        hostname: a.hostname.clone(),
        no_infra: !a.infra,
        ..Default::default()
    });
    output::println(&ops::pod::create(paths, &opts)?)?;
    Ok(0)
}

#[derive(Args, Debug)]
pub struct PsArgs {
    /// Show only pod IDs
    #[arg(short, long)]
    quiet: bool,
    /// Do not truncate IDs
    #[arg(long)]
    no_trunc: bool,
    /// Format: json, or a Go template (`{{.ID}} {{.Name}}`, `table ...`)
    #[arg(long, value_name = "FORMAT")]
    format: Option<String>,
    /// Do not print the header
    #[arg(long)]
    noheading: bool,
    /// Show the names of each pod's containers
    #[arg(long)]
    ctr_names: bool,
    /// Show the IDs of each pod's containers
    #[arg(long)]
    ctr_ids: bool,
    /// Show the status of each pod's containers
    #[arg(long)]
    ctr_status: bool,
    /// Show only pods that match: id=PREFIX, name=TEXT, label=KEY[=VALUE],
    /// status=created|running|degraded|exited, ctr-names=NAME,
    /// ctr-ids=PREFIX, ctr-status=STATE, ctr-number=N (repeated keys: any
    /// of them; different keys: all)
    #[arg(short, long = "filter", value_name = "KEY=VALUE")]
    filter: Vec<String>,
}

const PS_FILTERS: [&str; 8] = [
    "id",
    "name",
    "label",
    "status",
    "ctr-names",
    "ctr-ids",
    "ctr-status",
    "ctr-number",
];

fn matches(p: &PodInfo, filters: &[(String, String)]) -> bool {
    let r = &p.record;
    let one = |k: &str, v: &str| match k {
        "id" => r.id.starts_with(v),
        "name" => r.name.contains(v),
        "label" => match v.split_once('=') {
            Some((k, v)) => r.labels.get(k).is_some_and(|x| x == v),
            None => r.labels.contains_key(v),
        },
        "status" => p.status().eq_ignore_ascii_case(v),
        "ctr-names" => p.containers.iter().any(|c| c.record.name == v),
        "ctr-ids" => p.containers.iter().any(|c| c.record.id.starts_with(v)),
        "ctr-status" => p.containers.iter().any(|c| state_name(c.state) == v),
        "ctr-number" => v.parse() == Ok(p.containers.len()),
        _ => false,
    };
    // One key's values: any; different keys: all.
    let mut keys: Vec<&str> = filters.iter().map(|(k, _)| k.as_str()).collect();
    keys.dedup();
    keys.iter().all(|key| {
        filters
            .iter()
            .filter(|(k, _)| k == key)
            .any(|(k, v)| one(k, v))
    })
}

/// Podman's `pod ps --format json` object.
fn ps_json(p: &PodInfo) -> Value {
    let r = &p.record;
    let networks: Vec<String> = p
        .infra()
        .and_then(|c| ops::containers::spec_of(&c.record).ok())
        .map(|s| match s.network {
            crate::runtime::spec::Network::Bridge(b) => {
                b.attachments.iter().map(|a| a.network.clone()).collect()
            }
            _ => Vec::new(),
        })
        .unwrap_or_default();
    json!({
        "Cgroup": "",
        "Containers": p.containers.iter().map(|c| json!({
            "Id": c.record.id,
            "Names": c.record.name,
            "Status": state_name(c.state),
            "RestartCount": c.record.restart_count,
        })).collect::<Vec<_>>(),
        "Created": crate::image::time::format_rfc3339_nanos(
            r.created * 1_000_000_000 + i64::from(r.created_nanos)),
        "Id": r.id,
        "InfraId": r.infra.clone().unwrap_or_default(),
        "Name": r.name,
        "Namespace": "",
        "Networks": networks,
        "Status": p.status(),
        "Labels": r.labels,
    })
}

fn ps(paths: &StorePaths, a: &PsArgs) -> Result<i32> {
    let mut filters = Vec::new();
    for f in &a.filter {
        let Some((k, v)) = f.split_once('=') else {
            bail!("--filter {f:?}: expected KEY=VALUE");
        };
        if !PS_FILTERS.contains(&k) {
            bail!(
                "--filter {f:?}: unknown filter {k:?} (known: {})",
                PS_FILTERS.join(", ")
            );
        }
        filters.push((k.to_string(), v.to_string()));
    }
    filters.sort();
    let list: Vec<PodInfo> = ops::pod::list(paths)?
        .into_iter()
        .filter(|p| matches(p, &filters))
        .collect();
    let id = |s: &str| match a.no_trunc {
        true => s.to_string(),
        false => s.chars().take(12).collect(),
    };
    if a.quiet {
        let text: String = list.iter().map(|p| id(&p.record.id) + "\n").collect();
        output::print(&text)?;
        return Ok(0);
    }
    let now = crate::image::time::now_unix();
    let joined = |p: &PodInfo, f: &dyn Fn(&ops::containers::ContainerInfo) -> String| {
        p.containers.iter().map(f).collect::<Vec<_>>().join(",")
    };
    if let Some(f) = &a.format {
        let docs: Vec<Value> = list.iter().map(ps_json).collect();
        if f == "json" {
            output::println(&serde_json::to_string_pretty(&docs)?)?;
            return Ok(0);
        }
        // Templates see the table's cells by Podman's names.
        let rows: Vec<Value> = list
            .iter()
            .zip(docs)
            .map(|(p, mut row)| {
                let r = &p.record;
                for (k, v) in [
                    ("ID", json!(id(&r.id))),
                    ("Created", json!(output::human_age(r.created, now))),
                    (
                        "InfraID",
                        json!(r.infra.as_deref().map(id).unwrap_or_default()),
                    ),
                    ("NumberOfContainers", json!(p.containers.len())),
                    (
                        "ContainerNames",
                        json!(joined(p, &|c| c.record.name.clone())),
                    ),
                    ("ContainerIds", json!(joined(p, &|c| id(&c.record.id)))),
                    (
                        "ContainerStatuses",
                        json!(joined(p, &|c| state_name(c.state).to_string())),
                    ),
                    (
                        "Networks",
                        json!(row["Networks"].as_array().map(|n| {
                            n.iter()
                                .filter_map(Value::as_str)
                                .collect::<Vec<_>>()
                                .join(",")
                        })),
                    ),
                ] {
                    row[k] = v;
                }
                row
            })
            .collect();
        let headers = HashMap::from([
            ("ID", "POD ID"),
            ("InfraID", "INFRA ID"),
            ("NumberOfContainers", "# OF CONTAINERS"),
            ("ContainerNames", "NAMES"),
            ("ContainerIds", "IDS"),
            ("ContainerStatuses", "STATUS"),
        ]);
        let t = tmpl::Template::parse(f)?;
        let text = t.render_rows(&rows, &headers)?;
        output::print(match (a.noheading, f.trim_start().starts_with("table")) {
            (true, true) => text.split_once('\n').map_or("", |(_, rest)| rest),
            _ => &text,
        })?;
        return Ok(0);
    }
    let mut head = vec!["POD ID", "NAME", "STATUS", "CREATED", "INFRA ID"];
    if a.ctr_ids {
        head.push("IDS");
    }
    if a.ctr_names {
        head.push("NAMES");
    }
    if a.ctr_status {
        head.push("STATUS");
    }
    if !(a.ctr_ids || a.ctr_names || a.ctr_status) {
        head.push("# OF CONTAINERS");
    }
    let cells: Vec<Vec<String>> = list
        .iter()
        .map(|p| {
            let r = &p.record;
            let mut row = vec![
                id(&r.id),
                r.name.clone(),
                p.status().to_string(),
                output::human_age(r.created, now),
                r.infra.as_deref().map(id).unwrap_or_default(),
            ];
            if a.ctr_ids {
                row.push(joined(p, &|c| id(&c.record.id)));
            }
            if a.ctr_names {
                row.push(joined(p, &|c| c.record.name.clone()));
            }
            if a.ctr_status {
                row.push(joined(p, &|c| state_name(c.state).to_string()));
            }
            if !(a.ctr_ids || a.ctr_names || a.ctr_status) {
                row.push(p.containers.len().to_string());
            }
            row
        })
        .collect();
    let head: &[&str] = if a.noheading { &[] } else { &head };
    output::print(&tmpl::table(head, &cells))?;
    Ok(0)
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// Format: json (default) or a Go template (`{{.State}}`)
    #[arg(short, long, value_name = "FORMAT")]
    format: Option<String>,
    /// Pods (names or IDs)
    #[arg(required = true)]
    pods: Vec<String>,
}

/// Podman's `pod inspect` object.
fn inspect_json(p: &PodInfo) -> Value {
    let r = &p.record;
    let spec = p
        .infra()
        .and_then(|c| ops::containers::spec_of(&c.record).ok());
    let mut bindings = serde_json::Map::new();
    for port in spec.iter().flat_map(|s| &s.ports) {
        let key = format!("{}/{}", port.container_port, port.protocol);
        let entry = bindings.entry(key).or_insert_with(|| json!([]));
        if let Some(list) = entry.as_array_mut() {
            list.push(json!({"HostIp": port.host_ip, "HostPort": port.host_port.to_string()}));
        }
    }
    let networks: Vec<String> = match spec.as_ref().map(|s| &s.network) {
        Some(crate::runtime::spec::Network::Bridge(b)) => {
            b.attachments.iter().map(|a| a.network.clone()).collect()
        }
        _ => Vec::new(),
    };
    let flags = p
        .infra()
        .map(|c| c.record.flags.clone())
        .unwrap_or_default();
    json!({
        "Id": r.id,
        "Name": r.name,
        "Created": crate::image::time::format_rfc3339_nanos(
            r.created * 1_000_000_000 + i64::from(r.created_nanos)),
        "CreateCommand": r.command_line,
        "ExitPolicy": "continue",
        "State": p.status(),
        "Hostname": r.hostname,
        "Labels": r.labels,
        "CreateCgroup": false,
        "CreateInfra": r.infra.is_some(),
        "InfraContainerID": r.infra.clone().unwrap_or_default(),
        "InfraConfig": {
            "PortBindings": bindings,
            "HostNetwork": matches!(spec.as_ref().map(|s| &s.network),
                Some(crate::runtime::spec::Network::Host)),
            "DNSServer": flags.dns,
            "DNSSearch": flags.dns_search,
            "DNSOption": flags.dns_options,
            "HostAdd": flags.add_hosts,
            "Networks": networks,
        },
        "SharedNamespaces": r.shared,
        "NumContainers": p.containers.len(),
        "Containers": p.containers.iter().map(|c| json!({
            "Id": c.record.id,
            "Name": c.record.name,
            "State": state_name(c.state),
        })).collect::<Vec<_>>(),
    })
}

fn inspect(paths: &StorePaths, a: &InspectArgs) -> Result<i32> {
    let mut docs = Vec::new();
    for p in &a.pods {
        docs.push(inspect_json(&ops::pod::inspect(paths, p)?));
    }
    match a.format.as_deref() {
        None | Some("json") => output::println(&serde_json::to_string_pretty(&docs)?)?,
        Some(f) => output::print_each(f, &docs)?,
    }
    Ok(0)
}

#[derive(Args, Debug)]
pub struct NamesArgs {
    /// Every pod
    #[arg(short, long, conflicts_with = "pods")]
    all: bool,
    /// Pods (names or IDs)
    #[arg(required_unless_present = "all")]
    pods: Vec<String>,
}

#[derive(Args, Debug)]
pub struct StopArgs {
    /// Seconds to wait for each container's stop signal to end it before
    /// SIGKILL (default: the container's --stop-timeout, else 10)
    #[arg(short = 't', long = "time", alias = "timeout", value_name = "SECONDS")]
    time: Option<u64>,
    /// Every pod
    #[arg(short, long, conflicts_with = "pods")]
    all: bool,
    /// Pods (names or IDs)
    #[arg(required_unless_present = "all")]
    pods: Vec<String>,
}

#[derive(Args, Debug)]
pub struct KillArgs {
    /// The signal: a name (TERM, SIGTERM) or a number
    #[arg(short, long, value_name = "SIGNAL", default_value = "KILL")]
    signal: String,
    /// Every pod
    #[arg(short, long, conflicts_with = "pods")]
    all: bool,
    /// Pods (names or IDs)
    #[arg(required_unless_present = "all")]
    pods: Vec<String>,
}

#[derive(Args, Debug)]
pub struct RmArgs {
    /// Stop and remove running containers of the pod too
    #[arg(short, long)]
    force: bool,
    /// Say nothing of pods that are not there
    #[arg(short, long)]
    ignore: bool,
    /// With --force: seconds each running container gets its stop signal
    /// before SIGKILL (default: SIGKILL at once)
    #[arg(short = 't', long = "time", value_name = "SECONDS")]
    time: Option<u64>,
    /// Every pod
    #[arg(short, long, conflicts_with = "pods")]
    all: bool,
    /// Pods (names or IDs)
    #[arg(required_unless_present = "all")]
    pods: Vec<String>,
}

/// `pod rm`: each pod's id once removed. A pod that is not there exits
/// 1 (as Podman), a running one without --force 2, other errors 125;
/// every pod is tried.
fn rm(paths: &StorePaths, a: &RmArgs) -> Result<i32> {
    let grace = a.time.map(Duration::from_secs);
    let mut code = 0;
    for p in &chosen(paths, a.all, &a.pods)? {
        match ops::pod::remove(paths, p, a.force, grace) {
            Ok(id) => output::println(&id)?,
            Err(e) if e.is::<crate::store::pods::PodNotFound>() => {
                if !(a.ignore || a.force) {
                    eprintln!("Error: {}", output::one_line(&e));
                    code = 1;
                }
            }
            Err(e) => {
                eprintln!("Error: {}", output::one_line(&e));
                code = if e.is::<ops::pod::PodRunning>() {
                    2
                } else {
                    super::exit::ERROR
                };
            }
        }
    }
    Ok(code)
}

#[derive(Args, Debug)]
pub struct PruneArgs {
    /// Do not ask for confirmation
    #[arg(short, long)]
    force: bool,
}

#[derive(Args, Debug)]
pub struct ExistsArgs {
    /// The pod (name or ID)
    pod: String,
}

#[derive(Args, Debug)]
pub struct LogsArgs {
    #[command(flatten)]
    window: super::container::LogWindow,
    /// Only this container of the pod (name or ID)
    #[arg(short, long, value_name = "CONTAINER")]
    container: Option<String>,
    /// Prefix lines with the container's name rather than its ID
    #[arg(short = 'n', long)]
    names: bool,
    /// The pod (name or ID)
    pod: String,
}

fn logs(paths: &StorePaths, a: &LogsArgs) -> Result<i32> {
    let o = a.window.options()?;
    let recs = ops::pod::log_sources(paths, &a.pod, a.container.as_deref())?;
    for r in &recs {
        ops::containers::log_kept(r)?;
    }
    let names: Vec<String> = recs.iter().map(|r| r.id.clone()).collect();
    let prefixes: Vec<String> = recs
        .iter()
        .map(|r| match a.names {
            true => format!("{} ", r.name),
            false => format!("{} ", &r.id[..12]),
        })
        .collect();
    print_logs(paths, &names, &prefixes, &o, a.window.timestamps)?;
    Ok(0)
}
