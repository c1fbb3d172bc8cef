//! The CI gate, with dive's rules, defaults, `.dive-ci` file and report:
//! `lowestEfficiency` (0.9), `highestWastedBytes` (disabled) and
//! `highestUserWastedPercent` (0.1); a rule fails when the image crosses
//! its threshold, and `disabled` turns a rule off.

use super::human::{bytes, go_fixed4, go_float, parse_bytes};
use super::Analysis;
use anyhow::{anyhow, bail, Result};

pub const LOWEST_EFFICIENCY: &str = "lowestEfficiency";
pub const HIGHEST_WASTED_BYTES: &str = "highestWastedBytes";
pub const HIGHEST_USER_WASTED_PERCENT: &str = "highestUserWastedPercent";

/// The rules' values as given (strings, as dive reads them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules {
    pub lowest_efficiency: String,
    pub highest_wasted_bytes: String,
    pub highest_user_wasted_percent: String,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            lowest_efficiency: "0.9".into(),
            highest_wasted_bytes: "disabled".into(),
            highest_user_wasted_percent: "0.1".into(),
        }
    }
}

/// A rule's value given on the command line, which wins over the file.
#[derive(Clone, Debug, Default)]
pub struct RuleFlags {
    pub lowest_efficiency: Option<String>,
    pub highest_wasted_bytes: Option<String>,
    pub highest_user_wasted_percent: Option<String>,
}

impl Rules {
    /// The rules from the flags, then the `.dive-ci` file's `rules:`
    /// (its text, if there is one; keys in any case), then the defaults.
    /// Every value is checked here: a bad one is an error naming it.
    pub fn resolve(flags: &RuleFlags, file: Option<&str>) -> Result<Rules> {
        let mut r = Rules::default();
        if let Some(text) = file {
            let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(text)
                .map_err(|e| anyhow!("not a valid YAML document: {e}"))?;
            let rules = match &doc {
                serde_yaml_ng::Value::Mapping(m) => m
                    .iter()
                    .find(|(k, _)| k.as_str().is_some_and(|k| k.eq_ignore_ascii_case("rules")))
                    .map(|(_, v)| v),
                serde_yaml_ng::Value::Null => None,
                _ => bail!("not a YAML mapping"),
            };
            match rules {
                None | Some(serde_yaml_ng::Value::Null) => {}
                Some(serde_yaml_ng::Value::Mapping(m)) => {
                    for (k, v) in m {
                        let Some(k) = k.as_str() else { continue };
                        let slot = if k.eq_ignore_ascii_case(LOWEST_EFFICIENCY) {
                            &mut r.lowest_efficiency
                        } else if k.eq_ignore_ascii_case(HIGHEST_WASTED_BYTES) {
                            &mut r.highest_wasted_bytes
                        } else if k.eq_ignore_ascii_case(HIGHEST_USER_WASTED_PERCENT) {
                            &mut r.highest_user_wasted_percent
                        } else {
                            continue;
                        };
                        *slot =
                            scalar(v).ok_or_else(|| anyhow!("rules.{k}: not a single value"))?;
                    }
                }
                Some(_) => bail!("rules: not a mapping of rule names to values"),
            }
        }
        for (flag, slot) in [
            (&flags.lowest_efficiency, &mut r.lowest_efficiency),
            (&flags.highest_wasted_bytes, &mut r.highest_wasted_bytes),
            (
                &flags.highest_user_wasted_percent,
                &mut r.highest_user_wasted_percent,
            ),
        ] {
            if let Some(v) = flag {
                *slot = v.clone();
            }
        }
        r.check()?;
        Ok(r)
    }

    fn check(&self) -> Result<()> {
        ratio(LOWEST_EFFICIENCY, &self.lowest_efficiency)?;
        ratio(
            HIGHEST_USER_WASTED_PERCENT,
            &self.highest_user_wasted_percent,
        )?;
        if self.highest_wasted_bytes != DISABLED {
            parse_bytes(&self.highest_wasted_bytes).map_err(|e| {
                anyhow!(
                    "{HIGHEST_WASTED_BYTES}: invalid config value ('{}'): {e}",
                    self.highest_wasted_bytes
                )
            })?;
        }
        Ok(())
    }
}

const DISABLED: &str = "disabled";

/// A YAML scalar as viper's `GetString` gives it.
fn scalar(v: &serde_yaml_ng::Value) -> Option<String> {
    use serde_yaml_ng::Value as V;
    match v {
        V::String(s) => Some(s.clone()),
        V::Number(n) => Some(match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() => format!("{f}"),
            _ => n.to_string(),
        }),
        V::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A ratio rule's value: `None` when disabled.
fn ratio(name: &str, v: &str) -> Result<Option<f64>> {
    if v == DISABLED {
        return Ok(None);
    }
    let f: f64 = v.trim().parse().map_err(|_| {
        anyhow!("{name}: invalid config value ('{v}'): strconv.ParseFloat: parsing {v:?}: invalid syntax")
    })?;
    if !(0.0..=1.0).contains(&f) {
        bail!("{name} config value is outside allowed range (0-1), given '{v}'");
    }
    Ok(Some(f))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    Skip,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleResult {
    pub name: &'static str,
    pub status: Status,
    /// Why it failed, or `rule disabled`; empty when it passed.
    pub message: String,
}

/// The rules applied to an image: results by rule name, as dive orders
/// them.
#[derive(Clone, Debug)]
pub struct Evaluation {
    pub results: Vec<RuleResult>,
}

impl Evaluation {
    pub fn pass(&self) -> bool {
        self.results.iter().all(|r| r.status != Status::Fail)
    }
    fn count(&self, s: Status) -> usize {
        self.results.iter().filter(|r| r.status == s).count()
    }
}

/// Apply checked rules (see [`Rules::resolve`]) to an analysis.
pub fn evaluate(rules: &Rules, a: &Analysis) -> Evaluation {
    let mut results = Vec::new();
    let skip = |name| RuleResult {
        name,
        status: Status::Skip,
        message: "rule disabled".into(),
    };
    let verdict = |name, failed: Option<String>| RuleResult {
        name,
        status: if failed.is_some() {
            Status::Fail
        } else {
            Status::Pass
        },
        message: failed.unwrap_or_default(),
    };
    // highestUserWastedPercent
    results.push(
        match ratio(HIGHEST_USER_WASTED_PERCENT, &rules.highest_user_wasted_percent)
            .ok()
            .flatten()
        {
            None => skip(HIGHEST_USER_WASTED_PERCENT),
            Some(t) => verdict(
                HIGHEST_USER_WASTED_PERCENT,
                (t < a.wasted_user_percent).then(|| {
                    format!(
                        "too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes={} > threshold={})",
                        go_float(a.wasted_user_percent),
                        go_float(t)
                    )
                }),
            ),
        },
    );
    // highestWastedBytes
    results.push(
        match (rules.highest_wasted_bytes != DISABLED)
            .then(|| parse_bytes(&rules.highest_wasted_bytes).ok())
            .flatten()
        {
            None => skip(HIGHEST_WASTED_BYTES),
            Some(t) => verdict(
                HIGHEST_WASTED_BYTES,
                (a.wasted_bytes > t).then(|| {
                    format!(
                        "too many bytes wasted (wasted-bytes={} > threshold={t})",
                        a.wasted_bytes
                    )
                }),
            ),
        },
    );
    // lowestEfficiency
    results.push(
        match ratio(LOWEST_EFFICIENCY, &rules.lowest_efficiency)
            .ok()
            .flatten()
        {
            None => skip(LOWEST_EFFICIENCY),
            Some(t) => verdict(
                LOWEST_EFFICIENCY,
                (t > a.efficiency).then(|| {
                    format!(
                        "image efficiency is too low (efficiency={} < threshold={})",
                        go_float(a.efficiency),
                        go_float(t)
                    )
                }),
            ),
        },
    );
    Evaluation { results }
}

/// Terminal styles, or none.
struct Paint(bool);

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
}

/// The figures in dive's CI form: efficiency, wasted bytes, user wasted
/// percent.
pub fn figures(a: &Analysis) -> String {
    format!(
        "  efficiency: {} %\n  wastedBytes: {} bytes ({})\n  userWastedPercent: {} %\n",
        go_fixed4(a.efficiency * 100.0),
        a.wasted_bytes,
        bytes(a.wasted_bytes),
        go_fixed4(a.wasted_user_percent * 100.0)
    )
}

/// The inefficient files as dive's CI report lists them.
pub fn inefficient_files(a: &Analysis, color: bool) -> String {
    let p = Paint(color);
    let mut s = format!("{}\n", p.bold("Inefficient Files:"));
    s += &super::file_table_row("Count", "Wasted Space", "File Path");
    s.push('\n');
    if a.inefficiencies.is_empty() {
        s += "None\n";
    }
    for i in &a.inefficiencies {
        s += &super::file_table_row(&i.count.to_string(), &bytes(i.size), &i.path);
        s.push('\n');
    }
    s
}

/// The rule results and the summary line, in dive's words.
pub fn results(ev: &Evaluation, color: bool) -> String {
    let p = Paint(color);
    let mut s = format!("{}\n", p.bold("Results:"));
    for r in &ev.results {
        let status = match r.status {
            Status::Pass => "PASS".to_string(),
            Status::Fail => p.wrap("1;7;31", "FAIL"),
            Status::Skip => p.wrap("34", "SKIP"),
        };
        if r.message.is_empty() {
            s += &format!("  {status}: {}\n", r.name);
        } else {
            s += &format!("  {status}: {}: {}\n", r.name, r.message);
        }
    }
    let word = if ev.count(Status::Fail) > 0 {
        "FAIL"
    } else {
        "PASS"
    };
    let line = format!(
        "Result:{word} [Total:{}] [Passed:{}] [Failed:{}] [Warn:0] [Skipped:{}]",
        ev.results.len(),
        ev.count(Status::Pass),
        ev.count(Status::Fail),
        ev.count(Status::Skip)
    );
    s += &p.wrap(if ev.pass() { "32" } else { "31" }, &line);
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_which_wins_over_the_defaults() {
        let file = "rules:\n  LowestEfficiency: 0.95\n  highestWastedBytes: 20MB\n  other: 1\n";
        let flags = RuleFlags {
            highest_wasted_bytes: Some("disabled".into()),
            ..Default::default()
        };
        let r = Rules::resolve(&flags, Some(file)).unwrap();
        assert_eq!(r.lowest_efficiency, "0.95");
        assert_eq!(r.highest_wasted_bytes, "disabled");
        assert_eq!(r.highest_user_wasted_percent, "0.1");
        assert_eq!(
            Rules::resolve(&RuleFlags::default(), None).unwrap(),
            Rules::default()
        );
    }

    #[test]
    fn bad_values_are_errors_naming_the_rule() {
        let e = Rules::resolve(
            &RuleFlags::default(),
            Some("rules:\n  lowestEfficiency: 2\n"),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "lowestEfficiency config value is outside allowed range (0-1), given '2'"
        );
        let flags = RuleFlags {
            highest_wasted_bytes: Some("lots".into()),
            ..Default::default()
        };
        let e = Rules::resolve(&flags, None).unwrap_err().to_string();
        assert!(
            e.starts_with("highestWastedBytes: invalid config value ('lots')"),
            "{e}"
        );
        assert!(Rules::resolve(&RuleFlags::default(), Some("rules: [1, 2]")).is_err());
        assert!(Rules::resolve(&RuleFlags::default(), Some("rules: {a: [")).is_err());
    }
}
