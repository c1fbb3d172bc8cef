//! Dockerfile text to nodes with line/column spans, as BuildKit's
//! `frontend/dockerfile/parser` does it: parser directives at the top
//! (`syntax`, `escape`, `check`), comments, line continuations with the
//! escape character (blank and comment lines inside a continuation are
//! skipped), flags (`--name=value` words after the keyword), the argument
//! forms of each instruction (JSON array or shell string, whitespace-split
//! lists, `key=value` pairs) and heredocs for RUN, COPY and ADD.
//!
//! Nodes are untyped; `instructions.rs` validates them per instruction.

use super::expand::Lexer;
use super::DockerfileError;
use serde::Serialize;

/// The parser directives of a Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directives {
    /// `# syntax=` (accepted and kept; berth has one frontend).
    pub syntax: Option<String>,
    /// `# escape=` (`\` by default, or `` ` ``).
    pub escape: char,
    /// `# check=` (kept as written).
    pub check: Option<String>,
}

impl Default for Directives {
    fn default() -> Self {
        Directives {
            syntax: None,
            escape: '\\',
            check: None,
        }
    }
}

/// A heredoc attached to a RUN, COPY or ADD instruction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heredoc {
    /// The delimiter word, quotes removed.
    pub name: String,
    /// The body, each line ending in `\n`; with `<<-`, leading tabs removed.
    pub content: String,
    /// False when any part of the delimiter was quoted: the body is then
    /// taken literally.
    pub expand: bool,
    /// `<<-`.
    pub chomp: bool,
    /// The file descriptor written before `<<` (`3<<EOF`), 0 when none.
    pub fd: u32,
}

/// The arguments of a node, in the form BuildKit's parser gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeArgs {
    /// A shell-form string (one element), a JSON array's elements, a
    /// whitespace-split list, or the words of ARG.
    Words(Vec<String>),
    /// ENV and LABEL: `key=value` pairs (old form `ENV key value` too);
    /// values keep their quotes until expansion.
    KeyValues(Vec<(String, String)>),
    /// HEALTHCHECK: the type word (`CMD`, `NONE`) and the command.
    Health { kind: String, cmd: Vec<String> },
    /// ONBUILD: the trigger instruction.
    Sub(Box<Node>),
}

/// Offsets in a joined logical line mapped back to physical positions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PosMap {
    /// (byte offset in the joined line, line, 1-based column there)
    segs: Vec<(usize, usize, usize)>,
}

impl PosMap {
    /// The (line, column) of byte `off` of `text` (the joined line).
    pub fn locate(&self, text: &str, off: usize) -> (usize, usize) {
        let Some(&(start, line, col)) = self.segs.iter().rev().find(|s| s.0 <= off) else {
            return (1, 1);
        };
        let end = off.min(text.len());
        let cols = text.get(start..end).map(|s| s.chars().count()).unwrap_or(0);
        (line, col + cols)
    }

    fn shifted(&self, by: usize) -> PosMap {
        let mut segs: Vec<_> = Vec::new();
        for &(o, l, c) in &self.segs {
            if o <= by {
                segs.clear();
            }
            segs.push((o.saturating_sub(by), l, c));
        }
        // The first segment now starts `by` bytes later.
        if let Some(first) = segs.first_mut() {
            let orig = self.segs.iter().rev().find(|s| s.0 <= by).copied();
            if let Some((o, l, c)) = orig {
                *first = (0, l, c + by.saturating_sub(o));
            }
        }
        PosMap { segs }
    }
}

/// One instruction as parsed, before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The keyword as written (`FROM`, `from`, `FORM` …).
    pub keyword_as_written: String,
    /// The keyword in lower case.
    pub keyword: String,
    /// Flags as written, quotes removed (`--from=build`).
    pub flags: Vec<String>,
    pub args: NodeArgs,
    /// The arguments were a JSON array.
    pub json_form: bool,
    /// The arguments after the flags, trimmed.
    pub rest: String,
    /// The logical line (continuations joined), trimmed.
    pub original: String,
    pub heredocs: Vec<Heredoc>,
    /// Position of the keyword.
    pub line: usize,
    pub column: usize,
    /// Last physical line of the instruction (heredoc bodies included).
    pub end_line: usize,
    /// Comment lines just above the instruction.
    pub comments: Vec<String>,
    pub map: PosMap,
    /// Byte offsets of the flags and of `rest` in `original`.
    pub flag_offsets: Vec<usize>,
    pub rest_offset: usize,
}

impl Node {
    /// (line, column) of byte `off` of `original`.
    pub fn locate(&self, off: usize) -> (usize, usize) {
        self.map.locate(&self.original, off)
    }
}

/// A parser warning (BuildKit reports these too, without failing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub line: usize,
    pub message: String,
}

/// The parsed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFile {
    pub directives: Directives,
    pub nodes: Vec<Node>,
    pub warnings: Vec<Warning>,
}

struct DirectiveState {
    done: bool,
    seen: Vec<String>,
}

/// `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`
fn directive_of(line: &str) -> Option<(String, String)> {
    let rest = line.strip_prefix('#')?.trim_start();
    let name_len = rest
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())))
        .map(|(i, _)| i)
        .unwrap_or(rest.len());
    if name_len == 0 {
        return None;
    }
    let (name, after) = rest.split_at(name_len);
    let value = after.trim_start().strip_prefix('=')?.trim();
    if value.is_empty() {
        return None;
    }
    Some((name.to_ascii_lowercase(), value.to_string()))
}

impl DirectiveState {
    fn observe(&mut self, line: &str, d: &mut Directives) -> Result<(), String> {
        if self.done {
            return Ok(());
        }
        let Some((name, value)) = directive_of(line) else {
            self.done = true;
            return Ok(());
        };
        if !matches!(name.as_str(), "syntax" | "escape" | "check") {
            self.done = true;
            return Ok(());
        }
        if self.seen.contains(&name) {
            return Err(format!("only one {name} parser directive can be used"));
        }
        self.seen.push(name.clone());
        match name.as_str() {
            "escape" => {
                d.escape = match value.as_str() {
                    "\\" => '\\',
                    "`" => '`',
                    _ => {
                        return Err(format!(
                            "invalid escape token '{value}' does not match ` or \\"
                        ))
                    }
                }
            }
            "syntax" => d.syntax = Some(value),
            _ => d.check = Some(value),
        }
        Ok(())
    }
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// Removes a trailing escape character (and spaces/tabs after it):
/// returns the line and whether the instruction ends here.
///
/// An escape character that is itself escaped (`foo \\`) does not continue
/// the line, as in BuildKit.
fn trim_continuation(line: &str, escape: char) -> (&str, bool) {
    let t = line.trim_end_matches([' ', '\t']);
    match t.strip_suffix(escape) {
        Some(s) if !s.ends_with(escape) => (s, false),
        _ => (line, true),
    }
}

struct Ctx<'a> {
    file: &'a str,
    escape: char,
}

impl Ctx<'_> {
    fn error(&self, line: usize, column: usize, message: impl Into<String>) -> DockerfileError {
        DockerfileError {
            file: self.file.to_string(),
            line,
            column,
            message: message.into(),
        }
    }
}

/// Parses the text of a Dockerfile into nodes. `file` names it in errors.
pub fn parse_nodes(file: &str, src: &str) -> Result<ParsedFile, DockerfileError> {
    let mut lines: Vec<&str> = src.split('\n').collect();
    if src.ends_with('\n') {
        lines.pop();
    }
    // Heredoc bodies keep their line endings as written.
    let count = lines.len();
    let endings: Vec<&str> = lines
        .iter()
        .enumerate()
        .map(|(n, l)| {
            if l.ends_with('\r') {
                "\r\n"
            } else if n + 1 < count || src.ends_with('\n') {
                "\n"
            } else {
                ""
            }
        })
        .collect();
    for l in lines.iter_mut() {
        if let Some(s) = l.strip_suffix('\r') {
            *l = s;
        }
    }
    if let Some(first) = lines.first_mut() {
        if let Some(s) = first.strip_prefix('\u{feff}') {
            *first = s;
        }
    }
    let mut directives = Directives::default();
    let mut dstate = DirectiveState {
        done: false,
        seen: Vec::new(),
    };
    let mut nodes = Vec::new();
    let mut warnings = Vec::new();
    let mut comments: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let raw = lines[i];
        let lineno = i + 1;
        i += 1;
        let stripped = raw.trim_start();
        let lead_cols = raw[..raw.len() - stripped.len()].chars().count();
        if let Some(c) = stripped.strip_prefix('#') {
            let c = c.trim();
            if c.is_empty() {
                comments.clear();
            } else {
                comments.push(c.to_string());
            }
        }
        dstate
            .observe(stripped, &mut directives)
            .map_err(|m| Ctx { file, escape: '\\' }.error(lineno, 1, m))?;
        let ctx = Ctx {
            file,
            escape: directives.escape,
        };
        let token = if stripped.starts_with('#') {
            ""
        } else {
            stripped
        };
        let (first, mut eol) = trim_continuation(token, ctx.escape);
        if eol && first.is_empty() {
            continue;
        }
        let mut line = first.to_string();
        let mut map = PosMap {
            segs: vec![(0, lineno, lead_cols + 1)],
        };
        let mut empty_continuation = false;
        while !eol && i < lines.len() {
            let raw = lines[i];
            let ln = i + 1;
            i += 1;
            if is_comment(raw) {
                continue;
            }
            if raw.trim_start().is_empty() {
                empty_continuation = true;
                continue;
            }
            let (c, e) = trim_continuation(raw, ctx.escape);
            map.segs.push((line.len(), ln, 1));
            line.push_str(c);
            eol = e;
        }
        if empty_continuation {
            warnings.push(Warning {
                line: lineno,
                message: "empty continuation line (an error in a future release)".into(),
            });
        }
        let mut node = node_from_line(&ctx, &line, &map, std::mem::take(&mut comments), 0)?;
        node.end_line = i;
        if can_contain_heredoc(&node) && line.contains("<<") {
            for mut doc in heredocs_from_line(&line) {
                let mut terminated = false;
                while i < lines.len() {
                    let body = lines[i];
                    i += 1;
                    let candidate = if doc.chomp {
                        body.trim_start_matches('\t')
                    } else {
                        body
                    };
                    if candidate == doc.name {
                        terminated = true;
                        break;
                    }
                    doc.content
                        .push_str(if doc.chomp { candidate } else { body });
                    doc.content.push_str(endings[i - 1]);
                }
                if !terminated {
                    return Err(ctx.error(
                        i.max(node.line),
                        1,
                        format!(
                            "unterminated heredoc {:?}: expected a line {:?} before the end of the file",
                            doc.name, doc.name
                        ),
                    ));
                }
                node.heredocs.push(doc);
            }
            node.end_line = i;
        }
        nodes.push(node);
    }
    if nodes.is_empty() {
        return Err(Ctx { file, escape: '\\' }.error(
            lines.len().max(1),
            1,
            "file with no instructions (expected at least a FROM)",
        ));
    }
    Ok(ParsedFile {
        directives,
        nodes,
        warnings,
    })
}

fn can_contain_heredoc(node: &Node) -> bool {
    match (&node.keyword[..], &node.args) {
        // Not in JSON form: `RUN ["cat", "<<EOF"]` has no heredoc.
        ("run" | "copy" | "add", _) => !node.json_form,
        ("onbuild", NodeArgs::Sub(child)) => {
            matches!(&child.keyword[..], "run" | "copy" | "add") && !child.json_form
        }
        _ => false,
    }
}

/// Heredoc words of a line: `[n]<<[-]WORD` where WORD is one shell word;
/// quoting any part of WORD turns expansion of the body off.
pub fn heredocs_from_line(line: &str) -> Vec<Heredoc> {
    let raw = Lexer {
        raw_quotes: true,
        raw_escapes: true,
        skip_unset: true,
        ..Lexer::new('\\')
    };
    let words = raw.expand_words(line, &|_| None).unwrap_or_default();
    words.iter().filter_map(|w| parse_heredoc(w)).collect()
}

/// One heredoc word (`<<EOF`, `<<-"EOF"`, `3<<'END'`), or None.
pub fn parse_heredoc(word: &str) -> Option<Heredoc> {
    let lt = word.find("<<")?;
    let (fd, after) = (&word[..lt], &word[lt + 2..]);
    if !fd.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (chomp, rest) = match after.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, after),
    };
    if rest.is_empty() || rest.contains('<') {
        return None;
    }
    let lexer = Lexer {
        skip_unset: true,
        ..Lexer::new('\\')
    };
    let cooked = lexer.expand_words(rest, &|_| None).ok()?;
    if cooked.len() != 1 {
        return None;
    }
    let rawq = Lexer {
        raw_quotes: true,
        ..lexer
    }
    .expand_words(rest, &|_| None)
    .ok()?;
    if rawq.len() != 1 {
        return None;
    }
    let quotes = |s: &str| s.chars().filter(|&c| c == '\'' || c == '"').count();
    Some(Heredoc {
        name: cooked[0].clone(),
        content: String::new(),
        expand: quotes(&cooked[0]) == quotes(&rawq[0]),
        chomp,
        fd: fd.parse().unwrap_or(0),
    })
}

/// Splits `--flag` words off the start of `line` (BuildKit's
/// `extractBuilderFlags`): returns the flags with their byte offsets and
/// the offset where the arguments start.
fn extract_flags(line: &str) -> (Vec<(String, usize)>, usize) {
    let b: Vec<(usize, char)> = line.char_indices().collect();
    let mut flags = Vec::new();
    let mut k = 0;
    loop {
        while k < b.len() && b[k].1.is_whitespace() {
            k += 1;
        }
        if k >= b.len() {
            return (flags, line.len());
        }
        let start = b[k].0;
        if !(b[k].1 == '-' && b.get(k + 1).map(|x| x.1) == Some('-')) {
            return (flags, start);
        }
        let mut word = String::new();
        let mut blank_ok = false;
        let mut quote: Option<char> = None;
        while k < b.len() {
            let ch = b[k].1;
            match quote {
                None if ch.is_whitespace() => break,
                None if ch == '\'' || ch == '"' => {
                    quote = Some(ch);
                    blank_ok = true;
                }
                Some(q) if ch == q => quote = None,
                _ if ch == '\\' => {
                    if k + 1 < b.len() {
                        k += 1;
                        word.push(b[k].1);
                    }
                }
                _ => word.push(ch),
            }
            k += 1;
        }
        if word == "--" {
            let end = b.get(k).map(|x| x.0).unwrap_or(line.len());
            return (flags, end);
        }
        if blank_ok || !word.is_empty() {
            flags.push((word, start));
        }
    }
}

/// Splits on runs of `[\t\v\f\r ]` (BuildKit's whitespace for lists).
fn split_ws(s: &str) -> Vec<String> {
    s.split(['\t', '\u{b}', '\u{c}', '\r', ' '])
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

enum Json {
    Array(Vec<String>),
    Other,
    NotStrings,
}

fn parse_json(rest: &str) -> Json {
    let t = rest.trim_start();
    if !t.starts_with('[') {
        return Json::Other;
    }
    match serde_json::from_str::<Vec<serde_json::Value>>(t) {
        Err(_) => Json::Other,
        Ok(vals) => {
            let mut out = Vec::new();
            for v in vals {
                match v {
                    serde_json::Value::String(s) => out.push(s),
                    _ => return Json::NotStrings,
                }
            }
            Json::Array(out)
        }
    }
}

const NOT_STRINGS: &str = "when using JSON array syntax, arrays must be comprised of strings only";

/// Words with quotes and escapes kept (BuildKit's `parseWords`).
pub fn parse_words(rest: &str, escape: char) -> Vec<String> {
    let c: Vec<char> = rest.chars().collect();
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut blank_ok = false;
    let mut k = 0;
    while k < c.len() {
        let ch = c[k];
        if !in_word {
            if ch.is_whitespace() {
                k += 1;
                continue;
            }
            in_word = true;
        }
        match quote {
            None => {
                if ch.is_whitespace() {
                    if blank_ok || !word.is_empty() {
                        words.push(std::mem::take(&mut word));
                    }
                    word.clear();
                    blank_ok = false;
                    in_word = false;
                    k += 1;
                    continue;
                }
                if ch == '\'' || ch == '"' {
                    quote = Some(ch);
                    blank_ok = true;
                }
                if ch == escape {
                    if k + 1 == c.len() {
                        k += 1;
                        continue;
                    }
                    word.push(ch);
                    k += 1;
                }
                word.push(c[k]);
            }
            Some(q) => {
                if ch == q {
                    quote = None;
                }
                if ch == escape && q != '\'' {
                    if k + 1 == c.len() {
                        quote = None;
                        k += 1;
                        continue;
                    }
                    word.push(ch);
                    k += 1;
                }
                word.push(c[k]);
            }
        }
        k += 1;
    }
    if in_word && (blank_ok || !word.is_empty()) {
        words.push(word);
    }
    words
}

fn parse_name_val(rest: &str, key: &str, escape: char) -> Result<Vec<(String, String)>, String> {
    let words = parse_words(rest, escape);
    let Some(first) = words.first() else {
        return Ok(Vec::new());
    };
    if !first.contains('=') {
        // Old form: `ENV name value with spaces`.
        let t = rest.trim_start_matches(['\t', '\u{b}', '\u{c}', '\r', ' ']);
        let Some(pos) = t.find(['\t', '\u{b}', '\u{c}', '\r', ' ']) else {
            return Err(format!("{key} must have two arguments"));
        };
        let value = t[pos..].trim_start_matches(['\t', '\u{b}', '\u{c}', '\r', ' ']);
        return Ok(vec![(t[..pos].to_string(), value.to_string())]);
    }
    words
        .iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) => Ok((k.to_string(), v.to_string())),
            None => Err(format!(
                "Syntax error - can't find = in {w:?}. Must be of the form: name=value"
            )),
        })
        .collect()
}

fn node_from_line(
    ctx: &Ctx,
    line: &str,
    map: &PosMap,
    comments: Vec<String>,
    depth: usize,
) -> Result<Node, DockerfileError> {
    let lead = line.len() - line.trim_start().len();
    let original = line.trim().to_string();
    let map = map.shifted(lead);
    let kw_end = original
        .find(['\t', '\u{b}', '\u{c}', '\r', ' '])
        .unwrap_or(original.len());
    let keyword_as_written = original[..kw_end].to_string();
    let keyword = keyword_as_written.to_lowercase();
    let after_kw = original[kw_end..]
        .find(|c: char| !matches!(c, '\t' | '\u{b}' | '\u{c}' | '\r' | ' '))
        .map(|p| kw_end + p)
        .unwrap_or(original.len());
    let (flags, rest_rel) = extract_flags(&original[after_kw..]);
    let rest_raw = &original[after_kw + rest_rel..];
    let rest = rest_raw.trim().to_string();
    let rest_offset = after_kw + rest_rel + (rest_raw.len() - rest_raw.trim_start().len());
    let (line_no, column) = map.locate(&original, 0);
    let (rl, rc) = map.locate(&original, rest_offset);
    let fail = |m: String| ctx.error(rl, rc, m);
    let mut json_form = false;
    let maybe_json = |rest: &str, json_form: &mut bool| -> Result<Vec<String>, DockerfileError> {
        if rest.is_empty() {
            return Ok(Vec::new());
        }
        match parse_json(rest) {
            Json::Array(a) => {
                *json_form = true;
                Ok(a)
            }
            Json::NotStrings => Err(ctx.error(rl, rc, NOT_STRINGS)),
            Json::Other => Ok(vec![rest.to_string()]),
        }
    };
    let args = match keyword.as_str() {
        "run" | "cmd" | "entrypoint" | "shell" => {
            NodeArgs::Words(maybe_json(&rest, &mut json_form)?)
        }
        "add" | "copy" | "volume" => NodeArgs::Words(match parse_json(&rest) {
            Json::Array(a) => {
                json_form = true;
                a
            }
            Json::NotStrings => return Err(fail(NOT_STRINGS.into())),
            Json::Other => split_ws(&rest),
        }),
        "expose" | "from" => NodeArgs::Words(split_ws(&rest)),
        "env" | "label" => NodeArgs::KeyValues(
            parse_name_val(&rest, &keyword.to_uppercase(), ctx.escape).map_err(fail)?,
        ),
        "arg" => NodeArgs::Words(parse_words(&rest, ctx.escape)),
        "healthcheck" => {
            let sep = rest.find(char::is_whitespace).unwrap_or(rest.len());
            if sep == 0 {
                NodeArgs::Words(Vec::new())
            } else {
                let kind = rest[..sep].to_string();
                let cmd = maybe_json(rest[sep..].trim_start(), &mut json_form)?;
                NodeArgs::Health { kind, cmd }
            }
        }
        "onbuild" if !rest.is_empty() && depth == 0 => {
            let child_map = map.shifted(rest_offset);
            NodeArgs::Sub(Box::new(node_from_line(
                ctx,
                &rest,
                &child_map,
                Vec::new(),
                depth + 1,
            )?))
        }
        _ => NodeArgs::Words(if rest.is_empty() {
            Vec::new()
        } else {
            vec![rest.clone()]
        }),
    };
    let (flags, flag_offsets) = flags.into_iter().map(|(f, o)| (f, after_kw + o)).unzip();
    Ok(Node {
        keyword_as_written,
        keyword,
        flags,
        args,
        json_form,
        rest,
        original,
        heredocs: Vec::new(),
        line: line_no,
        column,
        end_line: line_no,
        comments,
        map,
        flag_offsets,
        rest_offset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(src: &str) -> ParsedFile {
        parse_nodes("Dockerfile", src).unwrap_or_else(|e| panic!("{e}"))
    }

    fn words(n: &Node) -> Vec<String> {
        match &n.args {
            NodeArgs::Words(w) => w.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn directives() {
        let f = p("# syntax=docker/dockerfile:1\n# escape=`\n# check=skip=all\nFROM a\n");
        assert_eq!(f.directives.syntax.as_deref(), Some("docker/dockerfile:1"));
        assert_eq!(f.directives.escape, '`');
        assert_eq!(f.directives.check.as_deref(), Some("skip=all"));
        // After any other line, directives are plain comments.
        let f = p("# hello\n# escape=`\nFROM a\n");
        assert_eq!(f.directives.escape, '\\');
        let f = p("FROM a\n# escape=`\n");
        assert_eq!(f.directives.escape, '\\');
        let f = p("\n# escape=`\nFROM a\n");
        assert_eq!(f.directives.escape, '\\');
        let e = parse_nodes("Dockerfile", "# escape=x\nFROM a").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("invalid escape token"), "{e}");
        let e = parse_nodes("Dockerfile", "# escape=`\n#escape=\\\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Dockerfile:2:1: only one escape parser directive can be used"
        );
    }

    #[test]
    fn continuations_blank_and_comment_lines() {
        let f = p("FROM a\nRUN echo a \\\n\n  # a comment\n   b \\  \n c\nCMD x\n");
        assert_eq!(f.nodes.len(), 3);
        let run = &f.nodes[1];
        assert_eq!(words(run), ["echo a    b  c"]);
        assert_eq!((run.line, run.end_line), (2, 6));
        assert_eq!(f.nodes[2].line, 7);
        assert_eq!(f.warnings.len(), 1);
        // An escaped escape character does not continue the line.
        let f = p("RUN a \\\\\nRUN b\n");
        assert_eq!(words(&f.nodes[0]), ["a \\\\"]);
        assert_eq!(f.nodes.len(), 2);
        let e = parse_nodes("Dockerfile", "# only comments\n\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Dockerfile:2:1: file with no instructions (expected at least a FROM)"
        );
        // Continuation at end of file.
        let f = p("FROM a\nRUN x \\");
        assert_eq!(words(&f.nodes[1]), ["x"]);
    }

    #[test]
    fn backtick_escape() {
        let f = p("# escape=`\nFROM a\nRUN dir c:\\ `\n  /w\nCOPY a\\b c:\\\n");
        assert_eq!(words(&f.nodes[1]), ["dir c:\\   /w"]);
        assert_eq!(words(&f.nodes[2]), ["a\\b", "c:\\"]);
    }

    #[test]
    fn json_and_shell_forms() {
        let f = p("CMD [\"a\", \"b c\"]\nCMD [\"a\", b]\nCMD [] \nRUN [ \"x\" ] tail\n");
        assert!(f.nodes[0].json_form);
        assert_eq!(words(&f.nodes[0]), ["a", "b c"]);
        assert!(!f.nodes[1].json_form);
        assert_eq!(words(&f.nodes[1]), ["[\"a\", b]"]);
        assert!(f.nodes[2].json_form);
        assert!(words(&f.nodes[2]).is_empty());
        assert!(!f.nodes[3].json_form);
        let e = parse_nodes("Dockerfile", "FROM a\nCMD [\"a\", 1]").unwrap_err();
        assert_eq!(e.line, 2);
        assert_eq!(e.column, 5);
        assert!(e.message.contains("strings only"));
        let f = p("COPY a  b\tc\nCOPY [\"a b\", \"c\"]\n");
        assert_eq!(words(&f.nodes[0]), ["a", "b", "c"]);
        assert_eq!(words(&f.nodes[1]), ["a b", "c"]);
    }

    #[test]
    fn flags_extracted() {
        let f = p("COPY --from=build --chown=\"a b\" --link src dst\nRUN -- --not-a-flag\n");
        assert_eq!(f.nodes[0].flags, ["--from=build", "--chown=a b", "--link"]);
        assert_eq!(words(&f.nodes[0]), ["src", "dst"]);
        assert_eq!(f.nodes[0].flag_offsets, [5, 18, 32]);
        assert!(f.nodes[1].flags.is_empty());
        assert_eq!(words(&f.nodes[1]), ["--not-a-flag"]);
    }

    #[test]
    fn env_label_forms() {
        let f = p("ENV A=1 B=\"two words\" C=x\\ y\nENV OLD value with  spaces\nLABEL \"k\"=v\n");
        match &f.nodes[0].args {
            NodeArgs::KeyValues(kv) => assert_eq!(
                kv,
                &[
                    ("A".into(), "1".into()),
                    ("B".into(), "\"two words\"".into()),
                    ("C".into(), "x\\ y".into())
                ]
            ),
            o => panic!("{o:?}"),
        }
        match &f.nodes[1].args {
            NodeArgs::KeyValues(kv) => {
                assert_eq!(kv, &[("OLD".into(), "value with  spaces".into())])
            }
            o => panic!("{o:?}"),
        }
        let e = parse_nodes("Dockerfile", "ENV A").unwrap_err();
        assert_eq!(e.message, "ENV must have two arguments");
        let e = parse_nodes("Dockerfile", "ENV A=1 B").unwrap_err();
        assert!(e.message.contains("can't find = in \"B\""));
    }

    #[test]
    fn heredocs() {
        let src = "FROM a\nRUN <<EOF bash && cat <<-'END' 3<<\"X\"\necho $HOME\nEOF\n\t\tinner\n\tEND\nx\nX\nCMD y\n";
        let f = p(src);
        let run = &f.nodes[1];
        assert_eq!(run.heredocs.len(), 3);
        assert_eq!(run.heredocs[0].name, "EOF");
        assert_eq!(run.heredocs[0].content, "echo $HOME\n");
        assert!(run.heredocs[0].expand);
        assert_eq!(run.heredocs[1].name, "END");
        assert!(run.heredocs[1].chomp);
        assert!(!run.heredocs[1].expand);
        assert_eq!(run.heredocs[1].content, "inner\n");
        assert_eq!(run.heredocs[2].fd, 3);
        assert!(!run.heredocs[2].expand);
        assert_eq!((run.line, run.end_line), (2, 8));
        assert_eq!(f.nodes[2].line, 9);
        let e = parse_nodes("Dockerfile", "FROM a\nRUN <<EOF\nnever ends\n").unwrap_err();
        assert_eq!((e.line, e.column), (3, 1));
        let f = p("RUN <<EOF\r\na\r\nEOF\r\nRUN [\"<<EOF\"]\nRUN <<X\nlast\nX");
        assert_eq!(f.nodes[0].heredocs[0].content, "a\r\n");
        assert!(f.nodes[1].heredocs.is_empty());
        assert_eq!(f.nodes[2].heredocs[0].content, "last\n");
        assert!(e.message.contains("unterminated heredoc"));
        // Not for other instructions, nor `<<` without a word.
        let f = p("CMD <<EOF\nRUN a << b\n");
        assert_eq!(f.nodes.len(), 2);
        let f = p("COPY <<one <<two /dst/\n1\none\n2\ntwo\n");
        assert_eq!(f.nodes[0].heredocs.len(), 2);
        assert_eq!(f.nodes[0].heredocs[1].content, "2\n");
    }

    #[test]
    fn onbuild_and_healthcheck_shapes() {
        let f = p("ONBUILD RUN echo hi\nHEALTHCHECK --retries=3 CMD [\"curl\", \"x\"]\nHEALTHCHECK NONE\n");
        match &f.nodes[0].args {
            NodeArgs::Sub(child) => {
                assert_eq!(child.keyword, "run");
                assert_eq!(child.column, 9);
            }
            o => panic!("{o:?}"),
        }
        match &f.nodes[1].args {
            NodeArgs::Health { kind, cmd } => {
                assert_eq!(kind, "CMD");
                assert_eq!(cmd, &["curl", "x"]);
            }
            o => panic!("{o:?}"),
        }
        assert!(f.nodes[1].json_form);
    }

    #[test]
    fn positions_across_continuations() {
        let f = p("  FROM a\nRUN a \\\n   --b");
        assert_eq!((f.nodes[0].line, f.nodes[0].column), (1, 3));
        let run = &f.nodes[1];
        let off = run.original.find("--b").unwrap();
        assert_eq!(run.locate(off), (3, 4));
    }
}
