//! The template functions: Go's and Podman's.

use super::*;

pub(super) fn want(name: &str, args: &[Value], n: usize) -> Result<(), String> {
    if args.len() == n {
        Ok(())
    } else {
        Err(format!(
            "wrong number of args for {name}: want {n} got {}",
            args.len()
        ))
    }
}

/// The text of a value for the string functions: a string as is, nil as
/// nothing, anything else as Go prints it.
pub(super) fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => go_print(other),
    }
}

fn int_arg(v: &Value) -> Result<i64, String> {
    match as_num(v) {
        Some(Num::Int(i)) => i64::try_from(i).map_err(|_| format!("integer {i} out of range")),
        Some(Num::Float(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
        _ => Err(format!("expected integer; found {}", go_print(v))),
    }
}

fn count_arg(v: &Value) -> Result<usize, String> {
    let n = int_arg(v)?;
    usize::try_from(n).map_err(|_| format!("negative count {n}"))
}

pub(super) fn call(name: &str, args: Vec<Value>) -> Result<Value, String> {
    let s = |v: String| Ok(Value::String(v));
    match name {
        "not" => {
            want(name, &args, 1)?;
            Ok(Value::Bool(!truthy(&args[0])))
        }
        "eq" => {
            if args.len() < 2 {
                return Err("missing argument for comparison".into());
            }
            Ok(Value::Bool(args[1..].iter().any(|b| equal(&args[0], b))))
        }
        "ne" => {
            want(name, &args, 2)?;
            Ok(Value::Bool(!equal(&args[0], &args[1])))
        }
        "lt" | "le" | "gt" | "ge" => {
            want(name, &args, 2)?;
            let ord = order(&args[0], &args[1]).ok_or("incompatible types for comparison")?;
            Ok(Value::Bool(match name {
                "lt" => ord == Ordering::Less,
                "le" => ord != Ordering::Greater,
                "gt" => ord == Ordering::Greater,
                _ => ord != Ordering::Less,
            }))
        }
        "len" => {
            want(name, &args, 1)?;
            let n = match &args[0] {
                Value::String(s) => s.len(),
                Value::Array(a) => a.len(),
                Value::Object(m) => m.len(),
                Value::Null => return Err("len of nil pointer".into()),
                other => return Err(format!("len of type {}", go_type(other))),
            };
            Ok(Value::from(n))
        }
        "index" => {
            let mut it = args.into_iter();
            let mut cur = it
                .next()
                .ok_or("wrong number of args for index: want at least 1 got 0")?;
            for key in it {
                cur = index(cur, &key)?;
            }
            Ok(cur)
        }
        "slice" => slice(args),
        "print" => {
            let mut out = String::new();
            for (i, a) in args.iter().enumerate() {
                if i > 0 && !a.is_string() && !args[i - 1].is_string() {
                    out.push(' ');
                }
                out.push_str(&go_print(a));
            }
            s(out)
        }
        "println" => {
            let parts: Vec<String> = args.iter().map(go_print).collect();
            s(parts.join(" ") + "\n")
        }
        "printf" => {
            let Some(format) = args.first() else {
                return Err("wrong number of args for printf: want at least 1 got 0".into());
            };
            s(sprintf(&text(format), &args[1..]))
        }
        "json" => {
            want(name, &args, 1)?;
            s(serde_json::to_string(&integral_floats(&args[0])).unwrap_or_default())
        }
        "join" => {
            want(name, &args, 2)?;
            let parts: Vec<String> = match &args[0] {
                Value::Array(a) => a.iter().map(text).collect(),
                Value::Null => Vec::new(),
                other => return Err(format!("join: expected a list; got {}", go_type(other))),
            };
            s(parts.join(&text(&args[1])))
        }
        "upper" => {
            want(name, &args, 1)?;
            s(text(&args[0]).to_uppercase())
        }
        "lower" => {
            want(name, &args, 1)?;
            s(text(&args[0]).to_lowercase())
        }
        "title" => {
            want(name, &args, 1)?;
            s(title(&text(&args[0])))
        }
        "split" => {
            want(name, &args, 2)?;
            let (hay, sep) = (text(&args[0]), text(&args[1]));
            let parts: Vec<Value> = if sep.is_empty() {
                hay.chars().map(|c| Value::String(c.to_string())).collect()
            } else {
                hay.split(sep.as_str())
                    .map(|p| Value::String(p.to_string()))
                    .collect()
            };
            Ok(Value::Array(parts))
        }
        "pad" => {
            want(name, &args, 3)?;
            let (before, after) = (
                count_arg(&args[1])?.min(MAX_PAD),
                count_arg(&args[2])?.min(MAX_PAD),
            );
            s(format!(
                "{}{}{}",
                " ".repeat(before),
                text(&args[0]),
                " ".repeat(after)
            ))
        }
        "truncate" => {
            want(name, &args, 2)?;
            let n = count_arg(&args[1])?;
            s(text(&args[0]).chars().take(n).collect())
        }
        _ => Err(format!("function {name:?} not defined")),
    }
}

pub(super) fn index(cur: Value, key: &Value) -> Result<Value, String> {
    match cur {
        Value::Array(mut a) => {
            let i = int_arg(key)
                .map_err(|_| format!("cannot index slice/array with type {}", go_type(key)))?;
            match usize::try_from(i) {
                Ok(u) if u < a.len() => Ok(a.swap_remove(u)),
                _ => Err(format!("index out of range: {i}")),
            }
        }
        Value::Object(mut m) => match key {
            // A missing key is the zero value of the map's element type;
            // Podman's maps (labels, annotations) hold strings.
            Value::String(k) => Ok(m.remove(k).unwrap_or(Value::String(String::new()))),
            other => Err(format!(
                "value has type {}; should be string",
                go_type(other)
            )),
        },
        Value::String(s) => {
            let i = int_arg(key)?;
            match usize::try_from(i).ok().and_then(|u| s.as_bytes().get(u)) {
                Some(&b) => Ok(Value::from(b)),
                None => Err(format!("index out of range: {i}")),
            }
        }
        // A nil map: its zero value.
        Value::Null if key.is_string() => Ok(Value::String(String::new())),
        Value::Null => Err("index of untyped nil".into()),
        other => Err(format!("can't index item of type {}", go_type(&other))),
    }
}

pub(super) fn slice(args: Vec<Value>) -> Result<Value, String> {
    if args.is_empty() || args.len() > 3 {
        return Err(format!(
            "wrong number of args for slice: want 1 to 3 got {}",
            args.len()
        ));
    }
    let len = match &args[0] {
        Value::String(s) => s.len(),
        Value::Array(a) => a.len(),
        other => return Err(format!("can't slice item of type {}", go_type(other))),
    };
    let lo = args.get(1).map(count_arg).transpose()?.unwrap_or(0);
    let hi = args.get(2).map(count_arg).transpose()?.unwrap_or(len);
    if lo > hi || hi > len {
        return Err(format!("invalid slice index: {lo} > {hi} or {hi} > {len}"));
    }
    match &args[0] {
        Value::String(s) => s
            .get(lo..hi)
            .map(|p| Value::String(p.to_string()))
            .ok_or("slice splits a character".into()),
        Value::Array(a) => Ok(Value::Array(a[lo..hi].to_vec())),
        _ => Err("can't slice".into()),
    }
}

/// Go's deprecated but still used `strings.Title`.
pub(super) fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_sep = true;
    for c in s.chars() {
        if prev_sep {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev_sep = if c.is_ascii() {
            !(c.is_ascii_alphanumeric() || c == '_')
        } else {
            c.is_whitespace()
        };
    }
    out
}

#[derive(Clone, Copy)]
pub(super) enum Num {
    Int(i128),
    Float(f64),
}

pub(super) fn as_num(v: &Value) -> Option<Num> {
    let Value::Number(n) = v else { return None };
    if let Some(i) = n.as_i64() {
        Some(Num::Int(i128::from(i)))
    } else if let Some(u) = n.as_u64() {
        Some(Num::Int(i128::from(u)))
    } else {
        n.as_f64().map(Num::Float)
    }
}

pub(super) fn as_f64(n: Num) -> f64 {
    match n {
        Num::Int(i) => i as f64,
        Num::Float(f) => f,
    }
}

fn equal(a: &Value, b: &Value) -> bool {
    match (as_num(a), as_num(b)) {
        (Some(Num::Int(x)), Some(Num::Int(y))) => x == y,
        (Some(x), Some(y)) => as_f64(x) == as_f64(y),
        _ => a == b,
    }
}

pub(super) fn order(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => match (as_num(a)?, as_num(b)?) {
            (Num::Int(x), Num::Int(y)) => Some(x.cmp(&y)),
            (x, y) => as_f64(x).partial_cmp(&as_f64(y)),
        },
    }
}

/// For `json`: Go marshals a float64 that holds an integer without `.0`.
fn integral_floats(v: &Value) -> Value {
    match v {
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
            _ => v.clone(),
        },
        Value::Array(a) => Value::Array(a.iter().map(integral_floats).collect()),
        Value::Object(_) if as_time(v).is_some() => Value::from(as_time(v).unwrap_or_default()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), integral_floats(x)))
                .collect(),
        ),
        _ => v.clone(),
    }
}
