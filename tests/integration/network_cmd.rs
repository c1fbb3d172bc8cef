//! The `network` command group against the real binary: `create`, `ls`,
//! `inspect`, `rm`, `prune`, `exists` as Podman 4 (netavark) shows them;
//! bad input refused in one `Error:` line with exit code 125 and nothing
//! changed; the default network always listed and never removed; a
//! network in use removed only with `--force`, which removes its
//! containers. These are records only: no packet is sent, and every
//! subnet is in 198.18.0.0/15 all the same (DESIGN.md §7).

use crate::fixtures::*;
use crate::identity::*;
use crate::util::*;
use serde_json::Value;

/// The default network's fixed id, as `ls` shows it.
const DEFAULT_SHORT_ID: &str = "2f259bab93aa";

use crate::bad_input::assert_one_error_code as assert_one_error;

/// Run `args`, expecting the one-line error (exit 125) naming `names`,
/// and the store and `network ls` exactly as they were.
#[track_caller]
fn refused(env: &TestEnv, args: &[&str], names: &[&str]) {
    let before = store_listing(&env.root());
    let ls_before = env.berth(["network", "ls", "--no-trunc"]).ok().stdout;
    let out = env.berth(args).run();
    assert_one_error(&out, 125, names);
    assert!(out.stdout.is_empty(), "{}: {}", out.describe, out.stdout);
    assert_same_listing(&before, &store_listing(&env.root()), &out.describe);
    assert_eq!(
        env.berth(["network", "ls", "--no-trunc"]).ok().stdout,
        ls_before
    );
}

/// `network create --subnet SUBNET EXTRA… NAME`, which must print NAME.
#[track_caller]
fn create(env: &TestEnv, name: &str, subnet: &str, extra: &[&str]) {
    let out = env
        .berth(["network", "create", "--subnet", subnet])
        .args(extra)
        .arg(name)
        .ok();
    assert_eq!(out.stdout, format!("{name}\n"));
    assert_eq!(out.stderr, "");
}

fn names(env: &TestEnv) -> Vec<String> {
    let out = env.berth(["network", "ls", "-q"]).ok();
    out.lines().iter().map(|s| s.to_string()).collect()
}

#[test]
fn create_ls_inspect_exists_rm() {
    let env = TestEnv::new();
    // A store that does not exist yet lists the default network only,
    // and is not created by listing it.
    let out = env.berth(["network", "ls"]).ok();
    assert_eq!(
        out.stdout,
        format!("NETWORK ID    NAME        DRIVER\n{DEFAULT_SHORT_ID}  berth       bridge\n")
    );
    assert_eq!(std::fs::read_dir(env.root()).unwrap().count(), 0);

    create(
        &env,
        "net1",
        "198.18.10.0/24",
        &[
            "--gateway",
            "198.18.10.5",
            "--ip-range",
            "198.18.10.128/25",
            "--internal",
            "--label",
            "a=b",
            "--label",
            "c",
        ],
    );
    create(&env, "net0", "198.18.11.0/24", &["-d", "bridge"]);
    assert_eq!(names(&env), ["berth", "net0", "net1"]);

    let ls = env.berth(["network", "ls"]).ok();
    let lines = ls.lines();
    assert_eq!(lines.len(), 4, "{}", ls.stdout);
    assert_eq!(lines[0], "NETWORK ID    NAME        DRIVER");
    for (line, name) in lines[1..].iter().zip(["berth", "net0", "net1"]) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cols.len(), 3, "{line}");
        assert_eq!(cols[0].len(), 12, "{line}");
        assert!(cols[0].bytes().all(|c| c.is_ascii_hexdigit()), "{line}");
        assert_eq!((cols[1], cols[2]), (name, "bridge"), "{line}");
    }
    let noheading = env.berth(["network", "ls", "--noheading"]).ok();
    assert_eq!(noheading.lines(), &lines[1..]);

    // inspect: netavark's shape, keys in Podman's order.
    let out = env.berth(["network", "inspect", "net1"]).ok();
    let v = out.json();
    let n = &v[0];
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(n["name"], "net1");
    let id = n["id"].as_str().unwrap().to_string();
    assert!(
        id.len() == 64 && id.bytes().all(|c| c.is_ascii_hexdigit()),
        "{id}"
    );
    assert_eq!(n["driver"], "bridge");
    // The tests run as root, whose bridges are the host's: named after
    // the id (rootless: berth1, the first free number).
    assert_eq!(n["network_interface"], format!("berth{}", &id[..10]));
    let created = n["created"].as_str().unwrap();
    assert!(created.ends_with('Z') && created.contains('T'), "{created}");
    assert_eq!(
        n["subnets"],
        serde_json::json!([{
            "subnet": "198.18.10.0/24",
            "gateway": "198.18.10.5",
            "lease_range": {"start_ip": "198.18.10.128", "end_ip": "198.18.10.254"},
        }])
    );
    assert_eq!(n["ipv6_enabled"], false);
    assert_eq!(n["internal"], true);
    assert_eq!(n["dns_enabled"], false);
    assert_eq!(n["labels"], serde_json::json!({"a": "b", "c": ""}));
    assert_eq!(
        n["ipam_options"],
        serde_json::json!({"driver": "host-local"})
    );
    let order = [
        "\"name\"",
        "\"id\"",
        "\"driver\"",
        "\"network_interface\"",
        "\"created\"",
        "\"subnets\"",
        "\"ipv6_enabled\"",
        "\"internal\"",
        "\"dns_enabled\"",
        "\"labels\"",
        "\"ipam_options\"",
    ];
    let at: Vec<usize> = order.iter().map(|k| out.stdout.find(k).unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{}", out.stdout);
    // No labels, no key; no range, no lease_range.
    let net0 = &env.berth(["network", "inspect", "net0"]).ok().json()[0];
    assert!(net0.get("labels").is_none(), "{net0}");
    assert_eq!(
        net0["subnets"],
        serde_json::json!([{"subnet": "198.18.11.0/24", "gateway": "198.18.11.1"}])
    );
    let id0 = net0["id"].as_str().unwrap();
    assert_eq!(net0["network_interface"], format!("berth{}", &id0[..10]));

    // By id and id prefix, several at once, in the order named.
    let out = env
        .berth(["network", "inspect", &id, &id[..6], "net0", "bridge"])
        .ok();
    let got: Vec<Value> = out
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].clone())
        .collect();
    assert_eq!(got, ["net1", "net1", "net0", "berth"]);

    // Templates see Podman's Go field names.
    let out = env
        .berth([
            "network",
            "inspect",
            "--format",
            "{{.Name}} {{.NetworkInterface}} {{.Internal}} {{range .Subnets}}{{.Subnet}} {{.Gateway}} {{.LeaseRange.StartIP}}{{end}} {{.Labels.a}}",
            "net1",
        ])
        .ok();
    assert_eq!(
        out.stdout,
        format!(
            "net1 berth{} true 198.18.10.0/24 198.18.10.5 198.18.10.128 b\n",
            &id[..10]
        )
    );
    let out = env
        .berth(["network", "inspect", "--format", "{{.ID}}", "net1"])
        .ok();
    assert_eq!(out.stdout, format!("{id}\n"));
    let out = env
        .berth(["network", "ls", "--format", "{{.ID}} {{.Name}} {{.Labels}}"])
        .ok();
    assert_eq!(
        out.lines(),
        [
            format!("{DEFAULT_SHORT_ID} berth"),
            format!("{} net0", net0["id"].as_str().unwrap()[..12].to_owned()),
            format!("{} net1 a=b,c=", &id[..12]),
        ]
    );
    let out = env
        .berth(["network", "ls", "--format", "table {{.ID}}\t{{.Name}}"])
        .ok();
    assert_eq!(out.lines()[0], "NETWORK ID    NAME");
    let json = env.berth(["network", "ls", "--format", "json"]).ok().json();
    let listed: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["berth", "net0", "net1"]);
    assert_eq!(json[2], v[0]);

    // exists: an exit code, no output.
    for (name, code) in [
        ("net1", 0),
        (&id[..8], 0),
        ("bridge", 0),
        ("berth", 0),
        ("nosuch", 1),
    ] {
        let out = env.berth(["network", "exists", name]).fails(code);
        assert_eq!(
            (out.stdout.as_str(), out.stderr.as_str()),
            ("", ""),
            "{name}"
        );
    }

    // rm prints each network as named.
    let out = env.berth(["network", "rm", "net0", &id[..10]]).ok();
    assert_eq!(out.stdout, format!("net0\n{}\n", &id[..10]));
    assert_eq!(names(&env), ["berth"]);
    env.berth(["network", "exists", "net1"]).fails(1);
    // The name is free again, and so are the bridge and the subnet.
    create(&env, "net1", "198.18.10.0/24", &[]);
    let again = &env.berth(["network", "inspect", "net1"]).ok().json()[0];
    assert_ne!(again["id"], id.as_str());
    let again_id = again["id"].as_str().unwrap();
    assert_eq!(
        again["network_interface"],
        format!("berth{}", &again_id[..10])
    );
    env.berth(["system", "check"]).ok();
}

#[test]
fn ls_filters() {
    let env = TestEnv::new();
    create(&env, "front", "198.18.20.0/24", &["--label", "tier=web"]);
    create(
        &env,
        "back",
        "198.18.21.0/24",
        &["--label", "tier=db", "--label", "x"],
    );
    create(&env, "frontier", "198.18.22.0/24", &[]);
    let ls = |filters: &[&str]| -> Vec<String> {
        let mut cmd = env.berth(["network", "ls", "-q"]);
        for f in filters {
            cmd = cmd.args(["--filter", f]);
        }
        cmd.ok().lines().iter().map(|s| s.to_string()).collect()
    };
    assert_eq!(ls(&["name=front"]), ["front", "frontier"]);
    assert_eq!(ls(&["name=^front$"]), ["front"]);
    assert_eq!(ls(&["name=back", "name=berth"]), ["back", "berth"]);
    assert_eq!(ls(&["label=tier"]), ["back", "front"]);
    assert_eq!(ls(&["label=tier=web"]), ["front"]);
    assert_eq!(ls(&["label=x"]), ["back"]);
    assert_eq!(ls(&["label=tier", "name=front"]), ["front"]);
    assert_eq!(ls(&["driver=bridge"]).len(), 4);
    assert!(ls(&["driver=macvlan"]).is_empty());
    assert_eq!(ls(&["id=2f259"]), ["berth"]);
    refused(&env, &["network", "ls", "--filter", "bogus=1"], &["bogus"]);
    refused(&env, &["network", "ls", "-f", "name"], &["name"]);
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let env = TestEnv::new();
    // Not even a store is made for input that is bad on its face.
    refused(
        &env,
        &["network", "create", "--subnet", "198.18.30.0/33", "n"],
        &["198.18.30.0/33"],
    );
    assert_eq!(std::fs::read_dir(env.root()).unwrap().count(), 0);
    create(&env, "taken", "198.18.30.0/24", &[]);
    let bad: &[(&[&str], &[&str])] = &[
        (
            &["--subnet", "198.18.31.0/33", "n"],
            &["invalid subnet", "198.18.31.0/33"],
        ),
        (&["--subnet", "bogus", "n"], &["invalid subnet", "bogus"]),
        (
            &["--subnet", "198.18.31/24", "n"],
            &["invalid subnet", "198.18.31/24"],
        ),
        (
            &["--subnet", "198.18.31.1/24", "n"],
            &["invalid subnet", "198.18.31.1/24"],
        ),
        (
            &["--subnet", "198.18.31.0/31", "n"],
            &["invalid subnet", "198.18.31.0/31"],
        ),
        (&["--subnet", "198.18.31.0/24", "a/b"], &["a/b"]),
        (&["--subnet", "198.18.31.0/24", "--", "-x"], &["\"-x\""]),
        (
            &[
                "--subnet",
                "198.18.31.0/24",
                "--gateway",
                "198.18.32.1",
                "n",
            ],
            &["198.18.32.1", "198.18.31.0/24"],
        ),
        (
            &[
                "--subnet",
                "198.18.31.0/24",
                "--gateway",
                "198.18.31.255",
                "n",
            ],
            &["198.18.31.255", "broadcast"],
        ),
        (
            &[
                "--subnet",
                "198.18.31.0/24",
                "--gateway",
                "198.18.31.0",
                "n",
            ],
            &["198.18.31.0", "network address"],
        ),
        (
            &[
                "--subnet",
                "198.18.31.0/24",
                "--ip-range",
                "198.18.32.0/25",
                "n",
            ],
            &["198.18.32.0/25", "198.18.31.0/24"],
        ),
        (&["--gateway", "198.18.31.1", "n"], &["--subnet"]),
        (
            &["--subnet", "198.18.30.128/25", "n"],
            &["198.18.30.128/25", "taken"],
        ),
        (
            &["--subnet", "198.18.0.0/16", "n"],
            &["198.18.0.0/16", "taken"],
        ),
        (
            &["--subnet", "198.18.31.0/24", "taken"],
            &["taken", "in use"],
        ),
        (
            &["--subnet", "198.18.31.0/24", "bridge"],
            &["bridge", "reserved"],
        ),
        (
            &["--subnet", "198.18.31.0/24", "berth"],
            &["berth", "reserved"],
        ),
        (
            &["--subnet", "198.18.31.0/24", "host"],
            &["host", "reserved"],
        ),
        (
            &["--subnet", "198.18.31.0/24", "-d", "macvlan", "n"],
            &["macvlan"],
        ),
        (
            &["--subnet", "fd42:31::/64", "--subnet", "fd42:32::/64", "n"],
            &["--subnet", "once for IPv6"],
        ),
        (
            &["--subnet", "198.18.31.0/24", "--gateway", "fd42:31::1", "n"],
            &["IPv6 --gateway", "needs"],
        ),
        (
            &["--subnet", "fd42:31::/130", "n"],
            &["fd42:31::/130", "prefix"],
        ),
        (
            &["--subnet", "198.18.31.0/24", "--label", "=v", "n"],
            &["=v"],
        ),
    ];
    for (args, named) in bad {
        let mut all = vec!["network", "create"];
        all.extend_from_slice(args);
        refused(&env, &all, named);
    }
    refused(&env, &["network", "inspect", "nosuch"], &["nosuch"]);
    refused(
        &env,
        &["network", "inspect", "taken", "nosuch"],
        &["nosuch"],
    );
    assert_eq!(names(&env), ["berth", "taken"]);
}

#[test]
fn default_network_is_listed_and_not_removable() {
    let env = TestEnv::new();
    create(&env, "other", "198.18.40.0/24", &[]);
    for name in ["berth", "bridge", DEFAULT_SHORT_ID] {
        refused(&env, &["network", "rm", name], &["default network"]);
        refused(&env, &["network", "rm", "-f", name], &["default network"]);
    }
    // One bad name among good ones: nothing is removed.
    refused(
        &env,
        &["network", "rm", "other", "berth"],
        &["default network"],
    );
    let d = &env.berth(["network", "inspect", "bridge"]).ok().json()[0];
    assert_eq!(d["name"], "berth");
    assert_eq!(d["network_interface"], "berth0");
    assert_eq!(
        d["subnets"],
        serde_json::json!([{"subnet": "10.88.0.0/16", "gateway": "10.88.0.1"}])
    );
    assert_eq!(
        d["id"].as_str().unwrap()[..12].to_string(),
        DEFAULT_SHORT_ID.to_string()
    );
    env.berth(["network", "prune", "-f"]).ok();
    assert_eq!(names(&env), ["berth"]);
}

#[test]
fn rm_of_a_missing_network_exits_1_and_removes_nothing() {
    let env = TestEnv::new();
    create(&env, "keep", "198.18.41.0/24", &[]);
    let before = store_listing(&env.root());
    let out = env.berth(["network", "rm", "keep", "nosuch"]).run();
    assert_one_error(&out, 1, &["nosuch"]);
    assert_eq!(out.stdout, "");
    assert_same_listing(&before, &store_listing(&env.root()), &out.describe);
    // With --force, a missing network is no error (as Podman's).
    let out = env.berth(["network", "rm", "-f", "nosuch", "keep"]).ok();
    assert_eq!(out.stdout, "keep\n");
    assert_eq!(names(&env), ["berth"]);
    // A store that does not exist: still the same answer, still no store.
    let fresh = TestEnv::new();
    assert_one_error(&fresh.berth(["network", "rm", "x"]).run(), 1, &["x"]);
    assert_eq!(std::fs::read_dir(fresh.root()).unwrap().count(), 0);
}

#[test]
fn prune_asks_and_removes_unused_networks() {
    let env = TestEnv::new();
    create(&env, "p1", "198.18.42.0/24", &[]);
    create(&env, "p2", "198.18.43.0/24", &[]);
    // No answer, or no: nothing happens.
    let out = env.berth(["network", "prune"]).ok();
    assert_eq!(out.stdout, "");
    assert!(out.stderr.contains("Are you sure"), "{}", out.stderr);
    env.berth(["network", "prune"]).stdin_bytes("n\n").ok();
    assert_eq!(names(&env), ["berth", "p1", "p2"]);
    let out = env.berth(["network", "prune"]).stdin_bytes("y\n").ok();
    assert_eq!(out.stdout, "p1\np2\n");
    assert_eq!(names(&env), ["berth"]);
    let out = env.berth(["network", "prune", "-f"]).ok();
    assert_eq!(out.stdout, "");
}

// A network that a container is on (`create --network NAME`) is in use:
// `rm` refuses it naming the container, `prune` keeps it, and `rm -f`
// removes the container and then the network. Rootless too: `rm -f`
// removes container files, which needs berth's user namespace.
each_identity!(network_in_use, |who: Who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    create(&env, "used", "198.18.44.0/24", &[]);
    create(&env, "unused", "198.18.45.0/24", &[]);
    env.berth(["create", "--network", "used", "--name", "c1", IMG, "true"])
        .ok();
    env.berth(["create", "--name", "c2", IMG, "true"]).ok();
    refused(&env, &["network", "rm", "used"], &["used", "c1"]);
    let out = env.berth(["network", "prune", "-f"]).ok();
    assert_eq!(out.stdout, "unused\n");
    assert_eq!(names(&env), ["berth", "used"]);
    let out = env.berth(["network", "rm", "-f", "used"]).ok();
    assert_eq!(out.stdout, "used\n");
    assert_eq!(names(&env), ["berth"]);
    let ps = env.berth(["ps", "-a", "--format", "{{.Names}}"]).ok();
    assert_eq!(ps.lines(), ["c2"]);
    env.berth(["rm", "c2"]).ok();
    env.berth(["system", "check"]).ok();
});

#[test]
fn concurrent_creates_never_share_a_name_or_a_subnet() {
    let env = TestEnv::new();
    // Eight creates at once: four race for one name, four for one subnet.
    let running: Vec<Running> = (0..8)
        .map(|i| {
            let (name, subnet) = if i < 4 {
                ("same".to_string(), format!("198.18.{}.0/24", 50 + i))
            } else {
                (format!("n{i}"), "198.18.60.0/24".to_string())
            };
            env.berth(["network", "create", "--subnet", &subnet, &name])
                .spawn()
        })
        .collect();
    let codes: Vec<i32> = running.into_iter().map(|r| r.wait().code).collect();
    assert_eq!(codes.iter().filter(|c| **c == 0).count(), 2, "{codes:?}");
    assert!(codes.iter().all(|c| *c == 0 || *c == 125), "{codes:?}");
    let json = env.berth(["network", "ls", "--format", "json"]).ok().json();
    let nets = json.as_array().unwrap();
    assert_eq!(nets.len(), 3);
    let ifaces: std::collections::HashSet<&str> = nets
        .iter()
        .map(|n| n["network_interface"].as_str().unwrap())
        .collect();
    assert_eq!(ifaces.len(), 3);
}
