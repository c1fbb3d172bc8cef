use super::load::{start_order, to_yaml};
use super::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::Builder::new().prefix("app").tempdir().unwrap();
    for (n, t) in files {
        let p = d.path().join(n);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, t).unwrap();
    }
    d
}

fn opts(dir: &Path) -> Options {
    Options {
        cwd: dir.to_path_buf(),
        environ: BTreeMap::from([("HOME".to_string(), "/home/u".to_string())]),
        ..Default::default()
    }
}

fn load_in(files: &[(&str, &str)]) -> anyhow::Result<Loaded> {
    let d = dir_with(files);
    load(&opts(d.path()))
}

const APP: &str = r#"
name: shop
x-common: &common
  restart: unless-stopped
  labels:
    tier: back
services:
  web:
    image: localhost/web:${TAG:-1}
    ports:
      - "8080:80"
      - 127.0.0.1:9000-9001:9000-9001/udp
      - target: 443
        published: "8443"
    depends_on:
      app:
        condition: service_healthy
    volumes:
      - ./static:/srv:ro
      - cache:/var/cache
      - /tmp
    command: sh -c 'echo "hi there"'
  app:
    <<: *common
    build: ./app
    environment:
      - DB=db
      - FROM_ENV_FILE
      - PRICE=$$5
    env_file: app.env
    healthcheck:
      test: wget -q -O- localhost
      interval: 2s
    networks:
      back:
        aliases: [api]
      default:
  db:
    image: localhost/db
    scale: ${DB_SCALE:-1}
    profiles: [data]
volumes:
  cache:
networks:
  back:
    ipam:
      config:
        - subnet: 198.18.5.0/24
"#;

#[test]
fn an_application_reads_whole() {
    let d = dir_with(&[
        ("compose.yaml", APP),
        ("app.env", "FROM_ENV_FILE=yes\nDB=overridden\n"),
        (".env", "TAG=7\nDB_SCALE=2\n"),
    ]);
    let mut o = opts(d.path());
    o.profiles = vec!["data".into()];
    let l = load(&o).unwrap();
    let p = &l.project;
    assert_eq!(p.name, "shop");
    let web = &p.services["web"];
    assert_eq!(web.image.as_deref(), Some("localhost/web:7"));
    assert_eq!(web.ports.len(), 4);
    assert_eq!(web.ports[0].published.as_deref(), Some("8080"));
    assert_eq!(web.ports[2].target, 9001);
    assert_eq!(web.ports[2].protocol, "udp");
    assert_eq!(web.ports[2].host_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(web.ports[3].target, 443);
    assert_eq!(
        web.command.as_deref().unwrap(),
        ["sh", "-c", "echo \"hi there\""]
    );
    assert_eq!(web.volumes[0].kind, "bind");
    let root = d.path().canonicalize().unwrap();
    let static_dir = Path::new(web.volumes[0].source.as_deref().unwrap());
    assert_eq!(static_dir.file_name().unwrap(), "static");
    assert!(web.volumes[0].read_only);
    assert_eq!(web.volumes[1].kind, "volume");
    assert_eq!(web.volumes[2].source, None);
    assert_eq!(web.depends_on["app"].condition, "service_healthy");
    assert_eq!(web.networks.keys().collect::<Vec<_>>(), ["default"]);
    let app = &p.services["app"];
    assert_eq!(app.restart.as_deref(), Some("unless-stopped"));
    assert_eq!(app.labels["tier"], "back");
    let b = app.build.as_ref().unwrap();
    assert!(b.context.ends_with("/app"), "{}", b.context);
    // `environment` wins over the env file; `$$` is a `$`.
    assert_eq!(app.environment["DB"].as_deref(), Some("db"));
    assert_eq!(app.environment["FROM_ENV_FILE"].as_deref(), Some("yes"));
    assert_eq!(app.environment["PRICE"].as_deref(), Some("$5"));
    assert_eq!(
        app.healthcheck.as_ref().unwrap().test.as_deref().unwrap(),
        ["CMD-SHELL", "wget -q -O- localhost"]
    );
    assert_eq!(app.networks["back"].as_ref().unwrap().aliases, ["api"]);
    assert_eq!(p.services.keys().collect::<Vec<_>>(), ["app", "db", "web"]);
    assert_eq!(p.services["db"].replicas(), 2);
    assert_eq!(p.networks["default"].name.as_deref(), Some("shop_default"));
    assert_eq!(p.networks["back"].name.as_deref(), Some("shop_back"));
    assert_eq!(p.volumes["cache"].name.as_deref(), Some("shop_cache"));
    assert_eq!(start_order(p), ["app", "db", "web"]);
    let _ = root;
}

#[test]
fn config_reads_back_to_the_same_model() {
    let d = dir_with(&[
        ("compose.yaml", APP),
        ("app.env", "FROM_ENV_FILE=a $ sign\n"),
    ]);
    let first = load(&opts(d.path())).unwrap();
    let yaml = to_yaml(&first.project).unwrap();
    let again = dir_with(&[("compose.yaml", &yaml)]);
    let second = load(&opts(again.path())).unwrap();
    // What the profiles left out is not in the output.
    let mut first = first.project;
    first.disabled.clear();
    assert_eq!(first, second.project, "{yaml}");
}

#[test]
fn profiles_leave_services_out() {
    let l = load_in(&[("compose.yaml", APP), ("app.env", "")]).unwrap();
    assert!(!l.project.services.contains_key("db"));
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    let text = APP.replace(
        "    depends_on:\n      app:",
        "    depends_on:\n      db:\n        condition: service_started\n      app:",
    );
    let e = load_in(&[("compose.yaml", &text), ("app.env", "")])
        .unwrap_err()
        .to_string();
    assert!(e.contains("not enabled by the active profiles"), "{e}");
}

#[test]
fn override_files_merge_as_docker_compose_merges() {
    let base = "services:\n  a:\n    image: x\n    command: [one, two]\n    ports: ['80']\n    environment: [A=1, B=2]\n    volumes: ['v:/data', './x:/x']\n  b:\n    image: y\nvolumes:\n  v: {}\n  w: {}\n";
    let over = "services:\n  a:\n    command: three\n    ports: ['81']\n    environment:\n      B: 3\n    volumes: ['w:/data']\n";
    let l = load_in(&[("compose.yaml", base), ("compose.override.yaml", over)]).unwrap();
    let a = &l.project.services["a"];
    assert_eq!(a.command.as_deref().unwrap(), ["three"]);
    assert_eq!(a.ports.len(), 2);
    assert_eq!(a.environment["A"].as_deref(), Some("1"));
    assert_eq!(a.environment["B"].as_deref(), Some("3"));
    assert_eq!(a.volumes.len(), 2);
    assert_eq!(a.volumes[0].source.as_deref(), Some("w"));
    assert_eq!(l.files.len(), 2);
}

#[test]
fn files_are_found_upward() {
    let d = dir_with(&[
        ("docker-compose.yml", "services:\n  a:\n    image: x\n"),
        ("sub/deeper/.keep", ""),
    ]);
    let mut o = opts(&d.path().join("sub/deeper"));
    o.environ
        .insert("COMPOSE_PROJECT_NAME".into(), "given".into());
    let l = load(&o).unwrap();
    assert_eq!(l.project.name, "given");
    assert_eq!(l.working_dir, d.path());
    let none = tempfile::tempdir().unwrap();
    let e = load(&opts(none.path())).unwrap_err().to_string();
    assert!(e.starts_with("no compose file found"), "{e}");
}

/// The error of `text` as the file `compose.yaml`.
fn error_of(text: &str) -> String {
    load_in(&[("compose.yaml", text)]).unwrap_err().to_string()
}

#[test]
fn bad_files_name_the_file_line_and_field() {
    let e = error_of("services:\n  web:\n    image: x\n    ports:\n      - \"99999:80\"\n");
    assert!(
        e.contains("compose.yaml: line 5: services.web.ports[0]: "),
        "{e}"
    );
    let e = error_of("services:\n  web:\n    image: x\n    restrat: always\n");
    assert!(
        e.contains("compose.yaml: line 4: services.web.restrat: not a field"),
        "{e}"
    );
    let e = error_of("services:\n  web:\n    image: x\n    scale: many\n");
    assert!(e.contains("line 4: services.web.scale: "), "{e}");
    let e = error_of("services:\n  web:\n    image: x\n    depends_on: [db]\n");
    assert!(
        e.contains("line 4: services.web.depends_on.db: service \"db\" is not in the file"),
        "{e}"
    );
    let e = error_of(
        "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n",
    );
    assert!(e.contains("dependency cycle"), "{e}");
    let e = error_of("services:\n  a:\n    image: x\n    env_file: missing.env\n");
    assert!(e.contains("line 4: services.a.env_file: env file "), "{e}");
    let e = error_of("services:\n  a:\n    image: ${IMG:?set IMG first}\n");
    assert!(
        e.contains(
            "line 3: services.a.image: required variable IMG is missing a value: set IMG first"
        ),
        "{e}"
    );
    let e = error_of("services:\n  a:\n    image: x\n    volumes: [data:/d]\n");
    assert!(
        e.contains("volume \"data\" is not in the file's top-level volumes"),
        "{e}"
    );
    let e = error_of("services:\n  a:\n   image: x\n  - b\n");
    assert!(e.contains("compose.yaml: line "), "{e}");
    let e = error_of("services:\n  a:\n    image: x\n    healthcheck:\n      interval: soon\n");
    assert!(
        e.contains("line 5: services.a.healthcheck.interval: "),
        "{e}"
    );
    // Extensions and known fields berth does not act on pass.
    let l = load_in(&[(
        "compose.yaml",
        "x-top: 1\nservices:\n  a:\n    image: x\n    x-mine: {}\n    ulimits: {nofile: 5}\n",
    )])
    .unwrap();
    assert!(l
        .warnings
        .iter()
        .any(|w| w.contains("services.a.ulimits: not supported")));
}

#[test]
fn commands_split_as_a_shell_splits() {
    use super::model::split_words;
    assert_eq!(
        split_words(r#"a "b c" 'd e' f\ g "h\"i""#).unwrap(),
        ["a", "b c", "d e", "f g", "h\"i"]
    );
    assert!(split_words("a 'b").is_err());
    assert_eq!(split_words("").unwrap(), Vec::<String>::new());
}

#[test]
fn durations_read_as_go_writes_them() {
    use super::model::parse_duration;
    use std::time::Duration;
    assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
    assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
    assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
    assert!(parse_duration("10").is_err());
    assert!(parse_duration("s").is_err());
    assert!(parse_duration("99999999999999999999h").is_err());
}

#[test]
fn names_and_paths() {
    let l = load_in(&[(
        "compose.yaml",
        "services:\n  a:\n    image: x\n    volumes: ['~/data:/d', '../up:/u']\n",
    )])
    .unwrap();
    let v = &l.project.services["a"].volumes;
    assert_eq!(v[0].source.as_deref(), Some("/home/u/data"));
    let up = PathBuf::from(v[1].source.as_deref().unwrap());
    assert_eq!(up.file_name().unwrap(), "up");
    assert!(!up.to_string_lossy().contains(".."));
    // The directory's name, made a valid project name.
    assert!(l.project.name.starts_with("app"), "{}", l.project.name);
    let e = load_in(&[(
        "compose.yaml",
        "name: Bad Name\nservices:\n  a:\n    image: x\n",
    )])
    .unwrap_err()
    .to_string();
    assert!(e.contains("project name"), "{e}");
}

#[test]
fn what_a_review_found() {
    // A service whose network is a missing service's is an error, not
    // a panic later.
    let e = error_of("services:\n  a:\n    image: x\n    network_mode: service:ghost\n");
    assert!(
        e.contains("line 4: services.a.network_mode: service \"ghost\" is not in the file"),
        "{e}"
    );
    // Interpolated text stays text; whole numbers become numbers.
    let d = dir_with(&[(
        "compose.yaml",
        "services:\n  a:\n    image: x\n    scale: ${N}\n    container_name: ${NAME}\n    environment:\n      V: ${V}\n      P: ${P}\n      E: ${UNSET:-}\n",
    )]);
    let mut o = opts(d.path());
    for (k, v) in [("N", "1"), ("NAME", "2048"), ("V", "1.10"), ("P", "0123")] {
        o.environ.insert(k.into(), v.into());
    }
    o.environ.insert("E".into(), "from-the-host".into());
    let l = load(&o).unwrap();
    let a = &l.project.services["a"];
    assert_eq!(a.scale, Some(1));
    assert_eq!(a.container_name.as_deref(), Some("2048"));
    assert_eq!(a.environment["V"].as_deref(), Some("1.10"));
    assert_eq!(a.environment["P"].as_deref(), Some("0123"));
    assert_eq!(a.environment["E"].as_deref(), Some(""));
    // The obsolete external form keeps its name.
    let l = load_in(&[(
        "compose.yaml",
        "services:\n  a:\n    image: x\nnetworks:\n  default:\n    external:\n      name: shared\n",
    )])
    .unwrap();
    let n = &l.project.networks["default"];
    assert!(n.external);
    assert_eq!(n.name.as_deref(), Some("shared"));
    let e = error_of("services:\n  a:\n    image: x\n    extends: {service: b}\n");
    assert!(
        e.contains("services.a.extends: not supported by berth yet"),
        "{e}"
    );
    let e = error_of(
        "services:\n  a:\n    image: x\n    secrets: [s]\nsecrets:\n  s:\n    environment: S\n",
    );
    assert!(e.contains("from a file only"), "{e}");
}
