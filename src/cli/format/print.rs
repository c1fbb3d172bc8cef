//! Printing values as Go's fmt prints them, and printf.

use super::*;

/// Go's name of the type a JSON value stands for, for messages like
/// `%!d(string=x)`.
pub(super) fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(_) => match as_num(v) {
            Some(Num::Int(_)) => "int",
            _ => "float64",
        },
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) if as_time(v).is_some() => "time.Time",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// `%v`: strings raw, integers plain, maps as `map[k:v]` in key order,
/// lists as `[a b]`, nil (inside a map or list) as `<nil>`.
pub(super) fn go_print(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(_) => match as_num(v) {
            Some(Num::Int(i)) => i.to_string(),
            Some(Num::Float(f)) => go_float(f),
            None => String::new(),
        },
        Value::String(s) => s.clone(),
        Value::Array(a) => {
            let parts: Vec<String> = a.iter().map(go_print).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Object(_) if as_time(v).is_some() => go_time(as_time(v).unwrap_or_default()),
        Value::Object(m) => {
            let parts: Vec<String> = sorted(m.clone())
                .iter()
                .map(|(k, x)| format!("{k}:{}", go_print(x)))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

/// The key of a one-key object that stands for a Go `time.Time` (see
/// [`mark_times`]); its value is the RFC 3339 text.
const TIME: &str = "\u{1}time";

/// Mark the strings at the key chains `paths` of `doc` as Go times, as
/// the fields of Podman's structs are: a template prints one as Go prints
/// a `time.Time` (`2024-05-01 10:00:00.5 +0000 UTC`), `.Unix` gives its
/// seconds, and `json` prints the RFC 3339 text again.
pub fn mark_times(doc: &mut Value, paths: &[&[&str]]) {
    for path in paths {
        let pointer: String = path.iter().map(|k| format!("/{k}")).collect();
        if let Some(at) = doc.pointer_mut(&pointer) {
            if let Value::String(s) = at {
                let text = std::mem::take(s);
                *at = serde_json::json!({ TIME: text });
            }
        }
    }
}

/// The RFC 3339 text of a value [`mark_times`] marked.
pub(super) fn as_time(v: &Value) -> Option<&str> {
    match v {
        Value::Object(m) if m.len() == 1 => m.get(TIME).and_then(Value::as_str),
        _ => None,
    }
}

/// An RFC 3339 time as Go's `time.Time.String` prints it: `2006-01-02
/// 15:04:05.999999999 -0700 MST`, the fraction without trailing zeros,
/// UTC named so; a text it cannot read is printed as it is.
fn go_time(s: &str) -> String {
    let Some((date, rest)) = s.split_once('T') else {
        return s.to_string();
    };
    let Some(i) = rest.find(['Z', '+', '-']) else {
        return s.to_string();
    };
    let (clock, zone) = rest.split_at(i);
    let clock = match clock.split_once('.') {
        Some((hms, frac)) if !frac.trim_end_matches('0').is_empty() => {
            format!("{hms}.{}", frac.trim_end_matches('0'))
        }
        Some((hms, _)) => hms.to_string(),
        None => clock.to_string(),
    };
    let zone = match zone {
        "Z" => "+0000 UTC".to_string(),
        z => {
            let z = z.replace(':', "");
            format!("{z} {z}")
        }
    };
    format!("{date} {clock} {zone}")
}

/// A float as `%v` shows it: one that holds an integer prints as one (Go
/// would print `1e+06`; rows hold sizes and counts, so digits read better),
/// others in the shortest form, with Go's `e+NN` exponent when the decimal
/// exponent is below -4 or at least 6 (strconv `'g'` with precision -1).
fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f.fract() == 0.0 && f.abs() < 1e21 {
        return format!("{}", f as i128);
    }
    let e = format!("{f:e}");
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        go_exponent(mant, exp)
    } else {
        format!("{f}")
    }
}

/// `%.Pg`: P significant digits, exponent form when the exponent is below
/// -4 or at least P, trailing fractional zeros dropped.
fn go_g(f: f64, p: usize) -> String {
    let e = format!("{:.*e}", p - 1, f);
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if exp < -4 || exp >= i32::try_from(p).unwrap_or(i32::MAX) {
        go_exponent(&trim(mant.to_string()), exp)
    } else {
        let decimals =
            usize::try_from(i64::try_from(p).unwrap_or(0) - 1 - i64::from(exp)).unwrap_or(0);
        trim(format!("{f:.decimals$}"))
    }
}

fn go_exponent(mant: &str, exp: i32) -> String {
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mant}e{sign}{:02}", exp.unsigned_abs())
}

/// `strconv.Quote`.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\x07' => out.push_str("\\a"),
            '\x08' => out.push_str("\\b"),
            '\x0c' => out.push_str("\\f"),
            '\x0b' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[derive(Default, Clone, Copy)]
struct Spec {
    minus: bool,
    pub(super) plus: bool,
    pub(super) space: bool,
    pub(super) zero: bool,
    pub(super) width: Option<usize>,
    prec: Option<usize>,
}

impl Spec {
    pub(super) fn pad(&self, s: String) -> String {
        let Some(w) = self.width else { return s };
        let n = s.chars().count();
        if n >= w {
            return s;
        }
        let fill = w - n;
        if self.minus {
            s + &" ".repeat(fill)
        } else if self.zero {
            // Zeros go after a sign, as in Go.
            let (sign, digits) = match s.strip_prefix(['-', '+']) {
                Some(rest) => (&s[..1], rest),
                None => ("", s.as_str()),
            };
            format!("{sign}{}{digits}", "0".repeat(fill))
        } else {
            " ".repeat(fill) + &s
        }
    }

    fn sign(&self, negative: bool) -> &'static str {
        match (negative, self.plus, self.space) {
            (true, _, _) => "-",
            (false, true, _) => "+",
            (false, false, true) => " ",
            _ => "",
        }
    }
}

/// Go's `fmt.Sprintf` for the verbs templates use: `%v %s %d %q %x %X %o
/// %b %c %t %f %e %g %%`, flags `-+ 0#`, width and precision; mistakes are
/// printed in the text as Go does (`%!d(string=x)`, `%!s(MISSING)`).
pub(super) fn sprintf(format: &str, args: &[Value]) -> String {
    let cs: Vec<char> = format.chars().collect();
    let mut out = String::new();
    let mut next_arg = 0;
    let mut i = 0;
    while i < cs.len() {
        if cs[i] != '%' {
            out.push(cs[i]);
            i += 1;
            continue;
        }
        i += 1;
        let mut spec = Spec::default();
        while i < cs.len() {
            match cs[i] {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                ' ' => spec.space = true,
                '0' => spec.zero = !spec.minus,
                '#' => {}
                _ => break,
            }
            i += 1;
        }
        let number = |i: &mut usize| {
            let mut n: Option<usize> = None;
            while *i < cs.len() && cs[*i].is_ascii_digit() {
                let d = cs[*i] as usize - '0' as usize;
                n = Some(
                    n.unwrap_or(0)
                        .saturating_mul(10)
                        .saturating_add(d)
                        .min(MAX_PAD),
                );
                *i += 1;
            }
            n
        };
        spec.width = number(&mut i);
        if i < cs.len() && cs[i] == '.' {
            i += 1;
            spec.prec = Some(number(&mut i).unwrap_or(0));
        }
        let Some(&verb) = cs.get(i) else {
            out.push_str("%!(NOVERB)");
            break;
        };
        i += 1;
        if verb == '%' {
            out.push('%');
            continue;
        }
        match args.get(next_arg) {
            Some(a) => out.push_str(&fmt_verb(verb, a, &spec)),
            None => out.push_str(&format!("%!{verb}(MISSING)")),
        }
        next_arg += 1;
    }
    if next_arg < args.len() {
        let extra: Vec<String> = args[next_arg..]
            .iter()
            .map(|a| format!("{}={}", go_type(a), go_print(a)))
            .collect();
        out.push_str(&format!("%!(EXTRA {})", extra.join(", ")));
    }
    out
}

fn fmt_verb(verb: char, v: &Value, spec: &Spec) -> String {
    let bad = || match v {
        Value::Null => format!("%!{verb}(<nil>)"),
        _ => format!("%!{verb}({}={})", go_type(v), go_print(v)),
    };
    if verb == 'T' {
        // The value's type, as Go names the types JSON decodes to.
        return spec.pad(go_type(v).to_string());
    }
    if let Some(t) = as_time(v) {
        return fmt_verb(verb, &Value::String(go_time(t)), spec);
    }
    match v {
        // Go formats lists and maps element by element with the same verb.
        Value::Array(a) => {
            let parts: Vec<String> = a.iter().map(|x| fmt_verb(verb, x, spec)).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Object(m) => {
            let parts: Vec<String> = sorted(m.clone())
                .iter()
                .map(|(k, x)| {
                    format!(
                        "{}:{}",
                        fmt_verb(verb, &Value::String(k.clone()), spec),
                        fmt_verb(verb, x, spec)
                    )
                })
                .collect();
            format!("map[{}]", parts.join(" "))
        }
        Value::Null if verb == 'v' => spec.pad("<nil>".into()),
        Value::Null => bad(),
        Value::Bool(b) if matches!(verb, 'v' | 't') => spec.pad(b.to_string()),
        Value::Bool(_) => bad(),
        Value::String(s) => {
            let cut: String = match spec.prec {
                Some(p) => s.chars().take(p).collect(),
                None => s.clone(),
            };
            match verb {
                'v' | 's' => spec.pad(cut),
                'q' => spec.pad(go_quote(&cut)),
                'x' => spec.pad(s.bytes().map(|b| format!("{b:02x}")).collect()),
                'X' => spec.pad(s.bytes().map(|b| format!("{b:02X}")).collect()),
                _ => bad(),
            }
        }
        Value::Number(_) => match (as_num(v), verb) {
            (Some(Num::Int(i)), 'v' | 'd') => fmt_int(i, 10, false, spec),
            (Some(Num::Int(i)), 'x') => fmt_int(i, 16, false, spec),
            (Some(Num::Int(i)), 'X') => fmt_int(i, 16, true, spec),
            (Some(Num::Int(i)), 'o') => fmt_int(i, 8, false, spec),
            (Some(Num::Int(i)), 'b') => fmt_int(i, 2, false, spec),
            (Some(Num::Int(i)), 'c') => spec.pad(
                u32::try_from(i)
                    .ok()
                    .and_then(char::from_u32)
                    .unwrap_or('\u{fffd}')
                    .to_string(),
            ),
            (Some(Num::Int(i)), 'q') => {
                let c = u32::try_from(i)
                    .ok()
                    .and_then(char::from_u32)
                    .unwrap_or('\u{fffd}');
                let q = go_quote(&c.to_string());
                spec.pad(format!("'{}'", &q[1..q.len() - 1]))
            }
            // A float that holds an integer (an f64 field) prints as one.
            (Some(Num::Float(f)), 'd') if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                fmt_int(f as i128, 10, false, spec)
            }
            (Some(Num::Float(f)), 'v' | 'g' | 'G') => {
                let body = match spec.prec {
                    Some(p) => go_g(f.abs(), p.max(1)),
                    None => go_float(f.abs()),
                };
                spec.pad(format!("{}{body}", spec.sign(f < 0.0)))
            }
            (Some(Num::Float(f)), 'f' | 'F') => spec.pad(format!(
                "{}{:.*}",
                spec.sign(f < 0.0),
                spec.prec.unwrap_or(6),
                f.abs()
            )),
            (Some(Num::Float(f)), 'e' | 'E') => {
                let e = format!("{:.*e}", spec.prec.unwrap_or(6), f.abs());
                let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
                let s = go_exponent(mant, exp.parse().unwrap_or(0));
                let s = if verb == 'E' { s.to_uppercase() } else { s };
                spec.pad(format!("{}{s}", spec.sign(f < 0.0)))
            }
            _ => bad(),
        },
    }
}

fn fmt_int(i: i128, radix: u32, upper: bool, spec: &Spec) -> String {
    let magnitude = i.unsigned_abs();
    let mut digits = match radix {
        16 if upper => format!("{magnitude:X}"),
        16 => format!("{magnitude:x}"),
        8 => format!("{magnitude:o}"),
        2 => format!("{magnitude:b}"),
        _ => magnitude.to_string(),
    };
    if let Some(p) = spec.prec {
        if digits.len() < p {
            digits = "0".repeat(p - digits.len()) + &digits;
        }
    }
    // Go ignores the 0 flag when a precision is given.
    let spec = Spec {
        zero: spec.zero && spec.prec.is_none(),
        ..*spec
    };
    spec.pad(format!("{}{digits}", spec.sign(i < 0)))
}
