//! The interactive layer explorer, laid out as dive's: the layers, the
//! selected layer's details and the image's on the left, the file tree of
//! the image up to the selected layer on the right, marked with what the
//! layer adds (green), changes (yellow) and removes (red).
//!
//! Keys (dive's): Tab switches panes; arrows and PgUp/PgDn move; in the
//! layers pane ^L shows the selected layer's changes, ^A the changes of
//! every layer up to it; in the tree, Space collapses or expands a
//! directory, ^Space all of them, ^A ^R ^M ^U show or hide added,
//! removed, modified and unmodified entries, ^B the attributes, ^F a
//! path filter; q or ^C quits.

use crate::explore::human::bytes;
use crate::explore::tree::{Diff, FileTree, NodeId};
use crate::explore::{compare_ranges, file_table_row, Analysis};
use anyhow::{Context, Result};
use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::ExecutableCommand;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::{Frame, Terminal};
use std::collections::HashSet;
use std::io::{self, Stdout};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Pane {
    Layers,
    Tree,
}

struct View<'a> {
    a: &'a Analysis,
    source: String,
    color: bool,
    pane: Pane,
    layer: usize,
    aggregated: bool,
    tree: FileTree,
    /// Collapsed directories, by path (kept across layers).
    collapsed: HashSet<String>,
    /// Shown: added, removed, modified, unmodified.
    show: [bool; 4],
    attributes: bool,
    filter: String,
    editing_filter: bool,
    rows: Vec<Row>,
    cursor: usize,
    top: usize,
    /// Rows the tree pane shows (set at each draw).
    page: usize,
}

struct Row {
    node: NodeId,
    /// `│   ` or `    ` per ancestor, then `├── ` or `└── `.
    prefix: String,
}

/// Restores the terminal however the view ends (an error, a panic).
struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        let _ = terminal::disable_raw_mode();
        let _ = io::stdout().execute(LeaveAlternateScreen);
        let _ = io::stdout().execute(crossterm::cursor::Show);
    }
}

/// Run the view until the user quits; `color`: changes in colours (else
/// marks).
pub fn run(a: &Analysis, source: String, color: bool) -> Result<()> {
    view(a, source, color).context("the terminal")
}

fn view(a: &Analysis, source: String, color: bool) -> Result<()> {
    let mut v = View {
        a,
        source,
        color,
        pane: Pane::Layers,
        layer: 0,
        aggregated: false,
        tree: a.compared(0, false),
        collapsed: HashSet::new(),
        show: [true; 4],
        attributes: true,
        filter: String::new(),
        editing_filter: false,
        rows: Vec::new(),
        cursor: 0,
        top: 0,
        page: 10,
    };
    v.rebuild_rows();
    // A panic's message must reach the normal screen: give the terminal
    // back before the default hook prints.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        drop(Restore);
        previous(info);
    }));
    terminal::enable_raw_mode()?;
    let _restore = Restore;
    io::stdout().execute(EnterAlternateScreen)?;
    let mut term: Terminal<CrosstermBackend<Stdout>> =
        Terminal::new(CrosstermBackend::new(io::stdout()))?;
    term.clear()?;
    loop {
        term.draw(|f| v.draw(f))?;
        match event::read()? {
            Event::Key(k) if k.kind != KeyEventKind::Release && !v.key(k) => return Ok(()),
            // A resize (or any other event) redraws on the next turn.
            _ => {}
        }
    }
}

fn ctrl(k: &KeyEvent, c: char) -> bool {
    k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char(c)
}

impl View<'_> {
    fn select_layer(&mut self, i: usize) {
        self.layer = i;
        self.tree = self.a.compared(i, self.aggregated);
        self.rebuild_rows();
    }

    /// Handle a key; `false` to quit.
    fn key(&mut self, k: KeyEvent) -> bool {
        if ctrl(&k, 'c') {
            return false;
        }
        if self.editing_filter {
            match k.code {
                KeyCode::Enter | KeyCode::Esc => self.editing_filter = false,
                KeyCode::Backspace => {
                    self.filter.pop();
                    self.rebuild_rows();
                }
                KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => {
                    self.filter.push(c);
                    self.rebuild_rows();
                }
                _ if ctrl(&k, 'f') => self.close_filter(),
                _ => {}
            }
            return true;
        }
        if k.code == KeyCode::Char('q') && k.modifiers.is_empty() {
            return false;
        }
        if k.code == KeyCode::Tab {
            self.pane = match self.pane {
                Pane::Layers => Pane::Tree,
                Pane::Tree => Pane::Layers,
            };
            return true;
        }
        // ^/ arrives as ^7 from most terminals.
        if ctrl(&k, 'f') || ctrl(&k, '/') || ctrl(&k, '7') {
            if self.filter.is_empty() && !self.editing_filter {
                self.editing_filter = true;
            } else {
                self.close_filter();
            }
            return true;
        }
        let n = self.a.layers.len();
        match self.pane {
            Pane::Layers => match k.code {
                KeyCode::Up if self.layer > 0 => self.select_layer(self.layer - 1),
                KeyCode::Down if self.layer + 1 < n => self.select_layer(self.layer + 1),
                KeyCode::PageUp => self.select_layer(self.layer.saturating_sub(5)),
                KeyCode::PageDown if n > 0 => self.select_layer((self.layer + 5).min(n - 1)),
                _ if ctrl(&k, 'l') => {
                    self.aggregated = false;
                    self.select_layer(self.layer);
                }
                _ if ctrl(&k, 'a') => {
                    self.aggregated = true;
                    self.select_layer(self.layer);
                }
                _ => {}
            },
            Pane::Tree => {
                let last = self.rows.len().saturating_sub(1);
                match k.code {
                    KeyCode::Up => self.cursor = self.cursor.saturating_sub(1),
                    KeyCode::Home => self.cursor = 0,
                    KeyCode::End => self.cursor = last,
                    KeyCode::Down => self.cursor = (self.cursor + 1).min(last),
                    KeyCode::PageUp => self.cursor = self.cursor.saturating_sub(self.page),
                    KeyCode::PageDown => self.cursor = (self.cursor + self.page).min(last),
                    KeyCode::Left => {
                        if let Some(r) = self.rows.get(self.cursor) {
                            let parent = self.tree.node(r.node).parent();
                            if let Some(i) = self.rows.iter().position(|r| r.node == parent) {
                                self.cursor = i;
                            }
                        }
                    }
                    KeyCode::Right => {
                        if let Some(r) = self.rows.get(self.cursor) {
                            let p = self.tree.path(r.node);
                            if self.collapsed.remove(&p) {
                                self.rebuild_rows();
                            } else if self.cursor < last {
                                self.cursor += 1;
                            }
                        }
                    }
                    KeyCode::Char(' ') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                        self.toggle_all()
                    }
                    KeyCode::Null => self.toggle_all(),
                    KeyCode::Char(' ') => self.toggle_collapse(),
                    _ if ctrl(&k, 'a') => self.toggle_show(0),
                    _ if ctrl(&k, 'r') => self.toggle_show(1),
                    // ^M arrives as Enter.
                    KeyCode::Enter => self.toggle_show(2),
                    _ if ctrl(&k, 'm') => self.toggle_show(2),
                    _ if ctrl(&k, 'u') => self.toggle_show(3),
                    _ if ctrl(&k, 'b') => self.attributes = !self.attributes,
                    _ => {}
                }
            }
        }
        true
    }

    fn close_filter(&mut self) {
        self.editing_filter = false;
        self.filter.clear();
        self.rebuild_rows();
    }

    fn toggle_show(&mut self, i: usize) {
        self.show[i] = !self.show[i];
        self.rebuild_rows();
    }

    fn toggle_collapse(&mut self) {
        let Some(r) = self.rows.get(self.cursor) else {
            return;
        };
        if self.tree.node(r.node).is_leaf() {
            return;
        }
        let p = self.tree.path(r.node);
        if !self.collapsed.remove(&p) {
            self.collapsed.insert(p);
        }
        self.rebuild_rows();
    }

    /// Collapse every directory, or expand all when some are collapsed.
    fn toggle_all(&mut self) {
        if self.collapsed.is_empty() {
            for n in self.tree.parent_first() {
                if !self.tree.node(n).is_leaf() {
                    self.collapsed.insert(self.tree.path(n));
                }
            }
        } else {
            self.collapsed.clear();
        }
        self.rebuild_rows();
    }

    fn shown(&self, d: Diff) -> bool {
        self.show[match d {
            Diff::Added => 0,
            Diff::Removed => 1,
            Diff::Modified => 2,
            Diff::Unmodified => 3,
        }]
    }

    /// The rows of the tree pane: parents first, children in name order,
    /// without hidden kinds, collapsed contents or what the filter drops
    /// (a directory stays when something under it matches).
    fn rebuild_rows(&mut self) {
        let t = &self.tree;
        // Which nodes the filter keeps: a match, or above one.
        let keep: Option<HashSet<NodeId>> = (!self.filter.is_empty()).then(|| {
            let mut keep = HashSet::new();
            for n in t.parent_first() {
                if t.path(n).contains(self.filter.as_str()) {
                    let mut at = n;
                    while at != 0 && keep.insert(at) {
                        at = t.node(at).parent();
                    }
                }
            }
            keep
        });
        let mut rows = Vec::new();
        // (node, prefix of its children)
        let mut stack: Vec<(NodeId, String, bool)> = Vec::new();
        let visible = |n: NodeId| {
            let node = t.node(n);
            self.shown(node.diff) && keep.as_ref().is_none_or(|k| k.contains(&n))
        };
        let push_children = |stack: &mut Vec<(NodeId, String, bool)>, n: NodeId, prefix: &str| {
            let kids: Vec<NodeId> = t
                .node(n)
                .children
                .values()
                .copied()
                .filter(|&c| visible(c))
                .collect();
            let count = kids.len();
            for (i, c) in kids.into_iter().enumerate().rev() {
                stack.push((c, prefix.to_string(), i + 1 == count));
            }
        };
        push_children(&mut stack, 0, "");
        while let Some((n, prefix, last)) = stack.pop() {
            let branch = if last { "└── " } else { "├── " };
            rows.push(Row {
                node: n,
                prefix: format!("{prefix}{branch}"),
            });
            let node = t.node(n);
            if !node.is_leaf() && !self.collapsed.contains(&t.path(n)) {
                let child_prefix = format!("{prefix}{}", if last { "    " } else { "│   " });
                push_children(&mut stack, n, &child_prefix);
            }
        }
        self.rows = rows;
        self.cursor = self.cursor.min(self.rows.len().saturating_sub(1));
    }

    fn style(&self, s: Style) -> Style {
        if self.color {
            s
        } else {
            Style::default().add_modifier(s.add_modifier)
        }
    }

    fn draw(&mut self, f: &mut Frame) {
        let area = f.area();
        let outer = Layout::default()
            .direction(Direction::Vertical)
            .constraints([Constraint::Min(3), Constraint::Length(1)])
            .split(area);
        let cols = Layout::default()
            .direction(Direction::Horizontal)
            .constraints([Constraint::Percentage(50), Constraint::Percentage(50)])
            .split(outer[0]);
        let layers_h = (self.a.layers.len() as u16 + 3)
            .min(cols[0].height / 2)
            .max(4);
        let left = Layout::default()
            .direction(Direction::Vertical)
            .constraints([
                Constraint::Length(layers_h),
                Constraint::Length(6),
                Constraint::Min(3),
            ])
            .split(cols[0]);
        self.draw_layers(f, left[0]);
        self.draw_layer_details(f, left[1]);
        self.draw_image_details(f, left[2]);
        self.draw_tree(f, cols[1]);
        self.draw_status(f, outer[1]);
    }

    fn block<'b>(&self, title: &'b str, focused: bool) -> Block<'b> {
        let b = Block::default().borders(Borders::ALL).title(title);
        if focused {
            b.border_style(
                self.style(
                    Style::default()
                        .fg(Color::Cyan)
                        .add_modifier(Modifier::BOLD),
                ),
            )
        } else {
            b
        }
    }

    fn draw_layers(&self, f: &mut Frame, r: Rect) {
        let title = format!("Layers ({} / {})", self.layer + 1, self.a.layers.len());
        let mut lines = vec![Line::from(format!("Cmp{:>7}  {}", "Size", "Command"))];
        let (bottom, top) = compare_ranges(self.layer, self.aggregated);
        let inner_h = r.height.saturating_sub(3) as usize;
        let first = self.layer.saturating_sub(inner_h.saturating_sub(1));
        for l in self.a.layers.iter().skip(first).take(inner_h) {
            let bar = if (top.0..=top.1).contains(&l.index) {
                self.style(Style::default().bg(Color::Magenta))
            } else if (bottom.0..=bottom.1).contains(&l.index) {
                self.style(Style::default().bg(Color::Green))
            } else {
                Style::default()
            };
            let what = if l.index == 0 {
                format!("FROM {}", l.id.chars().take(15).collect::<String>())
            } else {
                l.command.replace('\n', "↵")
            };
            let text = format!(" {:>7}  {what}", bytes(l.size));
            let row_style = if l.index == self.layer {
                Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
            } else {
                Style::default()
            };
            lines.push(Line::from(vec![
                Span::styled("  ", bar),
                Span::styled(text, row_style),
            ]));
        }
        let block = self.block(&title, self.pane == Pane::Layers);
        f.render_widget(Paragraph::new(lines).block(block), r);
    }

    fn draw_layer_details(&self, f: &mut Frame, r: Rect) {
        let Some(l) = self.a.layers.get(self.layer) else {
            return;
        };
        let bold = Style::default().add_modifier(Modifier::BOLD);
        let lines = vec![
            Line::from(vec![
                Span::styled("Id:      ", bold),
                Span::raw(l.id.clone()),
            ]),
            Line::from(vec![
                Span::styled("Digest:  ", bold),
                Span::raw(l.digest.clone()),
            ]),
            Line::from(vec![
                Span::styled("Command: ", bold),
                Span::raw(l.command.replace('\n', "↵")),
            ]),
        ];
        f.render_widget(
            Paragraph::new(lines).block(self.block("Layer Details", false)),
            r,
        );
    }

    fn draw_image_details(&self, f: &mut Frame, r: Rect) {
        let a = self.a;
        let bold = Style::default().add_modifier(Modifier::BOLD);
        let mut lines = vec![
            Line::from(vec![
                Span::styled("Image name: ", bold),
                Span::raw(self.source.clone()),
            ]),
            Line::from(vec![
                Span::styled("Total Image size: ", bold),
                Span::raw(bytes(a.size_bytes)),
            ]),
            Line::from(vec![
                Span::styled("Potential wasted space: ", bold),
                Span::raw(bytes(a.wasted_bytes)),
            ]),
            Line::from(vec![
                Span::styled("Image efficiency score: ", bold),
                Span::raw(format!("{} %", (100.0 * a.efficiency) as i64)),
            ]),
            Line::from(" "),
            Line::from(Span::styled(
                file_table_row("Count", "Total Space", "Path"),
                bold,
            )),
        ];
        for i in a.inefficiencies.iter().take(r.height as usize) {
            lines.push(Line::from(file_table_row(
                &i.count.to_string(),
                &bytes(i.size),
                &i.path,
            )));
        }
        f.render_widget(
            Paragraph::new(lines).block(self.block("Image Details", false)),
            r,
        );
    }

    fn draw_tree(&mut self, f: &mut Frame, r: Rect) {
        let title = if self.aggregated {
            "Aggregated Layer Contents"
        } else {
            "Current Layer Contents"
        };
        let inner_h = r.height.saturating_sub(3) as usize;
        self.page = inner_h.max(1);
        if self.cursor < self.top {
            self.top = self.cursor;
        } else if self.cursor >= self.top + self.page {
            self.top = self.cursor + 1 - self.page;
        }
        // dive hides the attributes in a narrow pane.
        let attributes = self.attributes && r.width >= 60;
        let mut lines = Vec::new();
        if attributes {
            lines.push(Line::from(format!(
                "{:<10} {:>11} {:>10}  {}",
                "Permission", "UID:GID", "Size", "Filetree"
            )));
        } else {
            lines.push(Line::from("Filetree"));
        }
        for (i, row) in self.rows.iter().enumerate().skip(self.top).take(self.page) {
            let node = self.tree.node(row.node);
            let info = &node.info;
            let (color, mark) = match node.diff {
                Diff::Added => (Color::Green, "+"),
                Diff::Removed => (Color::Red, "-"),
                Diff::Modified => (Color::Yellow, "~"),
                Diff::Unmodified => (Color::Reset, " "),
            };
            let mut text = String::new();
            if attributes {
                let kind = if info.is_dir { 'd' } else { '-' };
                text += &format!(
                    "{kind}{} {:>11} {:>10}  ",
                    perm_string(info.mode),
                    format!("{}:{}", info.uid, info.gid),
                    bytes(self.tree.display_size(row.node))
                );
            }
            if !self.color {
                // Without colour, the change shows as a mark.
                text += mark;
            }
            let collapsed = !node.is_leaf() && self.collapsed.contains(&self.tree.path(row.node));
            let prefix = if collapsed {
                row.prefix.replacen("── ", "─⊕ ", 1)
            } else {
                row.prefix.clone()
            };
            text += &prefix;
            text += &node.name;
            if !info.link.is_empty() && matches!(info.type_flag, b'1' | b'2') {
                text += &format!(" → {}", info.link);
            }
            let mut style = self.style(Style::default().fg(color));
            if i == self.cursor && self.pane == Pane::Tree {
                style = style.add_modifier(Modifier::REVERSED);
            }
            lines.push(Line::from(Span::styled(text, style)));
        }
        let block = self.block(title, self.pane == Pane::Tree);
        f.render_widget(Paragraph::new(lines).block(block), r);
    }

    fn draw_status(&self, f: &mut Frame, r: Rect) {
        let text = if self.editing_filter {
            format!("Path Filter: {}", self.filter)
        } else {
            let mut keys = vec!["^C Quit", "Tab Switch view", "^F Filter"];
            match self.pane {
                Pane::Layers => {
                    keys.extend(["^L Show layer changes", "^A Show aggregated changes"])
                }
                Pane::Tree => keys.extend([
                    "Space Collapse dir",
                    "^Space Collapse all dir",
                    "^A Added",
                    "^R Removed",
                    "^M Modified",
                    "^U Unmodified",
                    "^B Attributes",
                ]),
            }
            let hidden: Vec<&str> = ["added", "removed", "modified", "unmodified"]
                .iter()
                .zip(self.show)
                .filter(|(_, s)| !s)
                .map(|(n, _)| *n)
                .collect();
            let mut s = keys.iter().map(|k| format!("▏{k} ")).collect::<String>();
            if !hidden.is_empty() {
                s += &format!("▏hidden: {}", hidden.join(","));
            }
            if !self.filter.is_empty() {
                s += &format!("▏filter: {}", self.filter);
            }
            s
        };
        f.render_widget(Paragraph::new(text), r);
    }
}

/// `rwxr-xr-x` of a Go file mode (with s/t for the special bits).
fn perm_string(mode: u32) -> String {
    use crate::explore::tree::mode as m;
    let mut s: Vec<char> = "rwxrwxrwx"
        .chars()
        .enumerate()
        .map(|(i, c)| if mode & (1 << (8 - i)) != 0 { c } else { '-' })
        .collect();
    if mode & m::SETUID != 0 {
        s[2] = if s[2] == 'x' { 's' } else { 'S' };
    }
    if mode & m::SETGID != 0 {
        s[5] = if s[5] == 'x' { 's' } else { 'S' };
    }
    if mode & m::STICKY != 0 {
        s[8] = if s[8] == 'x' { 't' } else { 'T' };
    }
    s.into_iter().collect()
}
