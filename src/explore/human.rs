//! Numbers as dive prints them: sizes in SI units (go-humanize's
//! `Bytes`, `1.2 MB`, `13 kB`), sizes read back (`ParseBytes`, `20MB`),
//! and floats as Go's `%v` and `%.4f` write them.

/// go-humanize's `Bytes`: base 1000, one decimal below 10.
pub fn bytes(s: u64) -> String {
    const UNITS: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    if s < 10 {
        return format!("{s} B");
    }
    let e = ((s as f64).ln() / 1000f64.ln()).floor();
    let unit = UNITS[(e as usize).min(UNITS.len() - 1)];
    let val = ((s as f64) / 1000f64.powf(e) * 10.0 + 0.5).floor() / 10.0;
    if val < 10.0 {
        format!("{val:.1} {unit}")
    } else {
        format!("{val:.0} {unit}")
    }
}

/// go-humanize's `ParseBytes`: a number (commas allowed) and an optional
/// unit, SI (`kB`, `MB`) or IEC (`KiB`, `MiB`), any case.
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let digits = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(s.len());
    let num = s[..digits].replace(',', "");
    let f: f64 = num
        .parse()
        .map_err(|_| format!("strconv.ParseFloat: parsing {num:?}: invalid syntax"))?;
    let unit = s[digits..].trim().to_ascii_lowercase();
    let mult: f64 = match unit.as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "ki" | "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mi" | "mib" => 1024f64.powi(2),
        "g" | "gb" => 1e9,
        "gi" | "gib" => 1024f64.powi(3),
        "t" | "tb" => 1e12,
        "ti" | "tib" => 1024f64.powi(4),
        "p" | "pb" => 1e15,
        "pi" | "pib" => 1024f64.powi(5),
        "e" | "eb" => 1e18,
        "ei" | "eib" => 1024f64.powi(6),
        _ => return Err(format!("unhandled size name: {unit}")),
    };
    let v = f * mult;
    if v >= u64::MAX as f64 {
        return Err(format!("too large: {s}"));
    }
    Ok(v as u64)
}

/// Go's `%v` of a float64 (`%g`, shortest): the shortest digits that
/// read back, in exponent form below 1e-4 and from 1e6.
pub fn go_float(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let sci = format!("{x:e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.abs())
    } else {
        format!("{x}")
    }
}

/// Go's `%.4f` (`%2.4f`), with its names for NaN and infinities.
pub fn go_fixed4(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{x:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_go_humanize_writes_them() {
        for (n, s) in [
            (0, "0 B"),
            (9, "9 B"),
            (10, "10 B"),
            (999, "999 B"),
            (1000, "1.0 kB"),
            (3510, "3.5 kB"),
            (6405, "6.4 kB"),
            (12810, "13 kB"),
            (12500, "12 kB"),
            (13500, "14 kB"),
            (32025, "32 kB"),
            (999_999, "1000 kB"),
            (1_220_598, "1.2 MB"),
            (6_330_017_583, "6.3 GB"),
        ] {
            assert_eq!(bytes(n), s, "{n}");
        }
    }

    #[test]
    fn size_strings_parse_as_go_humanize_parses_them() {
        assert_eq!(parse_bytes("20MB"), Ok(20_000_000));
        assert_eq!(parse_bytes("1,000 kib"), Ok(1_024_000));
        assert_eq!(parse_bytes("1.5 GiB"), Ok(1_610_612_736));
        assert_eq!(parse_bytes("42"), Ok(42));
        assert!(parse_bytes("disabled").is_err());
        assert!(parse_bytes("3 parsecs").is_err());
    }

    #[test]
    fn floats_print_as_go_prints_them() {
        assert_eq!(go_float(0.23642820903094874), "0.23642820903094874");
        assert_eq!(go_float(0.1), "0.1");
        assert_eq!(go_float(1.0), "1");
        assert_eq!(go_float(1e-5), "1e-05");
        assert_eq!(go_float(0.0001), "0.0001");
        assert_eq!(go_float(1e21), "1e+21");
        assert_eq!(go_float(1e6), "1e+06");
        assert_eq!(go_float(123456.0), "123456");
        assert_eq!(go_float(1234567.0), "1.234567e+06");
        assert_eq!(go_float(f64::NAN), "NaN");
        assert_eq!(go_float(f64::INFINITY), "+Inf");
        assert_eq!(go_fixed4(140.00797766254487), "140.0080");
        assert_eq!(go_fixed4(f64::NAN), "NaN");
    }
}
