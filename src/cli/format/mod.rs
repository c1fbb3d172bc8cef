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
//!
//! Here: the template API, headers and the tabwriter. `lex` normalises
//! and lexes, `parse` builds the tree, `exec` walks it over a value,
//! `funcs` holds the functions, `print` prints values as Go's fmt does.

use serde_json::{Map, Value};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;

mod exec;
mod funcs;
mod lex;
mod parse;
mod print;
#[cfg(test)]
mod tests;

use exec::*;
use funcs::*;
use lex::*;
use parse::*;
pub use print::mark_times;
use print::*;

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
