//! The shell-word lexer and variable expander of the Dockerfile frontend.
//!
//! It follows BuildKit's `frontend/dockerfile/shell/lex.go`: quotes are
//! removed (`'…'` literal, `"…"` with `$` expansion and `\"`, `\$`, `\\`
//! escapes), the escape character escapes any character outside quotes, and
//! `$v ${v} ${v:-w} ${v-w} ${v:+w} ${v+w} ${v:?m} ${v?m} ${v#p} ${v##p}
//! ${v%p} ${v%%p} ${v/p/r} ${v//p/r}` are expanded from a lookup. Error
//! messages are BuildKit's. It is used for the instructions BuildKit
//! expands (see `stages.rs`) and, in a raw mode, to find heredoc words.

use std::fmt;

/// An expansion error, e.g. `syntax error: missing '}'` or `v: is not
/// allowed to be unset`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpandError {
    pub message: String,
}

impl fmt::Display for ExpandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExpandError {}

fn err<T>(message: impl Into<String>) -> Result<T, ExpandError> {
    Err(ExpandError {
        message: message.into(),
    })
}

/// Nesting depth of `${…${…}}` beyond which expansion fails instead of
/// exhausting the stack on hostile input.
const MAX_DEPTH: usize = 64;

/// Lexer options, as BuildKit's `shell.Lex`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lexer {
    /// The escape character (`\` or `` ` ``, from the `escape` directive).
    pub escape: char,
    /// Keep quote characters in the result (used to find heredocs).
    pub raw_quotes: bool,
    /// Keep escape characters in the result (used to find heredocs).
    pub raw_escapes: bool,
    /// Leave references to unset variables as written.
    pub skip_unset: bool,
    /// Treat quotes as ordinary characters (heredoc bodies of COPY/ADD).
    pub skip_quotes: bool,
}

impl Lexer {
    pub fn new(escape: char) -> Lexer {
        Lexer {
            escape,
            raw_quotes: false,
            raw_escapes: false,
            skip_unset: false,
            skip_quotes: false,
        }
    }

    /// Expands `word` as one word: quotes removed, no field splitting
    /// (BuildKit's `ProcessWord`).
    pub fn expand(
        &self,
        word: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<String, ExpandError> {
        let mut st = State::new(self, word, env);
        st.stop_on(None, self.raw_escapes).map(|(s, _)| s)
    }

    /// Expands `word` and splits the result into fields on unquoted
    /// whitespace (BuildKit's `ProcessWords`).
    pub fn expand_words(
        &self,
        word: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Vec<String>, ExpandError> {
        let mut st = State::new(self, word, env);
        st.stop_on(None, self.raw_escapes).map(|(_, w)| w)
    }
}

/// Expands one word with the default lexer options.
pub fn expand_word(
    word: &str,
    escape: char,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, ExpandError> {
    Lexer::new(escape).expand(word, env)
}

/// Field accumulator (BuildKit's `wordsStruct`).
#[derive(Default)]
struct Words {
    word: String,
    words: Vec<String>,
    in_word: bool,
}

impl Words {
    fn add_char(&mut self, ch: char) {
        if ch.is_whitespace() {
            if self.in_word && !self.word.is_empty() {
                self.words.push(std::mem::take(&mut self.word));
                self.in_word = false;
            }
        } else {
            self.add_raw_char(ch);
        }
    }
    fn add_raw_char(&mut self, ch: char) {
        self.word.push(ch);
        self.in_word = true;
    }
    fn add_string(&mut self, s: &str) {
        for ch in s.chars() {
            self.add_char(ch);
        }
    }
    fn add_raw_string(&mut self, s: &str) {
        self.word.push_str(s);
        self.in_word = true;
    }
    fn finish(mut self) -> Vec<String> {
        if !self.word.is_empty() {
            self.words.push(std::mem::take(&mut self.word));
        }
        self.words
    }
}

struct State<'a> {
    chars: Vec<char>,
    pos: usize,
    lexer: Lexer,
    raw_escapes: bool,
    depth: usize,
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> State<'a> {
    fn new(lexer: &Lexer, word: &str, env: &'a dyn Fn(&str) -> Option<String>) -> State<'a> {
        State {
            chars: word.chars().collect(),
            pos: 0,
            lexer: *lexer,
            raw_escapes: lexer.raw_escapes,
            depth: 0,
            env,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn stop_on(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
    ) -> Result<(String, Vec<String>), ExpandError> {
        let saved = self.raw_escapes;
        self.raw_escapes = raw_escapes;
        let r = self.stop_on_inner(stop);
        self.raw_escapes = saved;
        r
    }

    fn stop_on_inner(&mut self, stop: Option<char>) -> Result<(String, Vec<String>), ExpandError> {
        let mut result = String::new();
        let mut words = Words::default();
        let escape = self.lexer.escape;
        while let Some(ch) = self.peek() {
            if Some(ch) == stop {
                self.next();
                return Ok((result, words.finish()));
            }
            if ch == '$' {
                let s = self.dollar()?;
                result.push_str(&s);
                words.add_string(&s);
            } else if (ch == '\'' || ch == '"') && !self.lexer.skip_quotes {
                let s = if ch == '\'' {
                    self.single_quote()?
                } else {
                    self.double_quote()?
                };
                result.push_str(&s);
                words.add_raw_string(&s);
            } else {
                self.next();
                if ch == escape {
                    if self.raw_escapes {
                        words.add_raw_char(ch);
                        result.push(ch);
                    }
                    // The escape character escapes anything; at the end it
                    // is dropped.
                    match self.next() {
                        None => break,
                        Some(c) => {
                            words.add_raw_char(c);
                            result.push(c);
                        }
                    }
                } else {
                    words.add_char(ch);
                    result.push(ch);
                }
            }
        }
        if let Some(stop) = stop {
            return err(format!(
                "unexpected end of statement while looking for matching {stop}"
            ));
        }
        Ok((result, words.finish()))
    }

    fn single_quote(&mut self) -> Result<String, ExpandError> {
        // Everything up to the next ' is literal; ' cannot be escaped.
        let mut result = String::new();
        let open = self.next();
        if self.lexer.raw_quotes {
            result.extend(open);
        }
        loop {
            match self.next() {
                None => {
                    return err(
                        "unexpected end of statement while looking for matching single-quote",
                    )
                }
                Some('\'') => {
                    if self.lexer.raw_quotes {
                        result.push('\'');
                    }
                    return Ok(result);
                }
                Some(c) => result.push(c),
            }
        }
    }

    fn double_quote(&mut self) -> Result<String, ExpandError> {
        // Literal except `$`; the escape character escapes only `"`, `$`
        // and itself, otherwise it stays (as sh does).
        let mut result = String::new();
        let open = self.next();
        if self.lexer.raw_quotes {
            result.extend(open);
        }
        let escape = self.lexer.escape;
        loop {
            match self.peek() {
                None => {
                    return err(
                        "unexpected end of statement while looking for matching double-quote",
                    )
                }
                Some('"') => {
                    self.next();
                    if self.lexer.raw_quotes {
                        result.push('"');
                    }
                    return Ok(result);
                }
                Some('$') => {
                    let v = self.dollar()?;
                    result.push_str(&v);
                }
                Some(_) => {
                    let mut ch = self.next().unwrap_or(escape);
                    if ch == escape {
                        match self.peek() {
                            None => continue,
                            Some(c) if c == '"' || c == '$' || c == escape => {
                                if self.raw_escapes {
                                    result.push(ch);
                                }
                                self.next();
                                ch = c;
                            }
                            Some(_) => {}
                        }
                    }
                    result.push(ch);
                }
            }
        }
    }

    fn lookup(&self, name: &str) -> Option<String> {
        (self.env)(name)
    }

    fn name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && ch.is_ascii_digit() {
                while let Some(d) = self.peek() {
                    if !d.is_ascii_digit() {
                        break;
                    }
                    name.push(d);
                    self.next();
                }
                return name;
            }
            if name.is_empty() && matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
                self.next();
                return ch.to_string();
            }
            if !ch.is_alphanumeric() && ch != '_' {
                break;
            }
            name.push(ch);
            self.next();
        }
        name
    }

    fn dollar(&mut self) -> Result<String, ExpandError> {
        self.depth += 1;
        let r = if self.depth > MAX_DEPTH {
            err("syntax error: substitutions nested too deeply")
        } else {
            self.dollar_inner()
        };
        self.depth -= 1;
        r
    }

    fn dollar_inner(&mut self) -> Result<String, ExpandError> {
        self.next(); // '$'
        if self.peek() != Some('{') {
            let name = self.name();
            if name.is_empty() {
                return Ok("$".into());
            }
            return Ok(match self.lookup(&name) {
                Some(v) => v,
                None if self.lexer.skip_unset => format!("${name}"),
                None => String::new(),
            });
        }
        self.next(); // '{'
        match self.peek() {
            None => return err("syntax error: missing '}'"),
            Some('{') | Some('}') | Some(':') => return err("syntax error: bad substitution"),
            _ => {}
        }
        let name = self.name();
        let Some(mut ch) = self.next() else {
            return err("syntax error: missing '}'");
        };
        let mut modifier = ch.to_string();
        let mut null_is_unset = false;
        match ch {
            '}' => {
                return Ok(match self.lookup(&name) {
                    Some(v) => v,
                    None if self.lexer.skip_unset => format!("${{{name}}}"),
                    None => String::new(),
                })
            }
            ':' => {
                null_is_unset = true;
                match self.next() {
                    Some(c) => {
                        ch = c;
                        modifier.push(c);
                    }
                    None => return err("syntax error: missing '}'"),
                }
                if !matches!(ch, '+' | '-' | '?' | '#' | '%') {
                    return err(format!("unsupported modifier ({modifier}) in substitution"));
                }
            }
            '+' | '-' | '?' | '#' | '%' => {}
            '/' => return self.replace(&name),
            _ => return err(format!("unsupported modifier ({modifier}) in substitution")),
        }
        let pattern_op = ch == '#' || ch == '%';
        if null_is_unset && pattern_op {
            return err(format!("unsupported modifier ({modifier}) in substitution"));
        }
        let word = match self.stop_on(Some('}'), pattern_op) {
            Ok((w, _)) => w,
            Err(e) => {
                if self.peek().is_none() {
                    return err("syntax error: missing '}'");
                }
                return Err(e);
            }
        };
        let value = self.lookup(&name);
        if self.lexer.skip_unset && value.is_none() {
            return Ok(format!("${{{name}{modifier}{word}}}"));
        }
        let unset = value.is_none() || (null_is_unset && value.as_deref() == Some(""));
        match ch {
            '-' => Ok(if unset {
                word
            } else {
                value.unwrap_or_default()
            }),
            '+' => Ok(if unset { String::new() } else { word }),
            '?' => match value {
                None => err(format!(
                    "{name}: {}",
                    if word.is_empty() {
                        "is not allowed to be unset"
                    } else {
                        &word
                    }
                )),
                Some(v) if null_is_unset && v.is_empty() => err(format!(
                    "{name}: {}",
                    if word.is_empty() {
                        "is not allowed to be empty"
                    } else {
                        &word
                    }
                )),
                Some(v) => Ok(v),
            },
            _ => {
                // `#`/`%` remove the shortest matching prefix/suffix, `##`/`%%`
                // the longest.
                let value = value.unwrap_or_default();
                let (greedy, pat) = match word.strip_prefix(ch) {
                    Some(rest) => (true, rest.to_string()),
                    None => (false, word),
                };
                let pat = Glob::compile(&pat)?;
                let v: Vec<char> = value.chars().collect();
                Ok(if ch == '#' {
                    trim_prefix(&pat, &v, greedy)
                } else {
                    trim_suffix(&pat, &v, greedy)
                })
            }
        }
    }

    fn replace(&mut self, name: &str) -> Result<String, ExpandError> {
        let all = self.peek() == Some('/');
        if all {
            self.next();
        }
        let pattern = match self.stop_on(Some('/'), true) {
            Ok((p, _)) => p,
            Err(e) => {
                if self.peek().is_none() {
                    return err("syntax error: missing '/' in ${}");
                }
                return Err(e);
            }
        };
        let replacement = match self.stop_on(Some('}'), true) {
            Ok((r, _)) => r,
            Err(e) => {
                if self.peek().is_none() {
                    return err("syntax error: missing '}'");
                }
                return Err(e);
            }
        };
        let Some(value) = self.lookup(name) else {
            if self.lexer.skip_unset {
                return Ok(format!("${{{name}/{pattern}/{replacement}}}"));
            }
            return Ok(String::new());
        };
        let glob = Glob::compile(&pattern)?;
        let v: Vec<char> = value.chars().collect();
        let mut out = String::new();
        let mut pos = 0;
        let mut last_nonempty_end = None;
        while pos <= v.len() {
            let Some((start, end)) =
                (pos..=v.len()).find_map(|s| glob.longest_at(&v, s).map(|e| (s, e)))
            else {
                break;
            };
            out.extend(&v[pos..start]);
            if end == start {
                if last_nonempty_end != Some(start) {
                    out.push_str(&replacement);
                }
                if start < v.len() {
                    out.push(v[start]);
                }
                pos = start + 1;
            } else {
                out.push_str(&replacement);
                pos = end;
                last_nonempty_end = Some(end);
            }
            if !all {
                break;
            }
        }
        if pos < v.len() {
            out.extend(&v[pos..]);
        }
        Ok(out)
    }
}

fn trim_prefix(glob: &Glob, v: &[char], greedy: bool) -> String {
    let found = if greedy {
        (0..=v.len()).rev().find(|&i| glob.matches(&v[..i]))
    } else {
        (0..=v.len()).find(|&i| glob.matches(&v[..i]))
    };
    match found {
        Some(i) => v[i..].iter().collect(),
        None => v.iter().collect(),
    }
}

fn trim_suffix(glob: &Glob, v: &[char], greedy: bool) -> String {
    let found = if greedy {
        (0..=v.len()).find(|&i| glob.matches(&v[i..]))
    } else {
        (0..=v.len()).rev().find(|&i| glob.matches(&v[i..]))
    };
    match found {
        Some(i) => v[..i].iter().collect(),
        None => v.iter().collect(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Lit(char),
    Any,
    Star,
}

/// A shell pattern as BuildKit reads it in `${v#p}` and friends: `*` and
/// `?` are wildcards, `\*`, `\?`, `\\` are literal, `\}` and `\/` stand
/// for `}` and `/`; there are no bracket expressions (`[` is literal).
struct Glob(Vec<Tok>);

impl Glob {
    fn compile(p: &str) -> Result<Glob, ExpandError> {
        let c: Vec<char> = p.chars().collect();
        let mut toks = Vec::new();
        let mut i = 0;
        while i < c.len() {
            match c[i] {
                '*' => toks.push(Tok::Star),
                '?' => toks.push(Tok::Any),
                '\\' => match c.get(i + 1) {
                    Some('}') | Some('/') => {}
                    Some(&e @ ('*' | '?' | '\\')) => {
                        toks.push(Tok::Lit(e));
                        i += 1;
                    }
                    other => {
                        let shown: String = other.map(|c| c.to_string()).unwrap_or_default();
                        return err(format!(
                            "invalid pattern ({p}) in substitution: invalid escape '\\{shown}'"
                        ));
                    }
                },
                ch => toks.push(Tok::Lit(ch)),
            }
            i += 1;
        }
        Ok(Glob(toks))
    }

    fn tok_matches(t: &Tok, ch: char) -> bool {
        match t {
            Tok::Lit(l) => *l == ch,
            Tok::Any => true,
            Tok::Star => true,
        }
    }

    /// All `j` such that the pattern matches `v[start..j]`, as a table.
    fn reach(&self, v: &[char], start: usize) -> Vec<bool> {
        // cur[j]: pattern prefix processed matches v[start..j].
        let n = v.len();
        let mut cur = vec![false; n + 1];
        cur[start] = true;
        for t in &self.0 {
            let mut next = vec![false; n + 1];
            match t {
                Tok::Star => {
                    let mut on = false;
                    for j in start..=n {
                        on |= cur[j];
                        next[j] = on;
                    }
                }
                _ => {
                    for j in start..n {
                        if cur[j] && Self::tok_matches(t, v[j]) {
                            next[j + 1] = true;
                        }
                    }
                }
            }
            cur = next;
        }
        cur
    }

    fn matches(&self, v: &[char]) -> bool {
        self.reach(v, 0)[v.len()]
    }

    fn longest_at(&self, v: &[char], start: usize) -> Option<usize> {
        let r = self.reach(v, start);
        (start..=v.len()).rev().find(|&j| r[j])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "a" => Some("hello".into()),
            "e" => Some(String::new()),
            "p" => Some("/usr/local/bin/tool.tar.gz".into()),
            "sp" => Some("x  y".into()),
            "b" => Some("B".into()),
            _ => None,
        }
    }

    fn x(w: &str) -> String {
        expand_word(w, '\\', &env).unwrap_or_else(|e| panic!("{w}: {e}"))
    }

    fn xe(w: &str) -> String {
        expand_word(w, '\\', &env).unwrap_err().message
    }

    #[test]
    fn simple_and_braced() {
        assert_eq!(x("$a"), "hello");
        assert_eq!(x("${a}"), "hello");
        assert_eq!(x("$a-$u."), "hello-.");
        assert_eq!(x("${a}x"), "hellox");
        assert_eq!(x("$"), "$");
        assert_eq!(x("a$"), "a$");
        assert_eq!(x("$ a"), "$ a");
        assert_eq!(x("$1x"), "x");
    }

    #[test]
    fn defaults_and_alternatives_unset_vs_empty() {
        assert_eq!(x("${u:-w}"), "w");
        assert_eq!(x("${e:-w}"), "w");
        assert_eq!(x("${e-w}"), "");
        assert_eq!(x("${u-w}"), "w");
        assert_eq!(x("${a:-w}"), "hello");
        assert_eq!(x("${u:+w}"), "");
        assert_eq!(x("${e:+w}"), "");
        assert_eq!(x("${e+w}"), "w");
        assert_eq!(x("${a+w}"), "w");
        assert_eq!(x("${u+w}"), "");
        assert_eq!(x("${a:?m}"), "hello");
        assert_eq!(x("${e?m}"), "");
        assert_eq!(xe("${u?}"), "u: is not allowed to be unset");
        assert_eq!(xe("${u?oops}"), "u: oops");
        assert_eq!(xe("${e:?}"), "e: is not allowed to be empty");
        assert_eq!(xe("${e:?gone}"), "e: gone");
        assert_eq!(xe("${u:?}"), "u: is not allowed to be unset");
    }

    #[test]
    fn nested() {
        assert_eq!(x("${u:-${b}}"), "B");
        assert_eq!(x("${u:-${v:-deep}}"), "deep");
        assert_eq!(x("${a:+[${b}]}"), "[B]");
        assert_eq!(x("${u:-'a b'}"), "a b");
        assert_eq!(x("${u:-\"$a\"}"), "hello");
    }

    #[test]
    fn prefix_suffix_patterns() {
        assert_eq!(x("${p#*/}"), "usr/local/bin/tool.tar.gz");
        assert_eq!(x("${p##*/}"), "tool.tar.gz");
        assert_eq!(x("${p%.*}"), "/usr/local/bin/tool.tar");
        assert_eq!(x("${p%%.*}"), "/usr/local/bin/tool");
        assert_eq!(x("${a#he}"), "llo");
        assert_eq!(x("${a#x}"), "hello");
        assert_eq!(x("${a%l?}"), "hel");
        assert_eq!(x("${a%%l*}"), "he");
        // No bracket expressions: `[` is literal, as in BuildKit.
        assert_eq!(x("${a#[a-h]}"), "hello");
        assert_eq!(x("${p%\\*}"), "/usr/local/bin/tool.tar.gz");
        assert_eq!(x("${p##*\\/}"), "tool.tar.gz");
        assert_eq!(
            xe("${a#\\h}"),
            "invalid pattern (\\h) in substitution: invalid escape '\\h'"
        );
        assert_eq!(x("${u#x}"), "");
        assert_eq!(xe("${a:#x}"), "unsupported modifier (:#) in substitution");
        assert_eq!(xe("${a:%x}"), "unsupported modifier (:%) in substitution");
    }

    #[test]
    fn replacement() {
        assert_eq!(x("${a/l/L}"), "heLlo");
        assert_eq!(x("${a//l/L}"), "heLLo");
        assert_eq!(x("${a/l*/X}"), "heX");
        assert_eq!(x("${a//?/.}"), ".....");
        assert_eq!(x("${a/z/Z}"), "hello");
        assert_eq!(x("${u/a/b}"), "");
        assert_eq!(x("${p//\\//_}"), "_usr_local_bin_tool.tar.gz");
        assert_eq!(xe("${a/l"), "syntax error: missing '/' in ${}");
        assert_eq!(xe("${a/l/"), "syntax error: missing '}'");
    }

    #[test]
    fn syntax_errors() {
        assert_eq!(xe("${"), "syntax error: missing '}'");
        assert_eq!(xe("${a"), "syntax error: missing '}'");
        assert_eq!(xe("${}"), "syntax error: bad substitution");
        assert_eq!(xe("${:}"), "syntax error: bad substitution");
        assert_eq!(xe("${a:-x"), "syntax error: missing '}'");
        assert_eq!(xe("${a!}"), "unsupported modifier (!) in substitution");
        assert_eq!(xe("${a:x}"), "unsupported modifier (:x) in substitution");
        assert_eq!(
            xe("'abc"),
            "unexpected end of statement while looking for matching single-quote"
        );
        assert_eq!(
            xe("\"abc"),
            "unexpected end of statement while looking for matching double-quote"
        );
        let deep = "${u:-".repeat(200) + &"}".repeat(200);
        assert!(expand_word(&deep, '\\', &env).is_err());
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(x("'$a'"), "$a");
        assert_eq!(x("\"$a\""), "hello");
        assert_eq!(x("\\$a"), "$a");
        assert_eq!(x("\"\\$a\""), "$a");
        assert_eq!(x("\"a\\\"b\""), "a\"b");
        assert_eq!(x("\"a\\nb\""), "a\\nb");
        assert_eq!(x("a\\ b"), "a b");
        assert_eq!(x("abc\\"), "abc");
        assert_eq!(x("'it''s'"), "its");
        assert_eq!(x("\"'$a'\""), "'hello'");
        assert_eq!(expand_word("`$a", '`', &env).unwrap(), "$a");
        assert_eq!(expand_word("\\$a", '`', &env).unwrap(), "\\hello");
    }

    #[test]
    fn fields() {
        let l = Lexer::new('\\');
        assert_eq!(
            l.expand_words("a $sp 'c d'", &env).unwrap(),
            ["a", "x", "y", "c d"]
        );
        assert_eq!(l.expand_words("\"$sp\"", &env).unwrap(), ["x  y"]);
        assert_eq!(l.expand_words("  ", &env).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn skip_unset_keeps_references() {
        let l = Lexer {
            skip_unset: true,
            ..Lexer::new('\\')
        };
        assert_eq!(
            l.expand("$u ${u} ${u:-x} $a", &env).unwrap(),
            "$u ${u} ${u:-x} hello"
        );
    }
}
