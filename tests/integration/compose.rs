//! `compose` as root and as the test users: an application of a web
//! server (built from a `build:` section), an app, a database and a
//! cache that reach each other by service name, a one-shot migration
//! gated with `service_completed_successfully` on a database gated with
//! `service_healthy`; `.env` interpolation; a second `up` that changes
//! nothing, an edit that recreates one service; `logs`, `exec`,
//! `run --rm`; named volumes that outlive `down` and not `down -v`;
//! scaling, profiles, an override file; bad files refused with nothing
//! made; and `config` output that reads back to the same model.

use crate::detach::{eventually, free_port, http_get, HANG_GUARD};
use crate::identity::*;
use crate::util::*;

/// `compose -p NAME ARGS…` in the test's directory.
fn compose<'a>(env: &TestEnv, args: impl IntoIterator<Item = &'a str>) -> Cmd {
    let mut all = vec!["compose"];
    all.extend(args);
    env.berth(all).timeout(HANG_GUARD)
}

/// Removes what a test's application left, whatever happened.
struct Down<'a>(&'a TestEnv, &'a [&'a str]);

impl Drop for Down<'_> {
    fn drop(&mut self) {
        let mut args = self.1.to_vec();
        args.extend(["down", "-v", "-t", "0", "--remove-orphans"]);
        let _ = compose(self.0, args).run();
        let _ = self.0.berth(["rm", "-af"]).run();
    }
}

/// `SERVICE STATE` of each container (`ps -a`), sorted.
fn states(env: &TestEnv) -> Vec<String> {
    let out = compose(env, ["ps", "-a", "--format", "{{.Name}} {{.State}}"]).ok();
    let mut v: Vec<String> = out.lines().iter().map(|l| l.to_string()).collect();
    v.sort();
    v
}

/// `NAME ID` of each container, sorted.
fn ids(env: &TestEnv) -> Vec<String> {
    let out = compose(env, ["ps", "-a", "--format", "{{.Name}} {{.ID}}"]).ok();
    let mut v: Vec<String> = out.lines().iter().map(|l| l.to_string()).collect();
    v.sort();
    v
}

/// The app: its files, with the host port of `web` and the default
/// network's subnet.
fn shop(env: &TestEnv, port: u16, subnet: &str) {
    let app_ip = subnet.replace(".0/24", ".50");
    let app = format!(
        r#"name: shop
x-quick: &quick
  init: true
  stop_grace_period: 2s
services:
  web:
    <<: *quick
    build:
      context: ./web
      args:
        GREETING: hello-from-web
    ports:
      - "127.0.0.1:{port}:80"
    depends_on: [app]
    command: ["/bin/busybox", "httpd", "-f", "-p", "80", "-h", "/www"]
  app:
    <<: *quick
    image: {IMG}
    environment:
      LEVEL: ${{APP_LEVEL:?set APP_LEVEL in .env}}
    networks:
      default:
        aliases: [api]
        ipv4_address: {app_ip}
    volumes:
      - /state
    depends_on:
      migrate:
        condition: service_completed_successfully
      cache:
        condition: service_started
    command:
      - sh
      - -c
      - >-
        mkdir -p /www
        && /bin/busybox wget -q -O /www/db http://db:5432/schema
        && /bin/busybox wget -q -O /www/cache http://cache:6379/index.html
        && exec /bin/busybox httpd -f -p 8080 -h /www
  migrate:
    image: {IMG}
    depends_on:
      db:
        condition: service_healthy
    volumes:
      - dbdata:/data
    command: sh -c 'echo v1 > /data/schema && echo migrated'
  db:
    <<: *quick
    image: {IMG}
    volumes:
      - type: volume
        source: dbdata
        target: /data
    command: sh -c 'echo ready > /data/ok; exec /bin/busybox httpd -f -p 5432 -h /data'
    healthcheck:
      test: ["CMD", "/bin/busybox", "wget", "-q", "-O-", "http://127.0.0.1:5432/ok"]
      interval: 1s
      retries: 30
  cache:
    <<: *quick
    image: {IMG}
    command: sh -c 'mkdir -p /srv && echo cached > /srv/index.html && exec /bin/busybox httpd -f -p 6379 -h /srv'
volumes:
  dbdata:
networks:
  default:
    ipam:
      config:
        - subnet: {subnet}
"#
    );
    std::fs::write(env.join("compose.yaml"), app).unwrap();
    std::fs::write(env.join(".env"), "APP_LEVEL=1\n").unwrap();
    std::fs::create_dir_all(env.join("web")).unwrap();
    std::fs::write(
        env.join("web/Dockerfile"),
        format!(
            "FROM {IMG}\nARG GREETING\nRUN mkdir -p /www && echo $GREETING > /www/index.html\n"
        ),
    )
    .unwrap();
}

/// `compose config` of the directory, and of that output read again:
/// the two are the same model.
fn config_reads_back(env: &TestEnv, args: &[&str]) {
    let mut first_args = args.to_vec();
    first_args.push("config");
    let first = compose(env, first_args).ok().stdout;
    std::fs::write(env.join("resolved.yaml"), &first).unwrap();
    let again = compose(env, ["-f", "resolved.yaml", "config"]).ok().stdout;
    assert_eq!(first, again);
}

fn shop_runs_by_service_name(who: Who, subnet: &str) {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _d = Down(&env, &[]);
    let port = free_port();
    shop(&env, port, subnet);
    config_reads_back(&env, &[]);

    let up = compose(&env, ["up", "-d"]).ok();
    assert!(
        up.stderr.contains("Container shop-db-1  Healthy"),
        "{}",
        up.stderr
    );
    assert_eq!(
        states(&env),
        [
            "shop-app-1 running",
            "shop-cache-1 running",
            "shop-db-1 running",
            "shop-migrate-1 exited",
            "shop-web-1 running"
        ]
    );
    // The image built from the build section, published on the host.
    assert!(http_get(port).contains("hello-from-web"));
    // Services reach each other by name.
    let got = compose(
        &env,
        [
            "exec",
            "-T",
            "web",
            "/bin/busybox",
            "wget",
            "-q",
            "-O-",
            "http://app:8080/db",
        ],
    )
    .ok()
    .stdout;
    assert_eq!(got.trim(), "v1");
    // And by the aliases of a service's network, at its address there.
    let got = compose(
        &env,
        [
            "exec",
            "-T",
            "web",
            "/bin/busybox",
            "wget",
            "-q",
            "-O-",
            "http://api:8080/cache",
        ],
    )
    .ok()
    .stdout;
    assert_eq!(got, "cached\n");
    let ip = env
        .berth([
            "inspect",
            "shop-app-1",
            "--format",
            "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
        ])
        .ok()
        .stdout;
    assert_eq!(ip.trim(), subnet.replace(".0/24", ".50"));
    let got = compose(
        &env,
        ["exec", "app", "sh", "-c", "cat /www/cache; echo $LEVEL"],
    )
    .ok()
    .stdout;
    assert_eq!(got, "cached\n1\n");
    let logs = compose(&env, ["logs", "migrate"]).ok().stdout;
    assert!(logs.contains("shop-migrate-1  | migrated"), "{logs}");

    // A second up changes nothing.
    let before = ids(&env);
    compose(&env, ["up", "-d"]).ok();
    assert_eq!(ids(&env), before);

    // An edit of one service's environment (through .env) recreates it
    // alone, with its anonymous volume.
    compose(&env, ["exec", "app", "sh", "-c", "echo kept > /state/f"]).ok();
    std::fs::write(env.join(".env"), "APP_LEVEL=2\n").unwrap();
    let up = compose(&env, ["up", "-d"]).ok();
    assert!(
        up.stderr.contains("Container shop-app-1  Recreated"),
        "{}",
        up.stderr
    );
    let after = ids(&env);
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b == a, !a.starts_with("shop-app-1 "), "{b} / {a}");
    }
    let kept = compose(&env, ["exec", "app", "cat", "/state/f"])
        .ok()
        .stdout;
    assert_eq!(kept, "kept\n");
    let level = compose(&env, ["exec", "app", "sh", "-c", "echo $LEVEL"])
        .ok()
        .stdout;
    assert_eq!(level, "2\n");

    // A one-off container, removed after.
    let got = compose(
        &env,
        [
            "run",
            "--rm",
            "-T",
            "app",
            "/bin/busybox",
            "wget",
            "-q",
            "-O-",
            "http://cache:6379/index.html",
        ],
    )
    .ok()
    .stdout;
    assert_eq!(got, "cached\n");
    assert_eq!(states(&env).len(), 5);

    // down keeps the named volume; the next up finds its data.
    compose(&env, ["down", "-t", "1"]).ok();
    assert!(states(&env).is_empty());
    let volumes = env.berth(["volume", "ls", "-q"]).ok().stdout;
    assert!(volumes.lines().any(|v| v == "shop_dbdata"), "{volumes}");
    let networks = env
        .berth(["network", "ls", "--format", "{{.Name}}"])
        .ok()
        .stdout;
    assert!(!networks.contains("shop_default"), "{networks}");
    compose(&env, ["up", "-d", "db"]).ok();
    let got = compose(&env, ["exec", "db", "cat", "/data/schema"])
        .ok()
        .stdout;
    assert_eq!(got, "v1\n");

    // down -v leaves nothing of the project.
    compose(&env, ["down", "-v", "-t", "1"]).ok();
    assert!(states(&env).is_empty());
    let all = env.berth(["ps", "-aq"]).ok().stdout;
    assert!(all.trim().is_empty(), "{all}");
    let volumes = env.berth(["volume", "ls", "-q"]).ok().stdout;
    assert!(!volumes.contains("shop_"), "{volumes}");
    let networks = env
        .berth(["network", "ls", "--format", "{{.Name}}"])
        .ok()
        .stdout;
    assert!(!networks.contains("shop_"), "{networks}");
}

mod compose_runs_an_app_by_service_name {
    use super::*;
    #[test]
    fn root() {
        shop_runs_by_service_name(Who::Root, "198.18.150.0/24")
    }
    #[test]
    fn rootless_subuid() {
        shop_runs_by_service_name(Who::Sub, "198.18.151.0/24")
    }
}

each_identity!(compose_scales_and_reads_profiles_and_overrides, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let subnet = match who {
        Who::Root => "198.18.152.0/24",
        _ => "198.18.153.0/24",
    };
    let base = format!(
        r#"services:
  web:
    image: {IMG}
    command: sh -c 'echo base; exec sleep 600'
    init: true
    scale: 2
  debug:
    image: {IMG}
    command: sleep 600
    init: true
    profiles: [debug]
networks:
  default:
    ipam:
      config:
        - subnet: {subnet}
"#
    );
    std::fs::create_dir_all(env.join("Proj.Dir")).unwrap();
    std::fs::write(env.join("Proj.Dir/compose.yaml"), base).unwrap();
    std::fs::write(
        env.join("Proj.Dir/compose.override.yaml"),
        "services:\n  web:\n    environment: [FROM=override]\n",
    )
    .unwrap();
    let dir: &[&str] = &[
        "-f",
        "Proj.Dir/compose.yaml",
        "-f",
        "Proj.Dir/compose.override.yaml",
    ];
    let _d2 = Down(&env, dir);
    config_reads_back(&env, dir);
    let with = |rest: &[&'static str]| -> Vec<&str> {
        let mut v = dir.to_vec();
        v.extend_from_slice(rest);
        v
    };
    // The project is named after the directory, made a valid name.
    compose(&env, with(&["up", "-d"])).ok();
    let names = compose(&env, with(&["ps", "--format", "{{.Name}}"]))
        .ok()
        .stdout;
    assert_eq!(names, "projdir-web-1\nprojdir-web-2\n");
    let got = compose(
        &env,
        with(&["exec", "--index", "2", "web", "sh", "-c", "echo $FROM"]),
    )
    .ok()
    .stdout;
    assert_eq!(got, "override\n");
    // --scale over the file's scale, down and up.
    compose(&env, with(&["up", "-d", "--scale", "web=3"])).ok();
    let names = compose(&env, with(&["ps", "-q"])).ok().stdout;
    assert_eq!(names.lines().count(), 3);
    let up = compose(&env, with(&["up", "-d", "-t", "1", "--scale", "web=1"])).ok();
    assert!(
        up.stderr.contains("Container projdir-web-3  Removed"),
        "{}",
        up.stderr
    );
    let names = compose(&env, with(&["ps", "--format", "{{.Name}}"]))
        .ok()
        .stdout;
    assert_eq!(names, "projdir-web-1\n");
    // A profile's service runs only with its profile.
    compose(&env, with(&["--profile", "debug", "up", "-d"])).ok();
    let services = compose(&env, with(&["ps", "--services"])).ok().stdout;
    assert_eq!(services, "debug\nweb\n");
    // A service its profile leaves out is no orphan; one gone from the
    // file is, until removed.
    compose(&env, with(&["up", "-d", "--remove-orphans", "-t", "1"])).ok();
    let services = compose(&env, with(&["ps", "--services"])).ok().stdout;
    assert_eq!(services, "debug\nweb\n");
    let text = std::fs::read_to_string(env.join("Proj.Dir/compose.yaml")).unwrap();
    let (head, tail) = text.split_once("  debug:").unwrap();
    let rest = &tail[tail.find("networks:").unwrap()..];
    std::fs::write(env.join("Proj.Dir/compose.yaml"), format!("{head}{rest}")).unwrap();
    let up = compose(&env, with(&["up", "-d", "-t", "1"])).ok();
    assert!(
        up.stderr
            .contains("Found orphan containers (projdir-debug-1)"),
        "{}",
        up.stderr
    );
    let up = compose(&env, with(&["up", "-d", "--remove-orphans", "-t", "1"])).ok();
    assert!(
        up.stderr.contains("Container projdir-debug-1  Removed"),
        "{}",
        up.stderr
    );
    compose(&env, with(&["down", "-t", "1"])).ok();
    assert_eq!(env.berth(["ps", "-aq"]).ok().stdout, "");
});

/// `compose ARGS` of `text` as compose.yaml fails with 125 and one
/// line holding `want`; nothing is made.
#[track_caller]
fn refused(env: &TestEnv, text: &str, want: &str) {
    std::fs::write(env.join("compose.yaml"), text).unwrap();
    let out = compose(env, ["up", "-d"]).fails(125);
    let line = out.stderr.trim();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(line.starts_with("Error: "), "{line}");
    assert!(line.contains(want), "{line} should hold {want}");
    assert_eq!(env.berth(["ps", "-aq"]).ok().stdout, "");
    let nets = env
        .berth(["network", "ls", "--format", "{{.Name}}"])
        .ok()
        .stdout;
    assert!(!nets.contains("_default"), "{nets}");
}

#[test]
fn compose_refuses_bad_files_with_nothing_made() {
    let Some(env) = env_with(Who::Root, &[]) else {
        return;
    };
    let img = format!("image: {IMG}");
    refused(
        &env,
        &format!("services:\n  a:\n    {img}\n    restrat: always\n"),
        "compose.yaml: line 4: services.a.restrat: not a field of the Compose Specification",
    );
    refused(
        &env,
        &format!("services:\n  a:\n    {img}\n    ports: [\"99999:80\"]\n"),
        "line 4: services.a.ports[0]",
    );
    refused(
        &env,
        &format!("services:\n  a:\n    {img}\n    depends_on: [b]\n"),
        "line 4: services.a.depends_on.b: service \"b\" is not in the file",
    );
    refused(
        &env,
        &format!("services:\n  a:\n    {img}\n    depends_on: [b]\n  b:\n    {img}\n    depends_on: [a]\n"),
        "dependency cycle between services: a -> b -> a",
    );
    refused(
        &env,
        &format!("services:\n  a:\n    {img}\n    env_file: nope.env\n"),
        "line 4: services.a.env_file: env file ",
    );
    refused(
        &env,
        "services:\n  a:\n    image: ${NOT_SET_ANYWHERE:?give an image}\n",
        "line 3: services.a.image: required variable NOT_SET_ANYWHERE is missing a value: give an image",
    );
    refused(
        &env,
        "services:\n  a:\n    image: [x\n",
        "compose.yaml: line ",
    );
    // A dependency that never gets healthy stops `up` with its name, and
    // the dependent is not started.
    std::fs::write(
        env.join("compose.yaml"),
        format!(
            "services:\n  a:\n    {img}\n    command: sleep 600\n    init: true\n    healthcheck:\n      test: [CMD, /bin/false-not-there]\n      interval: 1s\n      retries: 1\n  b:\n    {img}\n    command: sleep 600\n    depends_on:\n      a:\n        condition: service_healthy\nnetworks:\n  default:\n    ipam:\n      config:\n        - subnet: 198.18.154.0/24\n"
        ),
    )
    .unwrap();
    let _d = Down(&env, &[]);
    let out = compose(&env, ["up", "-d"]).fails(125);
    assert!(
        out.stderr
            .contains("Error: service b depends on a: container ")
            && out.stderr.contains("is unhealthy"),
        "{}",
        out.stderr
    );
    let running = env.berth(["ps", "--format", "{{.Names}}"]).ok().stdout;
    assert!(!running.contains("-b-1"), "{running}");
}

#[test]
fn compose_builds_pushes_pulls_and_lists() {
    let Some(env) = env_with(Who::Root, &[]) else {
        return;
    };
    let reg = crate::registry_util::Registry::start(crate::registry_util::Auth::None);
    let image = format!("{}/shop/app:1", reg.host());
    std::fs::create_dir_all(env.join("app")).unwrap();
    std::fs::write(
        env.join("app/Containerfile"),
        format!(
            "FROM {IMG}\nARG WHO=nobody\nRUN echo built-for-$WHO > /built\n\
             RUN --mount=type=secret,id=token test \"$(cat /run/secrets/token)\" = s3cret && echo seen > /secret-seen\n"
        ),
    )
    .unwrap();
    let port = free_port();
    std::fs::write(
        env.join("compose.yaml"),
        format!(
            "name: reg\nsecrets:\n  token:\n    file: token.txt\nservices:\n  app:\n    image: {image}\n    build:\n      context: app\n      dockerfile: Containerfile\n      secrets: [token]\n    command: sleep 600\n    init: true\n    ports: [\"127.0.0.1:{port}:8080\"]\nnetworks:\n  default:\n    ipam:\n      config:\n        - subnet: 198.18.155.0/24\n"
        ),
    )
    .unwrap();
    std::fs::write(env.join("token.txt"), "s3cret").unwrap();
    let _d = Down(&env, &[]);
    config_reads_back(&env, &[]);
    let out = compose(&env, ["build", "--build-arg", "WHO=compose"]).ok();
    assert!(
        out.stderr.contains(&format!("Image {image}  Built")),
        "{}",
        out.stderr
    );
    compose(&env, ["push"]).ok();
    compose(&env, ["up", "-d"]).ok();
    let got = compose(&env, ["exec", "app", "cat", "/built", "/secret-seen"])
        .ok()
        .stdout;
    assert_eq!(got, "built-for-compose\nseen\n");
    let got = compose(&env, ["port", "app", "8080"]).ok().stdout;
    assert_eq!(got, format!("127.0.0.1:{port}\n"));
    compose(&env, ["port", "app", "9999"]).fails(125);
    let got = compose(&env, ["images", "--format", "json"]).ok().json();
    assert_eq!(got[0]["ContainerName"], "reg-app-1");
    assert_eq!(got[0]["Tag"], "1");
    // Projects are found from the containers alone, anywhere.
    let got = env
        .berth(["compose", "ls", "--format", "{{.Name}} {{.Status}}"])
        .ok()
        .stdout;
    assert_eq!(got, "reg running(1)\n");

    // Another store pulls what was pushed.
    let Some(other) = env_with(Who::Root, &[]) else {
        return;
    };
    std::fs::write(
        other.join("compose.yaml"),
        format!("services:\n  app:\n    image: {image}\n"),
    )
    .unwrap();
    compose(&other, ["pull", "-q"]).ok();
    let got = other
        .berth(["run", "--rm", &image, "cat", "/built"])
        .timeout(HANG_GUARD)
        .ok()
        .stdout;
    assert_eq!(got, "built-for-compose\n");
}

each_identity!(compose_up_in_the_foreground_stops_on_ctrl_c, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let subnet = match who {
        Who::Root => "198.18.156.0/24",
        _ => "198.18.157.0/24",
    };
    std::fs::write(
        env.join("compose.yaml"),
        format!(
            "name: fg\nservices:\n  talk:\n    image: {IMG}\n    init: true\n    command: sh -c 'echo hello-from-talk; exec sleep 600'\n  once:\n    image: {IMG}\n    command: echo one-shot\nnetworks:\n  default:\n    ipam:\n      config:\n        - subnet: {subnet}\n"
        ),
    )
    .unwrap();
    config_reads_back(&env, &[]);
    let _d = Down(&env, &[]);
    let up = compose(&env, ["up"]).spawn();
    eventually("both containers' lines, each after its name", || {
        let out = up.stdout_so_far();
        out.contains("fg-talk-1  | hello-from-talk") && out.contains("fg-once-1  | one-shot")
    });
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(up.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = up.ok();
    assert!(
        out.stderr.contains("fg-once-1 exited with code 0"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("Gracefully stopping"), "{}", out.stderr);
    assert!(
        out.stderr.contains("Container fg-talk-1  Stopped"),
        "{}",
        out.stderr
    );
    assert_eq!(states(&env), ["fg-once-1 exited", "fg-talk-1 exited"]);
});
