//! dive's `--json` export, byte for byte as dive writes it (Go's
//! `encoding/json` with a two-space indent): scripts that read dive's file
//! read berth's.

use super::tree::FileTree;
use super::Analysis;
use std::fmt::Write;

/// A string as Go's `encoding/json` quotes it (`<`, `>`, `&`, U+2028 and
/// U+2029 escaped too).
fn quote(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            // Go 1.22 and later (dive 0.13.1 is built with 1.24).
            '\u{8}' => o.push_str("\\b"),
            '\u{c}' => o.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// A float64 as Go's `encoding/json` writes it.
fn number(x: f64) -> String {
    let a = x.abs();
    if a != 0.0 && !(1e-6..1e21).contains(&a) {
        // Exponent form, with Go's `e-07` shortened to `e-7`.
        let s = super::human::go_float(x);
        let (m, e) = s.split_once('e').unwrap_or((&s, ""));
        let (sign, digits) = e.split_at(1);
        let digits = digits.trim_start_matches('0');
        return format!("{m}e{sign}{digits}");
    }
    format!("{x}")
}

fn file(o: &mut String, t: &FileTree, n: usize, indent: &str) {
    let f = &t.node(n).info;
    let _ = write!(
        o,
        "{indent}{{\n{indent}  \"path\": {},\n{indent}  \"typeFlag\": {},\n{indent}  \"linkName\": {},\n{indent}  \"size\": {},\n{indent}  \"fileMode\": {},\n{indent}  \"uid\": {},\n{indent}  \"gid\": {},\n{indent}  \"isDir\": {}\n{indent}}}",
        quote(&t.record_path(n)),
        f.type_flag,
        quote(&f.link),
        f.size,
        f.mode,
        f.uid,
        f.gid,
        f.is_dir
    );
}

/// The export: every layer with its own files, then the image figures
/// and the inefficient files, largest first. No newline at the end, as
/// dive writes it.
pub fn export(a: &Analysis) -> String {
    let mut o = String::from("{\n  \"layer\": [");
    for (i, l) in a.layers.iter().enumerate() {
        o += if i == 0 { "\n" } else { ",\n" };
        let _ = write!(
            o,
            "    {{\n      \"index\": {},\n      \"id\": {},\n      \"digestId\": {},\n      \"sizeBytes\": {},\n      \"command\": {},\n      \"fileList\": [",
            l.index,
            quote(&l.id),
            quote(&l.digest),
            l.size,
            quote(&l.command)
        );
        let nodes = l.tree.child_first();
        for (k, &n) in nodes.iter().enumerate() {
            o += if k == 0 { "\n" } else { ",\n" };
            file(&mut o, &l.tree, n, "        ");
        }
        o += if nodes.is_empty() {
            "]\n    }"
        } else {
            "\n      ]\n    }"
        };
    }
    o += if a.layers.is_empty() {
        "],\n"
    } else {
        "\n  ],\n"
    };
    let _ = write!(
        o,
        "  \"image\": {{\n    \"sizeBytes\": {},\n    \"inefficientBytes\": {},\n    \"efficiencyScore\": {},\n    \"fileReference\": [",
        a.size_bytes,
        a.wasted_bytes,
        number(a.efficiency)
    );
    for (k, i) in a.inefficiencies.iter().enumerate() {
        o += if k == 0 { "\n" } else { ",\n" };
        let _ = write!(
            o,
            "      {{\n        \"count\": {},\n        \"sizeBytes\": {},\n        \"file\": {}\n      }}",
            i.count,
            i.size,
            quote(&i.path)
        );
    }
    o += if a.inefficiencies.is_empty() {
        "]\n  }\n}"
    } else {
        "\n    ]\n  }\n}"
    };
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_numbers_are_written_as_go_writes_them() {
        assert_eq!(
            quote("a&&b<c>\"\\\u{1}"),
            r#""a\u0026\u0026b\u003cc\u003e\"\\\u0001""#
        );
        assert_eq!(quote("\u{8}\u{c}"), r#""\b\f""#);
        assert_eq!(number(1.0), "1");
        assert_eq!(number(0.23642820903094874), "0.23642820903094874");
        assert_eq!(number(1e-7), "1e-7");
        assert_eq!(number(0.0), "0");
    }
}
