//! `kube generate`: the YAML of a pod and of a container alone passes
//! Kubernetes' own schemas (kubernetes-validate, strict: no field they
//! do not know), says what the containers are (image, command and args
//! split as Kubernetes splits them, env, ports, mounts, user), and
//! Debian's podman runs it.

use crate::detach::{free_port, http_get, run_detached, HANG_GUARD, HTTPD};
use crate::fixtures::*;
use crate::identity::IMG;
use crate::util::*;
use serde_yaml_ng::Value;

/// `kubernetes-validate --strict FILE` (scripts/test fetches it).
fn validate(env: &TestEnv, file: &str) -> Output {
    let Ok(dir) = std::env::var("BERTH_TEST_KUBERNETES_VALIDATE") else {
        panic!("BERTH_TEST_KUBERNETES_VALIDATE is not set: run the tests with scripts/test");
    };
    env.command("python3")
        .env("PYTHONPATH", dir)
        .args(["-m", "kubernetes_validate", "--strict", file])
        .run()
}

/// The documents of a YAML stream, by kind and name.
fn docs(text: &str) -> Vec<Value> {
    text.split("\n---\n")
        .map(|d| serde_yaml_ng::from_str(d).unwrap())
        .collect()
}

fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

fn container<'a>(pod: &'a Value, name: &str) -> &'a Value {
    pod["spec"]["containers"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no container {name}"))
}

#[test]
fn kube_generate_passes_kubernetes_schemas_and_podman_plays_it() {
    if !is_root() {
        return skip("podman runs as root here");
    }
    let env = TestEnv::new();
    let archive = docker_archive(&env, "images.tar", &[ImageSpec::busybox(IMG)]);
    berth_load(&env, &archive);
    podman(&env).args(["load", "-q", "-i"]).arg(&archive).ok();
    let _c = crate::pods::PodCleanup(&env);
    let port = free_port();
    let publish = format!("{port}:80");
    env.berth([
        "pod",
        "create",
        "--name",
        "kp",
        "-p",
        &publish,
        "--label",
        "tier=front",
    ])
    .ok();
    run_detached(
        &env,
        &[
            "--pod",
            "kp",
            "--name",
            "web",
            "-e",
            "GREETING=hello pod",
            "-v",
            "kdata:/data",
            "--tmpfs",
            "/scratch",
            "--cap-drop",
            "NET_RAW",
            "--health-cmd",
            "true",
            "--health-interval",
            "5s",
            "-l",
            "role=server",
            IMG,
            "sh",
            "-c",
            HTTPD,
        ],
    );
    run_detached(
        &env,
        &[
            "--pod",
            "kp",
            "--name",
            "side",
            "--entrypoint",
            "/bin/sleep",
            "-u",
            "1000:1000",
            IMG,
            "1000",
        ],
    );
    run_detached(
        &env,
        &["--name", "solo", "--read-only", IMG, "sleep", "1001"],
    );
    env.berth(["kube", "generate", "-s", "-f", "kp.yaml", "kp", "solo"])
        .ok();
    let text = std::fs::read_to_string(env.join("kp.yaml")).unwrap();
    let out = validate(&env, "kp.yaml");
    assert_eq!(out.code, 0, "{}{}\n{text}", out.stdout, out.stderr);
    for kind in [
        "pod/kp",
        "pod/solo-pod",
        "persistentvolumeclaim/kdata",
        "service/kp",
    ] {
        assert!(
            out.stderr.contains(kind) || out.stdout.contains(kind),
            "{kind}: {}{}",
            out.stdout,
            out.stderr
        );
    }
    // The check can fail: a field the schema does not know.
    let bad = text.replacen("    image: ", "    imagePolicy: Always\n    image: ", 1);
    std::fs::write(env.join("bad.yaml"), bad).unwrap();
    assert_ne!(validate(&env, "bad.yaml").code, 0);
    let out = env
        .berth(["kube", "generate", "--type", "deployment", "kp"])
        .ok();
    std::fs::write(env.join("deploy.yaml"), &out.stdout).unwrap();
    let checked = validate(&env, "deploy.yaml");
    assert_eq!(
        checked.code, 0,
        "{}{}\n{}",
        checked.stdout, checked.stderr, out.stdout
    );
    assert_eq!(
        find(&docs(&out.stdout), "Deployment", "kp-deployment")["spec"]["replicas"],
        1
    );

    // What it says of the containers.
    let all = docs(&text);
    let pod = find(&all, "Pod", "kp");
    assert_eq!(pod["metadata"]["labels"]["tier"], "front");
    assert_eq!(pod["metadata"]["annotations"]["role/web"], "server");
    let web = container(pod, "web");
    assert_eq!(web["image"], IMG);
    assert!(web.get("command").is_none(), "{text}");
    assert_eq!(web["args"][0], "sh");
    assert_eq!(web["env"][0]["name"], "GREETING");
    assert_eq!(web["env"][0]["value"], "hello pod");
    assert_eq!(web["ports"][0]["containerPort"], 80);
    assert_eq!(web["ports"][0]["hostPort"], u64::from(port));
    assert_eq!(web["securityContext"]["capabilities"]["drop"][0], "NET_RAW");
    assert_eq!(web["livenessProbe"]["exec"]["command"][2], "true");
    assert_eq!(web["livenessProbe"]["periodSeconds"], 5);
    let mounts: Vec<(&str, &str)> = web["volumeMounts"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap(),
                m["mountPath"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        mounts,
        [("kdata-pvc", "/data"), ("scratch-empty", "/scratch")]
    );
    let side = container(pod, "side");
    assert_eq!(side["command"][0], "/bin/sleep");
    assert_eq!(side["args"][0], "1000");
    assert_eq!(side["securityContext"]["runAsUser"], 1000);
    let solo = find(&all, "Pod", "solo-pod");
    let c = container(solo, "solo");
    assert_eq!(c["args"][1], "1001");
    assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(
        find(&all, "PersistentVolumeClaim", "kdata")["spec"]["accessModes"][0],
        "ReadWriteOnce"
    );

    // podman runs it: berth's pod goes first (its port).
    env.berth(["pod", "rm", "-f", "kp"]).ok();
    env.berth(["rm", "-f", "solo"]).ok();
    let played = podman(&env)
        .args(["kube", "play", "kp.yaml"])
        .timeout(HANG_GUARD)
        .run();
    let _down = PodmanDown(&env);
    assert_eq!(played.code, 0, "{}{}", played.stdout, played.stderr);
    let out = podman(&env)
        .args([
            "exec",
            "kp-web",
            "sh",
            "-c",
            "echo $GREETING; ls -d /data /scratch",
        ])
        .ok();
    assert_eq!(out.lines(), ["hello pod", "/data", "/scratch"]);
    let out = podman(&env).args(["exec", "kp-side", "id", "-u"]).ok();
    assert_eq!(out.stdout.trim(), "1000");
    let out = podman(&env)
        .args(["exec", "kp-side", "cat", "/proc/1/cmdline"])
        .ok();
    assert_eq!(out.stdout, "/bin/sleep\u{0}1000\u{0}");
    assert!(http_get(port).contains("hello-from-the-container"));
}

/// `podman kube down kp.yaml` and its pods gone, when a test ends.
struct PodmanDown<'a>(&'a TestEnv);

impl Drop for PodmanDown<'_> {
    fn drop(&mut self) {
        let _ = podman(self.0).args(["kube", "down", "kp.yaml"]).run();
        let _ = podman(self.0).args(["pod", "rm", "-af"]).run();
        let _ = podman(self.0).args(["rm", "-af"]).run();
    }
}
