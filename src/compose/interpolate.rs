//! Variables in compose files, as the Compose Specification writes them:
//! `$VAR`, `${VAR}`, `${VAR:-default}` and `${VAR-default}`,
//! `${VAR:?error}` and `${VAR?error}`, `${VAR:+replacement}` and
//! `${VAR+replacement}`, defaults that hold variables themselves, and
//! `$$` for a `$`. Also the `.env` files they come from.

/// Where variables come from.
pub trait Lookup {
    fn get(&self, name: &str) -> Option<String>;
}

impl<F: Fn(&str) -> Option<String>> Lookup for F {
    fn get(&self, name: &str) -> Option<String> {
        self(name)
    }
}

/// `s` with its variables replaced. `unset` is told each variable that
/// is unset and has no default (it becomes empty, as compose does).
/// An error is one line: a `${VAR:?message}` whose VAR is unset, or a
/// `$` that starts nothing.
pub fn interpolate(
    s: &str,
    vars: &dyn Lookup,
    unset: &mut dyn FnMut(&str),
) -> Result<String, String> {
    within(s, vars, unset, 0)
}

/// Defaults within defaults deeper than this are an error.
const MAX_NESTING: usize = 32;

fn within(
    s: &str,
    vars: &dyn Lookup,
    unset: &mut dyn FnMut(&str),
    depth: usize,
) -> Result<String, String> {
    if depth > MAX_NESTING {
        return Err(format!("variables nested more than {MAX_NESTING} deep"));
    }
    if !s.contains('$') {
        return Ok(s.to_string());
    }
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('$') {
            out.push('$');
            rest = r;
        } else if let Some(r) = after.strip_prefix('{') {
            let end = closing(r).ok_or_else(|| {
                format!("invalid interpolation format in {s:?}: a \"${{\" without its \"}}\"")
            })?;
            out.push_str(&braced(&r[..end], s, vars, unset, depth)?);
            rest = &r[end + 1..];
        } else {
            let n = name_len(after);
            if n == 0 {
                return Err(format!(
                    "invalid interpolation format in {s:?}: write $$ for a literal $"
                ));
            }
            let name = &after[..n];
            match vars.get(name) {
                Some(v) => out.push_str(&v),
                None => unset(name),
            }
            rest = &after[n..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The index of the `}` that closes a `${` whose text starts `s`.
fn closing(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'$' if b.get(i + 1) == Some(&b'$') => i += 1,
            b'$' if b.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

fn name_len(s: &str) -> usize {
    let b = s.as_bytes();
    if b.first()
        .is_none_or(|c| !(c.is_ascii_alphabetic() || *c == b'_'))
    {
        return 0;
    }
    b.iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
        .count()
}

/// The value of `${inner}`.
fn braced(
    inner: &str,
    whole: &str,
    vars: &dyn Lookup,
    unset: &mut dyn FnMut(&str),
    depth: usize,
) -> Result<String, String> {
    let n = name_len(inner);
    let bad = || format!("invalid interpolation format in {whole:?}: \"${{{inner}}}\"");
    if n == 0 {
        return Err(bad());
    }
    let name = &inner[..n];
    let op = &inner[n..];
    let value = vars.get(name);
    let (colon, op) = match op.strip_prefix(':') {
        Some(o) => (true, o),
        None => (false, op),
    };
    // With a colon, an empty value counts as unset.
    let set = match colon {
        true => value.as_deref().is_some_and(|v| !v.is_empty()),
        false => value.is_some(),
    };
    let Some(kind) = op.chars().next() else {
        if colon {
            return Err(bad());
        }
        return Ok(match value {
            Some(v) => v,
            None => {
                unset(name);
                String::new()
            }
        });
    };
    let arg = &op[kind.len_utf8()..];
    match kind {
        '-' if set => Ok(value.unwrap_or_default()),
        '-' => within(arg, vars, unset, depth + 1),
        '+' if set => within(arg, vars, unset, depth + 1),
        '+' => Ok(String::new()),
        '?' if set => Ok(value.unwrap_or_default()),
        '?' => {
            let msg = within(arg, vars, unset, depth + 1)?;
            Err(match msg.is_empty() {
                true => format!("required variable {name} is missing a value"),
                false => format!("required variable {name} is missing a value: {msg}"),
            })
        }
        _ => Err(bad()),
    }
}

/// One `KEY=VALUE` line of an env file: `KEY` alone has no value (it is
/// taken from berth's environment where it is used).
pub type EnvEntry = (String, Option<String>);

/// An env file (`.env`, `env_file:`), as docker compose reads one:
/// `#` comments and blank lines, an optional `export`, values in single
/// quotes (literal), double quotes (escapes, variables) or none
/// (variables, a ` #` comment cut off). A variable refers to an earlier
/// line of the file, else to `vars`. Errors name the line.
pub fn parse_env_file(text: &str, vars: &dyn Lookup) -> Result<Vec<EnvEntry>, String> {
    let mut out: Vec<EnvEntry> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let at = |m: String| format!("line {}: {m}", n + 1);
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line
            .strip_prefix("export ")
            .map(str::trim_start)
            .unwrap_or(line);
        let (key, value) = match line.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim_start())),
            None => (line, None),
        };
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(at(format!("{key:?} is not a variable name")));
        }
        let Some(raw) = value else {
            out.push((key.to_string(), None));
            continue;
        };
        // berth's environment first, as docker compose looks them up.
        let earlier = |name: &str| {
            vars.get(name).or_else(|| {
                out.iter()
                    .rev()
                    .find(|(k, _)| k == name)
                    .and_then(|(_, v)| v.clone())
            })
        };
        let value = if let Some(r) = raw.strip_prefix('\'') {
            let end = r
                .find('\'')
                .ok_or_else(|| at("a single quote without its end".into()))?;
            r[..end].to_string()
        } else if let Some(r) = raw.strip_prefix('"') {
            let mut v = String::new();
            let mut chars = r.chars();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '"' => {
                        closed = true;
                        break;
                    }
                    '\\' => match chars.next() {
                        Some('n') => v.push('\n'),
                        Some('t') => v.push('\t'),
                        Some('r') => v.push('\r'),
                        Some('$') => v.push_str("$$"),
                        Some(o) => v.push(o),
                        None => v.push('\\'),
                    },
                    c => v.push(c),
                }
            }
            if !closed {
                return Err(at("a double quote without its end".into()));
            }
            interpolate(&lone_dollars(&v), &earlier, &mut |_| {}).map_err(at)?
        } else {
            let v = match raw.find(" #") {
                Some(i) => &raw[..i],
                None => raw,
            };
            interpolate(&lone_dollars(v.trim_end()), &earlier, &mut |_| {}).map_err(at)?
        };
        out.push((key.to_string(), Some(value)));
    }
    Ok(out)
}

/// `s` with each `$` that starts no variable doubled: in env files, as
/// docker compose reads them, such a `$` is itself.
fn lone_dollars(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..=i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('$') {
            out.push('$');
            rest = r;
            continue;
        }
        if !after.starts_with('{') && name_len(after) == 0 {
            out.push('$');
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str) -> Result<String, String> {
        let vars = |n: &str| match n {
            "SET" => Some("v".to_string()),
            "EMPTY" => Some(String::new()),
            "OTHER" => Some("o".to_string()),
            _ => None,
        };
        interpolate(s, &vars, &mut |_| {})
    }

    #[test]
    fn the_specifications_forms() {
        assert_eq!(run("a $SET b ${SET}c").unwrap(), "a v b vc");
        assert_eq!(
            run("${UNSET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d}").unwrap(),
            "d d  d"
        );
        assert_eq!(
            run("${SET:+r} ${EMPTY:+r} ${EMPTY+r} ${UNSET+r}|").unwrap(),
            "r  r |"
        );
        assert_eq!(run("${UNSET:-${OTHER}-x}").unwrap(), "o-x");
        assert_eq!(run("$$SET $${SET}").unwrap(), "$SET ${SET}");
        assert_eq!(run("${SET:?no}").unwrap(), "v");
        assert_eq!(
            run("${UNSET:?give it}").unwrap_err(),
            "required variable UNSET is missing a value: give it"
        );
        assert!(run("${EMPTY:?x}").is_err());
        assert_eq!(run("${EMPTY?x}").unwrap(), "");
        assert!(run("${SET").is_err());
        assert!(run("a $ b").is_err());
        assert!(run("${1X}").is_err());
        assert!(run("${SET€}").is_err());
        let deep = "${A:-".repeat(50_000) + &"}".repeat(50_000);
        assert!(run(&deep).unwrap_err().contains("nested more than"));
        assert!(run("${SET:é}").is_err());
        let mut unset = Vec::new();
        interpolate("$NOPE ${NOPE2}", &|_: &str| None, &mut |n| {
            unset.push(n.to_string())
        })
        .unwrap();
        assert_eq!(unset, ["NOPE", "NOPE2"]);
    }

    #[test]
    fn env_files() {
        let text = "# c\n\nG2=a $ b $\nA=1\nexport B = two words # note\nC='$A lit'\nD=\"x\\n$A\"\nE\nF=${A}${G:-g}\n";
        let e = parse_env_file(text, &|n: &str| (n == "G").then(|| "os".to_string())).unwrap();
        let get = |k: &str| e.iter().find(|(n, _)| n == k).unwrap().1.clone();
        assert_eq!(get("A").as_deref(), Some("1"));
        assert_eq!(get("G2").as_deref(), Some("a $ b $"));
        assert_eq!(get("B").as_deref(), Some("two words"));
        assert_eq!(get("C").as_deref(), Some("$A lit"));
        assert_eq!(get("D").as_deref(), Some("x\n1"));
        assert_eq!(get("E"), None);
        assert_eq!(get("F").as_deref(), Some("1os"));
        assert!(parse_env_file("A='x\n", &|_: &str| None)
            .unwrap_err()
            .starts_with("line 1:"));
        assert!(parse_env_file("X Y=1\n", &|_: &str| None).is_err());
    }
}
