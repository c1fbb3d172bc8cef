//! File trees of layers, in dive's model: one tree per layer built from
//! its tar entries, stacked trees for "the image up to layer N", and
//! diff marks of one tree against another. The quirks are dive's on
//! purpose (whiteouts kept as `.wh.NAME` nodes, opaque markers dropped,
//! implied directories with an empty record), so that every figure agrees
//! with dive's.

use crate::layer_tar::Entry;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Go's `fs.FileMode` bits, as dive reports modes.
pub mod mode {
    pub const DIR: u32 = 1 << 31;
    pub const SYMLINK: u32 = 1 << 27;
    pub const DEVICE: u32 = 1 << 26;
    pub const NAMED_PIPE: u32 = 1 << 25;
    pub const SOCKET: u32 = 1 << 24;
    pub const SETUID: u32 = 1 << 23;
    pub const SETGID: u32 = 1 << 22;
    pub const CHAR_DEVICE: u32 = 1 << 21;
    pub const STICKY: u32 = 1 << 20;
}

/// An entry's record in a tree (dive's `FileInfo`). Directories that a
/// layer implies but does not list have the default (empty) record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileInfo {
    /// The type flag byte; 0 only in the empty record of an implied
    /// directory (a tar's 0 is read as `'0'` or `'5'`, as Go reads it).
    pub type_flag: u8,
    pub is_dir: bool,
    /// The tar name began with `/` (dive's path keeps it).
    pub rooted: bool,
    /// Go's `fs.FileMode`: permission bits plus type and special bits.
    pub mode: u32,
    pub link: Box<str>,
    pub size: u64,
    /// Owners as Linux has them (32 bits; a tar's larger number is
    /// clamped).
    pub uid: u32,
    pub gid: u32,
    /// A digest of the content where the source gave one (0: none): what
    /// tells a modified file from an unmodified one of the same size.
    pub content: u64,
}

impl FileInfo {
    /// The record of a tar entry, as Go's archive/tar and dive read it.
    pub fn from_entry(e: &Entry) -> FileInfo {
        // Go's reader turns the old "regular file" type into a file, or
        // a directory when the name ends in a slash.
        let type_flag = match e.type_flag {
            0 if e.name.ends_with('/') => b'5',
            0 => b'0',
            t => t,
        };
        let mode = go_mode(type_flag, e.mode);
        FileInfo {
            type_flag,
            is_dir: mode & mode::DIR != 0,
            rooted: e.name.starts_with('/'),
            mode,
            link: e.link.as_str().into(),
            size: e.size,
            uid: e.uid.min(u32::MAX.into()) as u32,
            gid: e.gid.min(u32::MAX.into()) as u32,
            content: 0,
        }
    }

    /// dive's comparison: the same type, content, mode and owner is
    /// unmodified (the link target is not compared). Files of different
    /// sizes differ in content whether or not a digest was taken.
    pub fn same_as(&self, o: &FileInfo) -> bool {
        let file = matches!(self.type_flag, b'0' | b'7');
        self.type_flag == o.type_flag
            && self.content == o.content
            && (!file || self.size == o.size)
            && self.mode == o.mode
            && self.uid == o.uid
            && self.gid == o.gid
    }
}

/// A tar header's mode and type as Go's `fs.FileMode`.
pub fn go_mode(type_flag: u8, m: u32) -> u32 {
    let mut g = m & 0o777;
    if m & 0o4000 != 0 {
        g |= mode::SETUID;
    }
    if m & 0o2000 != 0 {
        g |= mode::SETGID;
    }
    if m & 0o1000 != 0 {
        g |= mode::STICKY;
    }
    g |= match m & !0o7777 {
        0o040000 => mode::DIR,
        0o010000 => mode::NAMED_PIPE,
        0o120000 => mode::SYMLINK,
        0o060000 => mode::DEVICE,
        0o020000 => mode::DEVICE | mode::CHAR_DEVICE,
        0o140000 => mode::SOCKET,
        _ => 0,
    };
    g |= match type_flag {
        b'2' => mode::SYMLINK,
        b'3' => mode::DEVICE | mode::CHAR_DEVICE,
        b'4' => mode::DEVICE,
        b'5' => mode::DIR,
        b'6' => mode::NAMED_PIPE,
        _ => 0,
    };
    g
}

/// Go's `path.Clean`, on a tar name.
pub fn clean(p: &str) -> String {
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            c => parts.push(c),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".to_string(),
        (false, false) => body,
    }
}

pub const WHITEOUT: &str = ".wh.";
const WHITEOUT_META: &str = ".wh..wh.";

/// How an entry compares with the tree below it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Diff {
    #[default]
    Unmodified,
    Modified,
    Added,
    Removed,
}

impl Diff {
    fn merge(self, o: Diff) -> Diff {
        if self == o {
            self
        } else {
            Diff::Modified
        }
    }
}

pub type NodeId = usize;

#[derive(Clone, Debug)]
pub struct Node {
    pub name: Arc<str>,
    /// The parent's id (the root's is its own, 0).
    parent: u32,
    /// By name, in byte order (Go's sort.Strings); the keys share the
    /// children's names.
    pub children: BTreeMap<Arc<str>, NodeId>,
    pub info: FileInfo,
    pub diff: Diff,
}

impl Node {
    pub fn is_whiteout(&self) -> bool {
        self.name.starts_with(WHITEOUT)
    }
    pub fn is_leaf(&self) -> bool {
        self.children.is_empty()
    }
    pub fn parent(&self) -> NodeId {
        self.parent as NodeId
    }
}

/// A tree in an arena; node 0 is the root. Removed subtrees stay in the
/// arena, unreachable.
#[derive(Clone, Debug)]
pub struct FileTree {
    pub nodes: Vec<Node>,
    /// The sum of the header sizes of every entry added (dive's
    /// `FileSize`: duplicates and whiteouts count).
    pub file_size: u64,
    /// While built from a stream that carries the files' data: the entry
    /// whose content is being digested.
    digesting: Option<(Option<NodeId>, std::hash::DefaultHasher)>,
}

/// A layer's tree grows as its tar's entries are read.
impl crate::layer_tar::EntrySink for FileTree {
    fn entry(&mut self, e: Entry) {
        self.add_entry(&e);
    }
    fn data(&mut self, bytes: &[u8]) {
        use std::hash::Hasher;
        if let Some((Some(_), h)) = self.digesting.as_mut() {
            h.write(bytes);
        }
    }
}

/// A path that a whiteout or a lookup named but the tree lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError(pub String);

impl Default for FileTree {
    fn default() -> Self {
        FileTree::new()
    }
}

impl FileTree {
    pub fn new() -> FileTree {
        FileTree {
            nodes: vec![Node {
                name: Arc::from(""),
                parent: 0,
                children: BTreeMap::new(),
                info: FileInfo::default(),
                diff: Diff::Unmodified,
            }],
            file_size: 0,
            digesting: None,
        }
    }

    /// An empty tree that, fed from a stream with the files' data (an
    /// archive's layer), records a digest of each file's content.
    pub fn digesting() -> FileTree {
        FileTree {
            digesting: Some((None, Default::default())),
            ..FileTree::new()
        }
    }

    /// Record the digest of the entry being read, if any.
    fn seal_digest(&mut self) {
        use std::hash::Hasher;
        if let Some((last, h)) = self.digesting.as_mut() {
            if let Some(n) = last.take() {
                // 0 is "unknown".
                self.nodes[n].info.content = h.finish().max(1);
            }
            *h = Default::default();
        }
    }

    /// The last entry is read: its digest is recorded.
    pub fn finish_entries(&mut self) {
        self.seal_digest();
        self.digesting = None;
    }

    /// Set the digest of a file's content (read by whoever has it).
    pub fn set_content(&mut self, n: NodeId, digest: u64) {
        self.nodes[n].info.content = digest.max(1);
    }

    /// A digest of `bytes`, as [`FileTree::digesting`] makes them.
    pub fn digest_of(r: &mut impl std::io::Read) -> std::io::Result<u64> {
        use std::hash::Hasher;
        let mut h = std::hash::DefaultHasher::default();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = r.read(&mut buf)?;
            if n == 0 {
                return Ok(h.finish().max(1));
            }
            h.write(&buf[..n]);
        }
    }

    /// The tree of one layer, from its entries in tar order.
    pub fn of_layer(entries: &[Entry]) -> FileTree {
        let mut t = FileTree::new();
        for e in entries {
            t.add_entry(e);
        }
        t
    }

    /// Add the next entry of the layer's tar.
    pub fn add_entry(&mut self, e: &Entry) {
        self.seal_digest();
        let name = clean(&e.name);
        if name == "." {
            return;
        }
        let info = FileInfo::from_entry(e);
        let file = matches!(info.type_flag, b'0' | b'7');
        self.file_size += info.size;
        let n = self.add_clean(&name, info);
        if let Some((last, _)) = self.digesting.as_mut() {
            *last = n.filter(|_| file);
        }
    }

    pub fn root(&self) -> NodeId {
        0
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    /// Add (or overwrite the record of) the node at `path`, making the
    /// missing directories on the way with empty records. A missing
    /// component that is a whiteout meta name (`.wh..wh.opq`) adds
    /// nothing. Returns the node, or `None` when nothing was added.
    pub fn add_path(&mut self, path: &str, info: FileInfo) -> Option<NodeId> {
        self.add_clean(&clean(path), info)
    }

    fn add_clean(&mut self, p: &str, info: FileInfo) -> Option<NodeId> {
        let mut at = 0;
        for c in p.split('/').filter(|c| !c.is_empty()) {
            at = match self.nodes[at].children.get(c) {
                Some(&n) => n,
                None => {
                    if c.starts_with(WHITEOUT_META) {
                        return None;
                    }
                    self.child(at, Arc::from(c))
                }
            };
        }
        if at == 0 {
            return None;
        }
        self.nodes[at].info = info;
        Some(at)
    }

    /// A new child `name` of `at`, with an empty record.
    fn child(&mut self, at: NodeId, name: Arc<str>) -> NodeId {
        self.nodes.push(Node {
            name: name.clone(),
            parent: at as u32,
            children: BTreeMap::new(),
            info: FileInfo::default(),
            diff: Diff::Unmodified,
        });
        let n = self.nodes.len() - 1;
        self.nodes[at].children.insert(name, n);
        n
    }

    /// The node at `path` (`/a/b` or `a/b`).
    pub fn get(&self, path: &str) -> Result<NodeId, PathError> {
        let mut at = 0;
        for c in path.split('/').filter(|c| !c.is_empty()) {
            at = *self.nodes[at]
                .children
                .get(c)
                .ok_or_else(|| PathError(path.to_string()))?;
        }
        Ok(at)
    }

    fn detach(&mut self, n: NodeId) {
        if n != 0 {
            let p = self.nodes[n].parent();
            let name = self.nodes[n].name.clone();
            self.nodes[p].children.remove(&name);
        }
    }

    /// The names from the root down to `id`.
    fn names(&self, mut id: NodeId) -> Vec<&str> {
        let mut names = Vec::new();
        while id != 0 {
            names.push(&*self.nodes[id].name);
            id = self.nodes[id].parent();
        }
        names.reverse();
        names
    }

    /// dive's `Path()`: `/` and the names from the root, the last one
    /// without its whiteout prefix.
    pub fn path(&self, id: NodeId) -> String {
        let names = self.names(id);
        let mut p = String::from("/");
        for (i, n) in names.iter().enumerate() {
            if i > 0 {
                p.push('/');
            }
            if i + 1 == names.len() {
                p.push_str(n.strip_prefix(WHITEOUT).unwrap_or(n));
            } else {
                p.push_str(n);
            }
        }
        p
    }

    /// The path dive's record of `id` holds: the cleaned tar name (a
    /// leading `/` kept as the tar wrote it), empty for an implied
    /// directory.
    pub fn record_path(&self, id: NodeId) -> String {
        let info = &self.nodes[id].info;
        if info.type_flag == 0 {
            return String::new();
        }
        let joined = self.names(id).join("/");
        if info.rooted {
            format!("/{joined}")
        } else {
            joined
        }
    }

    /// Every node but the root, children (in name order) before their
    /// parent: dive's `VisitDepthChildFirst`.
    pub fn child_first(&self) -> Vec<NodeId> {
        let mut out = Vec::with_capacity(self.nodes.len());
        // (node, children done)
        let mut stack = vec![(0usize, false)];
        while let Some((n, done)) = stack.pop() {
            if done {
                if n != 0 {
                    out.push(n);
                }
                continue;
            }
            stack.push((n, true));
            for &c in self.nodes[n].children.values().rev() {
                stack.push((c, false));
            }
        }
        out
    }

    /// Every node but the root, parents first, children in name order.
    pub fn parent_first(&self) -> Vec<NodeId> {
        let mut out = Vec::with_capacity(self.nodes.len());
        let mut stack: Vec<NodeId> = self.nodes[0].children.values().rev().copied().collect();
        while let Some(n) = stack.pop() {
            out.push(n);
            stack.extend(self.nodes[n].children.values().rev());
        }
        out
    }

    /// dive's `GetSize`: a file's size; a directory's sum over itself and
    /// what is under it, without what is marked removed (unless the
    /// directory is).
    pub fn display_size(&self, id: NodeId) -> u64 {
        let n = &self.nodes[id];
        if n.is_leaf() {
            return n.info.size;
        }
        let removed = n.diff == Diff::Removed;
        let mut sum = 0;
        let mut stack = vec![id];
        while let Some(x) = stack.pop() {
            let node = &self.nodes[x];
            if removed || node.diff != Diff::Removed {
                sum += node.info.size;
            }
            stack.extend(node.children.values());
        }
        sum
    }

    /// Lay `upper` over this tree, as dive stacks layers: whiteouts remove
    /// their path, every other node of `upper` is added or overwrites the
    /// record. Paths a whiteout names but this tree lacks are returned.
    ///
    /// dive adds each path of `upper` in turn; merging the two trees
    /// directory by directory, siblings in name order, ends in the same
    /// tree without making a path string per node. One case differs: a
    /// directory whose own name starts with `.wh.` (a whiteout with
    /// children) removes its target here, while dive also adds the
    /// children under the whiteout's own name.
    pub fn stack(&mut self, upper: &FileTree) -> Vec<PathError> {
        let mut errors = Vec::new();
        // (node of upper, node here)
        let mut work = vec![(0usize, 0usize)];
        while let Some((un, ln)) = work.pop() {
            let mut below = Vec::new();
            for (name, &uc) in &upper.nodes[un].children {
                if upper.nodes[uc].is_whiteout() {
                    let target = &name[WHITEOUT.len()..];
                    match self.nodes[ln].children.get(target) {
                        Some(&lc) => self.detach(lc),
                        None => errors.push(PathError(upper.path(uc))),
                    }
                } else {
                    let lc = match self.nodes[ln].children.get(name) {
                        Some(&lc) => lc,
                        None => self.child(ln, name.clone()),
                    };
                    self.nodes[lc].info = upper.nodes[uc].info.clone();
                    below.push((uc, lc));
                }
            }
            // Each sibling's subtree before the next sibling's.
            work.extend(below.into_iter().rev());
        }
        errors
    }

    /// Mark this tree with how `upper` changes it (dive's
    /// `CompareAndMark`): removed, added, modified; a directory that holds
    /// a change is modified. Marks already set are kept.
    pub fn compare_and_mark(&mut self, upper: &FileTree) -> Vec<PathError> {
        enum Mark {
            Removed(NodeId),
            Added(NodeId, FileInfo),
            Changed(NodeId, Diff, FileInfo),
        }
        let mut errors = Vec::new();
        let mut marks = Vec::new();
        for n in upper.child_first() {
            let path = upper.path(n);
            let un = &upper.nodes[n];
            if un.is_whiteout() {
                match self.get(&path) {
                    Ok(l) => marks.push(Mark::Removed(l)),
                    Err(e) => errors.push(e),
                }
                continue;
            }
            match self.get(&path) {
                Err(_) => {
                    let before = self.nodes.len();
                    if let Some(added) = self.add_path(&path, un.info.clone()) {
                        // Every node the path made, deepest first.
                        let mut made: Vec<NodeId> = (before..self.nodes.len()).collect();
                        made.reverse();
                        if !made.contains(&added) {
                            made.insert(0, added);
                        }
                        for m in made {
                            marks.push(Mark::Added(m, un.info.clone()));
                        }
                    }
                }
                Ok(l) => {
                    let d = if self.nodes[l].info.same_as(&un.info) {
                        Diff::Unmodified
                    } else {
                        Diff::Modified
                    };
                    marks.push(Mark::Changed(l, d, un.info.clone()));
                }
            }
        }
        for m in marks {
            match m {
                Mark::Removed(l) => {
                    let mut stack = vec![l];
                    while let Some(x) = stack.pop() {
                        self.nodes[x].diff = Diff::Removed;
                        stack.extend(self.nodes[x].children.values());
                    }
                }
                Mark::Added(n, info) => {
                    self.nodes[n].diff = Diff::Added;
                    self.nodes[n].info = info;
                }
                Mark::Changed(l, d, info) => {
                    if self.nodes[l].diff == Diff::Unmodified {
                        let mut d = d;
                        for &c in self.nodes[l].children.values() {
                            d = d.merge(self.nodes[c].diff);
                        }
                        self.nodes[l].diff = d;
                    }
                    self.nodes[l].info = info;
                }
            }
        }
        errors
    }
}

/// dive's `StackTreeRange(trees, start, stop)`: a copy of the first tree
/// with trees `start..=stop` laid over it.
pub fn stack_range(
    trees: &[&FileTree],
    start: usize,
    stop: Option<usize>,
) -> (FileTree, Vec<PathError>) {
    let mut t = trees[0].clone();
    let mut errors = Vec::new();
    if let Some(stop) = stop {
        for tree in &trees[start..=stop] {
            errors.extend(t.stack(tree));
        }
    }
    (t, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(name: &str, ty: u8, size: u64) -> Entry {
        Entry {
            name: name.into(),
            type_flag: ty,
            link: String::new(),
            size,
            mode: if ty == b'5' { 0o755 } else { 0o644 },
            uid: 0,
            gid: 0,
        }
    }

    #[test]
    fn clean_is_go_path_clean() {
        for (a, b) in [
            ("./a/", "a"),
            ("a//b/../c", "a/c"),
            ("/a", "/a"),
            ("./", "."),
            ("", "."),
            ("../x", "../x"),
            ("/../x", "/x"),
        ] {
            assert_eq!(clean(a), b, "{a}");
        }
    }

    #[test]
    fn modes_are_go_file_modes() {
        assert_eq!(go_mode(b'5', 0o755), 2147484141);
        assert_eq!(go_mode(b'2', 0o777), 134218239);
        assert_eq!(go_mode(b'0', 0o644), 420);
        assert_eq!(go_mode(b'0', 0o4755), 0o755 | mode::SETUID);
        assert_eq!(go_mode(b'0', 0o40755), 2147484141);
    }

    #[test]
    fn a_layer_tree_keeps_whiteouts_and_drops_opaque_markers() {
        let t = FileTree::of_layer(&[
            e("./", b'5', 0),
            e("a/b/c", b'0', 5),
            e("a/.wh.x", b'0', 0),
            e("d/.wh..wh..opq", b'0', 0),
            e("a/b/c", b'0', 7),
        ]);
        assert_eq!(t.file_size, 12);
        let order: Vec<String> = t.child_first().iter().map(|&n| t.path(n)).collect();
        assert_eq!(order, ["/a/x", "/a/b/c", "/a/b", "/a", "/d"]);
        let c = t.get("a/b/c").unwrap();
        assert_eq!(t.node(c).info.size, 7);
        // Implied directories have an empty record, and are no dirs.
        let b = t.get("/a/b").unwrap();
        assert_eq!(t.node(b).info, FileInfo::default());
        assert!(t.node(t.get("a/.wh.x").unwrap()).is_whiteout());
    }

    #[test]
    fn stacking_removes_whited_out_paths() {
        let lower = FileTree::of_layer(&[e("a/", b'5', 0), e("a/f", b'0', 3), e("g", b'0', 1)]);
        let upper = FileTree::of_layer(&[e(".wh.a", b'0', 0), e(".wh.nope", b'0', 0)]);
        let (t, errors) = stack_range(&[&lower, &upper], 1, Some(1));
        assert!(t.get("/a").is_err());
        assert!(t.get("/g").is_ok());
        assert_eq!(errors, [PathError("/nope".into())]);
    }

    /// Digests taken from a stream tell apart files of one size and mode;
    /// without them, sizes still do.
    #[test]
    fn content_digests_tell_same_sized_files_apart() {
        fn layer(data: &[u8]) -> FileTree {
            let mut b = tar::Builder::new(Vec::new());
            let mut h = tar::Header::new_ustar();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            b.append_data(&mut h, "etc/conf", data).unwrap();
            let tar = b.into_inner().unwrap();
            let mut p = crate::layer_tar::EntryParser::with_sink(FileTree::digesting());
            p.feed(&tar).unwrap();
            let mut t = p.finish().unwrap();
            t.finish_entries();
            t
        }
        let diff = |lower: &FileTree, upper: &FileTree| {
            let mut t = lower.clone();
            t.compare_and_mark(upper);
            t.node(t.get("/etc/conf").unwrap()).diff
        };
        let (one, two, again) = (layer(b"one"), layer(b"two"), layer(b"one"));
        assert_eq!(diff(&one, &two), Diff::Modified);
        assert_eq!(diff(&one, &again), Diff::Unmodified);
        let longer = FileTree::of_layer(&[e("etc/conf", b'0', 5)]);
        let shorter = FileTree::of_layer(&[e("etc/conf", b'0', 3)]);
        assert_eq!(diff(&longer, &shorter), Diff::Modified);
    }

    #[test]
    fn compare_marks_added_modified_and_removed() {
        let lower = FileTree::of_layer(&[e("a/", b'5', 0), e("a/f", b'0', 3), e("g", b'0', 1)]);
        let mut chmod = e("a/f", b'0', 3);
        chmod.mode = 0o600;
        let upper = FileTree::of_layer(&[chmod, e("a/n", b'0', 2), e(".wh.g", b'0', 0)]);
        let mut t = lower.clone();
        assert!(t.compare_and_mark(&upper).is_empty());
        let d = |p: &str| t.node(t.get(p).unwrap()).diff;
        assert_eq!(d("/a/f"), Diff::Modified);
        assert_eq!(d("/a/n"), Diff::Added);
        assert_eq!(d("/g"), Diff::Removed);
        assert_eq!(d("/a"), Diff::Modified);
        assert_eq!(t.display_size(t.get("/a").unwrap()), 5);
    }
}
