//! berth's own log on standard error: `--log-level debug|info` (or
//! `BERTH_LOG` for finer control: `debug`, `registry=debug,store=trace`,
//! the names being berth's modules) turns it on; off by default, when the
//! log macros in the rest of berth cost one atomic load each. The choice
//! is passed on in `BERTH_LOG` to the helper processes berth starts
//! (a container's monitor, its init, the network holder), so a run's
//! namespaces and mounts are reported too.

use tracing_subscriber::filter::{LevelFilter, Targets};

/// The variable that carries the filter.
pub const VAR: &str = "BERTH_LOG";

/// Turn logging on as `BERTH_LOG` says, if it says anything (berth's
/// helper processes: they take no flags).
pub fn init_from_env() {
    if let Some(spec) = std::env::var(VAR).ok().filter(|s| !s.trim().is_empty()) {
        install(&spec);
    }
}

/// Turn logging on as `--log-level` says, unless `BERTH_LOG` says more.
/// `warn` and `error` (the default) keep berth's own `WARN:` lines only.
/// Call while the process has one thread (it may set `BERTH_LOG`).
pub fn init(level: &str) {
    let spec = match std::env::var(VAR).ok().filter(|s| !s.trim().is_empty()) {
        Some(s) => s,
        None if matches!(level, "debug" | "info") => {
            // The helper processes inherit it.
            std::env::set_var(VAR, level);
            level.to_string()
        }
        None => return,
    };
    install(&spec);
}

/// `debug`, `info` …, and `MODULE=LEVEL` (`registry=debug`; a name that
/// is not berth's module path is taken as one of berth's modules),
/// separated by commas. What cannot be read is left out.
fn filter(spec: &str) -> Targets {
    let mut t = Targets::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (target, level) = match part.split_once('=') {
            Some((m, l)) => (Some(m.trim()), l.trim()),
            None => (None, part),
        };
        let Ok(level) = level.parse::<LevelFilter>() else {
            continue;
        };
        t = match target {
            None => t.with_target("berth", level),
            Some(m) if m == "berth" || m.starts_with("berth::") => t.with_target(m, level),
            Some(m) => t.with_target(format!("berth::{m}"), level),
        };
    }
    t
}

fn install(spec: &str) {
    use tracing_subscriber::fmt::format::FmtSpan;
    use tracing_subscriber::prelude::*;
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_timer(tracing_subscriber::fmt::time::uptime())
        .with_target(true)
        // A phase (a span) reports how long it took when it ends.
        .with_span_events(FmtSpan::CLOSE);
    let _ = tracing_subscriber::registry()
        .with(layer.with_filter(filter(spec)))
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    #[test]
    fn filters_name_berths_modules() {
        let t = filter("info,registry=debug, store::locks=trace,bogus=loud");
        assert!(t.would_enable("berth::registry::client", &Level::DEBUG));
        assert!(!t.would_enable("berth::ops::pull", &Level::DEBUG));
        assert!(t.would_enable("berth::ops::pull", &Level::INFO));
        assert!(t.would_enable("berth::store::locks", &Level::TRACE));
        // Other crates' records stay out.
        assert!(!t.would_enable("ureq::unit", &Level::INFO));
    }
}
