//! Writing to the terminal: stdout that tolerates a closed pipe, one-line
//! errors, and the human forms of sizes and ages that Podman prints.

use std::io::{self, Write};
use std::sync::OnceLock;

/// Where berth's own standard output goes instead of fd 1 (`--out FILE`,
/// `--noout`). Containers keep fd 1: their output is not berth's.
static REDIRECT: OnceLock<std::fs::File> = OnceLock::new();

/// `--out FILE` (created or truncated, mode 0600 as Podman makes it) or
/// `--noout` (`/dev/null`): berth's standard output from now on.
pub fn redirect_stdout(out: Option<&std::path::Path>, none: bool) -> anyhow::Result<()> {
    use anyhow::Context;
    use std::os::unix::fs::OpenOptionsExt;
    let file = match (out, none) {
        (_, true) => std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .context("--noout: opening /dev/null")?,
        (Some(p), false) => std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(p)
            .with_context(|| format!("--out {}", p.display()))?,
        (None, false) => return Ok(()),
    };
    let _ = REDIRECT.set(file);
    Ok(())
}

/// Berth's standard output: fd 1, or what `--out`/`--noout` set.
pub fn stdout() -> Box<dyn Write> {
    match REDIRECT.get() {
        Some(f) => Box::new(f),
        None => Box::new(io::stdout().lock()),
    }
}

/// Standard output for one long binary stream (an archive), writable
/// from the threads that produce it: a file of its own on descriptor 1,
/// without the line buffering of `io::stdout`.
pub fn stdout_stream() -> io::Result<std::fs::File> {
    use std::os::fd::AsFd;
    match REDIRECT.get() {
        Some(f) => f.try_clone(),
        None => Ok(io::stdout().as_fd().try_clone_to_owned()?.into()),
    }
}

/// Whether berth's standard output is a terminal.
pub fn stdout_is_terminal() -> bool {
    use std::io::IsTerminal;
    match REDIRECT.get() {
        Some(f) => f.is_terminal(),
        None => io::stdout().is_terminal(),
    }
}

/// Print to stdout; a reader that went away (`| head`) is not an error
/// worth a message, and is reported as a broken pipe.
pub fn print(s: &str) -> io::Result<()> {
    let mut out = stdout();
    out.write_all(s.as_bytes())?;
    out.flush()
}

/// `print` with a newline.
pub fn println(s: &str) -> io::Result<()> {
    let mut out = stdout();
    out.write_all(s.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// A time given to `--since` or `--until` (`flag`), in nanoseconds since
/// the epoch: RFC 3339, Unix seconds (`1700000000`, `1700000000.5`), or a
/// duration (`90s`, `5m`, `1h30m`) before now (for `--until`: after now),
/// as Podman reads them.
pub fn parse_time(flag: &str, s: &str) -> anyhow::Result<i64> {
    parse_time_at(flag, s, crate::image::time::now_unix_nanos())
}

/// A time without a zone, in local time as Podman reads it: `2006-01-02`,
/// `2006-01-02T15:04`, `2006-01-02T15:04:05[.999999999]`; nanoseconds
/// since the epoch.
fn parse_local(s: &str) -> Option<i64> {
    let (date, clock) = match s.split_once('T') {
        Some((d, c)) => (d, c),
        None => (s, "00:00"),
    };
    let (clock, frac) = clock.split_once('.').unwrap_or((clock, ""));
    let num = |part: &str, len: usize| -> Option<i32> {
        (part.len() == len && part.bytes().all(|c| c.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
    let d: Vec<&str> = date.split('-').collect();
    let c: Vec<&str> = clock.split(':').collect();
    let [y, mo, day] = d[..] else { return None };
    let (h, mi, se) = match c[..] {
        [h, mi] => (h, mi, "00"),
        [h, mi, se] => (h, mi, se),
        _ => return None,
    };
    let (y, mo, day) = (num(y, 4)?, num(mo, 2)?, num(day, 2)?);
    let (h, mi, se) = (num(h, 2)?, num(mi, 2)?, num(se, 2)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&day) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    if frac.len() > 9
        || !frac.bytes().all(|c| c.is_ascii_digit())
        || (frac.is_empty() && s.ends_with('.'))
    {
        return None;
    }
    let nanos: i64 = format!("{frac:0<9}").parse().ok()?;
    // SAFETY: a zeroed tm is valid; mktime reads and normalizes it.
    let secs = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        tm.tm_year = y - 1900;
        tm.tm_mon = mo - 1;
        tm.tm_mday = day;
        tm.tm_hour = h;
        tm.tm_min = mi;
        tm.tm_sec = se;
        tm.tm_isdst = -1;
        libc::mktime(&mut tm)
    };
    (secs != -1).then(|| secs * 1_000_000_000 + nanos)
}

fn parse_time_at(flag: &str, s: &str, now: i64) -> anyhow::Result<i64> {
    let ahead = flag == "--until";
    const NS: i64 = 1_000_000_000;
    let bad = || {
        anyhow::anyhow!(
            "{flag} {s:?}: expected a time (RFC 3339, a local date and time, or seconds) or a duration (10s, 5m, 2h)"
        )
    };
    if let Some(t) = crate::image::time::parse_rfc3339_nanos(s).or_else(|| parse_local(s)) {
        return Ok(t);
    }
    if let Ok(t) = s.parse::<i64>() {
        return t.checked_mul(NS).ok_or_else(bad);
    }
    if let Some((w, f)) = s.split_once('.') {
        if let (Ok(w), true) = (
            w.parse::<i64>(),
            !f.is_empty() && f.len() <= 9 && f.bytes().all(|c| c.is_ascii_digit()),
        ) {
            let frac: i64 = format!("{f:0<9}").parse().map_err(|_| bad())?;
            return w.checked_mul(NS).map(|x| x + frac).ok_or_else(bad);
        }
    }
    let mut total = 0i64;
    let mut num = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let unit = match c {
            's' => NS,
            'm' => 60 * NS,
            'h' => 3600 * NS,
            _ => return Err(bad()),
        };
        let n: i64 = num.parse().map_err(|_| bad())?;
        total = n
            .checked_mul(unit)
            .and_then(|x| x.checked_add(total))
            .ok_or_else(bad)?;
        num.clear();
    }
    if !num.is_empty() || s.is_empty() {
        return Err(bad());
    }
    Ok(if ahead { now + total } else { now - total })
}

/// Hand `write` the file `-o` names, or standard output (never a
/// terminal, as `save` refuses it) for the tar that `what` writes.
pub fn tar_output(
    path: Option<&std::path::Path>,
    what: &str,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    match path {
        Some(p) => write(&mut crate::fsutil::create(p)?),
        None if stdout_is_terminal() => anyhow::bail!(
            "{what}: refusing to write a tar to a terminal: use -o FILE or redirect standard output"
        ),
        None => write(&mut stdout()),
    }
}

pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// An error chain as one line: `loading archive x.tar: layer sha256:…: …`.
pub fn one_line(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in e.chain() {
        let s = c.to_string().replace('\n', " ");
        // Contexts often repeat their cause's words; keep each once.
        if parts.last().is_some_and(|p| p.ends_with(&s)) {
            continue;
        }
        parts.push(s);
    }
    parts.join(": ")
}

/// Sizes as Podman shows them: decimal units, three significant digits
/// (`4.87 MB`, `123 kB`, `0 B`).
pub fn human_size(n: u64) -> String {
    const UNITS: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    let digits = if v >= 100.0 {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    let mut s = format!("{v:.digits$}");
    if s.contains('.') {
        s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    format!("{s} {}", UNITS[u])
}

/// An age as Docker's go-units prints it: `2 weeks ago`.
pub fn human_age(then: i64, now: i64) -> String {
    if then <= 0 {
        return "N/A".into();
    }
    let d = (now - then).max(0) as f64;
    let s = match d {
        d if d < 1.0 => "Less than a second".to_string(),
        d if d < 2.0 => "1 second".to_string(),
        d if d < 60.0 => format!("{} seconds", d as i64),
        d if d < 120.0 => "About a minute".to_string(),
        d if d < 3600.0 => format!("{} minutes", (d / 60.0) as i64),
        d => {
            let hours = (d / 3600.0 + 0.5) as i64;
            match hours {
                1 => "About an hour".to_string(),
                h if h < 48 => format!("{h} hours"),
                h if h < 24 * 7 * 2 => format!("{} days", h / 24),
                h if h < 24 * 30 * 3 => format!("{} weeks", h / 24 / 7),
                h if h < 24 * 365 * 2 => format!("{} months", h / 24 / 30),
                h => format!("{} years", h / 24 / 365),
            }
        }
    };
    format!("{s} ago")
}

/// Ask a yes/no question on the terminal; anything but y/yes is no, and
/// so is a closed standard input.
pub fn confirm(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let _ = io::stderr().flush();
    let mut line = String::new();
    match io::stdin().read_line(&mut line) {
        Ok(n) if n > 0 => matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes"),
        _ => false,
    }
}

/// A `prune` command: unless `force`, ask with `warning`; then `remove`
/// and print what it removed, one a line.
pub fn prune_after_asking(
    force: bool,
    warning: &str,
    remove: impl FnOnce() -> anyhow::Result<Vec<String>>,
) -> anyhow::Result<i32> {
    if !force && !confirm(warning) {
        return Ok(0);
    }
    let text: String = remove()?.iter().map(|n| format!("{n}\n")).collect();
    print(&text)?;
    Ok(0)
}

/// What a removal command prints: each name removed, exit 0; or, when
/// `missing` says the error is about something that is not there, that
/// one error line and exit 1, as Podman's `network rm` and `volume rm`
/// (other errors go up, exit 125).
pub fn removed(
    result: anyhow::Result<Vec<String>>,
    missing: impl Fn(&anyhow::Error) -> bool,
) -> anyhow::Result<i32> {
    match result {
        Ok(names) => {
            let text: String = names.iter().map(|n| format!("{n}\n")).collect();
            print(&text)?;
            Ok(0)
        }
        Err(e) if missing(&e) => {
            eprintln!("Error: {}", one_line(&e));
            Ok(1)
        }
        Err(e) => Err(e),
    }
}

/// Each of `docs` through Go template `format`, one per line.
pub fn print_each(format: &str, docs: &[serde_json::Value]) -> anyhow::Result<()> {
    let t = super::format::Template::parse(format)?;
    let mut text = String::new();
    for d in docs {
        text.push_str(&t.render(d)?);
        if !text.ends_with('\n') {
            text.push('\n');
        }
    }
    Ok(print(&text)?)
}

/// `inspect` of images and containers: a JSON array (no format, or
/// `json`), or the template rendered for each, where the fields Podman
/// holds as `time.Time` print as Go prints them (see
/// [`super::format::mark_times`]).
pub fn print_inspected(format: Option<&str>, docs: &[serde_json::Value]) -> anyhow::Result<()> {
    let format = match format {
        None | Some("json") => return Ok(println(&serde_json::to_string_pretty(docs)?)?),
        Some(f) => f,
    };
    const TIMES: &[&[&str]] = &[
        &["Created"],
        &["State", "StartedAt"],
        &["State", "FinishedAt"],
        &["Metadata", "LastTagTime"],
    ];
    let docs: Vec<serde_json::Value> = docs
        .iter()
        .map(|d| {
            let mut d = d.clone();
            super::format::mark_times(&mut d, TIMES);
            d
        })
        .collect();
    print_each(format, &docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_durations_as_podman_reads_them() {
        const NS: i64 = 1_000_000_000;
        let at = |s: &str, now: i64| parse_time_at("--since", s, now * NS);
        assert_eq!(at("90s", 1000).unwrap(), 910 * NS);
        assert_eq!(
            parse_time_at("--until", "90s", 1000 * NS).unwrap(),
            1090 * NS
        );
        assert_eq!(at("1h30m", 10000).unwrap(), (10000 - 5400) * NS);
        assert_eq!(at("1700000000", 0).unwrap(), 1700000000 * NS);
        assert_eq!(at("1700000000.25", 0).unwrap(), 1700000000 * NS + NS / 4);
        assert_eq!(
            at("2024-01-02T03:04:05Z", 0).unwrap(),
            crate::image::time::parse_rfc3339("2024-01-02T03:04:05Z").unwrap() * NS
        );
        // Without a zone: local time (whatever the zone, the times of
        // one day lie apart as their clocks do).
        let day = at("2024-01-02", 0).unwrap();
        assert_eq!(at("2024-01-02T00:00", 0).unwrap(), day);
        assert_eq!(
            at("2024-01-02T03:04:05.5", 0).unwrap() - day,
            (3 * 3600 + 4 * 60 + 5) * NS + NS / 2
        );
        for bad in [
            "",
            "5x",
            "m",
            "10s5",
            "1.",
            "1.x",
            "2024-1-02",
            "2024-01-02T25:00",
            "2024-01-02T03",
            "2024-01-02T03:04:05.",
        ] {
            assert!(at(bad, 0).is_err(), "{bad}");
        }
    }

    #[test]
    fn sizes_like_podman() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(999), "999 B");
        assert_eq!(human_size(4_865_123), "4.87 MB");
        assert_eq!(human_size(123_400), "123 kB");
        assert_eq!(human_size(12_340_000), "12.3 MB");
        assert_eq!(human_size(1_000_000), "1 MB");
    }

    #[test]
    fn ages_like_docker() {
        assert_eq!(human_age(100, 130), "30 seconds ago");
        assert_eq!(human_age(100, 101), "1 second ago");
        assert_eq!(human_age(100, 100 + 3 * 3600), "3 hours ago");
        assert_eq!(human_age(100, 100 + 20 * 86400), "2 weeks ago");
        assert_eq!(human_age(0, 5), "N/A");
    }
}
