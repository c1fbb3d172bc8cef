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

use crate::layer_tar::Entry;
use std::collections::HashMap;
use tree::{stack_range, FileTree};

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
    pub entries: Vec<Entry>,
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
            .map(|(index, l)| {
                let tree = FileTree::of_layer(&l.entries);
                Layer {
                    index,
                    id: l.id,
                    digest: l.digest,
                    command: l.command,
                    size: tree.file_size,
                    tree,
                }
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

    /// The trees of the layers, bottom first.
    pub fn trees(&self) -> Vec<FileTree> {
        self.layers.iter().map(|l| l.tree.clone()).collect()
    }
}

struct PathData {
    path: String,
    nodes: usize,
    cumulative: i64,
    /// -1 until a size is found (dive's `minDiscoveredSize`).
    min: i64,
}

/// dive's `Efficiency`: every leaf of every layer's own tree counts
/// towards its path; a path seen in two or more layers is inefficient and
/// all its copies count as wasted. A whiteout of a file costs nothing, of
/// a directory what the directory held below this layer. A whiteout of a
/// path that is not there ends the walk of its layer (and leaves dive's
/// -1 in the score), as dive's does.
fn efficiency(trees: &[&FileTree]) -> (f64, Vec<Inefficiency>) {
    let mut data: Vec<PathData> = Vec::new();
    let mut by_path: HashMap<String, usize> = HashMap::new();
    // Indexes into `data`, in the order each path reached two nodes.
    let mut matches: Vec<usize> = Vec::new();
    for (idx, tree) in trees.iter().enumerate() {
        // The image below this layer, made once, when a whiteout needs it.
        let mut below: Option<FileTree> = None;
        for n in tree.child_first() {
            let node = tree.node(n);
            if !node.is_leaf() {
                continue;
            }
            let path = tree.path(n);
            let i = *by_path.entry(path.clone()).or_insert_with(|| {
                data.push(PathData {
                    path,
                    nodes: 0,
                    cumulative: 0,
                    min: -1,
                });
                data.len() - 1
            });
            let size = if node.is_whiteout() {
                let stacked =
                    below.get_or_insert_with(|| stack_range(trees, 0, idx.checked_sub(1)).0);
                match stacked.get(&data[i].path) {
                    Err(_) => break,
                    Ok(prev) if stacked.node(prev).info.is_dir => stacked.subtree_size(prev) as i64,
                    Ok(_) => 0,
                }
            } else {
                node.info.size as i64
            };
            let d = &mut data[i];
            d.cumulative += size;
            if d.min < 0 || size < d.min {
                d.min = size;
            }
            d.nodes += 1;
            if d.nodes == 2 {
                matches.push(i);
            }
        }
    }
    let min_sum: i64 = data.iter().map(|d| d.min).sum();
    let cum_sum: i64 = data.iter().map(|d| d.cumulative).sum();
    let score = if cum_sum == 0 {
        1.0
    } else {
        min_sum as f64 / cum_sum as f64
    };
    sort::go_sort_by(&mut matches, |a, b| {
        data[*a].cumulative < data[*b].cumulative
    });
    let list = matches
        .iter()
        .rev()
        .map(|&i| Inefficiency {
            path: data[i].path.clone(),
            count: data[i].nodes,
            size: data[i].cumulative.max(0) as u64,
        })
        .collect();
    (score, list)
}

#[cfg(test)]
mod tests {
    use super::*;

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
                    entries,
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
