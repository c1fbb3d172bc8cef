//! Parsing items into a tree of nodes.

use super::*;

#[derive(Debug, Clone)]
pub(super) enum Node {
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
pub(super) struct Pipeline {
    pub(super) decl: Vec<String>,
    pub(super) assign: bool,
    pub(super) cmds: Vec<Command>,
}

#[derive(Debug, Clone)]
pub(super) struct Command {
    pub(super) args: Vec<Operand>,
}

#[derive(Debug, Clone)]
pub(super) enum Operand {
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
pub(super) fn first_chain(p: &Pipeline) -> Option<&[String]> {
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

pub(super) struct Parser<'a> {
    pub(super) items: &'a [Item],
    pub(super) i: usize,
    /// Variables in scope, for Go's parse-time `undefined variable` check.
    pub(super) vars: Vec<String>,
    pub(super) range_depth: usize,
    pub(super) depth: usize,
}

impl Parser<'_> {
    pub(super) fn parse(&mut self) -> Result<Vec<Node>, Fail> {
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

    pub(super) fn pipeline(&mut self, context: &str, end: &Tok) -> Result<Pipeline, Fail> {
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

    pub(super) fn command(&mut self, context: &str) -> Result<Command, Fail> {
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

    pub(super) fn operand(&mut self) -> Result<Operand, Fail> {
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
