//! The layer explorer's analysis, in dive's model so that the figures
//! agree with dive's: per layer its tree, size and command; for the image
//! its size, the bytes that later layers overwrite or remove (wasted), an
//! efficiency score, and the inefficient files. Pure: the layers' entries
//! come in (from the store's tar-splits or an archive), figures go out.

pub mod ci;
pub mod human;
pub mod json;
mod sort;
pub mod tree;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tree::FileTree;

/// One layer, as the source describes it.
pub struct LayerInput {
    /// How the source names the layer (dive's `id`: the first path
    /// segment of its tar in a docker-archive).
    pub id: String,
    /// The diffID from the image config (dive's `digestId`), empty when
    /// the history has no entry for the layer.
    pub digest: String,
    /// The history's `created_by`, without a leading `/bin/sh -c `.
    pub command: String,
    /// The layer's own tree ([`FileTree::of_layer`] of its entries).
    pub tree: FileTree,
}

pub struct Layer {
    pub index: usize,
    pub id: String,
    pub digest: String,
    pub command: String,
    /// dive's layer size: the header sizes of every entry in its tar.
    pub size: u64,
    pub tree: FileTree,
}

/// A path that occurs in two or more layers (whiteouts count).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inefficiency {
    pub path: String,
    /// The layers it occurs in.
    pub count: usize,
    /// Its size summed over those layers: what dive lists as wasted.
    pub size: u64,
}

pub struct Analysis {
    pub layers: Vec<Layer>,
    pub efficiency: f64,
    pub size_bytes: u64,
    /// Every layer but the first.
    pub user_size_bytes: u64,
    pub wasted_bytes: u64,
    /// `wasted_bytes / user_size_bytes`: NaN or infinite with one layer,
    /// as dive's.
    pub wasted_user_percent: f64,
    /// Largest first, in dive's order.
    pub inefficiencies: Vec<Inefficiency>,
}

/// The layers dive stacks (bottom) and marks the changes of (top), both
/// inclusive, to show layer `i`: the layers below it and `i` itself, or
/// (`aggregated`) layer 0 and layers 1 to `i`.
pub fn compare_ranges(i: usize, aggregated: bool) -> ((usize, usize), (usize, usize)) {
    match (i, aggregated) {
        (0, _) => ((0, 0), (0, 0)),
        (_, true) => ((0, 0), (1, i)),
        (_, false) => ((0, i - 1), (i, i)),
    }
}

/// The inefficient files' table as dive prints it: the header, then one
/// row per file.
pub fn file_table_row(count: &str, size: &str, path: &str) -> String {
    format!("{count:>5}  {size:>12}  {path}")
}

/// dive's layer command: only a leading `/bin/sh -c ` is dropped.
pub fn command_of(created_by: &str) -> String {
    created_by
        .strip_prefix("/bin/sh -c ")
        .unwrap_or(created_by)
        .to_string()
}

impl Analysis {
    pub fn new(inputs: Vec<LayerInput>) -> Analysis {
        let layers: Vec<Layer> = inputs
            .into_iter()
            .enumerate()
            .map(|(index, l)| Layer {
                index,
                id: l.id,
                digest: l.digest,
                command: l.command,
                size: l.tree.file_size,
                tree: l.tree,
            })
            .collect();
        let trees: Vec<&FileTree> = layers.iter().map(|l| &l.tree).collect();
        let (efficiency, inefficiencies) = efficiency(&trees);
        let size_bytes: u64 = layers.iter().map(|l| l.size).sum();
        let user_size_bytes: u64 = layers.iter().skip(1).map(|l| l.size).sum();
        let wasted_bytes: u64 = inefficiencies.iter().map(|i| i.size).sum();
        Analysis {
            efficiency,
            size_bytes,
            user_size_bytes,
            wasted_bytes,
            wasted_user_percent: wasted_bytes as f64 / user_size_bytes as f64,
            inefficiencies,
            layers,
        }
    }

    /// The files whose content decides whether a layer changed them: a
    /// path that is a regular file of one size in two layers or more,
    /// with no digest yet. (layer, node, path in the layer's tar.)
    pub fn content_candidates(&self) -> Vec<(usize, tree::NodeId, String)> {
        let mut by_path: HashMap<String, Vec<(usize, tree::NodeId, u64)>> = HashMap::new();
        for (i, l) in self.layers.iter().enumerate() {
            for n in l.tree.parent_first() {
                let node = l.tree.node(n);
                let info = &node.info;
                if matches!(info.type_flag, b'0' | b'7') && info.content == 0 && !node.is_whiteout()
                {
                    by_path
                        .entry(l.tree.path(n))
                        .or_default()
                        .push((i, n, info.size));
                }
            }
        }
        let mut out = Vec::new();
        for (p, v) in by_path {
            for &(i, n, size) in &v {
                if v.iter().any(|&(j, _, s)| j != i && s == size) {
                    out.push((i, n, p.trim_start_matches('/').to_string()));
                }
            }
        }
        out.sort();
        out
    }

    /// The tree dive shows for layer `i`: the image below it marked with
    /// what layer `i` changes, or (`aggregated`) layer 0 marked with what
    /// layers 1 to `i` change together.
    pub fn compared(&self, i: usize, aggregated: bool) -> FileTree {
        let trees: Vec<&FileTree> = self.layers.iter().map(|l| &l.tree).collect();
        if trees.is_empty() {
            return FileTree::new();
        }
        let (bottom, top) = compare_ranges(i, aggregated);
        let (mut t, _) = tree::stack_range(&trees, bottom.0, Some(bottom.1));
        for upper in &trees[top.0..=top.1] {
            t.compare_and_mark(upper);
        }
        t
    }
}

/// One path of the image, seen in any layer.
struct UnionNode {
    name: Arc<str>,
    parent: u32,
    children: BTreeMap<Arc<str>, u32>,
    /// In the image below the layer being walked (dive's stacked tree).
    present: bool,
    is_dir: bool,
    size: u64,
    /// The layers' leaves at this path so far, their sizes summed, and
    /// the smallest (-1 until one is found: dive's `minDiscoveredSize`).
    nodes: u32,
    cumulative: i64,
    min: i64,
    /// Counts towards the score (dive made its map entry).
    counted: bool,
}

/// Every path of every layer once: a trie through which the layers' nodes
/// of one path meet without path strings, and which also holds the image
/// as stacked below the layer being walked, for whiteouts to measure
/// what they remove.
struct Union {
    nodes: Vec<UnionNode>,
    /// The paths that count towards the score, once each.
    counted: Vec<u32>,
}

impl Union {
    fn new() -> Union {
        Union {
            nodes: vec![UnionNode::new(Arc::from(""), 0)],
            counted: Vec::new(),
        }
    }

    fn id(&mut self, parent: u32, name: &Arc<str>) -> u32 {
        if let Some(&c) = self.nodes[parent as usize].children.get(name) {
            return c;
        }
        let id = self.nodes.len() as u32;
        self.nodes.push(UnionNode::new(name.clone(), parent));
        self.nodes[parent as usize]
            .children
            .insert(name.clone(), id);
        id
    }

    /// `/a/b`.
    fn path(&self, mut id: u32) -> String {
        let mut names = Vec::new();
        while id != 0 {
            let n = &self.nodes[id as usize];
            names.push(&*n.name);
            id = n.parent;
        }
        names.reverse();
        format!("/{}", names.join("/"))
    }

    /// Lay a layer over the stacked image as [`FileTree::stack`] does.
    /// `copy`: the image is this layer itself, whiteout nodes and all (the
    /// start of dive's `StackTreeRange`).
    fn stack(&mut self, t: &FileTree, copy: bool) {
        let mut work = vec![(0usize, 0u32)];
        while let Some((tn, un)) = work.pop() {
            let mut below = Vec::new();
            for (name, &tc) in &t.node(tn).children {
                let node = t.node(tc);
                if node.is_whiteout() && !copy {
                    let target = &name[tree::WHITEOUT.len()..];
                    if let Some(&uc) = self.nodes[un as usize].children.get(target) {
                        if self.nodes[uc as usize].present {
                            self.remove(uc);
                        }
                    }
                    continue;
                }
                let uc = self.id(un, name);
                let u = &mut self.nodes[uc as usize];
                u.present = true;
                u.is_dir = node.info.is_dir;
                u.size = node.info.size;
                below.push((tc, uc));
            }
            work.extend(below.into_iter().rev());
        }
    }

    fn subtree(&self, id: u32) -> Vec<u32> {
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(n) = stack.pop() {
            if self.nodes[n as usize].present {
                out.push(n);
                stack.extend(self.nodes[n as usize].children.values());
            }
        }
        out
    }

    fn remove(&mut self, id: u32) {
        for n in self.subtree(id) {
            self.nodes[n as usize].present = false;
        }
    }

    /// The node of a path in the stacked image.
    fn present(&self, id: u32) -> bool {
        let mut at = id;
        while at != 0 {
            if !self.nodes[at as usize].present {
                return false;
            }
            at = self.nodes[at as usize].parent;
        }
        true
    }
}

impl UnionNode {
    fn new(name: Arc<str>, parent: u32) -> UnionNode {
        UnionNode {
            name,
            parent,
            children: BTreeMap::new(),
            present: false,
            is_dir: false,
            size: 0,
            nodes: 0,
            cumulative: 0,
            min: -1,
            counted: false,
        }
    }
}

/// dive's `Efficiency`: every leaf of every layer's own tree counts
/// towards its path; a path seen in two or more layers is inefficient and
/// all its copies count as wasted. A whiteout of a file costs nothing, of
/// a directory what the directory held below this layer. A whiteout of a
/// path that is not there ends the walk of its layer (and leaves dive's
/// -1 in the score), as dive's does.
fn efficiency(trees: &[&FileTree]) -> (f64, Vec<Inefficiency>) {
    let mut u = Union::new();
    // Paths, in the order each reached two nodes.
    let mut matches: Vec<u32> = Vec::new();
    // Layers stacked so far into `u`'s image (dive's StackTreeRange(0,
    // idx-1) starts from a copy of layer 0, then stacks 0..idx-1), made
    // as whiteouts need it.
    let mut stacked: Option<usize> = None;
    for (idx, tree) in trees.iter().enumerate() {
        // Each node's path (as a directory: whiteout prefix kept).
        let mut ids = vec![0u32; tree.nodes.len()];
        for n in tree.parent_first() {
            let node = tree.node(n);
            ids[n] = u.id(ids[node.parent()], &node.name);
        }
        for n in tree.child_first() {
            let node = tree.node(n);
            if !node.is_leaf() {
                continue;
            }
            let id = if node.is_whiteout() {
                let name: Arc<str> = Arc::from(&node.name[tree::WHITEOUT.len()..]);
                u.id(ids[node.parent()], &name)
            } else {
                ids[n]
            };
            if !u.nodes[id as usize].counted {
                u.nodes[id as usize].counted = true;
                u.counted.push(id);
            }
            let size = if node.is_whiteout() {
                let next = stacked.get_or_insert_with(|| {
                    u.stack(trees[0], true);
                    0
                });
                while *next < idx {
                    u.stack(trees[*next], false);
                    *next += 1;
                }
                if !u.present(id) {
                    break;
                }
                if u.nodes[id as usize].is_dir {
                    u.subtree(id)
                        .iter()
                        .map(|&n| u.nodes[n as usize].size)
                        .sum::<u64>() as i64
                } else {
                    0
                }
            } else {
                node.info.size as i64
            };
            let d = &mut u.nodes[id as usize];
            d.cumulative += size;
            if d.min < 0 || size < d.min {
                d.min = size;
            }
            d.nodes += 1;
            if d.nodes == 2 {
                matches.push(id);
            }
        }
    }
    let (mut min_sum, mut cum_sum) = (0i64, 0i64);
    for &id in &u.counted {
        let d = &u.nodes[id as usize];
        min_sum += d.min;
        cum_sum += d.cumulative;
    }
    let score = if cum_sum == 0 {
        1.0
    } else {
        min_sum as f64 / cum_sum as f64
    };
    let of = |id: &u32| u.nodes[*id as usize].cumulative;
    sort::go_sort_by(&mut matches, |a, b| of(a) < of(b));
    let list = matches
        .iter()
        .rev()
        .map(|&id| {
            let d = &u.nodes[id as usize];
            Inefficiency {
                path: u.path(id),
                count: d.nodes as usize,
                size: d.cumulative.max(0) as u64,
            }
        })
        .collect();
    (score, list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer_tar::Entry;

    fn f(name: &str, size: u64) -> Entry {
        Entry {
            name: name.into(),
            type_flag: b'0',
            link: String::new(),
            size,
            mode: 0o644,
            uid: 0,
            gid: 0,
        }
    }
    fn d(name: &str) -> Entry {
        Entry {
            type_flag: b'5',
            mode: 0o755,
            ..f(name, 0)
        }
    }
    fn layers(ls: Vec<Vec<Entry>>) -> Analysis {
        Analysis::new(
            ls.into_iter()
                .map(|entries| LayerInput {
                    id: String::new(),
                    digest: String::new(),
                    command: String::new(),
                    tree: FileTree::of_layer(&entries),
                })
                .collect(),
        )
    }

    /// The figures dive 0.13.1 gives for the same layers.
    #[test]
    fn figures_agree_with_dive() {
        let a = layers(vec![
            vec![
                d("a/"),
                f("a/f", 1000),
                f("a/g", 300),
                d("b/"),
                f("b/x", 50),
                f("b/y", 70),
                f("top", 10),
                f("c/d/e", 5),
            ],
            vec![
                f("a/f", 2000),
                f(".wh.top", 0),
                d("b/"),
                f("b/.wh..wh..opq", 0),
                f("b/z", 7),
                f("c/.wh.d", 0),
            ],
            vec![f("a/f", 500)],
        ]);
        assert_eq!(a.size_bytes, 3942);
        assert_eq!(a.wasted_bytes, 3510);
        assert_eq!(a.efficiency, 0.23642820903094874);
        let list: Vec<(usize, u64, &str)> = a
            .inefficiencies
            .iter()
            .map(|i| (i.count, i.size, i.path.as_str()))
            .collect();
        assert_eq!(list, [(3, 3500, "/a/f"), (2, 10, "/top")]);
    }

    #[test]
    fn a_removed_directory_costs_what_it_held_and_a_missing_one_ends_the_layer() {
        let a = layers(vec![
            vec![
                d("a/"),
                f("a/f", 1000),
                d("a/s/"),
                f("a/s/q", 40),
                f("keep", 3),
                f("m", 9),
            ],
            vec![f(".wh.a", 0), f(".wh.nothere", 0), f("m", 9), f("zz", 1)],
        ]);
        assert_eq!(a.efficiency, 0.9995219885277247);
        assert!(a.inefficiencies.is_empty());
        assert_eq!(a.size_bytes, 1052 + 10);
    }

    #[test]
    fn one_layer_has_no_user_bytes() {
        let a = layers(vec![vec![f("x", 3)]]);
        assert!(a.wasted_user_percent.is_nan());
        assert_eq!(a.efficiency, 1.0);
    }
}
