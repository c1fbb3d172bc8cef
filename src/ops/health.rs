//! Healthchecks: the image's `HEALTHCHECK` or `run --health-*`, probed by
//! the container's own berth process between its waits (no timer, no
//! other long-lived process), or once by `healthcheck run`. A probe is an
//! `exec` of the check's command with its output captured and a deadline;
//! its result goes to `containers/<id>/health.json` in Docker's shape
//! (`State.Health`): the status (`starting`, `healthy`, `unhealthy`), the
//! failing streak and the last five probes. The rules are Docker's: a
//! success makes the container healthy; `retries` failures in a row make
//! it unhealthy; a failure within the start period does not count while
//! the container has not been healthy yet, and probes come every
//! `start_interval` then.

use super::run::RunOptions;
use crate::store::containers::{ContainerRecord, Health, Probe};
use crate::store::{Store, StorePaths};
use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};
use std::time::Duration;

/// Docker's defaults.
const INTERVAL: Duration = Duration::from_secs(30);
const TIMEOUT: Duration = Duration::from_secs(30);
const START_INTERVAL: Duration = Duration::from_secs(5);
const RETRIES: u32 = 3;
/// How much of a probe's output is kept (Docker's limit).
const OUTPUT_LIMIT: usize = 4096;
/// How many probes the state keeps.
const LOG_LENGTH: usize = 5;

/// A container's healthcheck, read from its configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The program and its arguments (`CMD-SHELL` runs `/bin/sh -c`).
    pub args: Vec<String>,
    /// Zero: no probes but those of `healthcheck run`.
    pub interval: Duration,
    pub timeout: Duration,
    pub start_period: Duration,
    pub start_interval: Duration,
    pub retries: u32,
    /// A probe of berth's own instead of `args` (the container's record
    /// has it).
    pub net: Option<crate::image::config::NetProbe>,
}

impl Check {
    /// From Docker's `Healthcheck` object (durations in nanoseconds);
    /// `None` for none or `["NONE"]`.
    pub fn of(config: Option<&Value>) -> Option<Check> {
        let c = config?;
        let test: Vec<String> = serde_json::from_value(c.get("Test")?.clone()).ok()?;
        let args = match test.split_first()? {
            (kind, rest) if kind == "CMD" && !rest.is_empty() => rest.to_vec(),
            (kind, [cmd]) if kind == "CMD-SHELL" => {
                vec!["/bin/sh".into(), "-c".into(), cmd.clone()]
            }
            _ => return None,
        };
        let duration = |key: &str, default: Duration| match c.get(key).and_then(Value::as_u64) {
            Some(0) | None => default,
            Some(n) => Duration::from_nanos(n),
        };
        Some(Check {
            args,
            interval: if c.get("Interval").and_then(Value::as_i64) == Some(-1) {
                Duration::ZERO
            } else {
                duration("Interval", INTERVAL)
            },
            timeout: duration("Timeout", TIMEOUT),
            start_period: duration("StartPeriod", Duration::ZERO),
            start_interval: duration("StartInterval", START_INTERVAL),
            retries: match c.get("Retries").and_then(Value::as_u64) {
                Some(0) | None => RETRIES,
                Some(n) => n as u32,
            },
            net: None,
        })
    }

    /// The delay before the next probe: `start_interval` within the start
    /// period while not yet healthy, else `interval`.
    fn next_delay(&self, since_start: Duration, status: &str) -> Duration {
        if since_start < self.start_period && status == "starting" {
            self.start_interval.min(self.interval)
        } else {
            self.interval
        }
    }
}

/// `run --health-*` as given.
#[derive(Debug, Clone, Default)]
pub struct HealthFlags {
    /// `--health-cmd`: a shell command, a JSON array (`["CMD", …]` or the
    /// program and its arguments), or `none`.
    pub cmd: Option<String>,
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub retries: Option<u32>,
    pub start_period: Option<String>,
    pub start_interval: Option<String>,
    /// `none`, `kill`, `restart` or `stop`.
    pub on_failure: Option<String>,
    pub no_healthcheck: bool,
}

/// The container's `Healthcheck` (Docker's object): the image's, with
/// the flags over it; `None` without one.
pub fn config(opts: &RunOptions, image: Option<&Value>) -> Result<Option<Value>> {
    let f = &opts.health;
    if let Some(a) = f.on_failure.as_deref() {
        if !["none", "kill", "restart", "stop"].contains(&a) {
            bail!("invalid --health-on-failure {a:?}: use none, kill, restart or stop");
        }
    }
    if f.no_healthcheck {
        if f.cmd.is_some() {
            bail!("--no-healthcheck conflicts with --health-cmd");
        }
        return Ok(Some(json!({ "Test": ["NONE"] })));
    }
    let mut c = match (&f.cmd, image) {
        (Some(cmd), _) if cmd == "none" => return Ok(Some(json!({ "Test": ["NONE"] }))),
        (Some(cmd), _) => json!({ "Test": test_of(cmd)? }),
        (None, Some(v)) if Check::of(Some(v)).is_some() => v.clone(),
        (None, _) => {
            let given = f.interval.is_some()
                || f.timeout.is_some()
                || f.retries.is_some()
                || f.start_period.is_some()
                || f.start_interval.is_some();
            if given {
                bail!("--health-* options need a healthcheck: --health-cmd or the image's HEALTHCHECK");
            }
            return Ok(image.cloned());
        }
    };
    let obj = c.as_object_mut().expect("an object");
    for (flag, key, value) in [
        ("--health-interval", "Interval", &f.interval),
        ("--health-timeout", "Timeout", &f.timeout),
        ("--health-start-period", "StartPeriod", &f.start_period),
        (
            "--health-start-interval",
            "StartInterval",
            &f.start_interval,
        ),
    ] {
        let Some(v) = value else { continue };
        // Podman: `disable` leaves the probes to `healthcheck run`.
        if key == "Interval" && v == "disable" {
            obj.insert(key.into(), json!(-1));
            continue;
        }
        let d = crate::build::instructions::parse_duration(v)
            .ok_or_else(|| anyhow!("invalid {flag} {v:?}: expected a duration such as 30s"))?;
        if key != "StartPeriod"
            && d < Duration::from_millis(1)
            && !(key == "Interval" && d.is_zero())
        {
            bail!("invalid {flag} {v:?}: at least 1ms");
        }
        obj.insert(key.into(), json!(d.as_nanos() as u64));
    }
    if let Some(r) = f.retries {
        if r == 0 {
            bail!("invalid --health-retries 0: at least 1");
        }
        obj.insert("Retries".into(), json!(r));
    }
    Ok(Some(c))
}

/// `--health-cmd`: a JSON array is the program and its arguments (or a
/// whole test with `CMD`/`CMD-SHELL`); anything else a shell command.
fn test_of(cmd: &str) -> Result<Vec<String>> {
    if cmd.trim().is_empty() {
        bail!("--health-cmd is empty");
    }
    if cmd.trim_start().starts_with('[') {
        let list: Vec<String> = serde_json::from_str(cmd)
            .with_context(|| format!("--health-cmd {cmd:?}: not a JSON array of strings"))?;
        return Ok(match list.first().map(String::as_str) {
            Some("CMD") | Some("CMD-SHELL") | Some("NONE") => list,
            Some(_) => std::iter::once("CMD".to_string()).chain(list).collect(),
            None => bail!("--health-cmd {cmd:?} is empty"),
        });
    }
    Ok(vec!["CMD-SHELL".into(), cmd.to_string()])
}

/// The check of container `rec`, if it has one.
pub fn check_of(rec: &ContainerRecord) -> Option<Check> {
    let mut check = Check::of(rec.run_config.as_ref()?.healthcheck.as_ref())?;
    check.net = rec.net_probe.clone();
    Some(check)
}

/// Run the check of `rec` once and record the result; the new state.
pub fn probe(store: &Store, rec: &ContainerRecord, check: &Check) -> Result<Health> {
    let Some(pid1) = store.container_pid1(rec) else {
        bail!("container {} is not running", rec.name);
    };
    let spec = super::containers::spec_of(rec)?;
    let mut process = spec.process.clone();
    process.args = check.args.clone();
    process.stdin = false;
    process.terminal = false;
    let mut exec = super::exec::spec_for(rec, &spec, pid1, process);
    exec.net_probe = check.net.clone();
    let start = crate::image::time::now_rfc3339_nanos();
    let (code, output) =
        match crate::runtime::exec::exec_captured(&exec, check.timeout, OUTPUT_LIMIT) {
            Ok(c) => match c.code {
                Some(code) => (code, String::from_utf8_lossy(&c.output).into_owned()),
                None => (
                    -1,
                    format!(
                        "Health check exceeded timeout ({})",
                        go_duration(check.timeout)
                    ),
                ),
            },
            Err(e) => (-1, format!("{e:#}")),
        };
    let end = crate::image::time::now_rfc3339_nanos();
    let since_start =
        Duration::from_secs((crate::image::time::now_unix() - rec.started).max(0) as u64);
    store.update_health(&rec.id, |h| {
        let before = h.status.clone();
        if h.status.is_empty() {
            h.status = "starting".into();
        }
        h.log.push(Probe {
            start,
            end,
            exit_code: code,
            output,
        });
        let extra = h.log.len().saturating_sub(LOG_LENGTH);
        h.log.drain(..extra);
        if code == 0 {
            h.status = "healthy".into();
            h.failing_streak = 0;
        } else if !(h.status == "starting" && since_start < check.start_period) {
            h.failing_streak += 1;
            if h.failing_streak >= check.retries {
                h.status = "unhealthy".into();
            }
        }
        // On each change, as Docker records it (not every probe: the log
        // stays readable and bounded); before the state is written, so
        // whoever sees the new state finds its event.
        if h.status != before && rec.owner.is_none() {
            let mut e = super::events::container_event("health_status", rec);
            e.health_status = h.status.clone();
            super::events::emit(store, e);
        }
    })
}

/// What the container's berth process does on a healthcheck between its
/// waits: probe, and act on `--health-on-failure` when the container
/// turns unhealthy.
pub struct Ticker<'a> {
    store: &'a Store,
    rec: ContainerRecord,
    check: Check,
    /// `stop` or `restart` sent the stop signal: SIGKILL at the next tick.
    stopping: bool,
    /// `restart` asked for the container to be started again.
    pub restart: bool,
}

impl<'a> Ticker<'a> {
    /// The ticker of a container that is starting, with its state reset
    /// to `starting`; `None` without a check that probes on its own.
    pub fn new(store: &'a Store, rec: &ContainerRecord) -> Option<Ticker<'a>> {
        // berth's own containers (build steps) are not probed, as Docker
        // does not probe a build's.
        if rec.owner.is_some() {
            return None;
        }
        let check = check_of(rec)?;
        let _ = store.update_health(&rec.id, |h| {
            *h = Health {
                status: "starting".into(),
                ..Health::default()
            }
        });
        if check.interval.is_zero() {
            return None;
        }
        Some(Ticker {
            store,
            rec: rec.clone(),
            check,
            stopping: false,
            restart: false,
        })
    }

    /// The delay before the first probe.
    pub fn first(&self) -> Duration {
        self.check.next_delay(Duration::ZERO, "starting")
    }

    /// Probe once, act, and return the delay before the next probe.
    pub fn tick(&mut self) -> Duration {
        use nix::sys::signal::{kill, Signal};
        let pid1 = self.store.container_pid1(&self.rec).map(|(p, _)| p);
        if self.stopping {
            if let Some(p) = pid1 {
                let _ = kill(nix::unistd::Pid::from_raw(p), Signal::SIGKILL);
            }
            return self.check.interval;
        }
        let before = self.store.health(&self.rec.id).map(|h| h.status);
        let Ok(h) = probe(self.store, &self.rec, &self.check) else {
            return self.check.interval;
        };
        let since =
            Duration::from_secs((crate::image::time::now_unix() - self.rec.started).max(0) as u64);
        let turned = h.status == "unhealthy" && before.as_deref() != Some("unhealthy");
        if let (true, Some(p), Some(action)) = (turned, pid1, &self.rec.health_on_failure) {
            let pid = nix::unistd::Pid::from_raw(p);
            match action.as_str() {
                "kill" => {
                    let _ = kill(pid, Signal::SIGKILL);
                }
                "stop" | "restart" => {
                    if action == "stop" {
                        let _ = self.store.mark_stopped_by_user(&self.rec.id);
                    } else {
                        self.restart = true;
                    }
                    let _ = kill(pid, super::containers::stop_signal(self.store, &self.rec));
                    self.stopping = true;
                    return Duration::from_secs(10);
                }
                _ => {}
            }
        }
        self.check.next_delay(since, &h.status)
    }
}

/// `healthcheck run`: probe container `name` once; whether it is healthy
/// now (the probe passed) and its status.
pub fn run(paths: &StorePaths, name: &str) -> Result<(bool, String)> {
    let Some(store) = Store::open_existing(paths)? else {
        bail!("no container with name or ID {name:?} found");
    };
    let rec = store.find_container(name)?;
    let Some(check) = check_of(&rec) else {
        bail!("container {} has no defined healthcheck", rec.name);
    };
    if !matches!(
        store.container_state(&rec),
        crate::store::containers::State::Running(_)
    ) {
        bail!("container {} is not running", rec.name);
    }
    let h = probe(&store, &rec, &check)?;
    let passed = h.log.last().is_some_and(|p| p.exit_code == 0);
    Ok((passed, h.status))
}

/// A duration as Go prints one (`30s`, `1.5s`, `500ms`, `1m30s`).
fn go_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let (m, s) = (ms / 60_000, (ms % 60_000) as f64 / 1000.0);
    if m == 0 {
        format!("{s}s")
    } else {
        format!("{m}m{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_read_as_docker_writes_them() {
        let c = Check::of(Some(
            &json!({"Test": ["CMD-SHELL", "exit 1"], "Interval": 2_000_000_000u64}),
        ))
        .unwrap();
        assert_eq!(c.args, ["/bin/sh", "-c", "exit 1"]);
        assert_eq!(c.interval, Duration::from_secs(2));
        assert_eq!((c.timeout, c.retries), (TIMEOUT, RETRIES));
        assert_eq!(Check::of(Some(&json!({"Test": ["NONE"]}))), None);
        assert_eq!(Check::of(Some(&json!({"Test": ["CMD"]}))), None);
        let c = Check::of(Some(&json!({"Test": ["CMD", "true", "x"], "Interval": -1}))).unwrap();
        assert_eq!((c.args.len(), c.interval), (2, Duration::ZERO));
    }

    #[test]
    fn health_cmd_forms() {
        assert_eq!(test_of("curl -f x").unwrap(), ["CMD-SHELL", "curl -f x"]);
        assert_eq!(test_of(r#"["true", "a"]"#).unwrap(), ["CMD", "true", "a"]);
        assert_eq!(
            test_of(r#"["CMD-SHELL", "a"]"#).unwrap(),
            ["CMD-SHELL", "a"]
        );
        assert!(test_of("[oops").is_err());
        assert!(test_of(" ").is_err());
    }

    #[test]
    fn go_durations() {
        assert_eq!(go_duration(Duration::from_secs(30)), "30s");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(go_duration(Duration::from_millis(500)), "500ms");
        assert_eq!(go_duration(Duration::from_secs(90)), "1m30s");
    }
}
