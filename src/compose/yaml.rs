//! A compose file's YAML as a tree whose every node knows the file and
//! line it came from: anchors and aliases resolved, merge keys (`<<`)
//! applied, plain scalars typed as YAML 1.2's core schema types them.
//! The loader interpolates and merges this tree, then hands it to serde
//! as JSON; when serde refuses a field, [`Node::line_of`] finds its line.

use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};
use yaml_rust2::Yaml;

/// Where a node is: the index of its file (in the loader's list) and
/// its line (from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct At {
    pub file: usize,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub at: At,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// `plain`: written without quotes (so a value interpolated into it
    /// is typed again, as `scale: ${N}` means a number).
    Str {
        s: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    /// Keys in the file's order, each once.
    Map(Vec<(String, Node)>),
}

impl Node {
    pub fn new(at: At, value: Value) -> Node {
        Node { at, value }
    }

    pub fn string(at: At, s: &str) -> Node {
        Node::new(
            at,
            Value::Str {
                s: s.to_string(),
                plain: false,
            },
        )
    }

    pub fn map(&self) -> Option<&Vec<(String, Node)>> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn map_mut(&mut self) -> Option<&mut Vec<(String, Node)>> {
        match &mut self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.map()?.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.map_mut()?
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str { s, .. } => Some(s),
            _ => None,
        }
    }

    /// A scalar as text (`80` and `"80"` alike); `None` for a null,
    /// sequence or mapping.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str { s, .. } => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// The JSON serde reads.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str { s, .. } => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }

    /// The node at `path` (keys and sequence indexes from here), or the
    /// deepest one on the way to it.
    pub fn locate(&self, path: &[PathStep]) -> At {
        let mut node = self;
        for step in path {
            let next = match (step, &node.value) {
                (PathStep::Key(k), Value::Map(m)) => {
                    m.iter().find(|(key, _)| key == k).map(|e| &e.1)
                }
                (PathStep::Index(i), Value::Seq(s)) => s.get(*i),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node.at
    }
}

/// One step of a path into the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    Key(String),
    Index(usize),
}

/// The path as compose's messages write it: `services.web.ports[0]`.
pub fn path_text(path: &[PathStep]) -> String {
    let mut out = String::new();
    for s in path {
        match s {
            PathStep::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            PathStep::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Parse one YAML document (`file` is the index stored in each node).
/// An empty document is `Null`. Errors name the line.
pub fn parse(text: &str, file: usize) -> Result<Node, String> {
    // Block nesting takes a column more per level; the parser recurses
    // per level, so a file nested deeper than any compose file would
    // exhaust the stack before it said so (flow nesting it bounds).
    for (n, line) in text.lines().enumerate() {
        // Spaces, and `-` that starts an entry (a line of dashes is text).
        let b = line.as_bytes();
        let mut indent = 0;
        while indent < b.len()
            && (b[indent] == b' '
                || (b[indent] == b'-' && b.get(indent + 1).is_none_or(|c| *c == b' ')))
        {
            indent += 1;
        }
        if indent > MAX_COLUMN {
            return Err(format!(
                "line {}: indented more than {MAX_COLUMN} columns",
                n + 1
            ));
        }
    }
    let mut b = Builder {
        file,
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        docs: Vec::new(),
        error: None,
    };
    Parser::new_from_str(text)
        .load(&mut b, true)
        .map_err(|e| format!("line {}: {}", e.marker().line(), e.info()))?;
    if let Some(e) = b.error {
        return Err(e);
    }
    match b.docs.len() {
        0 => Ok(Node::new(At { file, line: 1 }, Value::Null)),
        1 => Ok(b.docs.pop().expect("one document")),
        _ => Err(format!(
            "line {}: a second YAML document (a compose file holds one)",
            b.docs[1].at.line
        )),
    }
}

enum Frame {
    Seq {
        at: At,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        at: At,
        anchor: usize,
        entries: Vec<(String, Node)>,
        key: Option<(String, At)>,
        /// What `<<` keys bring, in order (the earlier wins).
        merges: Vec<Vec<(String, Node)>>,
    },
}

struct Builder {
    file: usize,
    stack: Vec<Frame>,
    /// Each anchor's node and its size in nodes.
    anchors: HashMap<usize, (Node, usize)>,
    /// Nodes made so far, aliases' copies counted (a bound against a
    /// file of aliases of aliases that would fill the memory).
    nodes: usize,
    docs: Vec<Node>,
    error: Option<String>,
}

impl Builder {
    fn at(&self, mark: Marker) -> At {
        At {
            file: self.file,
            line: mark.line(),
        }
    }

    fn fail(&mut self, at: At, msg: String) {
        if self.error.is_none() {
            self.error = Some(format!("line {}: {msg}", at.line));
        }
    }

    /// A finished node goes into its parent (or is a document).
    fn push(&mut self, node: Node, anchor: usize) {
        if anchor != 0 {
            let size = size(&node);
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                key,
                merges,
                ..
            }) => match key.take() {
                None => {
                    let at = node.at;
                    let Some(k) = node
                        .scalar_text()
                        .or_else(|| matches!(node.value, Value::Null).then(|| "null".to_string()))
                    else {
                        self.fail(at, "a mapping's key must be a scalar".into());
                        return;
                    };
                    if entries.iter().any(|(e, _)| *e == k) {
                        self.fail(at, format!("mapping key {k:?} is given twice"));
                        return;
                    }
                    *key = Some((k, at));
                }
                Some((k, at)) if k == "<<" => match node.value {
                    Value::Map(m) => merges.push(m),
                    Value::Seq(items) => {
                        for i in items {
                            match i.value {
                                Value::Map(m) => merges.push(m),
                                _ => {
                                    self.fail(at, "a merge key (<<) takes mappings".into());
                                    return;
                                }
                            }
                        }
                    }
                    _ => self.fail(at, "a merge key (<<) takes mappings".into()),
                },
                Some((k, _)) => entries.push((k, node)),
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let at = self.at(mark);
        match ev {
            Event::Scalar(s, style, anchor, tag) => {
                let value = match (style, &tag) {
                    (TScalarStyle::Plain, None) => typed(&s),
                    (_, None) => Value::Str { s, plain: false },
                    (_, Some(t)) if t.handle == "tag:yaml.org,2002:" && t.suffix == "str" => {
                        Value::Str { s, plain: false }
                    }
                    (_, Some(t)) => {
                        return self
                            .fail(at, format!("tag {}{} is not supported", t.handle, t.suffix));
                    }
                };
                self.push(Node::new(at, value), anchor);
            }
            Event::Alias(id) => match self.anchors.get(&id) {
                Some((n, size)) => {
                    self.nodes += size;
                    if self.nodes > MAX_NODES {
                        return self.fail(at, "too many nodes through aliases".into());
                    }
                    let n = n.clone();
                    self.push(n, 0)
                }
                None => self.fail(at, "an alias of an unknown anchor".into()),
            },
            Event::SequenceStart(..) | Event::MappingStart(..) if self.stack.len() >= MAX_DEPTH => {
                self.fail(at, format!("nested more than {MAX_DEPTH} deep"))
            }
            Event::SequenceStart(anchor, tag) => {
                if let Some(t) = tag {
                    return self.fail(at, format!("tag {}{} is not supported", t.handle, t.suffix));
                }
                self.stack.push(Frame::Seq {
                    at,
                    anchor,
                    items: Vec::new(),
                })
            }
            Event::MappingStart(anchor, tag) => {
                if let Some(t) = tag {
                    return self.fail(at, format!("tag {}{} is not supported", t.handle, t.suffix));
                }
                self.stack.push(Frame::Map {
                    at,
                    anchor,
                    entries: Vec::new(),
                    key: None,
                    merges: Vec::new(),
                })
            }
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Seq { at, anchor, items }) => {
                    self.push(Node::new(at, Value::Seq(items)), anchor)
                }
                Some(Frame::Map {
                    at,
                    anchor,
                    mut entries,
                    merges,
                    ..
                }) => {
                    for m in merges {
                        for (k, v) in m {
                            if !entries.iter().any(|(e, _)| *e == k) {
                                entries.push((k, v));
                            }
                        }
                    }
                    self.push(Node::new(at, Value::Map(entries)), anchor)
                }
                None => {}
            },
            _ => {}
        }
    }
}

const MAX_NODES: usize = 1_000_000;
/// Deeper than any compose file needs, shallow enough for the
/// recursive walks over the tree.
const MAX_DEPTH: usize = 200;
const MAX_COLUMN: usize = 1000;

fn size(n: &Node) -> usize {
    1 + match &n.value {
        Value::Seq(s) => s.iter().map(size).sum(),
        Value::Map(m) => m.iter().map(|(_, v)| size(v)).sum(),
        _ => 0,
    }
}

/// A plain scalar's type: YAML 1.2's core schema.
pub fn typed(s: &str) -> Value {
    match s {
        "Null" | "NULL" => return Value::Null,
        _ => {}
    }
    match Yaml::from_str(s) {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Integer(i) => Value::Int(i),
        Yaml::Real(r) => match r.parse::<f64>() {
            Ok(f) => Value::Float(f),
            Err(_) => Value::Str {
                s: s.to_string(),
                plain: true,
            },
        },
        _ => Value::Str {
            s: s.to_string(),
            plain: true,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_anchors_and_merge_keys() {
        let text = "\
x-base: &base
  image: busybox
  environment:
    A: \"1\"
services:
  web:
    <<: *base
    image: other
    ports:
      - 80
      - \"8080:80\"
";
        let root = parse(text, 0).unwrap();
        let web = root.get("services").unwrap().get("web").unwrap();
        assert_eq!(web.get("image").unwrap().as_str(), Some("other"));
        assert_eq!(
            web.get("environment").unwrap().get("A").unwrap().as_str(),
            Some("1")
        );
        let ports = web.get("ports").unwrap();
        let Value::Seq(p) = &ports.value else {
            panic!()
        };
        assert_eq!(p[0].value, Value::Int(80));
        assert_eq!(p[1].at.line, 11);
        let at = root.locate(&[
            PathStep::Key("services".into()),
            PathStep::Key("web".into()),
            PathStep::Key("ports".into()),
            PathStep::Index(1),
        ]);
        assert_eq!(at.line, 11);
    }

    #[test]
    fn bad_yaml_names_the_line() {
        let e = parse("a: 1\na: 2\n", 0).unwrap_err();
        assert!(e.starts_with("line 2:"), "{e}");
        let e = parse("a:\n  - b\n c: [\n", 0).unwrap_err();
        assert!(e.starts_with("line "), "{e}");
        assert!(parse("a: *nope\n", 0).is_err());
        assert!(parse("a: 1\n---\nb: 2\n", 0).is_err());
        let deep = "- ".repeat(300) + "x\n";
        assert!(parse(&deep, 0).unwrap_err().contains("nested more than"));
        let deeper = "- ".repeat(100_000) + "x\n";
        assert!(parse(&deeper, 0)
            .unwrap_err()
            .contains("indented more than"));
        let dashes = format!("a: |\n  {}\n", "-".repeat(2000));
        assert!(parse(&dashes, 0).is_ok());
    }
}
