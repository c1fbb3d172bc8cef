//! Container networking against the real binary, as root and as both test
//! users: the default network `berth` (a bridge in a network namespace
//! berth keeps per user and runroot, connected to the outside by
//! slirp4netns), user networks made with `network create`, the other
//! `--network` modes, published ports, the files that name things
//! (`/etc/hosts`, `/etc/resolv.conf`), and what a killed run leaves
//! behind.
//!
//! "Outside" is a remote host on this machine (`remote_host`): a network
//! namespace of the test's own behind a veth pair, addresses in
//! 198.18.0.0/15, serving HTTP, UDP echo and DNS from threads of the test,
//! counting what reached it. Every network a test creates has a subnet in
//! 198.18.0.0/15 too (a /24 of its own per test), and each test has its
//! own store and runroot, so its own berth namespace: no packet leaves this
//! machine and tests in parallel threads do not meet.
//!
//! Inside the containers: busybox `nc` (by IP; with its stdin kept open,
//! as pasta hangs a connection whose client half-closes before the reply)
//! and `nslookup` (which speaks DNS itself), and the probe
//! (`tests/probe/probe.rs`) for name lookups through `/etc/hosts` and
//! HTTP, which the static busybox cannot do in a busybox-only image.

use crate::confinement::probe_binary;
use crate::fixtures::*;
use crate::identity::*;
use crate::remote_host::*;
use crate::util::*;
use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream, UdpSocket};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// busybox with network applets linked, the probe, and an /etc/hosts.
const NETIMG: &str = "localhost/netprobe:latest";
/// busybox applets the network tests use, besides those of every image.
const NET_APPLETS: &[&str] = &["nc", "nslookup", "httpd", "ip", "readlink", "printf"];
/// The image's own `/etc/hosts`, which `--no-hosts` leaves alone.
const IMAGE_HOSTS: &str = "# the netprobe image's own hosts file\n\
                           127.0.0.1\tlocalhost\n\
                           ::1\tlocalhost ip6-localhost ip6-loopback\n";
/// One command inside a container: a hang guard, not a bound.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

fn net_image() -> ImageSpec {
    static LAYER: OnceLock<Vec<u8>> = OnceLock::new();
    let layer = LAYER.get_or_init(|| {
        let mut l = LayerBuilder::new()
            .file("usr/bin/probe", probe_binary(), 0o755)
            .file("etc/hosts", IMAGE_HOSTS, 0o644);
        for applet in NET_APPLETS {
            l = l.symlink(&format!("bin/{applet}"), "busybox");
        }
        l.tar_bytes()
    });
    ImageSpec::busybox(NETIMG).layer(LayerBlob::plain(layer.clone()))
}

fn net_env(who: Who) -> Option<TestEnv> {
    env_with(who, &[net_image()])
}

/// `berth run --rm FLAGS netprobe CMD…`.
fn run_in(env: &TestEnv, flags: &[&str], cmd: &[&str]) -> Cmd {
    env.berth(["run", "--rm"])
        .args(flags)
        .arg(NETIMG)
        .args(cmd)
        .timeout(RUN_TIMEOUT)
}

/// A shell line: HTTP/1.0 GET / from ADDR:PORT with busybox nc, its stdin
/// kept open a second past the request (no half-close).
fn nc_get(addr: &str, port: u16) -> String {
    format!("(printf 'GET / HTTP/1.0\\r\\n\\r\\n'; sleep 1) | nc -w 5 {addr} {port}")
}

fn create_network(env: &TestEnv, name: &str, subnet: &str, extra: &[&str]) {
    env.berth(["network", "create", "--subnet", subnet])
        .args(extra)
        .arg(name)
        .ok();
}

/// The lines of a hosts file as (address, names), comments left out.
fn hosts_entries(text: &str) -> Vec<(String, Vec<String>)> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split('#').next()?.split_whitespace();
            let addr = f.next()?.to_string();
            Some((addr, f.map(str::to_string).collect()))
        })
        .collect()
}

/// The entries that list `name` (exactly, as a whole field).
fn naming<'a>(entries: &'a [(String, Vec<String>)], name: &str) -> Vec<&'a (String, Vec<String>)> {
    entries
        .iter()
        .filter(|(_, names)| names.iter().any(|n| n == name))
        .collect()
}

/// `ADDR/PREFIX` of each `inet` in `ip -o -4 addr` output, loopback left
/// out.
fn inet_addrs(ip_output: &str) -> Vec<(Ipv4Addr, u8)> {
    ip_output
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            w.find(|t| *t == "inet")?;
            let (a, p) = w.next()?.split_once('/')?;
            Some((a.parse().ok()?, p.parse().ok()?))
        })
        .filter(|(a, _): &(Ipv4Addr, u8)| !a.is_loopback())
        .collect()
}

fn in_subnet(addr: Ipv4Addr, subnet: &str) -> bool {
    let (net, prefix) = subnet.split_once('/').unwrap();
    let (net, prefix): (Ipv4Addr, u32) = (net.parse().unwrap(), prefix.parse().unwrap());
    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
    u32::from(addr) & mask == u32::from(net) & mask
}

/// The one address of interface `eth0` as `ip -o -4 addr show eth0`
/// prints it, asserted inside `subnet`.
#[track_caller]
fn eth0_addr(ip_output: &str, subnet: &str) -> Ipv4Addr {
    let addrs = inet_addrs(ip_output);
    assert_eq!(addrs.len(), 1, "one address on eth0: {ip_output}");
    let (addr, prefix) = addrs[0];
    assert!(
        in_subnet(addr, subnet) && subnet.ends_with(&format!("/{prefix}")),
        "eth0 {addr}/{prefix} not in {subnet}: {ip_output}"
    );
    addr
}

/// The parts of a container's output separated by `===` lines.
#[track_caller]
fn sections(out: &Output, n: usize) -> Vec<String> {
    let parts: Vec<String> = out.stdout.split("===\n").map(str::to_string).collect();
    assert_eq!(parts.len(), n, "{n} sections expected:\n{}", out.stdout);
    parts
}

/// Poll `check` until it says yes; fail a minute later (a hang guard,
/// not a bound) showing what it last saw.
#[track_caller]
fn wait_until<T>(what: &str, mut check: impl FnMut() -> Result<T, String>) -> T {
    let started = Instant::now();
    loop {
        match check() {
            Ok(v) => return v,
            Err(last) => assert!(
                started.elapsed() < Duration::from_secs(60),
                "{what}: still not so a minute later; last seen:\n{last}"
            ),
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Start a detached busybox httpd named `name` serving `/f` = `word\n`
/// on port 8080, and wait until it answers from inside.
fn start_web(env: &TestEnv, name: &str, flags: &[&str], word: &str) -> String {
    let script = format!("mkdir -p /www && echo {word} > /www/f && exec httpd -f -p 8080 -h /www");
    let out = env
        .berth(["run", "-d", "--name", name])
        .args(flags)
        .args([NETIMG, "sh", "-c", &script])
        .timeout(RUN_TIMEOUT)
        .ok();
    let id = out.stdout.trim().to_string();
    assert_eq!(id.len(), 64, "run -d prints the id: {}", out.stdout);
    wait_until(&format!("{name} serves /f on its loopback"), || {
        let o = env
            .berth(["exec", name, "probe", "get", "127.0.0.1", "8080", "/f"])
            .timeout(RUN_TIMEOUT)
            .run();
        if o.code == 0 && o.stdout == format!("{word}\n") {
            Ok(())
        } else {
            Err(format!("exit {}\n{}\n{}", o.code, o.stdout, o.stderr))
        }
    });
    id
}

/// The hosts file inside running container `name`.
fn hosts_of(env: &TestEnv, name: &str) -> String {
    env.berth(["exec", name, "cat", "/etc/hosts"])
        .timeout(RUN_TIMEOUT)
        .ok()
        .stdout
}

each_identity!(default_network_reaches_the_remote_and_the_host, |who| {
    let Some(env) = net_env(who) else {
        return;
    };
    let remote = RemoteHost::start();
    let r = remote.addr.to_string();

    // TCP by address, with busybox nc.
    let out = run_in(&env, &[], &["sh", "-c", &nc_get(&r, HTTP_PORT)]).ok();
    assert!(
        out.stdout.starts_with("HTTP/1.0 200 OK\r\n") && out.stdout.ends_with(&remote.body),
        "{}",
        out.stdout
    );
    assert_eq!(remote.http_count(), 1);

    // DNS to the remote's server, with busybox nslookup; a name it does
    // not know is NXDOMAIN (the answer is the remote's).
    let out = run_in(&env, &[], &["nslookup", REMOTE_NAME, &r]).ok();
    assert!(
        out.stdout.contains(&format!("Address: {r}")),
        "{}",
        out.stdout
    );
    let out = run_in(&env, &[], &["nslookup", "nosuch.test", &r]).run();
    assert!(
        out.code != 0 && out.stdout.contains("NXDOMAIN"),
        "exit {}: {}\n{}",
        out.code,
        out.stdout,
        out.stderr
    );
    assert!(remote.dns_count() >= 2, "{}", remote.dns_count());

    // UDP.
    let out = run_in(&env, &[], &["probe", "udp", &r, "9999", "ping-default"]).ok();
    assert_eq!(out.stdout, "ping-default\n");
    assert!(remote.echo_count() >= 1);

    // The host's loopback, through the names berth puts in /etc/hosts.
    let host = HostHttp::start("from the host's loopback\n");
    let script = format!(
        "probe resolve host.containers.internal; probe resolve host.docker.internal; \
         probe get host.containers.internal {} /",
        host.port
    );
    let out = run_in(&env, &[], &["sh", "-c", &script]).ok();
    let (first, rest) = out.stdout.split_once('\n').unwrap();
    let (second, body) = rest.split_once('\n').unwrap();
    assert_eq!(first, second, "both names, one address: {}", out.stdout);
    let addr: std::net::IpAddr = first.parse().unwrap();
    assert!(
        !addr.is_loopback(),
        "the container's own loopback is not the host's: {addr}"
    );
    assert_eq!(body, host.body);
    assert_eq!(host.count(), 1);

    // Its own line in /etc/hosts (address, name, short id), and
    // nameservers it can use (none on its own loopback).
    let script = "hostname; echo ===; ip -o -4 addr show eth0; echo ===; cat /etc/hosts; \
                  echo ===; cat /etc/resolv.conf";
    let out = run_in(&env, &["--name", "me"], &["sh", "-c", script]).ok();
    let s = sections(&out, 4);
    let short = s[0].trim();
    assert_eq!(short.len(), 12, "{}", out.stdout);
    let addr = eth0_addr(&s[1], "10.88.0.0/16");
    let entries = hosts_entries(&s[2]);
    let own = naming(&entries, "me");
    assert_eq!(own.len(), 1, "{}", s[2]);
    assert_eq!(own[0].0, addr.to_string(), "{}", s[2]);
    assert!(own[0].1.iter().any(|n| n == short), "{}", s[2]);
    for name in ["host.containers.internal", "host.docker.internal"] {
        assert_eq!(naming(&entries, name).len(), 1, "{name}: {}", s[2]);
    }
    let servers: Vec<&str> = s[3]
        .lines()
        .filter_map(|l| l.strip_prefix("nameserver"))
        .map(str::trim)
        .collect();
    assert!(!servers.is_empty(), "{}", s[3]);
    for ns in &servers {
        let a: std::net::IpAddr = ns.parse().unwrap();
        assert!(!a.is_loopback(), "a loopback nameserver: {}", s[3]);
    }
});

// Bulk TCP from a bridge to the outside: 128 MiB to the remote's sink
// from the default network and from a network of the user's. (pasta of
// 2023 resets such transfers after a few MiB when they come forwarded
// from a bridge; berth's way out must carry them whole.)
each_identity!(bulk_tcp_leaves_bridges_whole, |who| {
    let Some(env) = net_env(who) else {
        return;
    };
    let remote = RemoteHost::start();
    let size: u64 = 128 << 20;
    let script = format!(
        "(echo {size}; dd if=/dev/zero bs=1M count={} 2>/dev/null) | nc -w 30 {} {SINK_PORT}",
        size >> 20,
        remote.addr
    );
    create_network(&env, "bulk", "198.18.50.0/24", &[]);
    // Behind slirp4netns or pasta, the containers' TCP is Reno's (the
    // link to the user-mode stack has no loss); on root's bridges, which
    // are the host's, it is the host's default.
    let host_default = std::fs::read_to_string("/proc/sys/net/ipv4/tcp_congestion_control")
        .unwrap()
        .trim()
        .to_string();
    let congestion = match who {
        Who::Root => host_default.as_str(),
        _ => "reno",
    };
    for flags in [&[][..], &["--network", "bulk"][..]] {
        let out = run_in(
            &env,
            flags,
            &["cat", "/proc/sys/net/ipv4/tcp_congestion_control"],
        )
        .ok();
        assert_eq!(out.stdout.trim(), congestion, "{flags:?}");
        let out = run_in(&env, flags, &["sh", "-c", &script]).run();
        assert_eq!(
            out.stdout.trim(),
            format!("got {size}"),
            "{flags:?}: exit {}: {}",
            out.code,
            out.stderr
        );
    }
});

each_identity!(build_run_reaches_the_remote_unless_network_none, |who| {
    let Some(env) = net_env(who) else {
        return;
    };
    let remote = RemoteHost::start();
    let r = remote.addr.to_string();
    // No backslash in the RUN line: the request ends in bare newlines,
    // which the remote's server takes.
    let dockerfile = format!(
        "FROM {NETIMG}\n\
         RUN (echo 'GET / HTTP/1.0'; echo; sleep 1) | nc -w 5 {r} 8080 > /got; \
         grep -q '200 OK' /got || exit 7; cat /got\n"
    );
    std::fs::create_dir_all(env.join("ctx")).unwrap();
    std::fs::write(env.join("ctx/Dockerfile"), dockerfile).unwrap();
    let out = env
        .berth(["build", "-t", "fetched", "ctx"])
        .timeout(RUN_TIMEOUT)
        .ok();
    assert!(
        out.stdout.contains(remote.body.trim_end()),
        "{}",
        out.stdout
    );
    assert_eq!(remote.http_count(), 1);
    let got = env
        .berth(["run", "--rm", "localhost/fetched:latest", "cat", "/got"])
        .ok();
    assert!(got.stdout.ends_with(&remote.body), "{}", got.stdout);

    // Without a network the same step fails, and nothing reached the
    // remote.
    env.berth([
        "build",
        "--network",
        "none",
        "--no-cache",
        "-t",
        "offline",
        "ctx",
    ])
    .timeout(RUN_TIMEOUT)
    .fails(7);
    assert_eq!(remote.http_count(), 1);
    env.berth(["image", "exists", "localhost/offline:latest"])
        .fails(1);
});

each_identity!(network_connect_and_disconnect_a_running_container, |who| {
    let Some(env) = net_env(who) else {
        return;
    };
    create_network(&env, "front", "198.18.60.0/24", &[]);
    create_network(&env, "back", "198.18.61.0/24", &[]);
    start_web(&env, "db", &["--network", "back"], "db-body");
    start_web(&env, "app", &["--network", "front"], "app-body");
    let nets = |name: &str| {
        env.berth([
            "inspect",
            "--format",
            "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}} {{end}}",
            name,
        ])
        .ok()
        .stdout
    };
    assert!(
        nets("app").trim().starts_with("front=198.18.60."),
        "{}",
        nets("app")
    );
    // Not on back yet: db is no name to app.
    env.berth(["exec", "app", "probe", "get", "db", "8080", "/f"])
        .timeout(RUN_TIMEOUT)
        .fails(2);

    env.berth(["network", "connect", "--alias", "api", "back", "app"])
        .ok();
    let out = env
        .berth(["exec", "app", "probe", "get", "db", "8080", "/f"])
        .timeout(RUN_TIMEOUT)
        .ok();
    assert_eq!(out.stdout, "db-body\n");
    // And db finds app by its new alias, at its address on back.
    let out = env
        .berth(["exec", "db", "probe", "get", "api", "8080", "/f"])
        .timeout(RUN_TIMEOUT)
        .ok();
    assert_eq!(out.stdout, "app-body\n");
    let both = nets("app");
    assert!(
        both.contains("back=198.18.61.") && both.contains("front=198.18.60."),
        "{both}"
    );

    // A rename while it runs: db finds it by its new name at once, by
    // its old name no more, and so after it starts again.
    env.berth(["rename", "app", "app2"]).ok();
    for round in ["renamed", "restarted"] {
        let text = hosts_of(&env, "db");
        let entries = hosts_entries(&text);
        assert!(naming(&entries, "app").is_empty(), "{round}: {text}");
        assert_eq!(
            naming(&entries, "app2"),
            naming(&entries, "api"),
            "{round}: {text}"
        );
        let out = env
            .berth(["exec", "db", "probe", "get", "app2", "8080", "/f"])
            .timeout(RUN_TIMEOUT)
            .ok();
        assert_eq!(out.stdout, "app-body\n", "{round}");
        if round == "renamed" {
            env.berth(["restart", "-t", "0", "app2"])
                .timeout(RUN_TIMEOUT)
                .ok();
        }
    }
    env.berth(["rename", "app2", "app"]).ok();

    env.berth(["network", "disconnect", "back", "app"]).ok();
    // By name, not by substring (a short id may hold "db").
    for (who, gone) in [("app", "db"), ("db", "api")] {
        let text = hosts_of(&env, who);
        assert!(naming(&hosts_entries(&text), gone).is_empty(), "{text}");
    }
    assert!(
        nets("app").trim().starts_with("front=198.18.60."),
        "{}",
        nets("app")
    );
    assert!(!nets("app").contains("back="), "{}", nets("app"));
    env.berth(["rm", "-f", "app", "db"]).ok();
});

each_identity!(one_network_by_name_alias_and_ip_not_across, |who| {
    let Some(env) = net_env(who) else {
        return;
    };
    create_network(&env, "net1", "198.18.1.0/24", &[]);
    create_network(&env, "net2", "198.18.2.0/24", &[]);
    let flags = ["--network", "net1", "--network-alias", "www"];
    let id = start_web(&env, "web", &flags, "web-body");

    for name in ["web", "www"] {
        let out = run_in(
            &env,
            &["--network", "net1"],
            &["probe", "get", name, "8080", "/f"],
        )
        .ok();
        assert_eq!(out.stdout, "web-body\n", "by {name}");
    }

    // web's line in another net1 container's hosts file: address, name,
    // alias, short id; its own line too.
    let out = run_in(
        &env,
        &["--network", "net1", "--name", "client"],
        &["cat", "/etc/hosts"],
    )
    .ok();
    let entries = hosts_entries(&out.stdout);
    let web = naming(&entries, "web");
    assert_eq!(web.len(), 1, "{}", out.stdout);
    let (web_ip, names) = web[0];
    assert!(names.iter().any(|n| n == "www"), "{}", out.stdout);
    assert!(names.iter().any(|n| *n == id[..12]), "{}", out.stdout);
    let web_ip: Ipv4Addr = web_ip.parse().unwrap();
    assert!(in_subnet(web_ip, "198.18.1.0/24"), "{}", out.stdout);
    assert_eq!(naming(&entries, "client").len(), 1, "{}", out.stdout);
    // web has that address itself.
    let own = env
        .berth(["exec", "web", "ip", "-o", "-4", "addr", "show", "eth0"])
        .ok();
    assert_eq!(eth0_addr(&own.stdout, "198.18.1.0/24"), web_ip);
    // inspect shows it, as Podman does.
    let fmt = "{{.NetworkSettings.IPAddress}} {{.NetworkSettings.Gateway}} \
               {{.NetworkSettings.Networks.net1.IPAddress}} \
               {{.NetworkSettings.Networks.net1.IPPrefixLen}} \
               {{.NetworkSettings.Networks.net1.Aliases}}";
    let out = env
        .berth(["container", "inspect", "--format", fmt, "web"])
        .ok();
    assert_eq!(
        out.stdout.split_whitespace().collect::<Vec<_>>(),
        [
            &*web_ip.to_string(),
            "198.18.1.1",
            &*web_ip.to_string(),
            "24",
            "[www]"
        ],
        "{}",
        out.stdout
    );
    let mac = env
        .berth([
            "inspect",
            "--format",
            "{{.NetworkSettings.MacAddress}}",
            "web",
        ])
        .ok();
    assert_eq!(mac.stdout.trim().len(), 17, "{}", mac.stdout);

    let ip = web_ip.to_string();
    let out = run_in(
        &env,
        &["--network", "net1"],
        &["probe", "get", &ip, "8080", "/f"],
    )
    .ok();
    assert_eq!(out.stdout, "web-body\n");

    // From another network: neither the name nor the address.
    let out = run_in(
        &env,
        &["--network", "net2"],
        &["probe", "get", &ip, "8080", "/f"],
    )
    .run();
    assert_eq!(
        out.code, 3,
        "a net2 container connected to web at {ip}:\n{}\n{}",
        out.stdout, out.stderr
    );
    let out = run_in(&env, &["--network", "net2"], &["probe", "resolve", "web"]).run();
    assert_eq!(out.code, 2, "web is named on net2: {}", out.stdout);

    // web's hosts file follows containers coming and going on net1.
    env.berth(["run", "-d", "--name", "late", "--network", "net1"])
        .args([NETIMG, "sleep", "600"])
        .timeout(RUN_TIMEOUT)
        .ok();
    wait_until("web's /etc/hosts names late", || {
        let text = hosts_of(&env, "web");
        if naming(&hosts_entries(&text), "late").len() == 1 {
            Ok(())
        } else {
            Err(text)
        }
    });
    env.berth(["rm", "-f", "late"]).ok();
    wait_until("web's /etc/hosts forgets late", || {
        let text = hosts_of(&env, "web");
        if naming(&hosts_entries(&text), "late").is_empty() {
            Ok(())
        } else {
            Err(text)
        }
    });
    env.berth(["rm", "-f", "web"]).ok();
});

each_identity!(internal_network_has_no_way_out, |who| {
    let Some(env) = net_env(who) else {
        return;
    };
    let remote = RemoteHost::start();
    let r = remote.addr.to_string();
    create_network(&env, "inside", "198.18.3.0/24", &["--internal"]);
    create_network(&env, "outside", "198.18.13.0/24", &[]);

    // The control: from an ordinary user network the remote answers.
    let out = run_in(
        &env,
        &["--network", "outside"],
        &["probe", "get", &r, "8080", "/"],
    )
    .ok();
    assert_eq!(out.stdout, remote.body);
    let out = run_in(
        &env,
        &["--network", "outside"],
        &["probe", "udp", &r, "9999", "out"],
    )
    .ok();
    assert_eq!(out.stdout, "out\n");
    let (http, echoes) = (remote.http_count(), remote.echo_count());
    assert_eq!(http, 1);

    let out = run_in(
        &env,
        &["--network", "inside"],
        &["probe", "get", &r, "8080", "/"],
    )
    .run();
    assert_eq!(
        out.code, 3,
        "an internal network reached {r}:\n{}\n{}",
        out.stdout, out.stderr
    );
    let out = run_in(
        &env,
        &["--network", "inside"],
        &["probe", "udp", &r, "9999", "in"],
    )
    .run();
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    assert_eq!((remote.http_count(), remote.echo_count()), (http, echoes));

    // Containers on it still reach each other.
    start_web(&env, "iweb", &["--network", "inside"], "inside-body");
    let out = run_in(
        &env,
        &["--network", "inside"],
        &["probe", "get", "iweb", "8080", "/f"],
    )
    .ok();
    assert_eq!(out.stdout, "inside-body\n");
    env.berth(["rm", "-f", "iweb"]).ok();
});

each_identity!(container_network_mode_shares_the_namespace, |who| {
    let Some(env) = net_env(who) else {
        return;
    };
    create_network(&env, "cnet", "198.18.10.0/24", &[]);
    start_web(&env, "web", &["--network", "cnet"], "web-body");
    let script = "readlink /proc/self/ns/net; ls /sys/class/net; ip -o -4 addr show eth0; \
              cat /sys/class/net/eth0/address";
    let inside = env.berth(["exec", "web", "sh", "-c", script]).ok();
    eth0_addr(&inside.stdout, "198.18.10.0/24");
    let joined = run_in(&env, &["--network", "container:web"], &["sh", "-c", script]).ok();
    assert_eq!(joined.stdout, inside.stdout);
    // Its loopback is web's too.
    let out = run_in(
        &env,
        &["--network", "container:web"],
        &["probe", "get", "127.0.0.1", "8080", "/f"],
    )
    .ok();
    assert_eq!(out.stdout, "web-body\n");
    env.berth(["rm", "-f", "web"]).ok();
});

/// Whether the test's mount table has the namespace file `path` mounted.
fn netns_mounted(path: &str) -> bool {
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .any(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            f.get(4) == Some(&path) && l.contains(" - nsfs ")
        })
}

/// A TCP and a UDP port on the host's loopback that are free now.
fn free_ports() -> (u16, u16) {
    let t = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let u = UdpSocket::bind(("127.0.0.1", 0)).unwrap();
    (
        t.local_addr().unwrap().port(),
        u.local_addr().unwrap().port(),
    )
}

/// GET `path` from 127.0.0.1:`port` on the host: the body of a 200.
fn host_get(port: u16, path: &str) -> Result<String, String> {
    host_get_at(Ipv4Addr::LOCALHOST.into(), port, path)
}

/// GET `path` from `ip`:`port` on the host: the body of a 200.
fn host_get_at(ip: std::net::IpAddr, port: u16, path: &str) -> Result<String, String> {
    let addr = std::net::SocketAddr::from((ip, port));
    let mut s =
        TcpStream::connect_timeout(&addr, Duration::from_secs(2)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(format!("GET {path} HTTP/1.0\r\n\r\n").as_bytes())
        .map_err(|e| e.to_string())?;
    let mut resp = Vec::new();
    let read = s.read_to_end(&mut resp);
    let text = String::from_utf8_lossy(&resp).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or(format!("{read:?}: {text:?}"))?;
    if head.split_whitespace().nth(1) == Some("200") {
        Ok(body.to_string())
    } else {
        Err(text)
    }
}

/// One datagram to 127.0.0.1:`port` on the host, and its reply.
fn host_udp(port: u16, text: &str) -> Result<String, String> {
    host_udp_at(Ipv4Addr::LOCALHOST.into(), port, text)
}

/// One datagram to `ip`:`port` on the host, and its reply.
fn host_udp_at(ip: std::net::IpAddr, port: u16, text: &str) -> Result<String, String> {
    let s = UdpSocket::bind((ip, 0)).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    s.send_to(text.as_bytes(), (ip, port))
        .map_err(|e| e.to_string())?;
    let mut buf = [0u8; 512];
    let (n, _) = s.recv_from(&mut buf).map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&buf[..n]).into_owned())
}

each_identity!(published_ports_round_trip_tcp_and_udp, |who| {
    let Some(env) = net_env(who) else {
        return;
    };
    create_network(&env, "pubnet", "198.18.9.0/24", &[]);
    for (label, flags) in [
        ("default", &[][..]),
        ("pubnet", &["--network", "pubnet"][..]),
    ] {
        let (tcp, udp) = free_ports();
        let name = format!("pub-{label}");
        let script = format!(
            "mkdir -p /www; echo {label}-body > /www/f; probe udp-echo 9999 & \
             exec httpd -f -p 8080 -h /www"
        );
        env.berth(["run", "-d", "--name", &name])
            .args([
                "-p",
                &format!("{tcp}:8080"),
                "-p",
                &format!("{udp}:9999/udp"),
            ])
            .args(flags)
            .args([NETIMG, "sh", "-c", &script])
            .timeout(RUN_TIMEOUT)
            .ok();
        let body = wait_until(&format!("{label}: GET via 127.0.0.1:{tcp}"), || {
            host_get(tcp, "/f")
        });
        assert_eq!(body, format!("{label}-body\n"));
        let msg = format!("datagram-{label}");
        let echo = wait_until(&format!("{label}: UDP via 127.0.0.1:{udp}"), || {
            host_udp(udp, &msg)
        });
        assert_eq!(echo, msg);
        // A port in use is refused, TCP and UDP alike.
        for p in [format!("{tcp}:8080"), format!("{udp}:9999/udp")] {
            let out = env
                .berth(["run", "--rm", "-p", &p])
                .args(flags)
                .args([NETIMG, "true"])
                .timeout(RUN_TIMEOUT)
                .run();
            assert_eq!(out.code, 125, "{label} -p {p}: {}", out.stderr);
            assert!(
                out.stderr.contains("cannot publish port"),
                "{label} -p {p}: {}",
                out.stderr
            );
        }
        // With no address given, the host's IPv6 addresses too.
        let v6 = std::net::Ipv6Addr::LOCALHOST.into();
        let body = wait_until(&format!("{label}: GET via [::1]:{tcp}"), || {
            host_get_at(v6, tcp, "/f")
        });
        assert_eq!(body, format!("{label}-body\n"));
        let echo = wait_until(&format!("{label}: UDP via [::1]:{udp}"), || {
            host_udp_at(v6, udp, &msg)
        });
        assert_eq!(echo, msg);
        env.berth(["rm", "-f", &name]).ok();
        // The host's ports are free again.
        wait_until(&format!("{label}: 127.0.0.1:{tcp} free"), || {
            TcpListener::bind(("127.0.0.1", tcp)).map_err(|e| e.to_string())
        });
        wait_until(&format!("{label}: 127.0.0.1:{udp}/udp free"), || {
            UdpSocket::bind(("127.0.0.1", udp)).map_err(|e| e.to_string())
        });
    }
});

each_identity!(twenty_parallel_containers_see_each_other, |who| {
    let Some(env) = net_env(who) else {
        return;
    };
    let subnet = "198.18.5.0/24";
    create_network(&env, "many", subnet, &[]);
    let names: Vec<String> = (0..20).map(|i| format!("c{i}")).collect();
    let running: Vec<Running> = names
        .iter()
        .map(|n| {
            env.berth(["run", "-d", "--name", n, "--network", "many"])
                .args([NETIMG, "sleep", "600"])
                .timeout(Duration::from_secs(240))
                .spawn()
        })
        .collect();
    let ids: Vec<String> = running
        .into_iter()
        .map(|r| r.ok().stdout.trim().to_string())
        .collect();
    let addrs: Vec<String> = names
        .iter()
        .map(|n| {
            let out = env
                .berth(["exec", n, "ip", "-o", "-4", "addr", "show", "eth0"])
                .ok();
            eth0_addr(&out.stdout, subnet).to_string()
        })
        .collect();
    let distinct: HashSet<&String> = addrs.iter().collect();
    assert_eq!(distinct.len(), 20, "{addrs:?}");

    for n in &names {
        wait_until(&format!("{n}'s /etc/hosts lists all 20"), || {
            let text = hosts_of(&env, n);
            let entries = hosts_entries(&text);
            for (j, m) in names.iter().enumerate() {
                let lines = naming(&entries, m);
                let right = lines.len() == 1
                    && lines[0].0 == addrs[j]
                    && lines[0].1.iter().any(|x| *x == ids[j][..12]);
                if !right {
                    return Err(format!("{m} at {}: {lines:?}\n{text}", addrs[j]));
                }
            }
            Ok(())
        });
    }
    // A container removed leaves the others' files.
    env.berth(["rm", "-f", "c0"]).ok();
    for n in &names[1..] {
        wait_until(&format!("{n}'s /etc/hosts forgets c0"), || {
            let text = hosts_of(&env, n);
            if naming(&hosts_entries(&text), "c0").is_empty() {
                Ok(())
            } else {
                Err(text)
            }
        });
    }
    env.berth(["rm", "-f"]).args(&names[1..]).ok();
});

/// berth's network namespace: the process holding it (from
/// `<runroot>/network/infra.json`), its start time, its network namespace
/// and every namespace it is in that the test is not.
#[derive(Debug)]
struct Infra {
    pid: i32,
    start: u64,
    netns: String,
    namespaces: Vec<String>,
}

const NS_KINDS: &[&str] = &["mnt", "pid", "net", "uts", "ipc", "user"];

fn read_infra(env: &TestEnv) -> Result<Infra, String> {
    let path = env.runroot().join("network/infra.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}: {text}", path.display()))?;
    let pid = v["pid"]
        .as_i64()
        .ok_or(format!("no pid in {}: {text}", path.display()))? as i32;
    let start = crate::leaks::start_time(pid).ok_or(format!("pid {pid} of {text} is gone"))?;
    let ns = crate::leaks::ns_of;
    let netns = ns(pid, "net").ok_or(format!("pid {pid} of {text} is gone"))?;
    let me = std::process::id() as i32;
    let namespaces = NS_KINDS
        .iter()
        .filter_map(|k| ns(pid, k).filter(|n| ns(me, k).as_ref() != Some(n)))
        .collect();
    Ok(Infra {
        pid,
        start,
        netns,
        namespaces,
    })
}

/// The veth interfaces in berth's namespace, entered from outside with
/// nsenter (its user namespace too, when it has one of its own); `None`
/// when its holder is gone. On the host (root), where other tests' veths
/// are too, only those berth labelled as on `network`.
fn veths(infra: &Infra, network: &str) -> Option<Vec<String>> {
    if crate::leaks::start_time(infra.pid) != Some(infra.start) {
        return None;
    }
    let ns = |pid: &str| std::fs::read_link(format!("/proc/{pid}/ns/user")).ok();
    let pid = infra.pid.to_string();
    let mut cmd = Cmd::new("nsenter").args(["-t", &pid]);
    if ns(&pid) != ns("self") {
        cmd = cmd.args(["-U", "--preserve-credentials"]);
    }
    let out = cmd
        .args(["-n", "ip", "-o", "link", "show", "type", "veth"])
        .run();
    if out.code != 0 {
        assert!(
            crate::leaks::start_time(infra.pid) != Some(infra.start),
            "nsenter into pid {pid} failed while it lives:\n{}",
            out.stderr
        );
        return None;
    }
    let on_host = crate::leaks::ns_of(infra.pid, "net")
        == crate::leaks::ns_of(std::process::id() as i32, "net");
    let on_network = |l: &str| {
        l.split_once("alias berth-")
            .and_then(|(_, label)| label.split_whitespace().nth(2))
            == Some(network)
    };
    Some(
        out.lines()
            .iter()
            .filter(|l| !on_host || on_network(l))
            .filter_map(|l| l.split(": ").nth(1))
            .map(|n| n.split('@').next().unwrap_or(n).to_string())
            .collect(),
    )
}

/// At least one veth in berth's namespace: the running container's, on
/// `network`.
#[track_caller]
fn veths_while_running(env: &TestEnv, network: &str) -> (Infra, Vec<String>) {
    wait_until("a veth in berth's network namespace", || {
        let infra = read_infra(env)?;
        match veths(&infra, network) {
            Some(v) if !v.is_empty() => Ok((infra, v)),
            other => Err(format!("{infra:?}: {other:?}")),
        }
    })
}

/// No veth left in berth's namespace: it has none, or it is gone and
/// nothing holds it any more.
#[track_caller]
fn no_veth_left(infra: &Infra, network: &str, cutoff: u64) {
    wait_until(
        "no veth left in berth's network namespace",
        || match veths(infra, network) {
            Some(v) if v.is_empty() => Ok(()),
            Some(v) => Err(format!("{v:?}")),
            None => {
                let netns = std::slice::from_ref(&infra.netns);
                let held = crate::leaks::holders_started_by(netns, cutoff);
                if held.is_empty() {
                    Ok(())
                } else {
                    Err(format!("the holder is gone but {held:?}"))
                }
            }
        },
    )
}

fn is_helper(pid: i32) -> Option<String> {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    let comm = comm.trim();
    (comm.starts_with("passt") || comm.starts_with("pasta") || comm == "slirp4netns")
        .then(|| comm.to_string())
}

/// pasta and slirp4netns processes started by `cutoff` (see
/// [`crate::leaks::holders_started_by`]) serving the network namespace
/// `netns` or one of `targets`: in it, holding a descriptor of it (pasta
/// keeps one), or started for a target pid (an argument of both).
fn helpers_of(netns: &str, targets: &[i32], cutoff: u64) -> Vec<String> {
    let mut found = Vec::new();
    for pid in crate::leaks::host_pids() {
        let Some(comm) = is_helper(pid) else {
            continue;
        };
        if crate::leaks::start_time(pid).is_none_or(|s| s > cutoff) {
            continue;
        }
        let in_it = crate::leaks::ns_of(pid, "net").as_deref() == Some(netns);
        let holds = std::fs::read_dir(format!("/proc/{pid}/fd"))
            .map(|fds| {
                fds.flatten().any(|fd| {
                    std::fs::read_link(fd.path()).is_ok_and(|l| l.to_string_lossy() == netns)
                })
            })
            .unwrap_or(false);
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let target = String::from_utf8_lossy(&cmdline)
            .split('\0')
            .filter_map(|a| a.parse::<i32>().ok())
            .any(|t| targets.contains(&t));
        if in_it || holds || target {
            found.push(format!("pid {pid} ({comm})"));
        }
    }
    found
}

/// The namespaces of berth's holder that the container's processes are
/// in (rootless: its user namespace, which they join by design), taken
/// while the container runs.
fn shared_with_holder(infra: &Infra, fp: &crate::leaks::Footprint) -> Vec<String> {
    let mut shared = Vec::new();
    for &(pid, _) in &fp.pids {
        for kind in NS_KINDS {
            if let Some(ns) = crate::leaks::ns_of(pid, kind) {
                if infra.namespaces.contains(&ns) && !shared.contains(&ns) {
                    shared.push(ns);
                }
            }
        }
    }
    shared
}

/// Wait (a minute at most) until nothing of the container of `fp` is
/// left: as `leaks::assert_gone`, with two differences networking needs.
/// Only processes started by `cutoff` (the kill) count: a freed
/// namespace's inode number is reused, and pasta makes namespaces for its
/// sandbox at every start. And berth's network holder (`infra`, on berth
/// networks) outlives containers, and rootless containers on berth
/// networks join its user namespace by design: the namespaces the
/// container shared with it (`shared`) are left out, and instead no
/// process may be in them but the holder and its pasta.
#[track_caller]
fn assert_gone_since(
    env: &TestEnv,
    fp: &crate::leaks::Footprint,
    infra: Option<(&Infra, &[String])>,
    cutoff: u64,
) {
    let own: Vec<String> = fp
        .namespaces
        .iter()
        .filter(|n| !infra.is_some_and(|(i, _)| i.namespaces.contains(n)))
        .cloned()
        .collect();
    wait_until("nothing of the container left", || {
        let mut left: Vec<String> = fp
            .pids
            .iter()
            .filter(|&&(p, s)| crate::leaks::start_time(p) == Some(s))
            .map(|(p, _)| format!("pid {p} is alive"))
            .collect();
        left.extend(crate::leaks::holders_started_by(&own, cutoff));
        if let Some((infra, shared)) = infra {
            if crate::leaks::start_time(infra.pid) == Some(infra.start) {
                let ok: Vec<String> = helpers_of(&infra.netns, &[infra.pid], u64::MAX)
                    .iter()
                    .chain(std::iter::once(&format!("pid {} ", infra.pid)))
                    .filter_map(|h| h.split_whitespace().nth(1).map(str::to_string))
                    .collect();
                left.extend(
                    crate::leaks::holders_started_by(shared, cutoff)
                        .into_iter()
                        .filter(|h| {
                            let pid = h.split_whitespace().nth(1).unwrap_or("");
                            !ok.iter().any(|p| p == pid)
                        }),
                );
            }
        }
        left.extend(crate::leaks::host_mounts_below(env.path()));
        if left.is_empty() {
            Ok(())
        } else {
            Err(format!("{left:#?}\nof {fp:#?}\nberth's holder: {infra:?}"))
        }
    });
}

/// The container's pid 1 (`containers/<id>/pid1`: pid and start time).
fn pid1_of(env: &TestEnv, id: &str) -> i32 {
    let text =
        std::fs::read_to_string(env.root().join("containers").join(id).join("pid1")).unwrap();
    text.split_whitespace().next().unwrap().parse().unwrap()
}

/// The berth binary the commands of `env` run.
fn berth_binary(env: &TestEnv) -> std::path::PathBuf {
    match env.user() {
        None => std::path::PathBuf::from(env!("CARGO_BIN_EXE_berth")),
        Some(_) => shared_berth_binary(),
    }
}

fn sigkill(pid: i32) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
}

/// SIGKILL a foreground `run` of `flags` once its container runs, then
/// `rm -f` it: nothing of it may be left (on a berth network, no veth in
/// berth's namespace; else no pasta or slirp4netns of its own).
fn kill_foreground_run(env: &TestEnv, name: &str, flags: &[&str]) {
    let running = env
        .berth(["run", "--name", name])
        .args(flags)
        .args([NETIMG, "sleep", "600"])
        .timeout(RUN_TIMEOUT)
        .spawn();
    let fp = crate::leaks::footprint(env);
    let bridged = !flags.contains(&"pasta") && !flags.contains(&"slirp4netns");
    let infra = bridged.then(|| {
        let infra = veths_while_running(env, "leaknet").0;
        let shared = shared_with_holder(&infra, &fp);
        (infra, shared)
    });
    let netns = fp
        .namespaces
        .iter()
        .find(|n| n.starts_with("net:"))
        .expect("the container has a network namespace of its own")
        .clone();
    let targets: Vec<i32> = fp.pids.iter().map(|&(p, _)| p).collect();
    if !bridged {
        // Its own helper, which must go with it.
        wait_until(&format!("a helper serving {name}"), || {
            let h = helpers_of(&netns, &targets, u64::MAX);
            if h.is_empty() {
                Err("none".to_string())
            } else {
                Ok(h)
            }
        });
    }
    let cutoff = crate::leaks::ticks_since_boot();
    sigkill(running.id() as i32);
    // The harness fails here if anything berth started holds its stdout.
    let out = running.wait();
    assert_eq!(out.signal, Some(9), "{name}");
    env.berth(["rm", "-f", name]).ok();
    match &infra {
        Some((infra, shared)) => {
            assert_gone_since(env, &fp, Some((infra, shared)), cutoff);
            no_veth_left(infra, "leaknet", cutoff);
        }
        None => assert_gone_since(env, &fp, None, cutoff),
    }
    assert_eq!(
        helpers_of(&netns, &targets, cutoff),
        Vec::<String>::new(),
        "{name}"
    );
}

each_identity!(killed_runs_and_monitors_leave_no_veth_or_helper, |who| {
    let Some(env) = net_env(who) else {
        return;
    };
    create_network(&env, "leaknet", "198.18.6.0/24", &[]);

    // A foreground run on a berth network, SIGKILLed.
    kill_foreground_run(&env, "fg", &["--network", "leaknet"]);

    // A detached container whose monitor is SIGKILLed.
    let id = env
        .berth(["run", "-d", "--name", "bg", "--network", "leaknet"])
        .args([NETIMG, "sleep", "600"])
        .timeout(RUN_TIMEOUT)
        .ok()
        .stdout
        .trim()
        .to_string();
    let fp = crate::leaks::footprint(&env);
    let (infra, _) = veths_while_running(&env, "leaknet");
    let shared = shared_with_holder(&infra, &fp);
    let monitor = crate::leaks::parent(pid1_of(&env, &id)).unwrap();
    let exe = std::fs::read_link(format!("/proc/{monitor}/exe")).unwrap();
    let exe = exe.to_string_lossy();
    let bin = berth_binary(&env).canonicalize().unwrap();
    assert_eq!(
        exe.trim_end_matches(" (deleted)"),
        bin.to_string_lossy(),
        "the monitor {monitor} is berth"
    );
    let cutoff = crate::leaks::ticks_since_boot();
    sigkill(monitor);
    env.berth(["rm", "-f", "bg"]).ok();
    assert_gone_since(&env, &fp, Some((&infra, &shared)), cutoff);
    no_veth_left(&infra, "leaknet", cutoff);

    // Foreground runs with a slirp4netns, a pasta of their own.
    crate::run_options::device_usable(who, "/dev/net/tun");
    kill_foreground_run(&env, "own-slirp", &["--network", "slirp4netns"]);
    kill_foreground_run(&env, "own-pasta", &["--network", "pasta"]);

    env.berth(["network", "rm", "leaknet"]).ok();
    let out = env.berth(["network", "ls"]).ok();
    assert!(!out.stdout.contains("leaknet"), "{}", out.stdout);
});

each_identity!(idle_network_namespace_leaves_with_its_pasta, |who| {
    let Some(env) = net_env(who) else {
        return;
    };
    if who == Who::Root {
        return root_bridges_are_the_hosts(&env);
    }
    // The holder's idle time, shortened (berth reads BERTH_NETWORK_IDLE
    // for tests; the default is a minute).
    run_in(&env, &[], &["true"])
        .env("BERTH_NETWORK_IDLE", "2")
        .ok();
    let infra = read_infra(&env).unwrap();
    let helpers = helpers_of(&infra.netns, &[infra.pid], u64::MAX);
    assert!(
        !helpers.is_empty(),
        "no pasta serves berth's namespace: {infra:?}"
    );
    let cutoff = crate::leaks::ticks_since_boot();
    wait_until("berth's holder and its pasta leave when idle", || {
        let mut left = Vec::new();
        if crate::leaks::start_time(infra.pid) == Some(infra.start) {
            left.push(format!("the holder {} is alive", infra.pid));
        }
        left.extend(helpers_of(&infra.netns, &[infra.pid], cutoff));
        left.extend(crate::leaks::holders_started_by(
            std::slice::from_ref(&infra.netns),
            cutoff,
        ));
        if left.is_empty() {
            Ok(())
        } else {
            Err(format!("{left:#?}\nof {infra:?}"))
        }
    });
    // The next container makes a new one.
    run_in(&env, &[], &["true"]).ok();
    let next = read_infra(&env).unwrap();
    assert_ne!((next.pid, next.start), (infra.pid, infra.start));
});

/// As root, berth's bridges are the host's: the holder is in the host's
/// namespaces and no helper serves it; a network's bridge is on the
/// host, labelled as berth's, and the host reaches a container on it by
/// address; another store's network whose subnet overlaps it is refused
/// and changes nothing; once idle, the holder leaves and takes the
/// bridge and its rules with it.
fn root_bridges_are_the_hosts(env: &TestEnv) {
    create_network(env, "hostnet", "198.18.46.0/24", &[]);
    let id = env.berth(["network", "inspect", "hostnet"]).ok().json()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let bridge = format!("berth{}", &id[..10]);
    let serve = "mkdir -p /www && echo host-body > /www/f && exec httpd -f -p 8080 -h /www";
    env.berth(["run", "-d", "--name", "web", "--network", "hostnet"])
        .args([NETIMG, "sh", "-c", serve])
        .env("BERTH_NETWORK_IDLE", "2")
        .timeout(RUN_TIMEOUT)
        .ok();
    let infra = read_infra(env).unwrap();
    assert!(
        infra.namespaces.is_empty(),
        "the holder is in the host's namespaces: {infra:?}"
    );
    let record = std::fs::read_to_string(env.runroot().join("network/infra.json")).unwrap();
    let record: serde_json::Value = serde_json::from_str(&record).unwrap();
    assert_eq!(record["backend"], "bridge", "{record}");
    assert_eq!(
        helpers_of("none", &[infra.pid], u64::MAX),
        Vec::<String>::new()
    );

    let out = Cmd::new("ip")
        .args(["-o", "addr", "show", "dev", &bridge])
        .ok();
    assert!(out.stdout.contains("inet 198.18.46.1/24"), "{}", out.stdout);
    let out = Cmd::new("ip")
        .args(["-o", "link", "show", "dev", &bridge])
        .ok();
    assert!(
        out.stdout.contains("alias berth-bridge hostnet"),
        "{}",
        out.stdout
    );
    let get = || -> Result<String, String> {
        let mut c = TcpStream::connect_timeout(
            &"198.18.46.2:8080".parse().unwrap(),
            Duration::from_secs(2),
        )
        .map_err(|e| e.to_string())?;
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        c.write_all(b"GET /f HTTP/1.0\r\n\r\n")
            .map_err(|e| e.to_string())?;
        let mut body = String::new();
        c.read_to_string(&mut body).map_err(|e| e.to_string())?;
        match body.ends_with("host-body\n") {
            true => Ok(body),
            false => Err(body),
        }
    };
    wait_until("the host reaches the container by address", get);

    // Another store, a subnet inside this one's: refused on the host.
    let other = net_env(Who::Root).unwrap();
    create_network(&other, "clash", "198.18.46.128/25", &[]);
    let out = run_in(&other, &["--network", "clash"], &["true"]).run();
    assert_eq!(out.code, 125, "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "network clash: its subnet 198.18.46.128/25 overlaps 198.18.46.1/24 of the host's interface {bridge}"
        )),
        "{}",
        out.stderr
    );
    get().expect("the first network is untouched");

    env.berth(["rm", "-f", "web"]).ok();
    wait_until("the holder leaves, and the bridge with its rules", || {
        let mut left = Vec::new();
        if crate::leaks::start_time(infra.pid) == Some(infra.start) {
            left.push(format!("the holder {} is alive", infra.pid));
        }
        if Cmd::new("ip")
            .args(["link", "show", "dev", &bridge])
            .run()
            .code
            == 0
        {
            left.push(format!("{bridge} is there"));
        }
        for v in ["-4", "-6"] {
            let rules = Cmd::new("ip").args([v, "rule"]).ok().stdout;
            left.extend(
                rules
                    .lines()
                    .filter(|l| l.contains(&bridge))
                    .map(str::to_string),
            );
        }
        match left.is_empty() {
            true => Ok(()),
            false => Err(format!("{left:?}")),
        }
    });
    // The next container makes them again.
    run_in(env, &["--network", "hostnet"], &["true"]).ok();
    let next = read_infra(env).unwrap();
    assert_ne!((next.pid, next.start), (infra.pid, infra.start));

    // Its holder and the monitor of its container SIGKILLed: nobody is
    // left to remove the bridge. Another store's network on the same
    // subnet finds it unused and takes its place.
    let id = env
        .berth(["run", "-d", "--network", "hostnet", NETIMG, "sleep", "600"])
        .timeout(RUN_TIMEOUT)
        .ok()
        .stdout
        .trim()
        .to_string();
    let pid1 = pid1_of(env, &id);
    let monitor = crate::leaks::parent(pid1).unwrap();
    let holder = read_infra(env).unwrap();
    sigkill(holder.pid);
    sigkill(monitor);
    wait_until(
        "the container dies with its monitor",
        || match crate::leaks::start_time(pid1) {
            None => Ok(()),
            Some(_) => Err(format!("pid 1 {pid1} is alive")),
        },
    );
    let other = net_env(Who::Root).unwrap();
    create_network(&other, "after", "198.18.46.0/24", &[]);
    let out = run_in(&other, &["--network", "after"], &["true"]).ok();
    assert_eq!(out.stderr, "");
    env.berth(["rm", "-f", &id]).ok();
}

each_identity!(removed_runroot_takes_the_holder_and_its_pasta, |who| {
    let Some(env) = net_env(who) else {
        return;
    };
    // Removed at once after the first container: the holder must already
    // know its pasta (its record goes with the runroot).
    run_in(&env, &[], &["true"]).ok();
    let infra = read_infra(&env).unwrap();
    // As root the holder is in the host's namespace, with no helper.
    let netns = match who {
        Who::Root => "none",
        _ => &infra.netns,
    };
    let helpers = helpers_of(netns, &[infra.pid], u64::MAX);
    assert_eq!(
        helpers.is_empty(),
        who == Who::Root,
        "the helpers serving berth's namespace: {helpers:?} of {infra:?}"
    );
    std::fs::remove_dir_all(env.runroot()).unwrap();
    let cutoff = crate::leaks::ticks_since_boot();
    wait_until(
        "berth's holder and its pasta leave with the runroot",
        || {
            let mut left = Vec::new();
            if crate::leaks::start_time(infra.pid) == Some(infra.start) {
                left.push(format!("the holder {} is alive", infra.pid));
            }
            left.extend(helpers_of(netns, &[infra.pid], cutoff));
            if left.is_empty() {
                Ok(())
            } else {
                Err(format!("{left:#?}\nof {infra:?}"))
            }
        },
    );
});

/// Three aliases of 63 bytes, the most a DNS label has, with a name and
/// an id: more than a veth's label holds.
const LONG_ALIAS_1: &str = "a23456789a123456789b123456789c123456789d123456789e123456789f123";
const LONG_ALIAS_2: &str = "b23456789a123456789b123456789c123456789d123456789e123456789f123";
const LONG_ALIAS_3: &str = "c23456789a123456789b123456789c123456789d123456789e123456789f123";

each_identity!(bad_network_input_is_refused_in_one_line, |who| {
    let Some(env) = net_env(who) else {
        return;
    };
    create_network(&env, "good", "198.18.8.0/24", &[]);
    env.berth([
        "run",
        "--name",
        "stopped",
        "--network",
        "good",
        NETIMG,
        "true",
    ])
    .timeout(RUN_TIMEOUT)
    .ok();
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["network", "create", "--subnet", "198.18.7.0/33", "badmask"],
            &["198.18.7.0/33"],
        ),
        (
            &[
                "network",
                "create",
                "--subnet",
                "198.18.7.300/24",
                "badaddr",
            ],
            &["198.18.7.300/24"],
        ),
        (
            &["network", "create", "--subnet", "subnet", "badword"],
            &["subnet"],
        ),
        (
            &["network", "create", "--subnet", "198.18.7.0/24", "a/b"],
            &["a/b"],
        ),
        (
            &[
                "run",
                "--rm",
                "--network",
                "good",
                "--ip",
                "198.18.9.5",
                NETIMG,
                "true",
            ],
            &["198.18.9.5"],
        ),
        (
            &[
                "run",
                "--rm",
                "--network",
                "container:stopped",
                NETIMG,
                "true",
            ],
            &["stopped"],
        ),
        (
            &["run", "--rm", "--network", "nosuch", NETIMG, "true"],
            &["nosuch"],
        ),
        // More names than an endpoint's label holds.
        (
            &[
                "run",
                "--rm",
                "--network",
                "good",
                "--network-alias",
                LONG_ALIAS_1,
                "--network-alias",
                LONG_ALIAS_2,
                "--network-alias",
                LONG_ALIAS_3,
                NETIMG,
                "true",
            ],
            &["good", "--network-alias"],
        ),
    ];
    for (args, names) in cases {
        let before = store_listing(&env.root());
        let ps = env.berth(["ps", "-a", "-q", "--no-trunc"]).ok().stdout;
        let nets = env.berth(["network", "ls"]).ok().stdout;
        let out = env.berth(*args).timeout(RUN_TIMEOUT).run();
        crate::bad_input::assert_one_error(&out, names);
        assert_same_listing(&before, &store_listing(&env.root()), &out.describe);
        assert_eq!(env.berth(["ps", "-a", "-q", "--no-trunc"]).ok().stdout, ps);
        assert_eq!(env.berth(["network", "ls"]).ok().stdout, nets);
    }
});

each_identity!(run_options_set_address_mac_hosts_and_resolv_conf, |who| {
    let Some(env) = net_env(who) else {
        return;
    };
    create_network(&env, "opts", "198.18.4.0/24", &[]);
    create_network(&env, "opts2", "198.18.14.0/24", &[]);
    let flags = [
        "--name",
        "o1",
        "--network",
        "opts",
        "--ip",
        "198.18.4.77",
        "--mac-address",
        "02:00:c6:12:04:4d",
        "--network-alias",
        "oalias",
        "--add-host",
        "extra.test:198.18.4.200",
        "--dns",
        "198.18.4.53",
        "--dns-search",
        "search.test",
        "--dns-option",
        "ndots:3",
    ];
    let script = "ip -o -4 addr show eth0; echo ===; cat /sys/class/net/eth0/address; \
                  echo ===; cat /etc/hosts; echo ===; cat /etc/resolv.conf; echo ===; \
                  probe resolve extra.test; probe resolve oalias; probe resolve o1";
    let out = run_in(&env, &flags, &["sh", "-c", script]).ok();
    let s = sections(&out, 5);
    assert_eq!(
        eth0_addr(&s[0], "198.18.4.0/24"),
        Ipv4Addr::new(198, 18, 4, 77)
    );
    assert_eq!(s[1].trim(), "02:00:c6:12:04:4d");
    let entries = hosts_entries(&s[2]);
    let extra = naming(&entries, "extra.test");
    assert_eq!(extra.len(), 1, "{}", s[2]);
    assert_eq!(extra[0].0, "198.18.4.200", "{}", s[2]);
    let own = naming(&entries, "o1");
    assert_eq!(own.len(), 1, "{}", s[2]);
    assert_eq!(own[0].0, "198.18.4.77", "{}", s[2]);
    assert!(own[0].1.iter().any(|n| n == "oalias"), "{}", s[2]);
    let resolv: Vec<Vec<&str>> = s[3]
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    let with = |key: &str| -> Vec<&str> {
        resolv
            .iter()
            .filter(|w| w.first() == Some(&key))
            .flat_map(|w| w[1..].to_vec())
            .collect()
    };
    assert_eq!(with("nameserver"), ["198.18.4.53"], "{}", s[3]);
    assert!(with("search").contains(&"search.test"), "{}", s[3]);
    assert!(with("options").contains(&"ndots:3"), "{}", s[3]);
    assert_eq!(
        s[4].lines().collect::<Vec<_>>(),
        ["198.18.4.200", "198.18.4.77", "198.18.4.77"]
    );

    // --no-hosts: the image's own file, untouched.
    let out = run_in(
        &env,
        &["--no-hosts", "--network", "opts"],
        &["cat", "/etc/hosts"],
    )
    .ok();
    assert_eq!(out.stdout, IMAGE_HOSTS);

    // Two networks: an interface and a hosts line on each.
    let out = run_in(
        &env,
        &["--name", "two", "--network", "opts", "--network", "opts2"],
        &["sh", "-c", "ip -o -4 addr; echo ===; cat /etc/hosts"],
    )
    .ok();
    let s = sections(&out, 2);
    let inets = inet_addrs(&s[0]);
    assert_eq!(inets.len(), 2, "{}", s[0]);
    for subnet in ["198.18.4.0/24", "198.18.14.0/24"] {
        let on = inets.iter().filter(|(a, _)| in_subnet(*a, subnet)).count();
        assert_eq!(on, 1, "one address in {subnet}: {}", s[0]);
    }
    let mut addrs: Vec<String> = inets.iter().map(|(a, _)| a.to_string()).collect();
    addrs.sort();
    let entries = hosts_entries(&s[1]);
    let mut lines: Vec<String> = naming(&entries, "two")
        .iter()
        .map(|(a, _)| a.clone())
        .collect();
    lines.sort();
    assert_eq!(lines, addrs, "{}", s[1]);
});

each_identity!(other_network_modes_reach_the_remote_or_not, |who| {
    let Some(env) = net_env(who) else {
        return;
    };
    let remote = RemoteHost::start();
    let r = remote.addr.to_string();
    let get = format!("ls /sys/class/net; echo ===; probe get {r} 8080 /");

    // Loopback only: no way to the remote.
    for mode in ["none", "private"] {
        let out = run_in(&env, &["--network", mode], &["sh", "-c", &get]).run();
        assert_eq!(
            out.code, 3,
            "--network {mode}: {}\n{}",
            out.stdout, out.stderr
        );
        assert_eq!(sections(&out, 2)[0], "lo\n", "--network {mode}");
    }
    assert_eq!(remote.http_count(), 0);

    // The host's namespace: the host's end of the remote's veth is there.
    let out = run_in(&env, &["--network", "host"], &["sh", "-c", &get]).ok();
    let s = sections(&out, 2);
    assert!(s[0].lines().any(|l| l == remote.host_if), "{}", s[0]);
    assert_eq!(s[1], remote.body);

    // A namespace file: the remote's own namespace, whose loopback has
    // the remote's services. (Rootless, berth's user namespace has no
    // say over a namespace of root's, so only as root.)
    if who == Who::Root {
        let ns = format!("ns:{}", remote.netns_path());
        let out = run_in(
            &env,
            &["--network", &ns],
            &["probe", "get", "127.0.0.1", "8080", "/"],
        )
        .ok();
        assert_eq!(out.stdout, remote.body);
    }
    let before = remote.http_count();

    // A pasta or a slirp4netns of the container's own. Neither may
    // change the host's mounts (as root, slirp4netns's sandbox unmounts
    // what it can reach unless it runs where mounts do not propagate).
    crate::run_options::device_usable(who, "/dev/net/tun");
    for mode in ["pasta", "slirp4netns"] {
        let out = run_in(&env, &["--network", mode], &["sh", "-c", &get]).ok();
        let s = sections(&out, 2);
        assert!(
            !s[0].lines().any(|l| l == remote.host_if),
            "--network {mode}: {}",
            s[0]
        );
        assert_eq!(s[1], remote.body, "--network {mode}");
        assert!(
            netns_mounted(&remote.netns_path()),
            "--network {mode} unmounted {} on the host",
            remote.netns_path()
        );
    }
    assert_eq!(remote.http_count(), before + 2);

    // Where slirp4netns may not reach the host's loopback (its default,
    // as Podman's), host.containers.internal is one of the host's own
    // addresses, and a service there answers.
    let out = run_in(
        &env,
        &["--network", "slirp4netns"],
        &["probe", "resolve", "host.containers.internal"],
    )
    .ok();
    let addr: std::net::IpAddr = out.stdout.trim().parse().unwrap();
    assert!(
        !addr.is_loopback() && addr.to_string() != "10.0.2.2",
        "{addr}"
    );
    let host = HostHttp::start_at(addr, "from the host's own address\n");
    let out = run_in(
        &env,
        &["--network", "slirp4netns"],
        &[
            "probe",
            "get",
            "host.containers.internal",
            &host.port.to_string(),
            "/",
        ],
    )
    .ok();
    assert_eq!(out.stdout, host.body);
    assert_eq!(host.count(), 1);
});

each_identity!(ipv6_networks_are_dual_stack_by_name_and_apart, |who| {
    let Some(env) = net_env(who) else {
        return;
    };
    let remote = RemoteHost::start();
    let sub6 = "fd42:6:70::/64";
    create_network(
        &env,
        "six",
        "198.18.70.0/24",
        &["--ipv6", "--subnet", sub6, "--label", "v=6"],
    );
    // --ipv6 alone: a unique local /64 of berth's choosing.
    create_network(&env, "other6", "198.18.71.0/24", &["--ipv6"]);
    create_network(&env, "inner6", "198.18.72.0/24", &["--ipv6", "--internal"]);
    let fmt = "{{.IPv6Enabled}}{{range .Subnets}} {{.Subnet}} {{.Gateway}}{{end}}";
    let out = env
        .berth(["network", "inspect", "--format", fmt, "six"])
        .ok();
    assert_eq!(
        out.stdout.trim(),
        "true 198.18.70.0/24 198.18.70.1 fd42:6:70::/64 fd42:6:70::1"
    );
    let out = env
        .berth(["network", "inspect", "--format", fmt, "other6"])
        .ok();
    let f: Vec<&str> = out.stdout.split_whitespace().collect();
    assert_eq!(f.len(), 5, "{}", out.stdout);
    assert!(
        f[3].starts_with("fd") && f[3].ends_with("::/64") && f[4].ends_with("::1"),
        "{}",
        out.stdout
    );
    let other_sub6 = f[3].to_string();

    let id = start_web(&env, "web6", &["--network", "six"], "six-body");
    // By name over IPv6: web6's IPv6 line, its address on eth0, inspect.
    let out = run_in(&env, &["--network", "six"], &["probe", "resolve6", "web6"]).ok();
    let web6: std::net::Ipv6Addr = out.stdout.trim().parse().unwrap();
    assert_eq!(web6.segments()[..4], [0xfd42, 6, 0x70, 0], "{web6}");
    let hosts = hosts_of(&env, "web6");
    let entries = hosts_entries(&hosts);
    let lines = naming(&entries, "web6");
    assert_eq!(lines.len(), 2, "an IPv4 and an IPv6 line: {hosts}");
    assert!(lines.iter().all(|(_, n)| n.iter().any(|n| *n == id[..12])));
    let own = env
        .berth(["exec", "web6", "ip", "-o", "-6", "addr", "show", "eth0"])
        .ok();
    assert!(
        own.stdout.contains(&format!("inet6 {web6}/64 ")),
        "{}",
        own.stdout
    );
    let fmt = "{{.NetworkSettings.GlobalIPv6Address}} \
               {{.NetworkSettings.Networks.six.GlobalIPv6PrefixLen}} \
               {{.NetworkSettings.Networks.six.IPv6Gateway}}";
    let out = env.berth(["inspect", "--format", fmt, "web6"]).ok();
    assert_eq!(out.stdout.trim(), format!("{web6} 64 fd42:6:70::1"));
    let v6 = web6.to_string();
    let out = run_in(
        &env,
        &["--network", "six"],
        &["probe", "get", &v6, "8080", "/f"],
    )
    .ok();
    assert_eq!(out.stdout, "six-body\n");
    // Not from another IPv6 network, by address or by name.
    let out = run_in(
        &env,
        &["--network", "other6"],
        &[
            "sh",
            "-c",
            "ip -o -6 addr show eth0 && probe get \"$0\" 8080 /f",
            &v6,
        ],
    )
    .run();
    assert_eq!(
        out.code, 3,
        "an other6 container reached web6 at {v6}:\n{}\n{}",
        out.stdout, out.stderr
    );
    let prefix = other_sub6.trim_end_matches("::/64");
    assert!(
        out.stdout.contains(&format!("inet6 {prefix}::")),
        "its own address in {other_sub6}: {}",
        out.stdout
    );
    let out = run_in(
        &env,
        &["--network", "other6"],
        &["probe", "resolve6", "web6"],
    )
    .run();
    assert_eq!(out.code, 2, "web6 is named on other6: {}", out.stdout);

    // Out over IPv6: the remote's IPv6 address; not from --internal.
    let r6 = remote.addr6.to_string();
    let before = remote.http_count();
    let out = run_in(
        &env,
        &["--network", "six"],
        &["probe", "get", &r6, "8080", "/"],
    )
    .ok();
    assert_eq!(out.stdout, remote.body);
    assert_eq!(remote.http_count(), before + 1);
    let out = run_in(
        &env,
        &["--network", "inner6"],
        &["probe", "get", &r6, "8080", "/"],
    )
    .run();
    assert_eq!(
        out.code, 3,
        "an --internal network reached {r6}: {}",
        out.stdout
    );
    assert_eq!(remote.http_count(), before + 1);

    // An address asked for; one outside the subnet, or on a network
    // without IPv6, is refused before anything runs.
    let out = run_in(
        &env,
        &["--network", "six", "--ip6", "fd42:6:70::99"],
        &["ip", "-o", "-6", "addr", "show", "eth0"],
    )
    .ok();
    assert!(
        out.stdout.contains("inet6 fd42:6:70::99/64 "),
        "{}",
        out.stdout
    );
    for (flags, what) in [
        (
            ["--network", "six", "--ip6", "fd42:6:71::9"],
            "not in network six",
        ),
        (
            ["--network", "berth", "--ip6", "fd42:6:70::9"],
            "no IPv6 subnet",
        ),
    ] {
        let out = run_in(&env, &flags, &["true"]).run();
        assert_eq!(out.code, 125, "{flags:?}: {}", out.stderr);
        assert!(
            out.stderr.contains(what) && out.stderr.trim().lines().count() == 1,
            "{flags:?}: {}",
            out.stderr
        );
    }
    // Bad IPv6 subnets: one line naming the subnet, nothing made.
    for (subnet, why) in [
        ("fd00::/64", "way out"),
        ("fd42:6:70::/64", "network six"),
        ("fd42:6:99::1/64", "host bits"),
        ("fe80::/64", "unicast"),
    ] {
        let out = env
            .berth(["network", "create", "--subnet", "198.18.73.0/24"])
            .args(["--subnet", subnet, "bad6"])
            .run();
        assert_eq!(out.code, 125, "{subnet}: {}", out.stderr);
        assert!(
            out.stderr.contains(subnet.split('/').next().unwrap()) && out.stderr.contains(why),
            "{subnet}: {}",
            out.stderr
        );
        let out = env.berth(["network", "exists", "bad6"]).run();
        assert_eq!(out.code, 1, "{subnet}: bad6 was made");
    }
    env.berth(["rm", "-f", "web6"]).ok();
});
