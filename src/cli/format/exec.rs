//! Executing a tree over a JSON value.

use super::*;

#[derive(PartialEq)]
pub(super) enum Flow {
    Normal,
    Break,
    Continue,
}

pub(super) struct Exec<'t> {
    pub(super) t: &'t Template,
    pub(super) vars: Vec<(String, Value)>,
    pub(super) out: String,
}

/// Go's truth: false, 0, nil and empty strings, lists and maps are false.
pub(super) fn truthy(v: &Value) -> bool {
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

    pub(super) fn walk(&mut self, dot: &Value, nodes: &[Node]) -> Result<Flow, FormatError> {
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

    pub(super) fn range(
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

    pub(super) fn pipeline(&mut self, dot: &Value, p: &Pipeline) -> Result<Value, FormatError> {
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

    pub(super) fn command(
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

    pub(super) fn operand(&mut self, dot: &Value, op: &Operand) -> Result<Value, FormatError> {
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

    pub(super) fn fields(
        &self,
        mut v: Value,
        chain: &[String],
        pos: usize,
    ) -> Result<Value, FormatError> {
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

pub(super) fn sorted(m: Map<String, Value>) -> Vec<(String, Value)> {
    let mut v: Vec<(String, Value)> = m.into_iter().collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}
