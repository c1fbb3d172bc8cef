//! `.dockerignore` patterns, with Docker's rules (moby's `patternmatcher`,
//! which BuildKit uses for the build context and for `COPY --exclude`):
//!
//! - one pattern a line; `#` starts a comment line; blank lines are
//!   skipped; surrounding white space is trimmed;
//! - `!` makes an exception (a path that matches is included again);
//! - each pattern is cleaned as a path (`./a/` is `a`, a leading `/` is
//!   dropped), and matched against the whole path relative to the context
//!   root, with `/` separators;
//! - `*` is any run of characters but `/`, `?` one character but `/`,
//!   `[...]` a class (`[!...]` or `[^...]` negated, ranges `a-z`), `\`
//!   escapes the next character, and `**` any number of directories
//!   (`**/x` also matches `x`);
//! - a pattern that matches a directory matches everything below it;
//! - the last pattern that decides wins.
//!
//! Since an exception can re-include a path below an ignored directory,
//! a walker may skip an ignored directory only when [`Matcher::has_exceptions`]
//! is false.

use std::fmt;

/// One token of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Char(char),
    /// `*`: any run of characters but `/`.
    Star,
    /// `**`: any run of characters.
    DoubleStar,
    /// `**/`: nothing, or any run of characters ending with `/`.
    DirStar,
    /// `?`: one character but `/`.
    One,
    /// `[...]`: (negated, ranges).
    Class(bool, Vec<(char, char)>),
}

/// A pattern that cannot be compiled (an unclosed `[`, a trailing `\`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    pub pattern: String,
    pub message: &'static str,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad pattern {:?}: {}", self.pattern, self.message)
    }
}

impl std::error::Error for PatternError {}

/// One compiled pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// The cleaned text.
    pub text: String,
    pub exception: bool,
    tokens: Vec<Token>,
}

impl Pattern {
    /// Compile `text` (with its `!`, if any).
    pub fn new(text: &str) -> Result<Pattern, PatternError> {
        let text = text.trim();
        let (exception, rest) = match text.strip_prefix('!') {
            Some(r) => (true, r.trim()),
            None => (false, text),
        };
        let cleaned = clean(rest);
        let tokens = compile(&cleaned).map_err(|message| PatternError {
            pattern: text.to_string(),
            message,
        })?;
        Ok(Pattern {
            text: cleaned,
            exception,
            tokens,
        })
    }

    /// Whether the pattern matches `path` itself (relative, `/`-separated).
    pub fn matches_exactly(&self, path: &str) -> bool {
        let chars: Vec<char> = path.chars().collect();
        match_tokens(&self.tokens, &chars)
    }

    /// Whether the pattern matches `path` or one of its parent directories.
    pub fn matches(&self, path: &str) -> bool {
        if self.matches_exactly(path) {
            return true;
        }
        let mut end = 0;
        for (i, c) in path.char_indices() {
            if c == '/' && i > end {
                if self.matches_exactly(&path[..i]) {
                    return true;
                }
                end = i;
            }
        }
        false
    }
}

/// An ordered list of patterns.
#[derive(Debug, Clone, Default)]
pub struct Matcher {
    patterns: Vec<Pattern>,
}

impl Matcher {
    /// Compile patterns, in order.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Matcher, PatternError> {
        let patterns = patterns
            .iter()
            .map(|p| p.as_ref().trim())
            .filter(|p| !p.is_empty())
            .map(Pattern::new)
            .collect::<Result<Vec<_>, _>>()?;
        // A pattern that cleans to nothing (`/`, `.`) matches nothing.
        let patterns = patterns
            .into_iter()
            .filter(|p| !p.text.is_empty() && p.text != ".")
            .collect();
        Ok(Matcher { patterns })
    }

    /// Parse the text of an ignore file.
    pub fn parse_file(text: &str) -> Result<Matcher, PatternError> {
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        Matcher::new(&lines)
    }

    /// No patterns at all.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Any `!` pattern: an ignored directory may then hold included paths.
    pub fn has_exceptions(&self) -> bool {
        self.patterns.iter().any(|p| p.exception)
    }

    /// Whether `path` (relative to the root, `/`-separated, no `./`) is
    /// ignored. The last pattern that matches decides.
    pub fn is_ignored(&self, path: &str) -> bool {
        let path = clean(path);
        let mut ignored = false;
        for p in &self.patterns {
            // Only a pattern that could change the answer is tried.
            if p.exception != ignored {
                continue;
            }
            if p.matches(&path) {
                ignored = !p.exception;
            }
        }
        ignored
    }

    /// The patterns, cleaned, with their `!`.
    pub fn patterns(&self) -> impl Iterator<Item = String> + '_ {
        self.patterns.iter().map(|p| {
            if p.exception {
                format!("!{}", p.text)
            } else {
                p.text.clone()
            }
        })
    }
}

/// Clean a relative path as Go's `filepath.Clean` does, then drop a
/// leading `/`: `./a//b/../c/` is `a/c`; `..` above the root stays.
pub fn clean(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for comp in path.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !path.starts_with('/') {
                    out.push("..");
                }
            }
            c => out.push(c),
        }
    }
    if out.is_empty() {
        return ".".into();
    }
    out.join("/")
}

fn compile(p: &str) -> Result<Vec<Token>, &'static str> {
    let chars: Vec<char> = p.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while chars.get(i) == Some(&'*') {
                    i += 1;
                }
                if chars.get(i) == Some(&'/') {
                    i += 1;
                    out.push(Token::DirStar);
                } else {
                    out.push(Token::DoubleStar);
                }
                continue;
            }
            '*' => out.push(Token::Star),
            '?' => out.push(Token::One),
            '\\' => {
                i += 1;
                match chars.get(i) {
                    Some(&c) => out.push(Token::Char(c)),
                    None => return Err("a trailing \\"),
                }
            }
            '[' => {
                i += 1;
                let negated = matches!(chars.get(i), Some('!' | '^'));
                if negated {
                    i += 1;
                }
                let mut ranges = Vec::new();
                let mut first = true;
                loop {
                    let c = match chars.get(i) {
                        None => return Err("an unclosed ["),
                        Some(']') if !first => break,
                        Some('\\') => {
                            i += 1;
                            *chars.get(i).ok_or("an unclosed [")?
                        }
                        Some(&c) => c,
                    };
                    first = false;
                    if chars.get(i + 1) == Some(&'-') && chars.get(i + 2).is_some_and(|c| *c != ']')
                    {
                        let mut hi = chars[i + 2];
                        i += 2;
                        if hi == '\\' {
                            i += 1;
                            hi = *chars.get(i).ok_or("an unclosed [")?;
                        }
                        if hi < c {
                            return Err("a range out of order");
                        }
                        ranges.push((c, hi));
                    } else {
                        ranges.push((c, c));
                    }
                    i += 1;
                }
                out.push(Token::Class(negated, ranges));
            }
            c => out.push(Token::Char(c)),
        }
        i += 1;
    }
    Ok(out)
}

fn match_tokens(t: &[Token], s: &[char]) -> bool {
    let Some((first, rest)) = t.split_first() else {
        return s.is_empty();
    };
    match first {
        Token::Char(c) => s.first() == Some(c) && match_tokens(rest, &s[1..]),
        Token::One => s.first().is_some_and(|c| *c != '/') && match_tokens(rest, &s[1..]),
        Token::Class(neg, ranges) => {
            s.first().is_some_and(|c| {
                *c != '/' && ranges.iter().any(|(lo, hi)| lo <= c && c <= hi) != *neg
            }) && match_tokens(rest, &s[1..])
        }
        Token::Star => {
            for k in 0..=s.len() {
                if match_tokens(rest, &s[k..]) {
                    return true;
                }
                if k < s.len() && s[k] == '/' {
                    break;
                }
            }
            false
        }
        Token::DoubleStar => (0..=s.len()).any(|k| match_tokens(rest, &s[k..])),
        Token::DirStar => {
            match_tokens(rest, s)
                || (0..s.len()).any(|k| s[k] == '/' && match_tokens(rest, &s[k + 1..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignored(patterns: &[&str], path: &str) -> bool {
        Matcher::new(patterns).unwrap().is_ignored(path)
    }

    #[test]
    fn cleaning() {
        assert_eq!(clean("./a//b/../c/"), "a/c");
        assert_eq!(clean("/a"), "a");
        assert_eq!(clean("/"), ".");
        assert_eq!(clean("../a"), "../a");
        assert_eq!(Pattern::new(" ! /x/ ").unwrap().text, "x");
        assert!(Pattern::new("!x").unwrap().exception);
    }

    #[test]
    fn star_and_question_stay_in_one_component() {
        assert!(ignored(&["*.txt"], "a.txt"));
        assert!(!ignored(&["*.txt"], "d/a.txt"));
        assert!(ignored(&["*/*.txt"], "d/a.txt"));
        assert!(ignored(&["a?c"], "abc"));
        assert!(!ignored(&["a?c"], "a/c"));
        assert!(ignored(&["a*"], "a/b/c"), "a parent matches");
    }

    #[test]
    fn double_star_spans_directories() {
        assert!(ignored(&["**/*.go"], "a.go"));
        assert!(ignored(&["**/*.go"], "x/y/a.go"));
        assert!(!ignored(&["**/*.go"], "x/y/a.gox"));
        assert!(ignored(&["a/**/b"], "a/b"));
        assert!(ignored(&["a/**/b"], "a/x/y/b"));
        assert!(ignored(&["a/**"], "a/x/y"));
        assert!(ignored(&["**"], "anything/at/all"));
        assert!(!ignored(&["a/**/b"], "ab"));
    }

    #[test]
    fn classes_and_escapes() {
        assert!(ignored(&["[a-c]x"], "bx"));
        assert!(!ignored(&["[a-c]x"], "dx"));
        assert!(ignored(&["[!a-c]x"], "dx"));
        assert!(ignored(&["[^a]x"], "bx"));
        assert!(!ignored(&["[^a]x"], "ax"));
        assert!(ignored(&["\\*x"], "*x"));
        assert!(!ignored(&["\\*x"], "ax"));
        assert!(ignored(&["[]]"], "]"));
        assert!(Matcher::new(&["a["]).is_err());
        assert!(Matcher::new(&["a\\"]).is_err());
        assert_eq!(
            Matcher::new(&["[b-a]"]).unwrap_err().to_string(),
            "bad pattern \"[b-a]\": a range out of order"
        );
    }

    #[test]
    fn later_patterns_win_and_exceptions_reach_inside_ignored_dirs() {
        let m = Matcher::new(&["*.md", "!README.md", "README*.md"]).unwrap();
        assert!(m.is_ignored("a.md"));
        assert!(m.is_ignored("README.md"));
        let m = Matcher::new(&["*.md", "!README.md"]).unwrap();
        assert!(!m.is_ignored("README.md"));
        assert!(m.is_ignored("CHANGES.md"));
        let m = Matcher::new(&["docs", "!docs/keep.txt"]).unwrap();
        assert!(m.is_ignored("docs"));
        assert!(m.is_ignored("docs/other.txt"));
        assert!(!m.is_ignored("docs/keep.txt"));
        assert!(m.has_exceptions());
        let m = Matcher::new(&["**", "!src/**", "src/**/*.tmp"]).unwrap();
        assert!(m.is_ignored("Dockerfile"));
        assert!(!m.is_ignored("src/a/b.rs"));
        assert!(m.is_ignored("src/a/b.tmp"));
    }

    #[test]
    fn leading_slash_and_dot_slash_are_the_root() {
        assert!(ignored(&["/secret"], "secret"));
        assert!(ignored(&["./secret/"], "secret/x"));
        assert!(!ignored(&["secret"], "a/secret"));
        assert!(ignored(&["secret"], "./secret"));
        assert!(!ignored(&["/"], "x"));
    }

    #[test]
    fn files_have_comments_and_blank_lines() {
        let m = Matcher::parse_file("# a comment\n\n*.log\n  \n!keep.log\n#*.txt\n").unwrap();
        assert_eq!(m.patterns().collect::<Vec<_>>(), ["*.log", "!keep.log"]);
        assert!(m.is_ignored("x.log"));
        assert!(!m.is_ignored("keep.log"));
        assert!(!m.is_ignored("x.txt"));
        assert!(Matcher::parse_file("").unwrap().is_empty());
    }
}
