//! The `--format` engine of `images`, `ps`, `inspect`, `history` …: a small,
//! faithful subset of Go's text/template evaluated over `serde_json::Value`
//! (the rows are serialized structs), with Podman's conventions around it —
//! `\t` and `\n` typed on the command line become tab and newline, a
//! `table ` prefix adds a header row and aligns the columns like Go's
//! tabwriter, and each rendering ends with a newline. It lives in `cli`
//! because only the command line formats output; it is pure (no I/O), so
//! every rule is unit-tested here, and no template input can make it panic.
//!
//! Supported: text; `{{.A.B}}`, `{{.}}`, `{{$}}`, `{{$x.A}}`, `{{(pipe).A}}`;
//! string (with Go escapes), raw string, number, `true`/`false`/`nil`
//! literals; pipelines `a | f b`; `$x := …` and `$x = …`; `if`/`else if`/
//! `else`, `with`/`else with`/`else`, `range` (with `$i, $v :=`, `else`,
//! `break`, `continue`) and `end`; `{{- ` / ` -}}` trim markers and
//! `{{/* comments */}}`; the functions `and or not eq ne lt le gt ge len
//! index slice print printf println` of Go and `json join upper lower title
//! split pad truncate` of Podman. Not supported: `define`, `template`,
//! `block`, character constants, method calls.

use serde_json::{Map, Value};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;

/// Podman's tabwriter defaults (containers/common `report.NewWriterDefault`:
/// minwidth 12, padding 2). A cell is padded to at least this width…
pub const MIN_WIDTH: usize = 12;
/// …and the widest cell of a column gets this many spaces after it.
pub const PADDING: usize = 2;

/// Deepest nesting of control structures and parentheses accepted, so that
/// a hostile template cannot exhaust the stack.
const MAX_DEPTH: usize = 100;
/// Largest width `printf` and `pad` will honour, so that `%999999999d`
/// cannot exhaust memory.
const MAX_PAD: usize = 4096;
/// Columns beyond this are not aligned (the aligner recurses per column).
const MAX_COLUMNS: usize = 256;

/// The functions a template may call; anything else is refused at parse
/// time, as Go does (`function "foo" not defined`).
const FUNCS: &[&str] = &[
    "and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge", "len", "index", "slice", "print",
    "printf", "println", "json", "join", "upper", "lower", "title", "split", "pad", "truncate",
];

/// A template that failed to parse or to render. `pos` is a byte offset in
/// the template as the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    pub template: String,
    pub pos: usize,
    pub message: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "template \"{}\": {} at {}",
            self.template, self.message, self.pos
        )
    }
}

impl std::error::Error for FormatError {}

/// A parsed `--format` template.
#[derive(Debug, Clone)]
pub struct Template {
    source: String,
    table: bool,
    nodes: Vec<Node>,
    /// Offset in `source` of each byte of the normalised text (plus one
    /// past the end), so that errors point at what the user typed.
    origin: Vec<usize>,
    /// The template has a top-level `{{range .}}`: Podman then executes it
    /// once over the whole list instead of once per row.
    ranges_over_rows: bool,
}

impl Template {
    /// Parse a template as Podman does: a leading `table ` is taken off and
    /// remembered, `\t` and `\n` outside actions become tab and newline, and
    /// a newline is added unless the template ends with one.
    pub fn parse(src: &str) -> Result<Template, FormatError> {
        let (table, text, origin) = normalize(src);
        let mut t = Template {
            source: src.to_string(),
            table,
            nodes: Vec::new(),
            origin,
            ranges_over_rows: false,
        };
        let items = lex(&text).map_err(|(pos, msg)| t.error(pos, msg))?;
        let mut parser = Parser {
            items: &items,
            i: 0,
            vars: vec!["$".to_string()],
            range_depth: 0,
            depth: 0,
        };
        t.nodes = parser.parse().map_err(|(pos, msg)| t.error(pos, msg))?;
        t.ranges_over_rows = t.nodes.iter().any(|n| match n {
            Node::Range { pipe, .. } => {
                pipe.decl.is_empty()
                    && pipe.cmds.len() == 1
                    && matches!(pipe.cmds[0].args[..], [Operand::Dot])
            }
            _ => false,
        });
        Ok(t)
    }

    /// The template began with `table`: `render_rows` prints a header row
    /// and aligns columns.
    pub fn is_table(&self) -> bool {
        self.table
    }

    /// Nothing to render, as for `--format table`: the caller prints its
    /// default table.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Render the template (without the `table` prefix) against one value.
    pub fn render(&self, v: &Value) -> Result<String, FormatError> {
        let mut ex = Exec {
            t: self,
            vars: vec![("$".to_string(), v.clone())],
            out: String::new(),
        };
        ex.walk(v, &self.nodes)?;
        Ok(ex.out)
    }

    /// Render a list of rows as Podman's `--format` does. A table template
    /// prints a header row first — each action's header is the field it
    /// shows, from `headers` (keyed by the field's path `A.B` or its name
    /// `B`) or else the field name split on CamelCase and upper-cased — and
    /// aligns the `\t`-separated cells (see [`MIN_WIDTH`], [`PADDING`]).
    /// Other templates print each row as it renders, or render once over the
    /// whole list when they range over it themselves (`{{range .}}`).
    pub fn render_rows(
        &self,
        rows: &[Value],
        headers: &HashMap<&str, &str>,
    ) -> Result<String, FormatError> {
        if self.table {
            let mut text = self.header_row(headers);
            for row in rows {
                text.push_str(&self.render(row)?);
            }
            return Ok(tabwrite(&text, MIN_WIDTH, PADDING));
        }
        if self.ranges_over_rows {
            return self.render(&Value::Array(rows.to_vec()));
        }
        let mut out = String::new();
        for row in rows {
            out.push_str(&self.render(row)?);
        }
        Ok(out)
    }

    fn header_row(&self, headers: &HashMap<&str, &str>) -> String {
        let mut out = String::new();
        for node in &self.nodes {
            match node {
                Node::Text(s) => out.push_str(s),
                Node::Action(p) if !p.decl.is_empty() => {}
                Node::Action(pipe)
                | Node::If { pipe, .. }
                | Node::With { pipe, .. }
                | Node::Range { pipe, .. } => {
                    if let Some(chain) = first_chain(pipe) {
                        let path = chain.join(".");
                        let last = chain.last().map_or("", String::as_str);
                        match headers.get(path.as_str()).or_else(|| headers.get(last)) {
                            Some(h) => out.push_str(&h.to_uppercase()),
                            None => out.push_str(&header_for(last)),
                        }
                    }
                }
                Node::Break | Node::Continue => {}
            }
        }
        out
    }

    fn error(&self, pos: usize, message: impl Into<String>) -> FormatError {
        let pos = self
            .origin
            .get(pos)
            .or(self.origin.last())
            .copied()
            .unwrap_or(0);
        FormatError {
            template: self.source.clone(),
            pos,
            message: message.into(),
        }
    }
}

/// A column header from a field name as Podman makes it: split on CamelCase
/// (fatih/camelcase rules) and upper-cased: `ID` → `ID`, `CreatedAt` →
/// `CREATED AT`, `ImageID` → `IMAGE ID`.
pub fn header_for(field: &str) -> String {
    #[derive(PartialEq, Clone, Copy)]
    enum Class {
        Lower,
        Upper,
        Digit,
        Other,
    }
    let class = |c: char| {
        if c.is_lowercase() {
            Class::Lower
        } else if c.is_uppercase() {
            Class::Upper
        } else if c.is_numeric() {
            Class::Digit
        } else {
            Class::Other
        }
    };
    let mut runs: Vec<Vec<char>> = Vec::new();
    let mut last = None;
    for c in field.chars() {
        let cl = class(c);
        match runs.last_mut() {
            Some(run) if last == Some(cl) => run.push(c),
            _ => runs.push(vec![c]),
        }
        last = Some(cl);
    }
    // "HTTPServer" is ["HTTP", "Server"]: an upper-case run followed by a
    // lower-case one gives its last letter to the next word.
    for i in 0..runs.len().saturating_sub(1) {
        let upper_then_lower = runs[i].first().is_some_and(|c| c.is_uppercase())
            && runs[i + 1].first().is_some_and(|c| c.is_lowercase());
        if upper_then_lower {
            if let Some(c) = runs[i].pop() {
                runs[i + 1].insert(0, c);
            }
        }
    }
    let words: Vec<String> = runs
        .into_iter()
        .filter(|r| !r.is_empty())
        .map(|r| r.into_iter().collect())
        .collect();
    words.join(" ").to_uppercase()
}

/// Align rows into columns the way Podman's default output looks: cells
/// padded like Go's tabwriter with Podman's settings ([`MIN_WIDTH`],
/// [`PADDING`]), last column unpadded, no trailing spaces, one line per row
/// after a header line (left out when `headers` is empty). Tabs and
/// newlines inside cells become spaces so they cannot break the layout.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
    let mut text = String::new();
    if !headers.is_empty() {
        let cells: Vec<String> = headers.iter().map(|h| clean(h)).collect();
        text.push_str(&cells.join("\t"));
        text.push('\n');
    }
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| clean(c)).collect();
        text.push_str(&cells.join("\t"));
        text.push('\n');
    }
    let aligned = tabwrite(&text, MIN_WIDTH, PADDING);
    let mut out = String::with_capacity(aligned.len());
    for line in aligned.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        out.push_str(body.trim_end_matches(' '));
        out.push_str(nl);
    }
    out
}

/// Go's `text/tabwriter` with flags 0 and padchar ' ': a cell is text ended
/// by a tab; tab-terminated cells of adjacent lines form a column, padded
/// to `max(minwidth, widest + padding)`; the last cell of a line is not in
/// any column. Widths count characters, as Go counts runes.
fn tabwrite(text: &str, minwidth: usize, padding: usize) -> String {
    struct Tw<'a> {
        lines: Vec<Vec<&'a str>>,
        widths: Vec<usize>,
        out: Vec<String>,
        minwidth: usize,
        padding: usize,
    }
    impl Tw<'_> {
        // A port of tabwriter's (*Writer).format: find each block of lines
        // that have a cell in this column, size it, recurse to the right.
        fn format(&mut self, mut line0: usize, line1: usize) {
            let column = self.widths.len();
            if column >= MAX_COLUMNS {
                self.write_lines(line0, line1);
                return;
            }
            let mut this = line0;
            while this < line1 {
                if column + 1 >= self.lines[this].len() {
                    this += 1;
                    continue;
                }
                self.write_lines(line0, this);
                line0 = this;
                let mut width = self.minwidth;
                while this < line1 && column + 1 < self.lines[this].len() {
                    width = width.max(self.lines[this][column].chars().count() + self.padding);
                    this += 1;
                }
                self.widths.push(width);
                self.format(line0, this);
                self.widths.pop();
                line0 = this;
            }
            self.write_lines(line0, line1);
        }

        fn write_lines(&mut self, line0: usize, line1: usize) {
            for line in &self.lines[line0..line1] {
                let mut s = String::new();
                for (j, cell) in line.iter().enumerate() {
                    s.push_str(cell);
                    if let Some(&w) = self.widths.get(j) {
                        s.extend(std::iter::repeat_n(
                            ' ',
                            w.saturating_sub(cell.chars().count()),
                        ));
                    } else if j + 1 < line.len() {
                        s.push(' ');
                    }
                }
                self.out.push(s);
            }
        }
    }
    if text.is_empty() {
        return String::new();
    }
    let lines: Vec<Vec<&str>> = text.split('\n').map(|l| l.split('\t').collect()).collect();
    let n = lines.len();
    let mut tw = Tw {
        lines,
        widths: Vec::new(),
        out: Vec::with_capacity(n),
        minwidth,
        padding,
    };
    tw.format(0, n);
    tw.out.join("\n")
}

// ---------------------------------------------------------------------------
// Normalising and lexing

/// Podman's `NormalizeFormat`: strip `table `, turn the two characters `\t`
/// and `\n` into tab and newline, end with a newline. Escapes are replaced
/// only outside actions, so `{{printf "\n"}}` keeps its Go string escape
/// (the bug Podman fixed for containers/podman#13446). Returns the text and
/// the source offset of each of its bytes.
fn normalize(src: &str) -> (bool, String, Vec<usize>) {
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
enum Tok {
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
    fn describe(&self) -> String {
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
struct Item {
    tok: Tok,
    pos: usize,
}

type Fail = (usize, String);

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn lex(s: &str) -> Result<Vec<Item>, Fail> {
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

fn parse_number(text: &str) -> Option<Value> {
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

// ---------------------------------------------------------------------------
// Parsing

#[derive(Debug, Clone)]
enum Node {
    Text(String),
    Action(Pipeline),
    If {
        pipe: Pipeline,
        then: Vec<Node>,
        els: Vec<Node>,
    },
    With {
        pipe: Pipeline,
        then: Vec<Node>,
        els: Vec<Node>,
    },
    Range {
        pipe: Pipeline,
        body: Vec<Node>,
        els: Vec<Node>,
    },
    Break,
    Continue,
}

#[derive(Debug, Clone)]
struct Pipeline {
    decl: Vec<String>,
    assign: bool,
    cmds: Vec<Command>,
}

#[derive(Debug, Clone)]
struct Command {
    args: Vec<Operand>,
}

#[derive(Debug, Clone)]
enum Operand {
    Dot,
    Field {
        pos: usize,
        chain: Vec<String>,
    },
    Var {
        pos: usize,
        name: String,
        chain: Vec<String>,
    },
    Func {
        pos: usize,
        name: String,
    },
    Lit(Value),
    Sub {
        pos: usize,
        pipe: Box<Pipeline>,
        chain: Vec<String>,
    },
}

/// The first field a pipeline shows, for its table header.
fn first_chain(p: &Pipeline) -> Option<&[String]> {
    for arg in p.cmds.iter().flat_map(|c| &c.args) {
        match arg {
            Operand::Field { chain, .. } => return Some(chain),
            Operand::Var { chain, .. } | Operand::Sub { chain, .. } if !chain.is_empty() => {
                return Some(chain)
            }
            Operand::Sub { pipe, .. } => {
                if let Some(c) = first_chain(pipe) {
                    return Some(c);
                }
            }
            _ => {}
        }
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kw {
    If,
    With,
    Range,
}

impl fmt::Display for Kw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kw::If => "if",
            Kw::With => "with",
            Kw::Range => "range",
        })
    }
}

/// What ended a list of nodes.
enum Stop {
    Eof,
    End(usize),
    Else(usize),
    ElseChain(usize, Kw),
}

enum Act {
    Node(Node),
    Stop(Stop),
}

struct Parser<'a> {
    items: &'a [Item],
    i: usize,
    /// Variables in scope, for Go's parse-time `undefined variable` check.
    vars: Vec<String>,
    range_depth: usize,
    depth: usize,
}

impl Parser<'_> {
    fn parse(&mut self) -> Result<Vec<Node>, Fail> {
        let (nodes, stop) = self.list()?;
        match stop {
            Stop::Eof => Ok(nodes),
            Stop::End(pos) => Err((pos, "unexpected {{end}}".into())),
            Stop::Else(pos) | Stop::ElseChain(pos, _) => Err((pos, "unexpected {{else}}".into())),
        }
    }

    fn peek(&self) -> &Item {
        &self.items[self.i.min(self.items.len() - 1)]
    }

    fn bump(&mut self) -> Item {
        let it = self.peek().clone();
        if self.i < self.items.len() - 1 {
            self.i += 1;
        }
        it
    }

    fn skip_space(&mut self) {
        while self.peek().tok == Tok::Space {
            self.i += 1;
        }
    }

    fn expect_right(&mut self, what: &str) -> Result<(), Fail> {
        self.skip_space();
        let it = self.bump();
        match it.tok {
            Tok::Right => Ok(()),
            other => Err((it.pos, format!("unexpected {} in {what}", other.describe()))),
        }
    }

    fn list(&mut self) -> Result<(Vec<Node>, Stop), Fail> {
        let mut nodes = Vec::new();
        loop {
            let it = self.bump();
            match it.tok {
                Tok::Text(s) => nodes.push(Node::Text(s)),
                Tok::Left => match self.action()? {
                    Act::Node(n) => nodes.push(n),
                    Act::Stop(s) => return Ok((nodes, s)),
                },
                Tok::Eof => return Ok((nodes, Stop::Eof)),
                other => return Err((it.pos, format!("unexpected {}", other.describe()))),
            }
        }
    }

    fn action(&mut self) -> Result<Act, Fail> {
        self.skip_space();
        let it = self.peek().clone();
        if let Tok::Ident(word) = &it.tok {
            let kw = match word.as_str() {
                "if" => Some(Kw::If),
                "with" => Some(Kw::With),
                "range" => Some(Kw::Range),
                _ => None,
            };
            if let Some(kw) = kw {
                self.i += 1;
                return Ok(Act::Node(self.control(kw, it.pos)?));
            }
            match word.as_str() {
                "end" => {
                    self.i += 1;
                    self.expect_right("end")?;
                    return Ok(Act::Stop(Stop::End(it.pos)));
                }
                "else" => {
                    self.i += 1;
                    self.skip_space();
                    let chained = match &self.peek().tok {
                        Tok::Ident(w) if w == "if" => Some(Kw::If),
                        Tok::Ident(w) if w == "with" => Some(Kw::With),
                        _ => None,
                    };
                    if let Some(kw) = chained {
                        self.i += 1;
                        return Ok(Act::Stop(Stop::ElseChain(it.pos, kw)));
                    }
                    self.expect_right("else")?;
                    return Ok(Act::Stop(Stop::Else(it.pos)));
                }
                "break" | "continue" => {
                    self.i += 1;
                    if self.range_depth == 0 {
                        return Err((it.pos, format!("{{{{{word}}}}} outside {{{{range}}}}")));
                    }
                    self.expect_right(word)?;
                    return Ok(Act::Node(if word == "break" {
                        Node::Break
                    } else {
                        Node::Continue
                    }));
                }
                "define" | "template" | "block" => {
                    return Err((it.pos, format!("{{{{{word}}}}} is not supported")));
                }
                _ => {}
            }
        }
        Ok(Act::Node(Node::Action(
            self.pipeline("command", &Tok::Right)?,
        )))
    }

    /// `if`/`with`/`range` after the keyword, through its `{{end}}`.
    fn control(&mut self, kw: Kw, pos: usize) -> Result<Node, Fail> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err((pos, "template nested too deeply".into()));
        }
        let mark = self.vars.len();
        let pipe = self.pipeline(&kw.to_string(), &Tok::Right)?;
        let inner = self.vars.len();
        if kw == Kw::Range {
            self.range_depth += 1;
        }
        let (body, stop) = self.list()?;
        if kw == Kw::Range {
            self.range_depth -= 1;
            // The iteration variables do not exist in the {{else}} branch.
            self.vars.truncate(mark);
        } else {
            self.vars.truncate(inner);
        }
        let els = match stop {
            Stop::End(_) => Vec::new(),
            Stop::Else(_) => {
                let (els, stop) = self.list()?;
                match stop {
                    Stop::End(_) => els,
                    Stop::Eof => {
                        return Err((pos, format!("unclosed {{{{{kw}}}}}: missing {{{{end}}}}")))
                    }
                    Stop::Else(p) | Stop::ElseChain(p, _) => {
                        return Err((p, "unexpected {{else}} after {{else}}".into()))
                    }
                }
            }
            Stop::ElseChain(p, chained) if chained == kw => vec![self.control(chained, p)?],
            Stop::ElseChain(p, chained) => {
                return Err((
                    p,
                    format!("unexpected {{{{else {chained}}}}} in {{{{{kw}}}}}"),
                ))
            }
            Stop::Eof => return Err((pos, format!("unclosed {{{{{kw}}}}}: missing {{{{end}}}}"))),
        };
        self.vars.truncate(mark);
        self.depth -= 1;
        Ok(match kw {
            Kw::If => Node::If {
                pipe,
                then: body,
                els,
            },
            Kw::With => Node::With {
                pipe,
                then: body,
                els,
            },
            Kw::Range => Node::Range { pipe, body, els },
        })
    }

    fn pipeline(&mut self, context: &str, end: &Tok) -> Result<Pipeline, Fail> {
        self.skip_space();
        let start = self.peek().pos;
        let mut decl = Vec::new();
        let mut assign = false;
        if let Tok::Var(first) = self.peek().tok.clone() {
            let save = self.i;
            self.i += 1;
            self.skip_space();
            match self.peek().tok {
                Tok::Declare | Tok::Assign => {
                    assign = self.peek().tok == Tok::Assign;
                    self.i += 1;
                    decl.push(first);
                }
                Tok::Comma if context == "range" => {
                    self.i += 1;
                    self.skip_space();
                    let second = self.bump();
                    self.skip_space();
                    let op = self.bump();
                    match (second.tok, op.tok) {
                        (Tok::Var(second), op @ (Tok::Declare | Tok::Assign)) => {
                            assign = op == Tok::Assign;
                            decl.push(first);
                            decl.push(second);
                        }
                        _ => {
                            return Err((
                                second.pos,
                                "range can only initialize variables as $index, $element :=".into(),
                            ))
                        }
                    }
                }
                _ => self.i = save,
            }
        }
        if assign {
            if let Some(v) = decl.iter().find(|v| !self.vars.contains(v)) {
                return Err((start, format!("undefined variable \"{v}\"")));
            }
        }
        let mut cmds = Vec::new();
        loop {
            self.skip_space();
            let pos = self.peek().pos;
            let cmd = self.command(context)?;
            if cmds.is_empty() {
                if let [Operand::Lit(Value::Null)] = cmd.args[..] {
                    return Err((pos, "nil is not a command".into()));
                }
            } else if !matches!(cmd.args[0], Operand::Func { .. }) {
                return Err((
                    pos,
                    format!(
                        "non executable command in pipeline stage {}",
                        cmds.len() + 1
                    ),
                ));
            }
            cmds.push(cmd);
            self.skip_space();
            let it = self.bump();
            match &it.tok {
                Tok::Pipe => continue,
                t if t == end => break,
                Tok::Right => return Err((it.pos, "unclosed left paren".into())),
                other => {
                    return Err((
                        it.pos,
                        format!("unexpected {} in {context}", other.describe()),
                    ))
                }
            }
        }
        if !assign {
            self.vars.extend(decl.iter().cloned());
        }
        Ok(Pipeline { decl, assign, cmds })
    }

    fn command(&mut self, context: &str) -> Result<Command, Fail> {
        let pos = self.peek().pos;
        let mut args = Vec::new();
        loop {
            self.skip_space();
            if matches!(
                self.peek().tok,
                Tok::Pipe | Tok::Right | Tok::RParen | Tok::Eof
            ) {
                break;
            }
            args.push(self.operand()?);
            let it = self.peek();
            if !matches!(
                it.tok,
                Tok::Space | Tok::Pipe | Tok::Right | Tok::RParen | Tok::Eof
            ) {
                return Err((
                    it.pos,
                    format!("unexpected {} in operand", it.tok.describe()),
                ));
            }
        }
        match args.first() {
            None => Err((pos, format!("missing value for {context}"))),
            Some(Operand::Func { .. }) => Ok(Command { args }),
            Some(_) if args.len() > 1 => Err((pos, "can't give argument to non-function".into())),
            Some(_) => Ok(Command { args }),
        }
    }

    fn operand(&mut self) -> Result<Operand, Fail> {
        let it = self.bump();
        let pos = it.pos;
        let mut op = match it.tok {
            Tok::Dot => Operand::Dot,
            Tok::Field(f) => Operand::Field {
                pos,
                chain: vec![f],
            },
            Tok::Var(name) => {
                if !self.vars.contains(&name) {
                    return Err((pos, format!("undefined variable \"{name}\"")));
                }
                Operand::Var {
                    pos,
                    name,
                    chain: Vec::new(),
                }
            }
            Tok::Ident(w) => match w.as_str() {
                "true" => Operand::Lit(Value::Bool(true)),
                "false" => Operand::Lit(Value::Bool(false)),
                "nil" => Operand::Lit(Value::Null),
                name if FUNCS.contains(&name) => Operand::Func { pos, name: w },
                "if" | "else" | "end" | "range" | "with" | "break" | "continue" | "define"
                | "template" | "block" => {
                    return Err((pos, format!("unexpected keyword {w:?} in operand")));
                }
                _ => return Err((pos, format!("function {w:?} not defined"))),
            },
            Tok::Str(s) => Operand::Lit(Value::String(s)),
            Tok::Num(n) => match parse_number(&n) {
                Some(v) => Operand::Lit(v),
                None => return Err((pos, format!("bad number syntax: {n:?}"))),
            },
            Tok::LParen => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err((pos, "template nested too deeply".into()));
                }
                let pipe = self.pipeline("parenthesized pipeline", &Tok::RParen)?;
                self.depth -= 1;
                if !pipe.decl.is_empty() {
                    return Err((
                        pos,
                        "declaration in parenthesized pipeline is not supported".into(),
                    ));
                }
                Operand::Sub {
                    pos,
                    pipe: Box::new(pipe),
                    chain: Vec::new(),
                }
            }
            other => return Err((pos, format!("unexpected {} in operand", other.describe()))),
        };
        while let Tok::Field(f) = &self.peek().tok {
            match &mut op {
                Operand::Field { chain, .. }
                | Operand::Var { chain, .. }
                | Operand::Sub { chain, .. } => chain.push(f.clone()),
                _ => return Err((self.peek().pos, format!("unexpected .{f} after operand"))),
            }
            self.i += 1;
        }
        Ok(op)
    }
}

// ---------------------------------------------------------------------------
// Executing

#[derive(PartialEq)]
enum Flow {
    Normal,
    Break,
    Continue,
}

struct Exec<'t> {
    t: &'t Template,
    vars: Vec<(String, Value)>,
    out: String,
}

/// Go's truth: false, 0, nil and empty strings, lists and maps are false.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
    }
}

impl Exec<'_> {
    fn err(&self, pos: usize, message: impl Into<String>) -> FormatError {
        self.t.error(pos, message)
    }

    fn walk(&mut self, dot: &Value, nodes: &[Node]) -> Result<Flow, FormatError> {
        for node in nodes {
            let flow = match node {
                Node::Text(s) => {
                    self.out.push_str(s);
                    Flow::Normal
                }
                Node::Action(p) => {
                    let v = self.pipeline(dot, p)?;
                    if p.decl.is_empty() {
                        match v {
                            // text/template prints a missing value so.
                            Value::Null => self.out.push_str("<no value>"),
                            v => self.out.push_str(&go_print(&v)),
                        }
                    }
                    Flow::Normal
                }
                Node::If { pipe, then, els } | Node::With { pipe, then, els } => {
                    let mark = self.vars.len();
                    let v = self.pipeline(dot, pipe)?;
                    let flow = match (truthy(&v), node) {
                        (true, Node::With { .. }) => self.walk(&v, then)?,
                        (true, _) => self.walk(dot, then)?,
                        (false, _) => self.walk(dot, els)?,
                    };
                    self.vars.truncate(mark);
                    flow
                }
                Node::Range { pipe, body, els } => {
                    self.range(dot, pipe, body, els)?;
                    Flow::Normal
                }
                Node::Break => Flow::Break,
                Node::Continue => Flow::Continue,
            };
            if flow != Flow::Normal {
                return Ok(flow);
            }
        }
        Ok(Flow::Normal)
    }

    fn range(
        &mut self,
        dot: &Value,
        pipe: &Pipeline,
        body: &[Node],
        els: &[Node],
    ) -> Result<(), FormatError> {
        let v = self.eval_cmds(dot, pipe)?;
        let items: Vec<(Value, Value)> = match v {
            Value::Array(a) => a
                .into_iter()
                .enumerate()
                .map(|(i, e)| (Value::from(i), e))
                .collect(),
            Value::Object(m) => sorted(m)
                .into_iter()
                .map(|(k, e)| (Value::String(k), e))
                .collect(),
            Value::Null => Vec::new(),
            other => {
                let pos = pipe_pos(pipe);
                return Err(self.err(
                    pos,
                    format!("range can't iterate over {}", go_print(&other)),
                ));
            }
        };
        let mark = self.vars.len();
        if items.is_empty() {
            self.walk(dot, els)?;
        }
        for (key, elem) in items {
            self.vars.truncate(mark);
            let values = match pipe.decl.len() {
                1 => vec![elem.clone()],
                2 => vec![key, elem.clone()],
                _ => Vec::new(),
            };
            for (name, value) in pipe.decl.iter().zip(values) {
                self.set_var(name, value, pipe.assign);
            }
            if self.walk(&elem, body)? == Flow::Break {
                break;
            }
        }
        self.vars.truncate(mark);
        Ok(())
    }

    fn set_var(&mut self, name: &str, value: Value, assign: bool) {
        if assign {
            if let Some(slot) = self.vars.iter_mut().rev().find(|(n, _)| n == name) {
                slot.1 = value;
                return;
            }
        }
        self.vars.push((name.to_string(), value));
    }

    fn pipeline(&mut self, dot: &Value, p: &Pipeline) -> Result<Value, FormatError> {
        let v = self.eval_cmds(dot, p)?;
        if let Some(name) = p.decl.first() {
            self.set_var(name, v.clone(), p.assign);
        }
        Ok(v)
    }

    fn eval_cmds(&mut self, dot: &Value, p: &Pipeline) -> Result<Value, FormatError> {
        let mut piped = None;
        for cmd in &p.cmds {
            piped = Some(self.command(dot, cmd, piped)?);
        }
        Ok(piped.unwrap_or(Value::Null))
    }

    fn command(
        &mut self,
        dot: &Value,
        cmd: &Command,
        piped: Option<Value>,
    ) -> Result<Value, FormatError> {
        let Some(Operand::Func { pos, name }) = cmd.args.first() else {
            // The parser allows a non-function only alone and first.
            return match cmd.args.first() {
                Some(op) => self.operand(dot, op),
                None => Ok(Value::Null),
            };
        };
        let rest = &cmd.args[1..];
        if name == "and" || name == "or" {
            // Go evaluates these lazily and returns the deciding argument.
            if rest.is_empty() && piped.is_none() {
                return Err(self.err(
                    *pos,
                    format!("wrong number of args for {name}: want at least 1 got 0"),
                ));
            }
            let mut last = Value::Null;
            for op in rest {
                last = self.operand(dot, op)?;
                if truthy(&last) == (name == "or") {
                    return Ok(last);
                }
            }
            return Ok(piped.unwrap_or(last));
        }
        let mut args = Vec::with_capacity(rest.len() + 1);
        for op in rest {
            args.push(self.operand(dot, op)?);
        }
        args.extend(piped);
        call(name, args).map_err(|m| self.err(*pos, format!("error calling {name}: {m}")))
    }

    fn operand(&mut self, dot: &Value, op: &Operand) -> Result<Value, FormatError> {
        match op {
            Operand::Dot => Ok(dot.clone()),
            Operand::Lit(v) => Ok(v.clone()),
            Operand::Field { pos, chain } => self.fields(dot.clone(), chain, *pos),
            Operand::Var { pos, name, chain } => {
                let Some((_, v)) = self.vars.iter().rev().find(|(n, _)| n == name) else {
                    return Err(self.err(*pos, format!("undefined variable \"{name}\"")));
                };
                self.fields(v.clone(), chain, *pos)
            }
            Operand::Func { pos, name } => call(name, Vec::new())
                .map_err(|m| self.err(*pos, format!("error calling {name}: {m}"))),
            Operand::Sub { pos, pipe, chain } => {
                let v = self.eval_cmds(dot, pipe)?;
                self.fields(v, chain, *pos)
            }
        }
    }

    fn fields(&self, mut v: Value, chain: &[String], pos: usize) -> Result<Value, FormatError> {
        for name in chain {
            if let Some(t) = as_time(&v) {
                v = match name.as_str() {
                    "Unix" => match t {
                        crate::image::time::GO_ZERO => {
                            Value::from(crate::image::time::GO_ZERO_UNIX)
                        }
                        t => crate::image::time::parse_rfc3339(t).map_or(Value::Null, Value::from),
                    },
                    _ => {
                        return Err(self.err(
                            pos,
                            format!("can't evaluate field {name} in type time.Time"),
                        ))
                    }
                };
                continue;
            }
            v = match v {
                Value::Object(mut m) => match m.remove(name) {
                    Some(x) => x,
                    None => match lookup_folded(&mut m, name) {
                        Some(x) => x,
                        None if looks_like_struct(&m) => {
                            return Err(self.err(pos, format!("can't evaluate field {name}")));
                        }
                        None => Value::Null,
                    },
                },
                // A nil map or pointer on the way: Go prints <no value>.
                Value::Null => Value::Null,
                other => {
                    return Err(self.err(
                        pos,
                        format!("can't evaluate field {name} in type {}", go_type(&other)),
                    ));
                }
            };
        }
        Ok(v)
    }
}

fn pipe_pos(p: &Pipeline) -> usize {
    p.cmds
        .iter()
        .flat_map(|c| &c.args)
        .find_map(|a| match a {
            Operand::Field { pos, .. }
            | Operand::Var { pos, .. }
            | Operand::Func { pos, .. }
            | Operand::Sub { pos, .. } => Some(*pos),
            _ => None,
        })
        .unwrap_or(0)
}

/// Podman's templates run over Go structs whose field names may differ in
/// case from the JSON names (`ID` vs `Id`); a key that matches only when
/// case is ignored, and only one such key, is taken.
fn lookup_folded(m: &mut Map<String, Value>, name: &str) -> Option<Value> {
    let mut found = m.keys().filter(|k| k.eq_ignore_ascii_case(name));
    let key = found.next()?.clone();
    if found.next().is_some() {
        return None;
    }
    m.remove(&key)
}

/// A serialized Go-style struct (every key begins with an upper-case
/// letter), where a missing field is an error as in Podman; in other
/// objects (labels, annotations) a missing key is `<no value>` as for a Go
/// map.
fn looks_like_struct(m: &Map<String, Value>) -> bool {
    !m.is_empty()
        && m.keys()
            .all(|k| k.starts_with(|c: char| c.is_ascii_uppercase()))
}

fn sorted(m: Map<String, Value>) -> Vec<(String, Value)> {
    let mut v: Vec<(String, Value)> = m.into_iter().collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

// ---------------------------------------------------------------------------
// Functions

fn want(name: &str, args: &[Value], n: usize) -> Result<(), String> {
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
fn text(v: &Value) -> String {
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

fn call(name: &str, args: Vec<Value>) -> Result<Value, String> {
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

fn index(cur: Value, key: &Value) -> Result<Value, String> {
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

fn slice(args: Vec<Value>) -> Result<Value, String> {
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
fn title(s: &str) -> String {
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
enum Num {
    Int(i128),
    Float(f64),
}

fn as_num(v: &Value) -> Option<Num> {
    let Value::Number(n) = v else { return None };
    if let Some(i) = n.as_i64() {
        Some(Num::Int(i128::from(i)))
    } else if let Some(u) = n.as_u64() {
        Some(Num::Int(i128::from(u)))
    } else {
        n.as_f64().map(Num::Float)
    }
}

fn as_f64(n: Num) -> f64 {
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

fn order(a: &Value, b: &Value) -> Option<Ordering> {
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

// ---------------------------------------------------------------------------
// Printing values as Go's fmt does

/// Go's name of the type a JSON value stands for, for messages like
/// `%!d(string=x)`.
fn go_type(v: &Value) -> &'static str {
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
fn go_print(v: &Value) -> String {
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
fn as_time(v: &Value) -> Option<&str> {
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
    plus: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

impl Spec {
    fn pad(&self, s: String) -> String {
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
fn sprintf(format: &str, args: &[Value]) -> String {
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

#[cfg(test)]
mod tests {
    #[test]
    fn go_times_print_as_go_prints_them() {
        let mut doc = json!({"Created": "2024-05-01T10:00:00.500Z", "State": {"StartedAt": "0001-01-01T00:00:00Z", "FinishedAt": "2024-05-01T12:00:00+02:00"}});
        mark_times(
            &mut doc,
            &[
                &["Created"],
                &["State", "StartedAt"],
                &["State", "FinishedAt"],
                &["Nope"],
            ],
        );
        let t = Template::parse(
            "{{.Created}}|{{.State.StartedAt}}|{{.State.FinishedAt}}|{{json .Created}}|{{.Created.Unix}}|{{.State.StartedAt.Unix}}|{{printf \"%T\" .Created}}",
        )
        .unwrap();
        assert_eq!(
            t.render(&doc).unwrap(),
            "2024-05-01 10:00:00.5 +0000 UTC|0001-01-01 00:00:00 +0000 UTC|2024-05-01 12:00:00 +0200 +0200|\"2024-05-01T10:00:00.500Z\"|1714557600|-62135596800|time.Time\n"
        );
        let bad = Template::parse("{{.Created.Year}}").unwrap();
        assert!(bad.render(&doc).is_err());
    }

    use super::*;
    use serde_json::json;

    fn render(tpl: &str, v: Value) -> String {
        Template::parse(tpl)
            .unwrap_or_else(|e| panic!("{e}"))
            .render(&v)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn parse_err(tpl: &str) -> String {
        Template::parse(tpl).map(|_| ()).expect_err(tpl).to_string()
    }

    fn render_err(tpl: &str, v: Value) -> String {
        Template::parse(tpl)
            .unwrap_or_else(|e| panic!("{e}"))
            .render(&v)
            .expect_err(tpl)
            .to_string()
    }

    fn row() -> Value {
        json!({
            "ID": "0123456789ab",
            "Repository": "docker.io/library/alpine",
            "Tag": "3.20",
            "Size": 7_800_000,
            "Ratio": 0.5,
            "Whole": 3.0,
            "Names": ["a", "b"],
            "Labels": {"maintainer": "me", "b": "2"},
            "Empty": "",
            "Zero": 0,
            "Nothing": null,
            "Yes": true,
            "Config": {"Env": ["A=1"], "User": "root"},
        })
    }

    #[test]
    fn fields_text_and_spaces() {
        assert_eq!(render("{{.ID}}", row()), "0123456789ab\n");
        assert_eq!(
            render("id={{ .ID }} tag={{.Tag}}", row()),
            "id=0123456789ab tag=3.20\n"
        );
        assert_eq!(render("{{.Config.User}}", row()), "root\n");
        assert_eq!(render("plain text", row()), "plain text\n");
        assert_eq!(render("ends\n", row()), "ends\n");
    }

    #[test]
    fn escapes_outside_actions_become_tab_and_newline() {
        assert_eq!(
            render(r"{{.Tag}}\t{{.ID}}\n", row()),
            "3.20\t0123456789ab\n"
        );
        assert_eq!(render(r"a\nb", row()), "a\nb\n");
        // Inside an action a Go string escape stays a Go string escape.
        assert_eq!(render(r#"{{printf "x\ty"}}"#, row()), "x\ty\n");
        assert_eq!(render(r#"{{join .Names "\n"}}"#, row()), "a\nb\n");
        assert_eq!(render(r#"{{printf `\t`}}"#, row()), "\\t\n");
    }

    #[test]
    fn values_print_like_go_fmt() {
        assert_eq!(render("{{.Size}}", row()), "7800000\n");
        assert_eq!(render("{{.Ratio}}", row()), "0.5\n");
        assert_eq!(render("{{.Whole}}", row()), "3\n");
        assert_eq!(render("{{.Yes}}", row()), "true\n");
        assert_eq!(render("{{.Nothing}}", row()), "<no value>\n");
        assert_eq!(render("{{.Names}}", row()), "[a b]\n");
        assert_eq!(render("{{.Labels}}", row()), "map[b:2 maintainer:me]\n");
        assert_eq!(
            render("{{.}}", json!({"A": [1, null, {"k": null}]})),
            "map[A:[1 <nil> map[k:<nil>]]]\n"
        );
        assert_eq!(render("{{.F}}", json!({"F": 1.5e-7})), "1.5e-07\n");
        assert_eq!(render("{{.F}}", json!({"F": 1e300})), "1e+300\n");
        assert_eq!(render("{{.F}}", json!({"F": 1234567.5})), "1.2345675e+06\n");
        assert_eq!(render("{{.F}}", json!({"F": 123456.5})), "123456.5\n");
        assert_eq!(render("{{.F}}", json!({"F": -2.25})), "-2.25\n");
    }

    #[test]
    fn json_function() {
        assert_eq!(render("{{json .Names}}", row()), "[\"a\",\"b\"]\n");
        assert_eq!(
            render("{{json .Config}}", row()),
            "{\"Env\":[\"A=1\"],\"User\":\"root\"}\n"
        );
        assert_eq!(
            render("{{json .}}", json!({"A": 1, "B": 2.0, "C": "<&>"})),
            "{\"A\":1,\"B\":2,\"C\":\"<&>\"}\n"
        );
        assert_eq!(render("{{json .Nothing}}", row()), "null\n");
        assert_eq!(render("{{.Names | json}}", row()), "[\"a\",\"b\"]\n");
    }

    #[test]
    fn index_function() {
        assert_eq!(render(r#"{{index .Labels "maintainer"}}"#, row()), "me\n");
        assert_eq!(render(r#"[{{index .Labels "missing"}}]"#, row()), "[]\n");
        assert_eq!(render("{{index .Names 1}}", row()), "b\n");
        assert_eq!(render(r#"{{index . "Config" "Env" 0}}"#, row()), "A=1\n");
        assert_eq!(render(r#"[{{index .Nothing "k"}}]"#, row()), "[]\n");
        assert!(render_err("{{index .Names 5}}", row()).contains("index out of range: 5"));
        assert!(render_err(r#"{{index .Names "x"}}"#, row())
            .contains("cannot index slice/array with type string"));
    }

    #[test]
    fn range_over_lists_and_maps() {
        assert_eq!(render("{{range .Names}}<{{.}}>{{end}}", row()), "<a><b>\n");
        assert_eq!(
            render("{{range $i, $n := .Names}}{{$i}}={{$n}} {{end}}", row()),
            "0=a 1=b \n"
        );
        assert_eq!(
            render("{{range $k, $v := .Labels}}{{$k}}={{$v}} {{end}}", row()),
            "b=2 maintainer=me \n"
        );
        assert_eq!(
            render("{{range $v := .Labels}}{{$v}};{{end}}", row()),
            "2;me;\n"
        );
        assert_eq!(
            render("{{range .Nothing}}x{{else}}none{{end}}", row()),
            "none\n"
        );
        assert_eq!(
            render("{{range .Names}}{{$.Tag}}{{end}}", row()),
            "3.203.20\n"
        );
        let v = json!({"L": [1, 2, 3, 4]});
        assert_eq!(render("{{range .L}}{{if eq . 2}}{{continue}}{{end}}{{if eq . 4}}{{break}}{{end}}{{.}}{{end}}", v), "13\n");
        assert!(
            render_err("{{range .Tag}}{{end}}", row()).contains("range can't iterate over 3.20")
        );
    }

    #[test]
    fn if_else_and_go_truth() {
        let t = "{{if .X}}yes{{else}}no{{end}}";
        for (x, want) in [
            (json!(true), "yes"),
            (json!(false), "no"),
            (json!(0), "no"),
            (json!(0.0), "no"),
            (json!(2), "yes"),
            (json!(""), "no"),
            (json!("a"), "yes"),
            (json!([]), "no"),
            (json!([0]), "yes"),
            (json!({}), "no"),
            (json!({"a": 1}), "yes"),
            (Value::Null, "no"),
        ] {
            assert_eq!(render(t, json!({ "X": x })), format!("{want}\n"), "{x}");
        }
        let chain = "{{if eq .N 1}}one{{else if eq .N 2}}two{{else}}many{{end}}";
        assert_eq!(render(chain, json!({"N": 2})), "two\n");
        assert_eq!(render(chain, json!({"N": 7})), "many\n");
        assert_eq!(
            render("{{with .Config}}{{.User}}{{else}}-{{end}}", row()),
            "root\n"
        );
        assert_eq!(
            render("{{with .Nothing}}{{.User}}{{else}}-{{end}}", row()),
            "-\n"
        );
        assert_eq!(render("{{if and .Yes .Tag}}a{{end}}{{if or .Zero .Empty}}b{{end}}{{if not .Zero}}c{{end}}", row()), "ac\n");
        assert_eq!(render("{{or .Empty .Tag}}", row()), "3.20\n");
        assert_eq!(
            render(
                "{{if lt .Zero .Size}}lt{{end}} {{if ge .Tag \"3\"}}ge{{end}} {{ne .Tag .ID}}",
                row()
            ),
            "lt ge true\n"
        );
    }

    #[test]
    fn string_functions_and_len() {
        assert_eq!(render(r#"{{join .Names ","}}"#, row()), "a,b\n");
        assert_eq!(
            render("{{upper .Tag}}{{lower \"AbC\"}}", row()),
            "3.20abc\n"
        );
        assert_eq!(
            render("{{.Repository | upper}}", row()),
            "DOCKER.IO/LIBRARY/ALPINE\n"
        );
        assert_eq!(
            render("{{len .Names}} {{len .Labels}} {{len .Tag}}", row()),
            "2 2 4\n"
        );
        assert_eq!(
            render(r#"{{title "hello big-world"}}"#, row()),
            "Hello Big-World\n"
        );
        assert_eq!(render(r#"{{split "a:b" ":"}}"#, row()), "[a b]\n");
        assert_eq!(
            render("{{truncate .ID 4}}|{{pad .Tag 1 2}}|", row()),
            "0123| 3.20  |\n"
        );
        assert_eq!(
            render("{{slice .ID 0 3}} {{slice .Names 1}}", row()),
            "012 [b]\n"
        );
        assert_eq!(render(r#"{{print "a" 1 2 "b"}}"#, row()), "a1 2b\n");
        assert_eq!(render(r#"{{println "a" 1}}"#, row()), "a 1\n\n");
        assert!(render_err("{{len .Size}}", row()).contains("len of type int"));
        assert!(
            render_err("{{upper}}", row()).contains("wrong number of args for upper: want 1 got 0")
        );
    }

    #[test]
    fn printf_type_verb() {
        assert_eq!(
            render(
                r#"{{printf "%T %T %T" .A .B .C}}"#,
                json!({"A": 1, "B": "x", "C": [1]})
            ),
            "int string []interface {}\n"
        );
        assert_eq!(
            render(r#"{{printf "%T" .A}}"#, json!({"A": 1.5})),
            "float64\n"
        );
    }

    #[test]
    fn printf_verbs() {
        assert_eq!(
            render(r#"{{printf "%s-%d-%v-%q" .Tag .Size .Yes .Tag}}"#, row()),
            "3.20-7800000-true-\"3.20\"\n"
        );
        assert_eq!(
            render(
                r#"{{printf "%-6s|%6s|%05d|%x|%.2f|%+d" "ab" "cd" 42 255 3.14159 5}}"#,
                row()
            ),
            "ab    |    cd|00042|ff|3.14|+5\n"
        );
        assert_eq!(render(r#"{{printf "%d%%" 5}}"#, row()), "5%\n");
        assert_eq!(render(r#"{{printf "%.3s" "abcdef"}}"#, row()), "abc\n");
        assert_eq!(render(r#"{{printf "%e" 1234.5}}"#, row()), "1.234500e+03\n");
        assert_eq!(
            render(
                r#"{{printf "%.3g|%.3g|%.2v" 3.14159 1234.5 0.000012}}"#,
                row()
            ),
            "3.14|1.23e+03|1.2e-05\n"
        );
        assert_eq!(render(r#"{{printf "%s" .Names}}"#, row()), "[a b]\n");
        assert_eq!(
            render(r#"{{printf "%q" "a\"b\n"}}"#, row()),
            "\"a\\\"b\\n\"\n"
        );
        // Mistakes are printed the way Go prints them.
        assert_eq!(render(r#"{{printf "%d" "x"}}"#, row()), "%!d(string=x)\n");
        assert_eq!(render(r#"{{printf "%s" 5}}"#, row()), "%!s(int=5)\n");
        assert_eq!(
            render(r#"{{printf "%s %s" "a"}}"#, row()),
            "a %!s(MISSING)\n"
        );
        assert_eq!(
            render(r#"{{printf "%s" "a" 1}}"#, row()),
            "a%!(EXTRA int=1)\n"
        );
        assert_eq!(render(r#"{{printf "%s" .Nothing}}"#, row()), "%!s(<nil>)\n");
        assert_eq!(render(r#"{{printf "50%"}}"#, row()), "50%!(NOVERB)\n");
        assert_eq!(
            render(r#"{{printf "%999999999999999d" 1}}"#, row()).len(),
            MAX_PAD + 1
        );
        assert_eq!(
            render(r#"{{.Size | printf "%s=%d" "size"}}"#, row()),
            "size=7800000\n"
        );
    }

    #[test]
    fn variables_parens_literals_and_trim() {
        assert_eq!(
            render("{{$t := .Tag}}{{$t}}{{$t = \"x\"}}{{$t}}", row()),
            "3.20x\n"
        );
        assert_eq!(
            render("{{(index .Names 0) | upper}} {{(.Config).User}}", row()),
            "A root\n"
        );
        assert_eq!(
            render("{{ 0x1f }} {{-1}} {{1.5}} {{print nil}} {{true}}", row()),
            "31 -1 1.5 <nil> true\n"
        );
        assert_eq!(render("a  {{- .Tag -}}  b", row()), "a3.20b\n");
        assert_eq!(
            render("a {{/* comment */}}b{{- /* c */ -}} c", row()),
            "a bc\n"
        );
        assert_eq!(render("{{.Tag -}}", row()), "3.20");
    }

    #[test]
    fn missing_fields() {
        // A struct (upper-case keys) has no such field: an error naming it.
        assert_eq!(
            render_err("{{.Foo}}", row()),
            "template \"{{.Foo}}\": can't evaluate field Foo at 2"
        );
        assert!(render_err("{{.Config.Nope}}", row()).contains("can't evaluate field Nope"));
        assert!(render_err("{{.Tag.X}}", row()).contains("can't evaluate field X in type string"));
        // In a map (labels) or below a nil, Go prints <no value>.
        assert_eq!(render("{{.Labels.nope}}", row()), "<no value>\n");
        assert_eq!(render("{{.Nothing.Deeper}}", row()), "<no value>\n");
        // Field names that differ only in case from the JSON key match it.
        assert_eq!(render("{{.Id}}", json!({"ID": "x"})), "x\n");
    }

    #[test]
    fn table_header_and_alignment() {
        let rows = vec![
            json!({"Repository": "docker.io/library/alpine", "Tag": "latest", "ID": "0123456789ab", "CreatedAt": "now"}),
            json!({"Repository": "localhost/x", "Tag": "1", "ID": "ba9876543210", "CreatedAt": "then"}),
        ];
        let t =
            Template::parse(r"table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedAt}}").unwrap();
        assert!(t.is_table());
        let headers = HashMap::from([("Repository", "REPOSITORY"), ("ID", "image id")]);
        assert_eq!(
            t.render_rows(&rows, &headers).unwrap(),
            "REPOSITORY                TAG         IMAGE ID      CREATED AT\n\
             docker.io/library/alpine  latest      0123456789ab  now\n\
             localhost/x               1           ba9876543210  then\n"
        );
        // With no rows the header is still printed, as Podman does.
        assert_eq!(
            t.render_rows(&[], &HashMap::new()).unwrap(),
            "REPOSITORY  TAG         ID          CREATED AT\n"
        );
        // Headers come from the field inside functions and control actions.
        let t = Template::parse(
            "table {{upper .Name}}\t{{range .Names}}{{.}}{{end}}\t{{.Config.User}}",
        )
        .unwrap();
        assert_eq!(t.header_row(&HashMap::new()), "NAME\tNAMES\tUSER\n");
        let t = Template::parse("table").unwrap();
        assert!(t.is_table() && t.is_empty());
    }

    #[test]
    fn podman_table_expectations() {
        // From containers/common pkg/report formatter_test.go.
        let rows = [
            json!({"ID": "c061a0839e", "Value": "one"}),
            json!({"ID": "f10fc2e11057", "Value": "two"}),
            json!({"ID": "1eb6fab5aa8f4b5cbfd3e66aa35e9b2a", "Value": "three"}),
        ];
        let headers = HashMap::from([("ID", "Identity"), ("Value", "Value")]);
        let t = Template::parse(r"table {{.ID}}\t{{.Value}}").unwrap();
        assert_eq!(
            t.render_rows(&rows, &headers).unwrap().to_lowercase(),
            "identity                          value\nc061a0839e                        one\n\
             f10fc2e11057                      two\n1eb6fab5aa8f4b5cbfd3e66aa35e9b2a  three\n"
        );
        assert_eq!(
            tabwrite("Value\tIdent\nIdentity\tID\nValue\tIdent\nc061a0839e\tIDf10fc2e11057\tID1eb6fab5aa8f4b5cbfd3e66aa35e9b2a\tID\n", 12, 2),
            "Value       Ident\nIdentity    ID\nValue       Ident\nc061a0839e  IDf10fc2e11057  ID1eb6fab5aa8f4b5cbfd3e66aa35e9b2a  ID\n"
        );
        // A non-table template is not aligned, and one that ranges over the
        // rows itself runs once over all of them.
        let t = Template::parse(r"{{.ID}}\t{{.Value}}").unwrap();
        assert_eq!(
            t.render_rows(&rows[..1], &headers).unwrap(),
            "c061a0839e\tone\n"
        );
        let t = Template::parse(r#"{{range .}}{{.ID}},{{end}}"#).unwrap();
        assert_eq!(
            t.render_rows(&rows, &headers).unwrap(),
            "c061a0839e,f10fc2e11057,1eb6fab5aa8f4b5cbfd3e66aa35e9b2a,\n"
        );
    }

    #[test]
    fn header_names_split_on_camel_case() {
        for (field, header) in [
            ("ID", "ID"),
            ("CreatedAt", "CREATED AT"),
            ("ImageID", "IMAGE ID"),
            ("HTTPServer", "HTTP SERVER"),
            ("Fieldb", "FIELDB"),
            ("fieldC", "FIELD C"),
            ("Size2", "SIZE 2"),
            ("", ""),
        ] {
            assert_eq!(header_for(field), header, "{field}");
        }
    }

    #[test]
    fn plain_table_aligner() {
        let rows = vec![
            vec![
                "docker.io/library/alpine".to_string(),
                "3.20".into(),
                "0123456789ab".into(),
            ],
            vec!["x".to_string(), "".into(), "".into()],
            vec!["tab\there".to_string(), "a\nb".into(), "z".into()],
        ];
        assert_eq!(
            table(&["REPOSITORY", "TAG", "IMAGE ID"], &rows),
            "REPOSITORY                TAG         IMAGE ID\n\
             docker.io/library/alpine  3.20        0123456789ab\n\
             x\n\
             tab here                  a b         z\n"
        );
        assert_eq!(
            table(&[], &[vec!["a".into(), "b".into()]]),
            "a           b\n"
        );
        assert_eq!(table(&["A"], &[]), "A\n");
    }

    #[test]
    fn malformed_templates_are_errors_that_name_the_position() {
        assert_eq!(
            parse_err("{{.Foo"),
            "template \"{{.Foo\": unclosed action at 0"
        );
        assert_eq!(
            parse_err("ab{{nope .X}}"),
            "template \"ab{{nope .X}}\": function \"nope\" not defined at 4"
        );
        assert_eq!(
            parse_err(r"x\t{{$y}}"),
            "template \"x\\t{{$y}}\": undefined variable \"$y\" at 5"
        );
        assert_eq!(
            parse_err("table {{end}}"),
            "template \"table {{end}}\": unexpected {{end}} at 8"
        );
        for bad in [
            "{{if .X}}a",
            "{{range .X}}",
            "{{else}}",
            "{{if .X}}{{else}}{{else}}{{end}}",
            "{{}}",
            "{{if}}{{end}}",
            "{{.X | .Y}}",
            "{{\"a\" .X}}",
            "{{nil}}",
            "{{nil | print}}",
            "{{(.X}}",
            "{{.X)}}",
            "{{\"abc}}",
            "{{`abc}}",
            "{{\"\\z\"}}",
            "{{1x}}",
            "{{.X!}}",
            "{{: .X}}",
            "{{define \"x\"}}{{end}}",
            "{{template \"x\"}}",
            "{{break}}",
            "{{/* open",
            "{{/* c */ .X}}",
            "{{range $a, $b, $c := .X}}{{end}}",
            "{{$x = 1}}",
            "{{with .X}}{{else if .Y}}{{end}}",
            "{{.X.}}",
            "{{. .X}}",
        ] {
            assert!(Template::parse(bad).is_err(), "{bad}");
        }
        // Nesting beyond the limit is refused, not a stack overflow.
        let deep = "{{if 1}}".repeat(MAX_DEPTH + 1) + &"{{end}}".repeat(MAX_DEPTH + 1);
        assert!(parse_err(&deep).contains("nested too deeply"));
        let parens = format!("{{{{{}1{}}}}}", "(".repeat(500), ")".repeat(500));
        assert!(parse_err(&parens).contains("nested too deeply"));
    }

    #[test]
    fn never_panics_on_any_template() {
        // A deterministic walk over templates built from the characters that
        // matter to the lexer and parser.
        let atoms = [
            "{{",
            "}}",
            "{{- ",
            " -}}",
            ".",
            ".A",
            ".B.C",
            "$",
            "$x",
            ":=",
            "=",
            ",",
            "|",
            "(",
            ")",
            " ",
            "\"",
            "`",
            "\\",
            "\\t",
            "\\n",
            "if ",
            "else ",
            "end",
            "range ",
            "with ",
            "break",
            "continue",
            "printf ",
            "\"%d %s %v %q\"",
            "index ",
            "len ",
            "json ",
            "join ",
            "1",
            "-",
            "0x",
            "1e",
            "/*",
            "*/",
            "é",
            "table ",
            "nil",
            "and ",
            "slice ",
        ];
        let data = json!({"A": [1, "x", null], "B": {"C": {"D": 1}}, "x": "y"});
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..30_000 {
            let mut t = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 12) as usize + 1;
            let mut s = seed;
            for _ in 0..len {
                t.push_str(atoms[(s % atoms.len() as u64) as usize]);
                s = s.rotate_left(7).wrapping_mul(0x2545_f491_4f6c_dd1d);
            }
            if let Ok(tpl) = Template::parse(&t) {
                let _ = tpl.render(&data);
                let _ = tpl.render_rows(&[data.clone(), Value::Null], &HashMap::new());
            }
        }
    }
}
