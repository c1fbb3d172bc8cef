//! `events`: what every use case records in the store's event log, and
//! reading it back, filtered, past and as it grows.
//!
//! Recording is best effort: an event that cannot be written (a full
//! disk) never fails the work it describes, as with Podman.

use crate::digest::Digest;
use crate::store::containers::ContainerRecord;
use crate::store::events::Event;
use crate::store::{Store, StorePaths};
use anyhow::{bail, Result};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Record `e` in the store's log.
pub(crate) fn emit(store: &Store, e: Event) {
    let _ = store.append_event(&e);
}

/// A container event: its id, image, name, and labels as attributes.
pub(crate) fn container_event(status: &str, rec: &ContainerRecord) -> Event {
    let mut e = Event::now("container", status);
    e.id = rec.id.clone();
    e.image = rec.image_name.clone();
    e.name = rec.name.clone();
    let labels = rec.run_config.as_ref().and_then(|c| c.labels.clone());
    e.attributes = Some(labels.unwrap_or_default().into_iter().collect());
    e
}

/// Record a container event; a build step's containers are the build's
/// own business and record none.
pub(crate) fn container(store: &Store, status: &str, rec: &ContainerRecord) {
    if rec.owner.is_none() {
        emit(store, container_event(status, rec));
    }
}

/// Record a container's end: `died`, with its exit code.
pub(crate) fn died(store: &Store, rec: &ContainerRecord, code: i32) {
    if rec.owner.is_none() {
        let mut e = container_event("died", rec);
        e.exit_code = Some(code);
        emit(store, e);
    }
}

/// Record an image event: the image's id, and the name it concerns.
pub(crate) fn image(store: &Store, status: &str, id: &Digest, name: &str) {
    let mut e = Event::now("image", status);
    e.id = id.hex().to_string();
    e.name = name.to_string();
    emit(store, e);
}

/// Record a volume event.
pub(crate) fn volume(store: &Store, status: &str, name: &str) {
    let mut e = Event::now("volume", status);
    e.name = name.to_string();
    emit(store, e);
}

/// Record a network event.
pub(crate) fn network(store: &Store, status: &str, id: &str, name: &str) {
    let mut e = Event::now("network", status);
    e.id = id.to_string();
    e.name = name.to_string();
    e.network = name.to_string();
    emit(store, e);
}

/// `--filter KEY=VALUE` of `events`, as Podman has them: values of one
/// key are alternatives, different keys must all match; every `label`
/// must match.
#[derive(Debug, Default)]
pub struct Filters {
    by_key: BTreeMap<String, Vec<String>>,
}

const KEYS: &[&str] = &[
    "container",
    "event",
    "image",
    "label",
    "network",
    "type",
    "volume",
];

impl Filters {
    pub fn parse(filters: &[String]) -> Result<Filters> {
        let mut by_key: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for f in filters {
            let Some((k, v)) = f.split_once('=') else {
                bail!("--filter {f:?}: expected KEY=VALUE");
            };
            let k = if k == "status" { "event" } else { k };
            if !KEYS.contains(&k) {
                bail!(
                    "--filter {f:?}: unknown filter {k:?} (known: {})",
                    KEYS.join(", ")
                );
            }
            if k == "type" && !["container", "image", "volume", "network"].contains(&v) {
                bail!("--filter {f:?}: unknown type (known: container, image, volume, network)");
            }
            // Docker's name for Podman's `died`.
            let v = if k == "event" && v == "die" {
                "died"
            } else {
                v
            };
            by_key.entry(k.to_string()).or_default().push(v.to_string());
        }
        Ok(Filters { by_key })
    }

    pub fn matches(&self, e: &Event) -> bool {
        self.by_key.iter().all(|(k, values)| {
            let one = |v: &String| match k.as_str() {
                "container" => {
                    e.kind == "container"
                        && (e.name == *v || (!v.is_empty() && e.id.starts_with(v.as_str())))
                }
                "event" => e.status == *v,
                "type" => e.kind == *v,
                "image" => {
                    let named = |n: &str| {
                        !n.is_empty() && (n == v || super::images::reference_matches(v, n))
                    };
                    match e.kind.as_str() {
                        "container" => named(&e.image),
                        "image" => {
                            named(&e.name)
                                || (!v.is_empty()
                                    && e.id.starts_with(v.trim_start_matches("sha256:")))
                        }
                        _ => false,
                    }
                }
                "volume" => e.kind == "volume" && e.name == *v,
                "network" => {
                    e.kind == "network"
                        && (e.network == *v || (!v.is_empty() && e.id.starts_with(v.as_str())))
                }
                "label" => {
                    let (lk, lv) = match v.split_once('=') {
                        Some((a, b)) => (a, Some(b)),
                        None => (v.as_str(), None),
                    };
                    e.attributes
                        .as_ref()
                        .and_then(|a| a.get(lk))
                        .is_some_and(|x| lv.is_none_or(|lv| x == lv))
                }
                _ => false,
            };
            if k == "label" {
                values.iter().all(one)
            } else {
                values.iter().any(one)
            }
        })
    }
}

/// What `events` reads.
#[derive(Debug, Default)]
pub struct Options {
    pub filters: Vec<String>,
    /// Only events from this time on (nanoseconds since the epoch).
    pub since: Option<i64>,
    /// Only events up to this time; when streaming, stop then.
    pub until: Option<i64>,
    /// Keep waiting for new events.
    pub stream: bool,
}

/// Hand the events `o` selects to `sink`, oldest first. Streaming without
/// `since` starts with the events written from now on, as Podman does.
pub fn watch(
    paths: &StorePaths,
    o: &Options,
    sink: &mut dyn FnMut(&Event) -> Result<()>,
) -> Result<()> {
    let filters = Filters::parse(&o.filters)?;
    if let (Some(s), Some(u)) = (o.since, o.until) {
        if s > u {
            bail!("--since is after --until: no event can match");
        }
    }
    let store = Store::open(paths)?;
    let mut reader = store.event_reader()?;
    let mut skip_past = o.stream && o.since.is_none();
    let deadline = o.until.map(|u| {
        let left = u
            .saturating_sub(crate::image::time::now_unix_nanos())
            .max(0);
        Instant::now() + Duration::from_nanos(left as u64)
    });
    let mut deliver = |batch: Vec<Event>| -> Result<()> {
        for e in &batch {
            let early = o.since.is_some_and(|s| e.time_nano < s);
            let late = o.until.is_some_and(|u| e.time_nano > u);
            if !early && !late && filters.matches(e) {
                sink(e)?;
            }
        }
        Ok(())
    };
    loop {
        let batch = reader.next_batch()?;
        if !std::mem::take(&mut skip_past) {
            deliver(batch)?;
        }
        if !o.stream
            || o.until
                .is_some_and(|u| crate::image::time::now_unix_nanos() > u)
        {
            return Ok(());
        }
        if !reader.wait(deadline)? {
            // The deadline passed: what came in up to it, and done.
            return deliver(reader.next_batch()?);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: &str, status: &str, name: &str) -> Event {
        let mut e = Event::now(kind, status);
        e.name = name.into();
        e
    }

    #[test]
    fn filters_follow_podman() {
        let f = |s: &[&str]| {
            Filters::parse(&s.iter().map(|x| x.to_string()).collect::<Vec<_>>()).unwrap()
        };
        let mut c = ev("container", "start", "web");
        c.id = "abcdef0123".into();
        c.image = "localhost/bb:latest".into();
        c.attributes = Some(BTreeMap::from([
            ("app".into(), "x".into()),
            ("tier".into(), "1".into()),
        ]));
        let v = ev("volume", "create", "data");
        assert!(f(&["type=container"]).matches(&c));
        assert!(!f(&["type=container"]).matches(&v));
        assert!(f(&["type=volume", "type=container"]).matches(&v));
        assert!(f(&["container=web"]).matches(&c));
        assert!(f(&["container=abcd"]).matches(&c));
        assert!(!f(&["container=db"]).matches(&c));
        assert!(f(&["event=start", "container=web"]).matches(&c));
        assert!(!f(&["event=died", "container=web"]).matches(&c));
        assert!(f(&["image=bb"]).matches(&c));
        assert!(f(&["image=localhost/bb:latest"]).matches(&c));
        assert!(f(&["label=app=x", "label=tier"]).matches(&c));
        assert!(!f(&["label=app=x", "label=tier=2"]).matches(&c));
        assert!(f(&["volume=data"]).matches(&v));
        assert!(f(&["event=die"]).matches(&ev("container", "died", "x")));
        for bad in ["bogus=1", "type=pods", "noequals"] {
            assert!(Filters::parse(&[bad.to_string()]).is_err(), "{bad}");
        }
    }
}
