use super::*;

#[test]
fn names_become_dns_labels() {
    assert_eq!(dns_label("web"), "web");
    assert_eq!(dns_label("My_App.1"), "my-app-1");
    assert_eq!(dns_label("--x--"), "x");
    assert_eq!(dns_label("___"), "berth");
    assert_eq!(dns_label(&"a".repeat(80)).len(), 63);
}

#[test]
fn keys_and_values_are_checked_as_kubernetes_does() {
    assert!(valid_key("app"));
    assert!(valid_key("org.opencontainers.image.title"));
    assert!(valid_key("example.com/role"));
    assert!(!valid_key("Example.com/role"));
    assert!(!valid_key("a b"));
    assert!(!valid_key(&"k".repeat(64)));
    assert!(!valid_key("/x"));
    assert!(valid_label_value(""));
    assert!(valid_label_value("v1.2_3-x"));
    assert!(!valid_label_value("has space"));
    assert!(!valid_label_value("-x"));
}

fn web() -> PodDesc {
    PodDesc {
        name: "web".into(),
        hostname: Some("web".into()),
        restart_policy: "Always".into(),
        labels: BTreeMap::from([
            ("tier".to_string(), "front".to_string()),
            ("bad key".to_string(), "x".to_string()),
            ("app".to_string(), "other".to_string()),
        ]),
        containers: vec![ContainerDesc {
            name: "srv".into(),
            image: "localhost/busybox:latest".into(),
            command: None,
            args: Some(vec!["httpd".into(), "-f".into()]),
            env: vec![("A".into(), "1".into())],
            ports: vec![
                PortDesc {
                    container: 80,
                    host: 8080,
                    host_ip: String::new(),
                    protocol: "tcp".into(),
                },
                PortDesc {
                    container: 80,
                    host: 8081,
                    host_ip: "127.0.0.1".into(),
                    protocol: "tcp".into(),
                },
            ],
            mounts: vec![
                MountDesc {
                    target: "/data".into(),
                    read_only: false,
                    source: MountSource::Volume("Data_1".into()),
                },
                MountDesc {
                    target: "/tmp".into(),
                    read_only: false,
                    source: MountSource::Empty { memory: true },
                },
            ],
            run_as_user: Some(1000),
            cap_drop: vec!["NET_RAW".into()],
            labels: BTreeMap::from([("role".to_string(), "server".to_string())]),
            healthcheck: Some(HealthDesc {
                command: vec!["true".into()],
                interval_secs: 5,
                retries: 3,
                ..Default::default()
            }),
            ..Default::default()
        }],
        ..Default::default()
    }
}

#[test]
fn a_pod_with_a_claim_and_a_service() {
    let text = generate(&[web()], Kind::Pod, true, "0.0.0");
    assert!(text.starts_with("# Save the output"), "{text}");
    let docs: Vec<serde_yaml_ng::Value> = text
        .split("---\n")
        .map(|d| serde_yaml_ng::from_str(d).unwrap())
        .collect();
    let kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["Pod", "PersistentVolumeClaim", "Service"]);
    let pod = &docs[0];
    // The generated `app` label stays (the Service selects by it).
    assert_eq!(pod["metadata"]["labels"]["app"], "web");
    assert_eq!(pod["metadata"]["labels"]["tier"], "front");
    assert!(pod["metadata"]["labels"].get("bad key").is_none());
    assert_eq!(pod["metadata"]["annotations"]["role/srv"], "server");
    let c = &pod["spec"]["containers"][0];
    assert_eq!(c["args"][0], "httpd");
    assert!(c.get("command").is_none());
    assert_eq!(c["ports"][0]["hostPort"], 8080);
    assert_eq!(c["ports"][0]["protocol"], "TCP");
    assert_eq!(c["securityContext"]["runAsUser"], 1000);
    assert_eq!(c["securityContext"]["capabilities"]["drop"][0], "NET_RAW");
    assert_eq!(c["livenessProbe"]["exec"]["command"][0], "true");
    assert_eq!(c["livenessProbe"]["periodSeconds"], 5);
    assert_eq!(c["volumeMounts"][0]["name"], "data-1-pvc");
    let vols = &pod["spec"]["volumes"];
    assert_eq!(vols[0]["persistentVolumeClaim"]["claimName"], "data-1");
    assert_eq!(vols[1]["emptyDir"]["medium"], "Memory");
    // The hostname is the pod's name: not written.
    assert!(pod["spec"].get("hostname").is_none());
    assert_eq!(docs[1]["metadata"]["name"], "data-1");
    assert_eq!(docs[2]["spec"]["selector"]["app"], "web");
    assert_eq!(docs[2]["spec"]["ports"][0]["port"], 80);
    // Published twice: two host ports, one Service port.
    assert_eq!(c["ports"][1]["hostIP"], "127.0.0.1");
    assert_eq!(docs[2]["spec"]["ports"].as_sequence().unwrap().len(), 1);
}

#[test]
fn names_stay_labels_and_apart() {
    let long = "v".repeat(70);
    let mount = |source, target: &str| MountDesc {
        target: target.into(),
        read_only: false,
        source,
    };
    let pod = PodDesc {
        name: "p".into(),
        restart_policy: "Never".into(),
        dns_search: vec!["example.org".into()],
        containers: vec![
            ContainerDesc {
                name: "web_1".into(),
                image: "i".into(),
                mounts: vec![
                    mount(MountSource::Volume("My_Data".into()), "/a"),
                    mount(MountSource::Volume("my.data".into()), "/b"),
                    mount(MountSource::Volume(long.clone()), "/c"),
                    mount(
                        MountSource::HostPath {
                            path: "/run/podman/podman.sock".into(),
                            dir: false,
                        },
                        "/s",
                    ),
                ],
                ..Default::default()
            },
            ContainerDesc {
                name: "web.1".into(),
                image: "i".into(),
                mounts: vec![mount(MountSource::Volume("My_Data".into()), "/a")],
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    let text = generate(&[pod], Kind::Pod, false, "0");
    let docs: Vec<serde_yaml_ng::Value> = text
        .split("---\n")
        .map(|d| serde_yaml_ng::from_str(d).unwrap())
        .collect();
    let spec = &docs[0]["spec"];
    assert_eq!(spec["containers"][0]["name"], "web-1");
    assert_eq!(spec["containers"][1]["name"], "web-1-2");
    let claims: Vec<&str> = docs[1..]
        .iter()
        .map(|d| d["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(claims.len(), 3, "{text}");
    assert_eq!(claims[0], "my-data");
    assert_eq!(claims[1], "my-data-2");
    assert!(claims[2].len() <= 63);
    for v in spec["volumes"].as_sequence().unwrap() {
        assert!(v["name"].as_str().unwrap().len() <= 63, "{v:?}");
    }
    // One volume for a claim two containers mount.
    assert_eq!(
        spec["containers"][1]["volumeMounts"][0]["name"],
        spec["containers"][0]["volumeMounts"][0]["name"]
    );
    // A socket may not be checked as a File.
    assert!(
        spec["volumes"][3]["hostPath"].get("type").is_none(),
        "{text}"
    );
    // Search domains alone: the cluster's policy, not None.
    assert!(spec.get("dnsPolicy").is_none());
    assert_eq!(spec["dnsConfig"]["searches"][0], "example.org");
}

#[test]
fn a_deployment_always_restarts_its_pods() {
    let mut pod = web();
    pod.restart_policy = "Never".into();
    let text = generate(&[pod], Kind::Deployment, false, "0.0.0");
    let docs: Vec<serde_yaml_ng::Value> = text
        .split("---\n")
        .map(|d| serde_yaml_ng::from_str(d).unwrap())
        .collect();
    assert_eq!(docs.len(), 2, "{text}");
    let d = &docs[0];
    assert_eq!(d["kind"], "Deployment");
    assert_eq!(d["spec"]["replicas"], 1);
    assert_eq!(d["spec"]["selector"]["matchLabels"]["app"], "web");
    assert_eq!(d["spec"]["template"]["metadata"]["labels"]["app"], "web");
    assert_eq!(d["spec"]["template"]["spec"]["restartPolicy"], "Always");
}

mod play_reading {
    use crate::kube::play::*;

    fn read(yaml: &str) -> anyhow::Result<Manifest> {
        read_manifest("f.yaml", yaml, &[], Mode::Play)
    }

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: img\n";

    #[test]
    fn a_deployment_is_a_pod_per_replica() {
        let y = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: c\n        image: img\n";
        let m = read(y).unwrap();
        let names: Vec<&str> = m.pods.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["d-pod-0", "d-pod-1", "d-pod-2"]);
        let one = read(&y.replace("replicas: 3", "replicas: 1")).unwrap();
        assert_eq!(one.pods[0].name, "d-pod");
        assert_eq!(one.pods[0].restart, "always");
    }

    #[test]
    fn config_maps_and_secrets_are_resolved_wherever_they_are() {
        let y = format!(
            "{POD}    env:\n    - name: A\n      valueFrom:\n        secretKeyRef: {{name: s, key: k}}\n    envFrom:\n    - configMapRef: {{name: m}}\n      prefix: P_\n---\nkind: Secret\nmetadata:\n  name: s\ndata:\n  k: dmFsdWU=\n"
        );
        let cm = (
            "cm.yaml".to_string(),
            "kind: ConfigMap\nmetadata:\n  name: m\ndata:\n  x: '1'\n".to_string(),
        );
        let m = read_manifest("f.yaml", &y, &[cm], Mode::Play).unwrap();
        assert_eq!(m.pods[0].containers[0].env, ["P_x=1", "A=value"]);
        // The Debug form of what holds a Secret's values shows none.
        assert!(!format!("{:?}", m.pods[0]).contains("value\""));
        // Only the names are needed to take a file down.
        let down = read_manifest("f.yaml", POD, &[], Mode::Down).unwrap();
        assert_eq!(down.pods[0].name, "p");
    }

    #[test]
    fn unknown_fields_and_kinds_are_warnings_with_their_paths() {
        let y = format!("{POD}    surprise: 1\n  nodeName: n\n---\nkind: Service\nmetadata:\n  name: s\n---\nkind: Service\nmetadata:\n  name: t\n");
        let m = read(&y).unwrap();
        assert_eq!(
            m.warnings,
            [
                "f.yaml: document 1 (Pod p): spec.containers[0].surprise: not played (berth does not know this field)",
                "f.yaml: document 1 (Pod p): spec.nodeName: not played (berth does not know this field)",
                "f.yaml: document 2 (Service s): kind Service: not played (berth plays Pod, Deployment, ConfigMap, Secret and PersistentVolumeClaim)",
            ]
        );
    }

    #[test]
    fn ports_and_probes() {
        let y = format!(
            "{POD}    ports:\n    - containerPort: 80\n      hostPort: 8080\n      name: web\n    - containerPort: 53\n      protocol: UDP\n    livenessProbe:\n      httpGet: {{port: web, path: /h}}\n"
        );
        let m = read(&y).unwrap();
        assert_eq!(m.pods[0].publish, ["8080:80/tcp"]);
        let probe = m.pods[0].containers[0].liveness.clone().unwrap();
        assert_eq!(
            probe.action,
            ProbeAction::Http {
                host: "127.0.0.1".into(),
                port: 80,
                path: "/h".into(),
                headers: vec![]
            }
        );
        assert_eq!(
            (
                probe.period_secs,
                probe.timeout_secs,
                probe.failure_threshold
            ),
            (10, 1, 3)
        );
    }

    #[test]
    fn errors_name_the_file_document_and_field() {
        let err = |y: &str| format!("{:#}", read(y).unwrap_err());
        assert_eq!(
            err(&POD.replace("image: img", "image: img\n    args: 3")),
            "f.yaml: document 1 (Pod p): spec.containers[0].args: invalid type: integer `3`, expected a sequence"
        );
        assert!(err("kind: [").starts_with("f.yaml: document 1: invalid YAML"));
        assert_eq!(err(""), "f.yaml: no Kubernetes object in it");
        assert_eq!(
            err("- a\n"),
            "f.yaml: document 1: not a mapping of fields (apiVersion, kind, metadata …)"
        );
        assert_eq!(
            err(&format!("{POD}  volumes:\n  - name: v\n    nfs: {{}}\n")),
            "f.yaml: document 1 (Pod p): spec.volumes[0]: no source berth provides (persistentVolumeClaim, hostPath, emptyDir, configMap, secret)"
        );
        assert_eq!(
            err(&format!("{POD}---\n{POD}")),
            "f.yaml: document 2 (Pod p): metadata.name: a second pod p"
        );
    }

    #[test]
    fn dollar_names_expand_as_kubernetes_expands_them() {
        let env = ["A=1".to_string(), "B=two words".to_string()];
        assert_eq!(expand("x$(A)y", &env), "x1y");
        assert_eq!(
            expand("$(B) $(C) $$(A) $ $x", &env),
            "two words $(C) $(A) $ $x"
        );
        assert_eq!(expand("$(A", &env), "$(A");
        let y = format!(
            "{POD}    env:\n    - name: A\n      value: a\n    - name: B\n      value: $(A)-$(Z)\n    command: [echo, $(B)]\n    args: []\n"
        );
        let c = read(&y).unwrap().pods[0].containers[0].clone();
        assert_eq!(c.env, ["A=a", "B=a-$(Z)"]);
        assert_eq!(c.command.unwrap(), ["echo", "a-$(Z)"]);
        assert_eq!(c.args.unwrap(), Vec::<String>::new());
        // An empty command is none: the image's entrypoint stays.
        let y = format!("{POD}    command: []\n");
        assert_eq!(read(&y).unwrap().pods[0].containers[0].command, None);
    }

    #[test]
    fn modes_read_as_yaml_1_1_writes_them() {
        let y = format!(
            "{POD}  volumes:\n  - name: s\n    secret:\n      secretName: s\n      defaultMode: 0400\n      items:\n      - {{key: k, path: a/k, mode: 384}}\n---\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  k: v\n"
        );
        let m = read(&y).unwrap();
        let v = &m.pods[0].volumes[0];
        assert!(v.read_only);
        let Source::Files(f) = &v.source else {
            unreachable!()
        };
        assert_eq!(f[0].2, 0o600);
        let bad = y.replace("0400", "0800");
        let e = format!("{:#}", read(&bad).unwrap_err());
        assert!(e.contains("spec.volumes[0].secret.defaultMode"), "{e}");
        // Quantities may be numbers.
        let q = format!("{POD}    resources:\n      limits: {{cpu: 0.5, memory: 64Mi}}\n");
        let r = &read(&q).unwrap().pods[0].containers[0].resources;
        assert_eq!(r["limits.cpu"], "0.5");
    }

    #[test]
    fn generated_dollars_play_back_as_they_were() {
        let mut pod = super::web();
        pod.containers[0].command = Some(vec!["sh".into(), "-c".into()]);
        pod.containers[0].args = Some(vec!["echo $HOME $$ $(X)".into()]);
        pod.containers[0].env = vec![("X".into(), "a$(X)$".into())];
        let text = crate::kube::generate(&[pod], crate::kube::Kind::Pod, false, "0");
        let m = read(&text).unwrap();
        let c = &m.pods[0].containers[0];
        assert_eq!(c.args.as_ref().unwrap(), &["echo $HOME $$ $(X)"]);
        assert_eq!(c.env, ["X=a$(X)$"]);
    }

    #[test]
    fn down_reads_what_play_would_refuse() {
        let y = format!(
            "{POD}    volumeMounts:\n    - {{name: d, mountPath: /d, subPath: x}}\n  volumes:\n  - name: d\n    persistentVolumeClaim: {{claimName: d}}\n"
        );
        assert!(read(&y).is_err());
        let m = read_manifest("f.yaml", &y, &[], Mode::Down).unwrap();
        assert_eq!(m.pods[0].name, "p");
    }
}
