//! Timestamps as image configs write them (RFC 3339) and as berth records
//! them (seconds since the epoch), without a calendar dependency.

/// Go's zero time (`time.Time{}`), which Podman prints for a time that
/// never was, as RFC 3339 and in Unix seconds.
pub const GO_ZERO: &str = "0001-01-01T00:00:00Z";
pub const GO_ZERO_UNIX: i64 = -62135596800;

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Nanoseconds since the Unix epoch, now.
pub fn now_unix_nanos() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    d.as_secs() as i64 * 1_000_000_000 + i64::from(d.subsec_nanos())
}

/// Parse an RFC 3339 timestamp (`2024-01-02T03:04:05.123456789Z`,
/// `…+02:00`) into seconds since the epoch; `None` when malformed.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    parse_rfc3339_nanos(s).map(|n| n.div_euclid(1_000_000_000))
}

/// [`parse_rfc3339`] to nanoseconds, keeping the fraction.
pub fn parse_rfc3339_nanos(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ')
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse::<i64>().ok() };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut frac = 0i64;
    if let Some(r) = rest.strip_prefix('.') {
        let n = r.bytes().take_while(|c| c.is_ascii_digit()).count();
        let digits = format!("{:0<9}", &r[..n.min(9)]);
        frac = digits.parse().ok()?;
        rest = &r[n..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) => {
            let oh: i64 = rest.get(1..3)?.parse().ok()?;
            let om: i64 = rest.get(4..6)?.parse().ok()?;
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (oh * 3600 + om * 60)
        }
        _ => return None,
    };
    let secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset;
    Some(secs * 1_000_000_000 + frac)
}

/// Format seconds since the epoch as RFC 3339 in UTC (`…Z`).
pub fn format_rfc3339(t: i64) -> String {
    let (days, secs) = (t.div_euclid(86400), t.rem_euclid(86400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Nanoseconds since the epoch as RFC 3339 in UTC, the fraction without
/// trailing zeros (Go's `RFC3339Nano`: `…05.12345Z`, `…05Z`).
pub fn format_rfc3339_nanos(nanos: i64) -> String {
    let whole = format_rfc3339(nanos.div_euclid(1_000_000_000));
    format!(
        "{}{}Z",
        &whole[..whole.len() - 1],
        fraction(nanos.rem_euclid(1_000_000_000))
    )
}

/// Nanoseconds since the epoch as Go prints a `time.Time` in UTC
/// (`2024-01-02 03:04:05.12345 +0000 UTC`), as Podman's events do.
pub fn format_go(nanos: i64) -> String {
    let whole = format_rfc3339(nanos.div_euclid(1_000_000_000));
    format!(
        "{} {}{} +0000 UTC",
        &whole[..10],
        &whole[11..19],
        fraction(nanos.rem_euclid(1_000_000_000))
    )
}

fn fraction(n: i64) -> String {
    if n == 0 {
        return String::new();
    }
    let digits = format!(".{n:09}");
    digits.trim_end_matches('0').to_string()
}

/// Now as RFC 3339 in UTC with nanoseconds (`…05.123456789Z`), as Docker
/// stamps a healthcheck's probes.
pub fn now_rfc3339_nanos() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let whole = format_rfc3339(d.as_secs() as i64);
    format!("{}.{:09}Z", &whole[..whole.len() - 1], d.subsec_nanos())
}

/// An HTTP date (RFC 9110's IMF-fixdate, `Sun, 06 Nov 1994 08:49:37
/// GMT`) as Unix seconds.
pub fn parse_http_date(s: &str) -> Option<i64> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [_, day, mon, year, time, "GMT"] = parts[..] else {
        return None;
    };
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m = months.iter().position(|x| *x == mon)? as i64 + 1;
    let (d, y): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let t: Vec<i64> = time
        .split(':')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let [hh, mm, ss] = t[..] else { return None };
    if !(1..=31).contains(&d)
        || !(0..24).contains(&hh)
        || !(0..60).contains(&mm)
        || !(0..=60).contains(&ss)
    {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss)
}

// Howard Hinnant's algorithms for the proleptic Gregorian calendar.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::parse_http_date;

    #[test]
    fn http_dates_are_read_as_rfc_9110_gives_them() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784111777)
        );
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            parse_http_date("Tue, 29 Feb 2000 12:00:00 GMT"),
            Some(951825600)
        );
        for bad in [
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "Sun, 06 Nov 1994 -1:49:37 GMT",
            "",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn go_zero_is_one_time_in_both_forms() {
        assert_eq!(format_rfc3339(GO_ZERO_UNIX), GO_ZERO);
    }
    use super::*;

    #[test]
    fn round_trips() {
        for t in [0, 1700000000, 951782400, 4102444800] {
            assert_eq!(parse_rfc3339(&format_rfc3339(t)), Some(t));
        }
        assert_eq!(
            parse_rfc3339("2023-11-14T22:13:20.123456789Z"),
            Some(1700000000)
        );
        assert_eq!(parse_rfc3339("2023-11-15T00:13:20+02:00"), Some(1700000000));
        assert_eq!(parse_rfc3339("garbage"), None);
        assert_eq!(
            parse_rfc3339_nanos("2023-11-14T22:13:20.5Z"),
            Some(1_700_000_000_500_000_000)
        );
        assert_eq!(parse_rfc3339("2023-13-15T00:13:20Z"), None);
    }

    #[test]
    fn nanos_print_as_go_does() {
        let t = 1_700_000_000_238_248_410;
        assert_eq!(format_rfc3339_nanos(t), "2023-11-14T22:13:20.23824841Z");
        assert_eq!(format_go(t), "2023-11-14 22:13:20.23824841 +0000 UTC");
        assert_eq!(
            format_go(1_700_000_000_000_000_000),
            "2023-11-14 22:13:20 +0000 UTC"
        );
        assert_eq!(parse_rfc3339_nanos(&format_rfc3339_nanos(t)), Some(t));
    }
}
