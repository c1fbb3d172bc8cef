//! Normalising a template and lexing it into items.

use super::*;

/// Podman's `NormalizeFormat`: strip `table `, turn the two characters `\t`
/// and `\n` into tab and newline, end with a newline. Escapes are replaced
/// only outside actions, so `{{printf "\n"}}` keeps its Go string escape
/// (the bug Podman fixed for containers/podman#13446). Returns the text and
/// the source offset of each of its bytes.
pub(super) fn normalize(src: &str) -> (bool, String, Vec<usize>) {
    let (table, start) = if src == "table" {
        (true, src.len())
    } else if src.starts_with("table ") || src.starts_with("table\t") {
        (true, 6)
    } else {
        (false, 0)
    };
    let mut text = String::with_capacity(src.len() + 1);
    let mut origin = Vec::with_capacity(src.len() + 2);
    let b = src.as_bytes();
    let mut i = start;
    let mut in_action = false;
    let mut quote: Option<u8> = None;
    while i < b.len() {
        let rest = &src[i..];
        let mut copy = 1;
        if !in_action {
            if rest.starts_with("{{") {
                in_action = true;
                copy = 2;
            } else if rest.starts_with("\\t") || rest.starts_with("\\n") {
                text.push(if b[i + 1] == b't' { '\t' } else { '\n' });
                origin.push(i);
                i += 2;
                continue;
            }
        } else {
            match quote {
                // A backslash in a Go string hides the next character.
                Some(b'"') if b[i] == b'\\' && i + 1 < b.len() => copy = 2,
                Some(q) if b[i] == q => quote = None,
                Some(_) => {}
                None if b[i] == b'"' || b[i] == b'`' => quote = Some(b[i]),
                None if rest.starts_with("}}") => {
                    in_action = false;
                    copy = 2;
                }
                None => {}
            }
        }
        // Copy whole characters: `copy` bytes, extended to a char boundary.
        let mut end = i + copy;
        while !src.is_char_boundary(end) {
            end += 1;
        }
        text.push_str(&src[i..end]);
        origin.extend(i..end);
        i = end;
    }
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
        origin.push(src.len());
    }
    origin.push(src.len());
    (table, text, origin)
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Text(String),
    Left,
    Right,
    Space,
    Field(String),
    Dot,
    Var(String),
    Ident(String),
    Str(String),
    Num(String),
    Pipe,
    LParen,
    RParen,
    Declare,
    Assign,
    Comma,
    Eof,
}

impl Tok {
    pub(super) fn describe(&self) -> String {
        match self {
            Tok::Text(_) => "text".into(),
            Tok::Left => "{{".into(),
            Tok::Right => "}}".into(),
            Tok::Space => "space".into(),
            Tok::Field(f) => format!(".{f}"),
            Tok::Dot => ".".into(),
            Tok::Var(v) => v.clone(),
            Tok::Ident(w) => w.clone(),
            Tok::Str(s) => format!("{s:?}"),
            Tok::Num(n) => n.clone(),
            Tok::Pipe => "|".into(),
            Tok::LParen => "(".into(),
            Tok::RParen => ")".into(),
            Tok::Declare => ":=".into(),
            Tok::Assign => "=".into(),
            Tok::Comma => ",".into(),
            Tok::Eof => "end of template".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Item {
    pub(super) tok: Tok,
    pub(super) pos: usize,
}

pub(super) type Fail = (usize, String);

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

pub(super) fn lex(s: &str) -> Result<Vec<Item>, Fail> {
    let mut items = Vec::new();
    let mut i = 0;
    let mut trim_next = false;
    loop {
        let open = s[i..].find("{{").map(|n| i + n);
        let end = open.unwrap_or(s.len());
        let mut text = &s[i..end];
        if trim_next {
            text = text.trim_start_matches(is_space);
        }
        let Some(open) = open else {
            if !text.is_empty() {
                items.push(Item {
                    tok: Tok::Text(text.to_string()),
                    pos: i,
                });
            }
            items.push(Item {
                tok: Tok::Eof,
                pos: s.len(),
            });
            return Ok(items);
        };
        let mut k = open + 2;
        // "{{- " trims the white space before the action.
        if s[k..].starts_with('-') && s[k + 1..].starts_with(is_space) {
            text = text.trim_end_matches(is_space);
            k += 2;
        }
        if !text.is_empty() {
            items.push(Item {
                tok: Tok::Text(text.to_string()),
                pos: i,
            });
        }
        if s[k..].starts_with("/*") {
            let close = s[k + 2..]
                .find("*/")
                .ok_or((open, "unclosed comment".to_string()))?
                + k
                + 4;
            (i, trim_next) = match right_delim(s, close) {
                Some(r) => r,
                None => return Err((open, "comment ends before closing delimiter".into())),
            };
            continue;
        }
        items.push(Item {
            tok: Tok::Left,
            pos: open,
        });
        (i, trim_next) = lex_action(s, k, open, &mut items)?;
    }
}

/// `}}` or ` -}}` at `k`: the offset after it and whether it trims.
fn right_delim(s: &str, k: usize) -> Option<(usize, bool)> {
    let rest = &s[k..];
    if rest.starts_with("}}") {
        Some((k + 2, false))
    } else if rest.starts_with(is_space) && rest[1..].starts_with("-}}") {
        Some((k + 4, true))
    } else {
        None
    }
}

fn lex_action(
    s: &str,
    mut k: usize,
    open: usize,
    items: &mut Vec<Item>,
) -> Result<(usize, bool), Fail> {
    loop {
        let Some(c) = s[k..].chars().next() else {
            return Err((open, "unclosed action".into()));
        };
        if let Some((next, trim)) = right_delim(s, k) {
            items.push(Item {
                tok: Tok::Right,
                pos: k,
            });
            return Ok((next, trim));
        }
        let start = k;
        let ident_end = |from: usize| {
            s[from..]
                .find(|c| !is_ident_char(c))
                .map_or(s.len(), |n| from + n)
        };
        let (tok, end) = match c {
            c if is_space(c) => {
                while s[k..].starts_with(is_space) && right_delim(s, k).is_none() {
                    k += 1;
                }
                (Tok::Space, k)
            }
            '|' => (Tok::Pipe, k + 1),
            '(' => (Tok::LParen, k + 1),
            ')' => (Tok::RParen, k + 1),
            ',' => (Tok::Comma, k + 1),
            '=' => (Tok::Assign, k + 1),
            ':' if s[k..].starts_with(":=") => (Tok::Declare, k + 2),
            ':' => return Err((k, "expected :=".into())),
            '"' => {
                let (text, end) = lex_quoted(s, k)?;
                (Tok::Str(text), end)
            }
            '`' => {
                let close = s[k + 1..]
                    .find('`')
                    .ok_or((k, "unterminated raw quoted string".to_string()))?;
                (
                    Tok::Str(s[k + 1..k + 1 + close].replace('\r', "")),
                    k + close + 2,
                )
            }
            '$' => {
                let end = ident_end(k + 1);
                (Tok::Var(s[k..end].to_string()), end)
            }
            '.' if s[k + 1..].starts_with(|c: char| c.is_alphabetic() || c == '_') => {
                let end = ident_end(k + 1);
                (Tok::Field(s[k + 1..end].to_string()), end)
            }
            '.' if !s[k + 1..].starts_with(|c: char| c.is_ascii_digit()) => (Tok::Dot, k + 1),
            '0'..='9' | '.' | '+' | '-' => {
                let b = s.as_bytes();
                let mut j = k + 1;
                while j < b.len() {
                    let x = b[j];
                    let signed_exponent = (x == b'+' || x == b'-')
                        && matches!(b[j - 1], b'e' | b'E' | b'p' | b'P')
                        && !s[k..j].contains(['x', 'X']);
                    if x.is_ascii_alphanumeric() || x == b'.' || x == b'_' || signed_exponent {
                        j += 1;
                    } else {
                        break;
                    }
                }
                (Tok::Num(s[k..j].to_string()), j)
            }
            c if c.is_alphabetic() || c == '_' => {
                let end = ident_end(k);
                (Tok::Ident(s[k..end].to_string()), end)
            }
            c => return Err((k, format!("unrecognized character in action: {c:?}"))),
        };
        items.push(Item { tok, pos: start });
        k = end;
    }
}

/// A Go interpreted string literal starting at `k` (the opening quote):
/// its value and the offset after the closing quote.
fn lex_quoted(s: &str, k: usize) -> Result<(String, usize), Fail> {
    let unterminated = || (k, "unterminated quoted string".to_string());
    let bad = || (k, "invalid syntax in quoted string".to_string());
    let mut out = String::new();
    let mut chars = s[k + 1..].char_indices();
    while let Some((_, c)) = chars.next() {
        match c {
            '"' => {
                let next = chars.next().map_or(s.len(), |(j, _)| k + 1 + j);
                return Ok((out, next));
            }
            '\n' => return Err(unterminated()),
            '\\' => {
                let (_, e) = chars.next().ok_or_else(unterminated)?;
                let mut hex = |n: usize| -> Result<char, Fail> {
                    let digits: String = (0..n)
                        .filter_map(|_| chars.next().map(|(_, c)| c))
                        .collect();
                    if digits.len() != n {
                        return Err(bad());
                    }
                    let v = u32::from_str_radix(&digits, 16).map_err(|_| bad())?;
                    char::from_u32(v).ok_or_else(bad)
                };
                let ch = match e {
                    'a' => '\x07',
                    'b' => '\x08',
                    'f' => '\x0c',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'v' => '\x0b',
                    '\\' => '\\',
                    '"' => '"',
                    '\'' => '\'',
                    'x' => hex(2)?,
                    'u' => hex(4)?,
                    'U' => hex(8)?,
                    '0'..='7' => {
                        let rest: String = (0..2)
                            .filter_map(|_| chars.next().map(|(_, c)| c))
                            .collect();
                        let v = u32::from_str_radix(&format!("{e}{rest}"), 8).map_err(|_| bad())?;
                        if rest.len() != 2 || v > 0xff {
                            return Err(bad());
                        }
                        char::from_u32(v).ok_or_else(bad)?
                    }
                    '\n' => return Err(unterminated()),
                    _ => return Err(bad()),
                };
                out.push(ch);
            }
            c => out.push(c),
        }
    }
    Err(unterminated())
}

pub(super) fn parse_number(text: &str) -> Option<Value> {
    let clean = text.replace('_', "");
    let (neg, digits) = match clean.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, clean.strip_prefix('+').unwrap_or(&clean)),
    };
    let radix = |p: &str, r: u32| {
        let d = digits
            .strip_prefix(p)
            .or_else(|| digits.strip_prefix(&p.to_uppercase()))?;
        i64::from_str_radix(d, r).ok()
    };
    let int = if digits.len() > 1
        && digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        i64::from_str_radix(&digits[1..], 8).ok()
    } else {
        radix("0x", 16)
            .or_else(|| radix("0o", 8))
            .or_else(|| radix("0b", 2))
            .or_else(|| digits.parse::<i64>().ok())
    };
    if let Some(i) = int {
        return Some(Value::from(if neg { -i } else { i }));
    }
    if !digits.starts_with(|c: char| c.is_ascii_digit() || c == '.') || digits.contains(['x', 'X'])
    {
        return None;
    }
    let f: f64 = digits.parse().ok()?;
    serde_json::Number::from_f64(if neg { -f } else { f }).map(Value::Number)
}
