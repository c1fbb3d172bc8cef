//! `kube play` as root and as the two test users: a Pod with an init
//! container, a shared emptyDir, a ConfigMap (env and files) and a Secret
//! (a file, never logged); a Deployment's replicas; a claim whose data
//! outlives `--down`; probes run by berth (exec, httpGet, tcpSocket);
//! bad files refused with nothing made; and the round trip
//! `kube generate` → `kube play --down` → `kube play`.

use crate::detach::{eventually, free_port, http_get, inspect, run_detached, HANG_GUARD, HTTPD};
use crate::identity::*;
use crate::pods::PodCleanup;
use crate::util::*;

/// `kube play -` of `yaml` (with `args` before the file), which must
/// succeed.
fn play(env: &TestEnv, args: &[&str], yaml: &str) -> Output {
    let mut all = vec!["kube", "play"];
    all.extend(args);
    all.push("-");
    env.berth(all)
        .stdin_bytes(yaml.as_bytes().to_vec())
        .timeout(HANG_GUARD)
        .ok()
}

/// `pod ps`: name|status of each pod, sorted.
fn pods(env: &TestEnv) -> Vec<String> {
    let out = env
        .berth(["pod", "ps", "--format", "{{.Name}}|{{.Status}}"])
        .ok();
    let mut v: Vec<String> = out.lines().iter().map(|l| l.to_string()).collect();
    v.sort();
    v
}

fn volumes(env: &TestEnv) -> Vec<String> {
    let out = env.berth(["volume", "ls", "-q"]).ok();
    let mut v: Vec<String> = out.lines().iter().map(|l| l.to_string()).collect();
    v.sort();
    v
}

/// The base64 of "s3cret-value".
const SECRET_B64: &str = "czNjcmV0LXZhbHVl";

fn web_yaml(port: u16) -> String {
    format!(
        r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data:
  GREETING: hello
  app.conf: |
    port=8080
---
apiVersion: v1
kind: Secret
metadata:
  name: sec
data:
  password: {SECRET_B64}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
  - port: 8080
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  # Its programs, as pid 1, ignore SIGTERM: --down kills them after 1 s.
  terminationGracePeriodSeconds: 1
  initContainers:
  - name: init
    image: {IMG}
    command: ["sh", "-c", "sleep 0.5; echo initialized > /shared/init"]
    volumeMounts:
    - name: shared
      mountPath: /shared
  containers:
  - name: server
    image: {IMG}
    command:
    - sh
    - -c
    - cat /shared/init /etc/single.conf > /shared/index.html; echo $GREETING $FROM_MAP >> /shared/index.html; exec httpd -f -p 8080 -h /shared
    ports:
    - containerPort: 8080
      hostPort: {port}
      hostIP: 127.0.0.1
    env:
    - name: FROM_MAP
      valueFrom:
        configMapKeyRef: {{name: cfg, key: GREETING}}
    - name: GREETING
      value: env-wins-$(FROM_MAP)
    - name: PASSWORD
      valueFrom:
        secretKeyRef: {{name: sec, key: password}}
    envFrom:
    - configMapRef: {{name: cfg}}
    volumeMounts:
    - name: shared
      mountPath: /shared
    - name: conf
      mountPath: /etc/app
    - name: conf
      mountPath: /etc/single.conf
      subPath: app.conf
    - name: sec
      mountPath: /secret
  - name: client
    image: {IMG}
    command: ["sleep", "1000"]
    notAField: 1
    volumeMounts:
    - name: shared
      mountPath: /data
  volumes:
  - name: shared
    emptyDir: {{}}
  - name: conf
    configMap: {{name: cfg}}
  - name: sec
    secret: {{secretName: sec, defaultMode: 0400}}
"#
    )
}

each_identity!(kube_play_runs_a_pod_with_init_config_and_secret, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = PodCleanup(&env);
    let port = free_port();
    let yaml = web_yaml(port);
    let out = env
        .berth(["--log-level", "debug", "kube", "play", "-"])
        .stdin_bytes(yaml.as_bytes().to_vec())
        .timeout(HANG_GUARD)
        .ok();
    assert_eq!(out.lines()[0], "Pod:", "{}", out.stdout);
    // What berth does not play is said once, by document and field.
    let warned: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("WARN"))
        .collect();
    assert_eq!(
        warned,
        [
            "WARN: (standard input): document 3 (Service web): kind Service: not played (berth plays Pod, Deployment, ConfigMap, Secret and PersistentVolumeClaim)",
            "WARN: (standard input): document 4 (Pod web): spec.containers[1].notAField: not played (berth does not know this field)",
        ],
        "{who:?}"
    );
    // A Secret's value is in no line berth writes, debug logging on.
    for secret in ["s3cret-value", SECRET_B64] {
        assert!(
            !out.stdout.contains(secret) && !out.stderr.contains(secret),
            "{who:?}: {}",
            out.stderr
        );
    }
    // The init container ran to its end before the others started (the
    // server read its file when it started), and is gone.
    let page = http_get(port);
    assert!(
        page.contains("initialized\nport=8080\nenv-wins-hello hello\n"),
        "{who:?}: {page}"
    );
    let names = env
        .berth(["ps", "--filter", "pod=web", "--format", "{{.Names}}"])
        .ok();
    let mut names: Vec<&str> = names.lines();
    names.sort();
    assert_eq!(names.len(), 3, "{names:?}");
    assert_eq!(names[1..], ["web-client", "web-server"]);
    // The client reaches the server on localhost and sees the emptyDir.
    let out = env
        .berth([
            "exec",
            "web-client",
            "sh",
            "-c",
            "wget -qO- http://127.0.0.1:8080/ && cat /data/init",
        ])
        .ok();
    assert_eq!(
        out.lines(),
        [
            "initialized",
            "port=8080",
            "env-wins-hello hello",
            "initialized"
        ]
    );
    // The Secret is a variable and a file, read-only.
    let out = env
        .berth([
            "exec",
            "web-server",
            "sh",
            "-c",
            "echo $PASSWORD; cat /secret/password; echo; stat -c %a /secret/password",
        ])
        .ok();
    assert_eq!(out.lines(), ["s3cret-value", "s3cret-value", "400"]);
    // ConfigMap and Secret volumes are read-only, as Kubernetes mounts
    // them, a readOnly in the mount or not.
    for f in ["/secret/x", "/etc/app/x"] {
        env.berth(["exec", "web-server", "touch", f]).fails(1);
    }
    // The pod's own volumes go with it.
    assert_eq!(volumes(&env), ["web-conf", "web-sec", "web-shared"]);
    let out = play(&env, &["--down"], &yaml);
    assert_eq!(out.lines()[0], "Pods stopped:", "{}", out.stdout);
    assert!(pods(&env).is_empty());
    assert!(volumes(&env).is_empty(), "{:?}", volumes(&env));
    assert_eq!(env.berth(["ps", "-aq"]).ok().stdout, "");
});

const DEPLOYMENT: &str = r#"apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: 2
  selector:
    matchLabels:
      app: app
  template:
    metadata:
      labels:
        app: app
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: IMAGE
        command: ["sh", "-c", "hostname > /data/$(hostname); exec sleep 1000"]
        volumeMounts:
        - name: data
          mountPath: /data
      volumes:
      - name: data
        persistentVolumeClaim:
          claimName: data
"#;

each_identity!(
    kube_play_deployment_replicas_and_a_claim_that_outlives_down,
    |who| {
        let Some(env) = env_with(who, &[]) else {
            return;
        };
        let _c = PodCleanup(&env);
        let _v = VolumeCleanup(&env);
        let yaml = DEPLOYMENT.replace("IMAGE", IMG);
        play(&env, &[], &yaml);
        assert_eq!(pods(&env), ["app-pod-0|Running", "app-pod-1|Running"]);
        // Both replicas write to the one claim.
        eventually("both replicas wrote their names", || {
            env.berth(["exec", "app-pod-0-main", "ls", "/data"])
                .ok()
                .stdout
                == "app-pod-0\napp-pod-1\n"
        });
        env.berth([
            "exec",
            "app-pod-1-main",
            "sh",
            "-c",
            "echo kept > /data/keep",
        ])
        .ok();
        // `--down` leaves the claim's volume; a new play finds its data.
        play(&env, &["--down"], &yaml);
        assert!(pods(&env).is_empty());
        assert_eq!(volumes(&env), ["data"]);
        play(&env, &[], &yaml);
        let out = env
            .berth(["exec", "app-pod-0-main", "cat", "/data/keep"])
            .ok();
        assert_eq!(out.stdout, "kept\n", "{who:?}");
        // `--replace` makes them again; `kube down --force` takes the claim too.
        play(&env, &["--replace"], &yaml);
        assert_eq!(pods(&env), ["app-pod-0|Running", "app-pod-1|Running"]);
        env.berth(["kube", "down", "--force", "-"])
            .stdin_bytes(yaml.as_bytes().to_vec())
            .timeout(HANG_GUARD)
            .ok();
        assert!(pods(&env).is_empty());
        assert!(volumes(&env).is_empty());
    }
);

/// Remove every volume when a test ends.
struct VolumeCleanup<'a>(&'a TestEnv);

impl Drop for VolumeCleanup<'_> {
    fn drop(&mut self) {
        let _ = self.0.berth(["volume", "prune", "-f"]).run();
    }
}

const PROBES: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: probed
spec:
  containers:
  - name: flaky
    image: IMAGE
    command: ["sh", "-c", "touch /tmp/ok; sleep 4; rm /tmp/ok; exec sleep 1000"]
    livenessProbe:
      exec:
        command: ["cat", "/tmp/ok"]
      periodSeconds: 1
      failureThreshold: 2
  - name: web
    image: IMAGE
    command: ["sh", "-c", "HTTPD"]
    livenessProbe:
      httpGet:
        path: /index.html
        port: http
        httpHeaders:
        - name: Host
          value: example.test
      periodSeconds: 1
    ports:
    - name: http
      containerPort: 80
  - name: tcp
    image: IMAGE
    command: ["sleep", "1000"]
    livenessProbe:
      tcpSocket:
        port: 80
      periodSeconds: 1
  - name: notfound
    image: IMAGE
    command: ["sleep", "1000"]
    readinessProbe:
      httpGet:
        path: /missing
        port: 80
      periodSeconds: 1
      failureThreshold: 1
  - name: waiting
    image: IMAGE
    command: ["sleep", "1000"]
    readinessProbe:
      tcpSocket:
        port: 81
      periodSeconds: 1
      failureThreshold: 1
"#;

/// The health status of container `name` and the output of its last
/// probe.
fn health(env: &TestEnv, name: &str) -> (String, String) {
    let c = env.berth(["inspect", name]).ok().json()[0].clone();
    let h = &c["State"]["Health"];
    let last = h["Log"]
        .as_array()
        .and_then(|l| l.last())
        .map(|p| p["Output"].as_str().unwrap_or_default().to_string())
        .unwrap_or_default();
    (h["Status"].as_str().unwrap_or_default().to_string(), last)
}

each_identity!(kube_play_probes_restart_a_failing_container, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = PodCleanup(&env);
    let yaml = PROBES.replace("IMAGE", IMG).replace("HTTPD", HTTPD);
    play(&env, &[], &yaml);
    // The exec probe passes while the file is there, fails once it is
    // gone: berth kills the container, and the pod's policy (Always)
    // starts it again.
    eventually("flaky healthy", || {
        health(&env, "probed-flaky").0 == "healthy"
    });
    assert_eq!(inspect(&env, "probed-flaky", "{{.RestartCount}}"), "0");
    eventually("flaky restarted", || {
        inspect(&env, "probed-flaky", "{{.RestartCount}}") != "0"
    });
    eventually("flaky runs again", || {
        inspect(&env, "probed-flaky", "{{.State.Status}}") == "running"
    });
    // berth's own HTTP and TCP probes, in the pod's network namespace
    // (the server is web's, on the pod's loopback); the probe's Host
    // header replaces berth's.
    eventually("web healthy", || health(&env, "probed-web").0 == "healthy");
    let (_, log) = health(&env, "probed-web");
    assert!(
        log.contains("GET http://127.0.0.1:80/index.html: 200"),
        "{log}"
    );
    eventually("tcp healthy", || health(&env, "probed-tcp").0 == "healthy");
    assert!(health(&env, "probed-tcp")
        .1
        .contains("connected to 127.0.0.1:80"));
    // Readiness probes that fail (an HTTP 404, a closed port) tell, and
    // restart nothing.
    eventually("notfound unhealthy", || {
        health(&env, "probed-notfound").0 == "unhealthy"
    });
    let (_, log) = health(&env, "probed-notfound");
    assert!(log.contains("statuscode: 404"), "{log}");
    eventually("waiting unhealthy", || {
        health(&env, "probed-waiting").0 == "unhealthy"
    });
    for c in ["web", "tcp", "notfound", "waiting"] {
        let name = format!("probed-{c}");
        assert_eq!(inspect(&env, &name, "{{.RestartCount}}"), "0", "{c}");
    }
    // `kube generate` writes them back as the probes they were.
    let yaml = env.berth(["kube", "generate", "probed"]).ok().stdout;
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(
        yaml.lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
            .as_str(),
    )
    .unwrap();
    let probe = |name: &str| {
        doc["spec"]["containers"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|c| c["name"] == format!("probed-{name}").as_str())
            .map(|c| c["livenessProbe"].clone())
            .unwrap_or_else(|| panic!("{yaml}"))
    };
    assert_eq!(probe("web")["httpGet"]["path"], "/index.html", "{yaml}");
    assert_eq!(probe("tcp")["tcpSocket"]["port"], 80, "{yaml}");
    assert_eq!(probe("flaky")["exec"]["command"][0], "cat", "{yaml}");
});

#[test]
fn kube_play_refuses_bad_files_and_makes_nothing() {
    let Some(env) = env_with(Who::Root, &[]) else {
        return;
    };
    let _c = PodCleanup(&env);
    let _v = VolumeCleanup(&env);
    let pod = |spec: &str| {
        format!(
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: claim\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n{spec}"
        )
    };
    let ok_container = format!("  containers:\n  - name: c\n    image: {IMG}\n");
    let cases: Vec<(String, &str)> = vec![
        ("kind: Pod\nmetadata: [unclosed\n".into(), "(standard input): document 1: invalid YAML"),
        ("apiVersion: v1\nmetadata:\n  name: p\n".into(), "(standard input): document 1: kind: missing"),
        (pod("  containers: []\n"), "document 2 (Pod p): spec.containers: a pod needs at least one container"),
        (
            pod(&ok_container).replace("name: p\n", "name: Bad_Name\n"),
            "document 2 (Pod Bad_Name): metadata.name: \"Bad_Name\" is not a name Kubernetes takes",
        ),
        (
            pod(&format!("  containers:\n  - name: c_1\n    image: {IMG}\n")),
            "document 2 (Pod p): spec.containers[0].name: \"c_1\" is not a container name",
        ),
        (
            pod(&format!("  containers:\n  - name: c\n    image: {IMG}\n    ports:\n    - containerPort: x\n")),
            "document 2 (Pod p): spec.containers[0].ports[0].containerPort: invalid type",
        ),
        (
            pod(&format!(
                "  containers:\n  - name: c\n    image: {IMG}\n    env:\n    - name: A\n      valueFrom:\n        configMapKeyRef: {{name: nope, key: a}}\n"
            )),
            "document 2 (Pod p): spec.containers[0].env[0].valueFrom.configMapKeyRef.name: ConfigMap \"nope\" not found",
        ),
        (
            pod(&format!(
                "  containers:\n  - name: c\n    image: {IMG}\n    volumeMounts:\n    - name: v\n      mountPath: /v\n"
            )),
            "document 2 (Pod p): spec.containers[0].volumeMounts[0].name: no volume \"v\"",
        ),
        (
            // Refused when the container is made, after the claim and the
            // pod were: they go again.
            pod(&format!(
                "  containers:\n  - name: c\n    image: {IMG}\n    command: [sleep, '1']\n    securityContext:\n      capabilities:\n        add: [NOPE]\n"
            )),
            "(standard input): document 2 (Pod p): spec.containers[0]: container p-c: unknown capability \"NOPE\"",
        ),
        (
            pod("  containers:\n  - name: c\n    image: localhost/not-here:1\n    imagePullPolicy: Never\n"),
            "image localhost/not-here:1: not known",
        ),
        (
            // A Secret's value is never in a message: not even a bad one.
            "kind: Secret\nmetadata:\n  name: s\nstringData:\n  pin: 987654\n".into(),
            "(standard input): document 1 (Secret s): stringData.pin: not a string (quote the value)",
        ),
        (
            "kind: Secret\nmetadata:\n  name: s\ndata:\n  pin: 987654!!\n".into(),
            "(standard input): document 1 (Secret s): data.pin: not base64",
        ),
        (
            pod(&format!(
                "  containers:\n  - name: c\n    image: {IMG}\n    volumeMounts:\n    - name: v\n      mountPath: /v\n      subPath: x\n  volumes:\n  - name: v\n    emptyDir: {{}}\n"
            )),
            "document 2 (Pod p): spec.containers[0].volumeMounts[0].subPath: berth mounts a subPath of a configMap or secret volume only",
        ),
    ];
    for (yaml, want) in cases {
        let out = env
            .berth(["kube", "play", "-"])
            .stdin_bytes(yaml.as_bytes().to_vec())
            .timeout(HANG_GUARD)
            .fails(125);
        assert!(!out.stderr.contains("987654"), "{}", out.stderr);
        let errors: Vec<&str> = out
            .stderr
            .lines()
            .filter(|l| !l.starts_with("WARN"))
            .collect();
        assert_eq!(errors.len(), 1, "{yaml}\n{}", out.stderr);
        assert!(
            errors[0].starts_with("Error: ") && errors[0].contains(want),
            "{yaml}\nwanted {want:?}\ngot {}",
            out.stderr
        );
        assert!(pods(&env).is_empty(), "{yaml}");
        assert!(volumes(&env).is_empty(), "{yaml}");
        assert_eq!(env.berth(["ps", "-aq"]).ok().stdout, "", "{yaml}");
    }
}

each_identity!(kube_generate_then_play_gives_the_same_containers, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = PodCleanup(&env);
    let _v = VolumeCleanup(&env);
    let port = free_port();
    let publish = format!("127.0.0.1:{port}:80");
    // Without a subuid range, the user namespace has root alone.
    let user = if who == Who::NoSub {
        "0:0"
    } else {
        "1000:1000"
    };
    env.berth(["pod", "create", "--name", "rt", "-p", &publish])
        .ok();
    run_detached(
        &env,
        &[
            "--pod",
            "rt",
            "--name",
            "app",
            "-e",
            "K=V",
            "-u",
            user,
            "-w",
            "/tmp",
            "-v",
            "rtvol:/data",
            IMG,
            "sleep",
            "1000",
        ],
    );
    run_detached(
        &env,
        &[
            "--pod",
            "rt",
            "--name",
            "web",
            "--entrypoint",
            "sh",
            IMG,
            "-c",
            HTTPD,
        ],
    );
    let before = [described(&env, "app"), described(&env, "web")];
    env.berth(["kube", "generate", "-f", "rt.yaml", "rt"]).ok();
    env.berth(["kube", "play", "--down", "rt.yaml"])
        .timeout(HANG_GUARD)
        .ok();
    assert!(pods(&env).is_empty());
    env.berth(["kube", "play", "rt.yaml"])
        .timeout(HANG_GUARD)
        .ok();
    let after = [described(&env, "rt-app"), described(&env, "rt-web")];
    assert_eq!(before, after, "{who:?}");
    assert_eq!(before[0]["Mounts"][0][0], "rtvol", "{}", before[0]);
    assert_eq!(before[0]["User"], user, "{}", before[0]);
    // The pod's port, published again.
    assert!(
        http_get(port).contains("hello-from-the-container"),
        "{who:?}"
    );
});

/// What the round trip keeps of container `name`: its image, command,
/// environment, user, working dir and named volumes.
fn described(env: &TestEnv, name: &str) -> serde_json::Value {
    let c = env.berth(["inspect", name]).ok().json()[0].clone();
    let mounts: Vec<serde_json::Value> = c["Mounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["Type"] == "volume")
        .map(|m| serde_json::json!([m["Name"], m["Destination"], m["RW"]]))
        .collect();
    serde_json::json!({
        "Image": c["ImageName"],
        "Entrypoint": c["Config"]["Entrypoint"],
        "Cmd": c["Config"]["Cmd"],
        "Env": c["Config"]["Env"],
        "User": c["Config"]["User"],
        "WorkingDir": c["Config"]["WorkingDir"],
        "Mounts": mounts,
    })
}

#[test]
fn kube_play_builds_creates_without_starting_and_publishes() {
    let Some(env) = env_with(Who::Root, &[]) else {
        return;
    };
    let _c = PodCleanup(&env);
    // `--build`: the image's directory in the working one.
    std::fs::create_dir(env.join("site")).unwrap();
    std::fs::write(
        env.join("site/Containerfile"),
        format!("FROM {IMG}\nRUN mkdir /www && echo built-here > /www/index.html\n"),
    )
    .unwrap();
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: b\nspec:\n  containers:\n  - name: web\n    image: localhost/site:1\n    command: [/bin/busybox, httpd, -f, -p, '80', -h, /www]\n    ports:\n    - containerPort: 80\n      hostPort: 1\n";
    let port = free_port();
    let publish = format!("127.0.0.1:{port}:80");
    // Created, not started: nothing runs, not even the infra container.
    let out = play(&env, &["--start=false", "--publish", &publish], yaml);
    assert_eq!(out.lines()[..3], ["Pod:", out.lines()[1], "Container:"]);
    assert_eq!(pods(&env), ["b|Created"]);
    // `pod start` starts it; `--publish` took the place of the file's
    // hostPort for container port 80.
    env.berth(["pod", "start", "b"]).timeout(HANG_GUARD).ok();
    assert!(http_get(port).contains("built-here"));
    let ports = env
        .berth([
            "pod",
            "inspect",
            "--format",
            "{{json .InfraConfig.PortBindings}}",
            "b",
        ])
        .ok();
    let want = format!("{{\"80/tcp\":[{{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"{port}\"}}]}}");
    assert_eq!(ports.stdout.trim(), want);
    // A ConfigMap from --configmap, the log driver of --log-driver, and
    // restartPolicy Never: the container that fails stays down.
    std::fs::write(
        env.join("settings.yaml"),
        "kind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  CODE: '3'\n",
    )
    .unwrap();
    let yaml = format!(
        "kind: Pod\nmetadata:\n  name: once\nspec:\n  restartPolicy: Never\n  containers:\n  - name: c\n    image: {IMG}\n    command: [sh, -c, 'exit $CODE']\n    envFrom:\n    - configMapRef: {{name: settings}}\n"
    );
    play(
        &env,
        &["--configmap", "settings.yaml", "--log-driver", "none"],
        &yaml,
    );
    eventually("once-c exited", || {
        inspect(&env, "once-c", "{{.State.Status}}") == "exited"
    });
    let what = "{{.State.ExitCode}} {{.RestartCount}} {{.HostConfig.LogConfig.Type}} {{.HostConfig.RestartPolicy.Name}}";
    assert_eq!(inspect(&env, "once-c", what), "3 0 none no");
}

each_identity!(kube_play_runs_a_pod_on_the_host_network, |who| {
    let Some(env) = env_with(who, &[]) else {
        return;
    };
    let _c = PodCleanup(&env);
    let port = free_port();
    // A cluster writes hostPort = containerPort for such a pod: nothing to
    // publish, the container's port is the host's.
    let yaml = format!(
        "kind: Pod\nmetadata:\n  name: hn\nspec:\n  hostNetwork: true\n  containers:\n  - name: web\n    image: {IMG}\n    command: [sh, -c, 'mkdir -p /www && echo on-the-host > /www/index.html && exec /bin/busybox httpd -f -p {port} -h /www']\n    ports:\n    - containerPort: {port}\n      hostPort: {port}\n"
    );
    play(&env, &[], &yaml);
    assert!(http_get(port).contains("on-the-host"), "{who:?}");
});
