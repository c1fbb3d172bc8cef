//! Tests of unpack and rebuild together: every tar that unpacks must
//! rebuild byte for byte. Hostile and odd tars are in `conformance.rs`.

use super::*;
use crate::digest::DigestError;
use std::collections::BTreeMap;
use std::ffi::CString;
use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::PathBuf;
use tar::{Builder, EntryType, Header};

const MTIME: u64 = 1_600_000_000;

pub(super) fn is_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

pub(super) fn opts() -> UnpackOptions {
    UnpackOptions {
        layer: "layer sha256:test".into(),
        opaque_xattr: if is_root() {
            OpaqueXattr::Trusted
        } else {
            OpaqueXattr::User
        },
        chown: is_root(),
    }
}

/// A temporary layer, laid out so that an escape has somewhere to land
/// and is seen there:
///
/// ```text
/// <tmp>/            holds nothing but base/ (an escape by two levels)
///   base/           holds nothing but these three (an escape by one)
///     diff/         the extraction root, empty
///     tar-split     once an unpack succeeded
///     victim/       what hostile tars aim at (as ../victim, or by its
///                   absolute path): files that must stay as they are
/// ```
pub(super) struct Layer {
    pub(super) tmp: tempfile::TempDir,
    pub(super) base: PathBuf,
    pub(super) diff: PathBuf,
    pub(super) split: PathBuf,
    pub(super) victim: PathBuf,
    /// [`snapshot`] of `victim/` when the layer was made.
    pub(super) victim_before: BTreeMap<String, String>,
}

/// What `victim/` holds.
const VICTIM_FILES: &[(&str, &str)] = &[
    ("passwd", "root:x:0:0:victim:/root:/bin/sh\n"),
    ("secret", "s"),
    ("sub/keep", "keep me\n"),
];

pub(super) fn layer() -> Layer {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    let diff = base.join("diff");
    let victim = base.join("victim");
    fs::create_dir(&base).unwrap();
    fs::create_dir(&diff).unwrap();
    for (name, data) in VICTIM_FILES {
        let p = victim.join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, data).unwrap();
    }
    let split = base.join("tar-split");
    let victim_before = snapshot(&victim);
    Layer {
        tmp,
        base,
        diff,
        split,
        victim,
        victim_before,
    }
}

/// Everything below `dir` (itself included, as ""), by path: type, mode,
/// owner, link count, size, times (ctime changes with any change to an
/// inode: a new link, an xattr, a chmod), xattrs, and the content or the
/// symlink target.
pub(super) fn snapshot(dir: &std::path::Path) -> BTreeMap<String, String> {
    fn walk(top: &std::path::Path, p: &std::path::Path, out: &mut BTreeMap<String, String>) {
        let md = fs::symlink_metadata(p).unwrap();
        let what = if md.is_dir() {
            "dir".to_string()
        } else if md.file_type().is_symlink() {
            format!("symlink -> {}", fs::read_link(p).unwrap().display())
        } else if md.is_file() {
            format!("file {:?}", String::from_utf8_lossy(&fs::read(p).unwrap()))
        } else {
            format!("special rdev {}", md.rdev())
        };
        let rel = p.strip_prefix(top).unwrap().display().to_string();
        out.insert(
            rel,
            format!(
                "{what} mode {:o} owner {}:{} links {} size {} mtime {}.{} ctime {}.{} xattrs {:?}",
                md.mode(),
                md.uid(),
                md.gid(),
                md.nlink(),
                md.size(),
                md.mtime(),
                md.mtime_nsec(),
                md.ctime(),
                md.ctime_nsec(),
                xattrs(p)
            ),
        );
        if md.is_dir() {
            for e in fs::read_dir(p).unwrap() {
                walk(top, &e.unwrap().path(), out);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The names in `dir`, sorted.
pub(super) fn names(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

impl Layer {
    pub(super) fn unpack(&self, tar: &[u8]) -> anyhow::Result<Unpacked> {
        unpack(tar, &self.diff, &self.split, &opts())
    }
    pub(super) fn rebuild(&self) -> anyhow::Result<Vec<u8>> {
        let mut out = Vec::new();
        let n = rebuild(&self.diff, &self.split, &mut out)?;
        assert_eq!(n, out.len() as u64);
        Ok(out)
    }
    pub(super) fn path(&self, rel: &str) -> PathBuf {
        self.diff.join(rel)
    }
    /// Nothing was written, removed or changed outside `diff/`: no new
    /// name beside it or one level up, and `victim/` exactly as it was.
    #[track_caller]
    pub(super) fn assert_contained(&self) {
        if let Err(e) = self.contained() {
            panic!("{e}");
        }
    }
    pub(super) fn contained(&self) -> Result<(), String> {
        let above = names(self.tmp.path());
        if above != ["base"] {
            return Err(format!(
                "the directory above base/ holds {above:?}, not [\"base\"]"
            ));
        }
        let mut want = vec!["diff", "tar-split", "victim"];
        if !self.split.exists() {
            want.retain(|n| *n != "tar-split");
        }
        let beside = names(&self.base);
        if beside != want {
            return Err(format!("base/ holds {beside:?}, not {want:?}"));
        }
        for (name, data) in VICTIM_FILES {
            match fs::read_to_string(self.victim.join(name)) {
                Ok(got) if got == *data => {}
                Ok(got) => return Err(format!("victim/{name} was changed to {got:?}")),
                Err(e) => return Err(format!("victim/{name} was removed ({e})")),
            }
        }
        let now = snapshot(&self.victim);
        if now == self.victim_before {
            return Ok(());
        }
        let mut diff = String::from("victim/ changed:\n");
        for (k, v) in &self.victim_before {
            match now.get(k) {
                None => diff.push_str(&format!("  removed: victim/{k}\n")),
                Some(w) if w != v => {
                    diff.push_str(&format!("  changed: victim/{k}\n    {v}\n -> {w}\n"))
                }
                _ => {}
            }
        }
        for k in now.keys().filter(|k| !self.victim_before.contains_key(*k)) {
            diff.push_str(&format!("  added:   victim/{k}\n"));
        }
        Err(diff)
    }
}

/// Unpack, rebuild, compare byte for byte, verify; nothing outside the
/// layer changed.
fn round_trip(tar: &[u8]) -> Layer {
    let l = layer();
    let u = l.unpack(tar).map_err(|e| format!("{e:#}")).unwrap();
    assert_eq!(u.tar_size, tar.len() as u64);
    let out = l.rebuild().map_err(|e| format!("{e:#}")).unwrap();
    assert!(
        out == tar,
        "rebuilt tar differs ({} bytes vs {})",
        out.len(),
        tar.len()
    );
    verify(&l.diff, &l.split, &Digest::of(tar)).unwrap();
    l.assert_contained();
    l
}

fn err_of(tar: &[u8]) -> String {
    let l = layer();
    let e = l.unpack(tar).expect_err("unpack should fail");
    assert!(!l.split.exists(), "a failed unpack leaves no tar-split");
    l.assert_contained();
    format!("{e:#}")
}

pub(super) fn header(ty: EntryType, mode: u32, size: u64) -> Header {
    let mut h = Header::new_gnu();
    h.set_entry_type(ty);
    h.set_mode(mode);
    h.set_size(size);
    h.set_mtime(MTIME);
    h.set_uid(0);
    h.set_gid(0);
    h
}

pub(super) fn add_file(b: &mut Builder<Vec<u8>>, path: &str, data: &[u8]) {
    let mut h = header(EntryType::Regular, 0o644, data.len() as u64);
    b.append_data(&mut h, path, data).unwrap();
}

pub(super) fn add_dir(b: &mut Builder<Vec<u8>>, path: &str, mode: u32) {
    let mut h = header(EntryType::Directory, mode, 0);
    b.append_data(&mut h, path, io::empty()).unwrap();
}

pub(super) fn add_link(b: &mut Builder<Vec<u8>>, ty: EntryType, path: &str, target: &str) {
    let mut h = header(ty, 0o777, 0);
    b.append_link(&mut h, path, target).unwrap();
}

/// A hand-made ustar entry, for names the `tar` crate refuses to write
/// (`..`, absolute) and types it has no helper for.
pub(super) fn raw_entry(name: &[u8], ty: u8, link: &[u8], data: &[u8]) -> Vec<u8> {
    let mut h = Header::new_ustar();
    h.as_old_mut().name[..name.len()].copy_from_slice(name);
    h.as_old_mut().linkname[..link.len()].copy_from_slice(link);
    h.set_mode(if ty == b'5' { 0o755 } else { 0o644 });
    h.set_size(data.len() as u64);
    h.set_mtime(MTIME);
    h.set_uid(0);
    h.set_gid(0);
    // Set by hand: EntryType::new(0).as_byte() is b'0'.
    h.as_mut_bytes()[156] = ty;
    h.set_cksum();
    let mut v = h.as_bytes().to_vec();
    v.extend_from_slice(data);
    v.resize(v.len().div_ceil(512) * 512, 0);
    v
}

/// Append a plain file entry to a tar being assembled by hand.
fn add_file_raw(tar: &mut Vec<u8>, name: &str, data: &[u8]) {
    tar.extend_from_slice(&raw_entry(name.as_bytes(), b'0', b"", data));
}

pub(super) fn end_of_archive(mut v: Vec<u8>) -> Vec<u8> {
    v.extend_from_slice(&[0u8; 1024]);
    v
}

pub(super) fn xattr(path: &std::path::Path, key: &str) -> Option<Vec<u8>> {
    let p = CString::new(path.as_os_str().as_bytes()).unwrap();
    let k = CString::new(key).unwrap();
    let mut buf = vec![0u8; 256];
    let n = unsafe { libc::lgetxattr(p.as_ptr(), k.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    (n >= 0).then(|| buf[..n as usize].to_vec())
}

/// Every xattr of `path` (not following a symlink) with its value.
fn xattrs(path: &std::path::Path) -> Vec<(String, Option<Vec<u8>>)> {
    let p = CString::new(path.as_os_str().as_bytes()).unwrap();
    let mut buf = vec![0u8; 4096];
    let n = unsafe { libc::llistxattr(p.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
    assert!(n >= 0, "listing xattrs of {}", path.display());
    buf[..n as usize]
        .split(|&b| b == 0)
        .filter(|k| !k.is_empty())
        .map(|k| {
            let k = String::from_utf8_lossy(k).into_owned();
            let v = xattr(path, &k);
            (k, v)
        })
        .collect()
}

fn pseudo_random(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn round_trip_files_dirs_links() {
    let mut b = Builder::new(Vec::new());
    add_dir(&mut b, "d", 0o755);
    let sizes = [0usize, 1, 511, 512, 513, 1 << 20];
    for (i, &n) in sizes.iter().enumerate() {
        add_file(&mut b, &format!("d/f{n}"), &pseudo_random(n, i as u64 + 1));
    }
    add_link(&mut b, EntryType::Symlink, "d/sym", "../etc/nowhere");
    add_link(&mut b, EntryType::Symlink, "abs", "/etc/passwd");
    add_link(&mut b, EntryType::Link, "d/hard", "d/f513");
    let mut h = header(EntryType::Fifo, 0o600, 0);
    b.append_data(&mut h, "fifo", io::empty()).unwrap();
    let mut h = header(EntryType::Regular, 0o4755, 3);
    b.append_data(&mut h, "suid", &b"#!x"[..]).unwrap();
    let tar = b.into_inner().unwrap();
    let l = round_trip(&tar);

    for (i, &n) in sizes.iter().enumerate() {
        assert_eq!(
            fs::read(l.path(&format!("d/f{n}"))).unwrap(),
            pseudo_random(n, i as u64 + 1)
        );
        let md = fs::metadata(l.path(&format!("d/f{n}"))).unwrap();
        assert_eq!(md.mode() & 0o7777, 0o644);
        assert_eq!(md.mtime() as u64, MTIME);
    }
    assert_eq!(
        fs::read_link(l.path("d/sym")).unwrap(),
        PathBuf::from("../etc/nowhere")
    );
    assert_eq!(
        fs::read_link(l.path("abs")).unwrap(),
        PathBuf::from("/etc/passwd")
    );
    assert_eq!(
        fs::symlink_metadata(l.path("abs")).unwrap().mtime() as u64,
        MTIME
    );
    let (a, h) = (
        fs::metadata(l.path("d/f513")).unwrap(),
        fs::metadata(l.path("d/hard")).unwrap(),
    );
    assert_eq!((a.ino(), a.nlink()), (h.ino(), 2));
    assert!(fs::symlink_metadata(l.path("fifo"))
        .unwrap()
        .file_type()
        .is_fifo());
    assert_eq!(
        fs::metadata(l.path("suid")).unwrap().mode() & 0o7777,
        0o4755
    );
    let d = fs::metadata(l.path("d")).unwrap();
    assert_eq!(
        (d.mode() & 0o7777, d.mtime() as u64),
        (0o755, MTIME),
        "dir metadata survives its children"
    );
}

#[test]
fn devices_need_root_and_are_skipped_without_it() {
    let mut b = Builder::new(Vec::new());
    let mut h = header(EntryType::Char, 0o666, 0);
    h.set_device_major(1).unwrap();
    h.set_device_minor(3).unwrap();
    b.append_data(&mut h, "null", io::empty()).unwrap();
    let tar = b.into_inner().unwrap();
    let l = round_trip(&tar);
    if is_root() {
        let md = fs::symlink_metadata(l.path("null")).unwrap();
        assert!(md.file_type().is_char_device());
        assert_eq!(md.rdev(), libc::makedev(1, 3));
        assert_eq!(md.mode() & 0o7777, 0o666);
    } else {
        assert!(!l.path("null").exists());
    }
}

#[test]
fn read_only_dirs_get_their_mode_and_mtime_last() {
    let mut b = Builder::new(Vec::new());
    add_dir(&mut b, "ro", 0o555);
    add_dir(&mut b, "ro/sub", 0o500);
    add_file(&mut b, "ro/sub/f", b"x");
    add_dir(&mut b, "ro/none", 0o000);
    let tar = b.into_inner().unwrap();
    let l = round_trip(&tar);
    for (p, mode) in [("ro", 0o555), ("ro/sub", 0o500), ("ro/none", 0o000)] {
        let md = fs::metadata(l.path(p)).unwrap();
        assert_eq!(
            (md.mode() & 0o7777, md.mtime() as u64),
            (mode, MTIME),
            "{p}"
        );
    }
}

#[test]
fn long_names_gnu_and_pax() {
    let long_dir = "d".repeat(120);
    let long = format!("{long_dir}/{}", "f".repeat(150));
    let long_target = format!("/{}", "t".repeat(200));

    // GNU: the tar crate writes `././@LongLink` entries (types L and K).
    let mut b = Builder::new(Vec::new());
    add_dir(&mut b, &long_dir, 0o755);
    add_file(&mut b, &long, b"gnu");
    add_link(
        &mut b,
        EntryType::Symlink,
        &format!("{long_dir}/l"),
        &long_target,
    );
    let tar = b.into_inner().unwrap();
    assert!(tar.windows(13).any(|w| w == b"././@LongLink"));
    let l = round_trip(&tar);
    assert_eq!(fs::read(l.path(&long)).unwrap(), b"gnu");
    assert_eq!(
        fs::read_link(l.path(&format!("{long_dir}/l"))).unwrap(),
        PathBuf::from(&long_target)
    );

    // PAX: `path` and `linkpath` records before ustar headers whose own
    // names are placeholders.
    let mut b = Builder::new(Vec::new());
    b.append_pax_extensions([("path", long.as_bytes())])
        .unwrap();
    let mut h = Header::new_ustar();
    h.set_path("placeholder").unwrap();
    h.set_entry_type(EntryType::Regular);
    h.set_size(3);
    h.set_mode(0o600);
    h.set_mtime(MTIME);
    h.set_cksum();
    b.append(&h, &b"pax"[..]).unwrap();
    b.append_pax_extensions([
        ("path", format!("{long_dir}/pl").as_bytes()),
        ("linkpath", long_target.as_bytes()),
    ])
    .unwrap();
    let mut h = Header::new_ustar();
    h.set_path("placeholder2").unwrap();
    h.set_entry_type(EntryType::Symlink);
    h.set_size(0);
    h.set_mtime(MTIME);
    h.set_cksum();
    b.append(&h, io::empty()).unwrap();
    let tar = b.into_inner().unwrap();
    let l = round_trip(&tar);
    assert_eq!(fs::read(l.path(&long)).unwrap(), b"pax");
    assert_eq!(fs::metadata(l.path(&long)).unwrap().mode() & 0o777, 0o600);
    assert!(!l.path("placeholder").exists());
    assert_eq!(
        fs::read_link(l.path(&format!("{long_dir}/pl"))).unwrap(),
        PathBuf::from(&long_target)
    );
}

#[test]
fn xattrs_from_pax_are_set_and_overlay_ones_refused() {
    let mut b = Builder::new(Vec::new());
    let mut recs: Vec<(&str, &[u8])> = vec![
        ("SCHILY.xattr.user.test", b"v\n1"),
        ("SCHILY.xattr.trusted.overlay.redirect", b"/elsewhere"),
        ("SCHILY.xattr.user.overlay.opaque", b"y"),
        ("mtime", b"1600000000.25"),
    ];
    if is_root() {
        recs.push(("SCHILY.xattr.trusted.berth", b"t"));
        recs.push((
            "SCHILY.xattr.security.capability",
            b"\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
        ));
    }
    b.append_pax_extensions(recs).unwrap();
    add_file(&mut b, "f", b"data");
    let tar = b.into_inner().unwrap();
    let l = round_trip(&tar);
    let f = l.path("f");
    assert_eq!(xattr(&f, "user.test").as_deref(), Some(&b"v\n1"[..]));
    assert_eq!(xattr(&f, "trusted.overlay.redirect"), None);
    assert_eq!(xattr(&f, "user.overlay.opaque"), None);
    if is_root() {
        assert_eq!(xattr(&f, "trusted.berth").as_deref(), Some(&b"t"[..]));
        assert!(xattr(&f, "security.capability").is_some());
    }
    let md = fs::metadata(&f).unwrap();
    assert_eq!((md.mtime() as u64, md.mtime_nsec()), (MTIME, 250_000_000));
}

fn whiteout_tar() -> Vec<u8> {
    let mut b = Builder::new(Vec::new());
    add_dir(&mut b, "d", 0o755);
    add_file(&mut b, "d/keep", b"k");
    add_file(&mut b, "d/.wh..wh..opq", b"");
    add_file(&mut b, "d/.wh.gone", b"");
    // A whiteout under a directory the tar never lists.
    add_file(&mut b, "e/sub/.wh.x", b"");
    // A whiteout of a path written earlier in this same layer: the OCI
    // rule is that it hides the layers below only, so the file stays.
    add_file(&mut b, "f", b"content");
    add_file(&mut b, ".wh.f", b"");
    // AUFS bookkeeping is not materialised.
    add_dir(&mut b, ".wh..wh.plnk", 0o700);
    add_file(&mut b, ".wh..wh.plnk/123.456", b"x");
    b.into_inner().unwrap()
}

fn assert_whiteout(p: &std::path::Path) {
    let md = fs::symlink_metadata(p).unwrap();
    assert!(
        md.file_type().is_char_device(),
        "{} is a whiteout",
        p.display()
    );
    assert_eq!(md.rdev(), 0);
}

#[test]
fn whiteouts_and_opaque_dirs_in_overlay_form() {
    let tar = whiteout_tar();
    let l = round_trip(&tar);
    assert_whiteout(&l.path("d/gone"));
    assert_whiteout(&l.path("e/sub/x"));
    assert_eq!(fs::read(l.path("f")).unwrap(), b"content");
    assert!(!l.path("d/.wh.gone").exists() && !l.path("d/.wh..wh..opq").exists());
    assert!(!l.path(".wh..wh.plnk").exists());
    assert_eq!(fs::metadata(l.path("e")).unwrap().mode() & 0o7777, 0o755);
    // Root's layers have both (for `--uidmap` containers' overlays).
    let keys: &[&str] = if is_root() {
        &["trusted.overlay.opaque", "user.overlay.opaque"]
    } else {
        &["user.overlay.opaque"]
    };
    for key in keys {
        assert_eq!(xattr(&l.path("d"), key).as_deref(), Some(&b"y"[..]));
        assert_eq!(xattr(&l.path("e"), key), None);
    }
    assert_eq!(fs::read(l.path("d/keep")).unwrap(), b"k");
}

#[test]
fn user_opaque_xattr_for_userxattr_mounts() {
    let l = layer();
    let o = UnpackOptions {
        opaque_xattr: OpaqueXattr::User,
        ..opts()
    };
    unpack(&whiteout_tar()[..], &l.diff, &l.split, &o).unwrap();
    assert_eq!(
        xattr(&l.path("d"), "user.overlay.opaque").as_deref(),
        Some(&b"y"[..])
    );
    assert_eq!(xattr(&l.path("d"), "trusted.overlay.opaque"), None);
}

#[test]
fn duplicate_paths_keep_earlier_content_inline() {
    let mut b = Builder::new(Vec::new());
    add_file(&mut b, "a", b"first content");
    add_file(&mut b, "a", b"second");
    // A directory with content, replaced by a file.
    add_dir(&mut b, "d", 0o755);
    add_file(&mut b, "d/x", &pseudo_random(300_000, 9));
    add_file(&mut b, "d/y", b"Y");
    add_file(&mut b, "d", b"D!");
    // A file and its hard link; then the file is written again: the link
    // keeps the old inode.
    add_file(&mut b, "h1", b"H");
    add_link(&mut b, EntryType::Link, "h2", "h1");
    add_file(&mut b, "h1", b"H2");
    // A file replaced by a directory, and a symlink by a file.
    add_file(&mut b, "x", b"was a file");
    add_dir(&mut b, "x", 0o700);
    add_link(&mut b, EntryType::Symlink, "s", "/etc");
    add_file(&mut b, "s", b"not a link");
    // Mode 0 content, replaced (readable only after a chmod without root).
    let mut h = header(EntryType::Regular, 0o000, 6);
    b.append_data(&mut h, "secret", &b"hidden"[..]).unwrap();
    add_file(&mut b, "secret", b"new");
    let tar = b.into_inner().unwrap();
    let l = round_trip(&tar);
    assert_eq!(fs::read(l.path("a")).unwrap(), b"second");
    assert_eq!(fs::read(l.path("d")).unwrap(), b"D!");
    assert_eq!(fs::read(l.path("h1")).unwrap(), b"H2");
    assert_eq!(fs::read(l.path("h2")).unwrap(), b"H");
    assert!(fs::metadata(l.path("x")).unwrap().is_dir());
    assert_eq!(fs::read(l.path("s")).unwrap(), b"not a link");
    assert_eq!(fs::read(l.path("secret")).unwrap(), b"new");
    // No stash or temporary file is left beside the tar-split.
    assert_eq!(names(&l.base), ["diff", "tar-split", "victim"]);
}

#[test]
fn root_entry_absolute_names_and_trailing_padding() {
    let mut tar = Vec::new();
    tar.extend(raw_entry(b"./", b'5', b"", b""));
    tar.extend(raw_entry(b"/etc/x", b'0', b"", b"abs"));
    tar.extend(raw_entry(b"./rel//y", b'0', b"", b"rel"));
    // V7 "regular file" with a trailing slash is a directory.
    tar.extend(raw_entry(b"v7dir/", 0, b"", b""));
    let mut tar = end_of_archive(tar);
    // GNU tar pads the archive to a 10240-byte record.
    tar.resize(10240, 0);
    let l = round_trip(&tar);
    assert_eq!(fs::read(l.path("etc/x")).unwrap(), b"abs");
    assert_eq!(fs::read(l.path("rel/y")).unwrap(), b"rel");
    assert!(fs::metadata(l.path("v7dir")).unwrap().is_dir());
    let root = fs::metadata(&l.diff).unwrap();
    assert_eq!((root.mode() & 0o7777, root.mtime() as u64), (0o755, MTIME));

    // Bytes after the end of the archive are part of the diffID, and kept.
    let mut odd = tar.clone();
    odd.extend_from_slice(b"trailing junk");
    round_trip(&odd);
    // So is a tar without any end-of-archive blocks.
    round_trip(&raw_entry(b"f", b'0', b"", b"no eoa"));
    round_trip(b"");
}

#[test]
fn global_headers_and_unknown_types_stay_in_the_tar_split() {
    let mut tar = Vec::new();
    tar.extend(raw_entry(
        b"pax_global_header",
        b'g',
        b"",
        b"22 comment=anything\n",
    ));
    tar.extend(raw_entry(b"label", b'V', b"", b""));
    tar.extend(raw_entry(b"weird", b'Z', b"", b"some data"));
    tar.extend(raw_entry(b"f", b'0', b"", b"ok"));
    let l = round_trip(&end_of_archive(tar));
    assert!(!l.path("pax_global_header").exists() && !l.path("weird").exists());
    assert_eq!(fs::read(l.path("f")).unwrap(), b"ok");
}

#[test]
fn gnu_sparse_files_are_expanded_and_kept_inline() {
    // Old GNU format: type 'S', map in the header.
    let mut h = header(EntryType::GNUSparse, 0o644, 8);
    h.set_path("sp").unwrap();
    let gnu = h.as_gnu_mut().unwrap();
    gnu.sparse[0].set_offset(0);
    gnu.sparse[0].set_length(5);
    gnu.sparse[1].set_offset(10_000);
    gnu.sparse[1].set_length(3);
    gnu.set_real_size(10_003);
    h.set_cksum();
    let mut tar = h.as_bytes().to_vec();
    tar.extend_from_slice(b"helloabc");
    tar.resize(1024, 0);

    // PAX format 1.0: the map is at the start of the data.
    let mut pax = Builder::new(Vec::new());
    pax.append_pax_extensions([
        ("GNU.sparse.major", &b"1"[..]),
        ("GNU.sparse.minor", b"0"),
        ("GNU.sparse.name", b"sp2"),
        ("GNU.sparse.realsize", b"10003"),
    ])
    .unwrap();
    let mut data = b"2\n0\n5\n10000\n3\n".to_vec();
    data.resize(512, 0);
    data.extend_from_slice(b"helloabc");
    let mut h = header(EntryType::Regular, 0o644, data.len() as u64);
    h.set_path("GNUSparseFile.0/sp2").unwrap();
    h.set_cksum();
    pax.append(&h, &data[..]).unwrap();
    tar.extend(pax.into_inner().unwrap());

    let l = round_trip(&tar);
    let mut want = b"hello".to_vec();
    want.resize(10_000, 0);
    want.extend_from_slice(b"abc");
    assert_eq!(fs::read(l.path("sp")).unwrap(), want);
    assert_eq!(fs::read(l.path("sp2")).unwrap(), want);
    assert!(!l.path("GNUSparseFile.0").exists());
}

/// Layers arrive through streaming decoders (detection by magic bytes is
/// `image::compression`'s, tested there).
#[test]
fn layers_unpack_from_streaming_decoders() {
    let mut b = Builder::new(Vec::new());
    add_file(&mut b, "f", &pseudo_random(100_000, 3));
    let tar = b.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&tar).unwrap();
    let gz = gz.finish().unwrap();
    let zst = zstd::encode_all(&tar[..], 3).unwrap();
    let readers: Vec<Box<dyn Read + Send>> = vec![
        Box::new(flate2::read::GzDecoder::new(&gz[..])),
        Box::new(zstd::Decoder::new(&zst[..]).unwrap()),
        Box::new(&tar[..]),
    ];
    for r in readers {
        let l = layer();
        let u = unpack(r, &l.diff, &l.split, &opts()).unwrap();
        assert_eq!(u.tar_size, tar.len() as u64);
        assert_eq!(l.rebuild().unwrap(), tar);
    }
}

#[test]
fn ownership_follows_chown_option() {
    let mut b = Builder::new(Vec::new());
    let mut h = header(EntryType::Regular, 0o640, 1);
    h.set_uid(1234);
    h.set_gid(5678);
    b.append_data(&mut h, "f", &b"x"[..]).unwrap();
    let mut h = header(EntryType::Directory, 0o750, 0);
    h.set_uid(1234);
    h.set_gid(5678);
    b.append_data(&mut h, "d", io::empty()).unwrap();
    let mut h = header(EntryType::Symlink, 0o777, 0);
    h.set_uid(1234);
    h.set_gid(5678);
    b.append_link(&mut h, "s", "f").unwrap();
    add_file(&mut b, ".wh.gone", b"");
    let tar = b.into_inner().unwrap();

    // chown: false leaves everything to the current user and calls no
    // chown at all, so it works for anyone.
    let l = layer();
    unpack(
        &tar[..],
        &l.diff,
        &l.split,
        &UnpackOptions {
            chown: false,
            ..opts()
        },
    )
    .unwrap();
    let me = (unsafe { libc::geteuid() }, unsafe { libc::getegid() });
    for p in ["f", "d", "s", "gone"] {
        let md = fs::symlink_metadata(l.path(p)).unwrap();
        assert_eq!((md.uid(), md.gid()), me, "{p}");
    }
    assert_eq!(fs::metadata(l.path("f")).unwrap().mode() & 0o7777, 0o640);
    assert_eq!(l.rebuild().unwrap(), tar);

    if is_root() {
        let l = layer();
        unpack(
            &tar[..],
            &l.diff,
            &l.split,
            &UnpackOptions {
                chown: true,
                ..opts()
            },
        )
        .unwrap();
        for p in ["f", "d", "s"] {
            let md = fs::symlink_metadata(l.path(p)).unwrap();
            assert_eq!((md.uid(), md.gid()), (1234, 5678), "{p}");
        }
    }
}

#[test]
fn refuses_truncated_streams() {
    let mut b = Builder::new(Vec::new());
    add_file(&mut b, "a", &pseudo_random(1000, 5));
    b.append_pax_extensions([("path", &b"long/name"[..])])
        .unwrap();
    add_file(&mut b, "b", b"bb");
    let tar = b.into_inner().unwrap();
    // Inside the first header, its data, its padding, the PAX header.
    for cut in [100, 600, 1200, 1600, 2100] {
        let e = err_of(&tar[..cut]);
        assert!(e.contains("truncated tar"), "cut at {cut}: {e}");
        assert!(e.starts_with("layer sha256:test"), "{e}");
    }
}

#[test]
fn early_error_on_a_large_stream_stops_the_reader() {
    // The reader thread must not stay blocked on a full channel when
    // unpacking fails on the first entry of a large stream.
    let mut tar = raw_entry(b".", b'0', b"", b"");
    tar.extend(vec![0u8; 20 << 20]);
    assert!(err_of(&tar).contains("entry would replace the layer's root directory"));
    let mut tar = raw_entry(b"big", b'0', b"", b"");
    tar[124..136].copy_from_slice(b"77777777777\0");
    let mut h = Header::from_byte_slice(&tar[..512]).clone();
    h.set_cksum();
    tar[..512].copy_from_slice(h.as_bytes());
    tar.extend(vec![1u8; 20 << 20]);
    assert!(err_of(&tar).contains("truncated tar"));
}

#[test]
fn refuses_garbage_without_panicking() {
    let e = err_of(&pseudo_random(4096, 77));
    assert!(e.contains("invalid tar header"), "{e}");
    for seed in 0..50 {
        let n = (seed as usize * 97) % 3000;
        let l = layer();
        assert!(l.unpack(&pseudo_random(n, seed + 1000)).is_err() || n == 0);
    }
}

#[test]
fn mutated_tars_never_panic_and_round_trip_when_accepted() {
    let mut b = Builder::new(Vec::new());
    add_dir(&mut b, "d", 0o755);
    add_file(&mut b, "d/f", &pseudo_random(700, 1));
    add_link(&mut b, EntryType::Symlink, "d/s", "f");
    add_link(&mut b, EntryType::Link, "d/h", "d/f");
    b.append_pax_extensions([("SCHILY.xattr.user.a", &b"b"[..])])
        .unwrap();
    add_file(&mut b, &"n".repeat(130), b"long");
    let tar = b.into_inner().unwrap();
    let noise = pseudo_random(10_000, 42);
    let mut accepted = 0;
    for i in 0..150 {
        let mut t = tar.clone();
        let at = (noise[i] as usize * 31 + noise[i + 1] as usize * 7919) % t.len();
        t[at] = noise[i + 2];
        if i % 5 == 0 {
            t.truncate(at);
        }
        let l = layer();
        if l.unpack(&t).is_ok() {
            accepted += 1;
            assert!(
                l.rebuild().unwrap() == t,
                "mutation {i} at {at} does not round-trip"
            );
        }
    }
    assert!(accepted > 0);
}

#[test]
fn rebuild_names_missing_and_changed_files() {
    let mut b = Builder::new(Vec::new());
    add_file(&mut b, "dir/f", b"content");
    add_file(&mut b, "g", b"gg");
    let tar = b.into_inner().unwrap();
    let l = round_trip(&tar);
    let expected = Digest::of(&tar);

    // Same size, other bytes: only the digest tells.
    fs::write(l.path("g"), b"GG").unwrap();
    let e = verify(&l.diff, &l.split, &expected).unwrap_err();
    assert!(
        matches!(
            e.downcast_ref::<DigestError>(),
            Some(DigestError::Mismatch { .. })
        ),
        "{e:#}"
    );
    assert!(format!("{e:#}").contains(&expected.to_string()));
    fs::write(l.path("g"), b"gg").unwrap();

    fs::write(l.path("dir/f"), b"longer content").unwrap();
    let e = format!("{:#}", verify(&l.diff, &l.split, &expected).unwrap_err());
    assert!(e.contains("dir/f") && e.contains("has changed"), "{e}");

    fs::remove_file(l.path("dir/f")).unwrap();
    let e = format!("{:#}", l.rebuild().unwrap_err());
    assert!(
        e.contains(&format!("{} is missing", l.path("dir/f").display())),
        "{e}"
    );

    fs::write(&l.split, b"not a tar-split").unwrap();
    let e = format!("{:#}", l.rebuild().unwrap_err());
    assert!(e.contains("is not a berth tar-split"), "{e}");
}

/// As root (DAC override) a mode-000 file is rebuilt; as a plain user the
/// error names the file (callers then work inside a user namespace).
#[test]
fn rebuild_of_mode_zero_files_needs_privilege_and_names_the_file() {
    let mut b = Builder::new(Vec::new());
    let mut h = header(EntryType::Regular, 0o000, 6);
    b.append_data(&mut h, "shadow", &b"secret"[..]).unwrap();
    let tar = b.into_inner().unwrap();
    if is_root() {
        let l = round_trip(&tar);
        assert_eq!(
            fs::metadata(l.path("shadow")).unwrap().permissions().mode() & 0o777,
            0
        );
    } else {
        let l = layer();
        l.unpack(&tar).unwrap();
        let e = format!("{:#}", l.rebuild().unwrap_err());
        assert!(e.contains("shadow"), "{e}");
    }
}

#[test]
fn read_all_input_even_after_end_of_archive() {
    // The caller hashes the compressed blob through the same reader, so the
    // stream must be read to its very end.
    let mut tar = end_of_archive(raw_entry(b"f", b'0', b"", b"x"));
    tar.extend_from_slice(&[0u8; 5000]);
    let mut r = io::Cursor::new(tar.clone());
    let l = layer();
    let u = unpack(&mut r, &l.diff, &l.split, &opts()).unwrap();
    assert_eq!(r.position(), tar.len() as u64);
    assert_eq!(u.tar_size, tar.len() as u64);
    let mut rest = Vec::new();
    r.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
}

/// The explorer reads entries from headers alone: pushed from the stream
/// in any chunk size, or from the tar-split with the file data left in
/// `diff/`; both give the same names, types, sizes, modes and owners.
#[test]
fn entries_from_the_stream_and_from_the_tar_split_agree() {
    let long = format!("{}/{}", "d".repeat(120), "f".repeat(150));
    let mut b = Builder::new(Vec::new());
    add_dir(&mut b, "a", 0o750);
    add_file(&mut b, "a/big", &pseudo_random(5000, 1));
    add_file(&mut b, &long, b"gnu long name");
    add_link(&mut b, EntryType::Symlink, "a/sym", "/etc/passwd");
    add_link(&mut b, EntryType::Link, "a/hard", "a/big");
    add_file(&mut b, "a/.wh.gone", b"");
    add_file(&mut b, "a/big", b"written twice");
    b.append_pax_extensions([("path", &b"a/pax-named"[..]), ("uid", &b"70000"[..])])
        .unwrap();
    let mut h = header(EntryType::Regular, 0o4755, 3);
    h.set_path("placeholder").unwrap();
    h.set_cksum();
    b.append(&h, &b"pax"[..]).unwrap();
    add_file(&mut b, "a/empty", b"");
    let mut tar = b.into_inner().unwrap();
    tar.truncate(tar.len() - 1024); // the builder's end-of-archive blocks
                                    // An old-style directory (type 0, a trailing slash) whose size field
                                    // is not 0: it carries no data all the same, as Go reads it.
    let mut old = raw_entry(b"olddir/", 0, b"", b"");
    let mut h = Header::from_byte_slice(&old[..512]).clone();
    h.set_size(100);
    h.set_cksum();
    old[..512].copy_from_slice(h.as_bytes());
    tar.extend_from_slice(&old);
    add_file_raw(&mut tar, "after-olddir", b"still in step");
    tar.extend_from_slice(&[0u8; 1024]);
    let l = round_trip(&tar);

    let from_split = split_entries_into(&l.split, Vec::new()).unwrap();
    for chunk in [1, 7, 512, 100_000] {
        let mut p = EntryParser::new();
        for c in tar.chunks(chunk) {
            p.feed(c).unwrap();
        }
        assert_eq!(p.finish().unwrap(), from_split, "chunks of {chunk}");
    }
    let got: Vec<(&str, u8, u64, u32, u64)> = from_split
        .iter()
        .map(|e| (e.name.as_str(), e.type_flag, e.size, e.mode, e.uid))
        .collect();
    assert_eq!(
        got,
        [
            ("a", b'5', 0, 0o750, 0),
            ("a/big", b'0', 5000, 0o644, 0),
            (long.as_str(), b'0', 13, 0o644, 0),
            ("a/sym", b'2', 0, 0o777, 0),
            ("a/hard", b'1', 0, 0o777, 0),
            ("a/.wh.gone", b'0', 0, 0o644, 0),
            ("a/big", b'0', 13, 0o644, 0),
            ("a/pax-named", b'0', 3, 0o4755, 70000),
            ("a/empty", b'0', 0, 0o644, 0),
            ("olddir/", 0, 100, 0o644, 0),
            ("after-olddir", b'0', 13, 0o644, 0),
        ]
    );
    assert_eq!(from_split[3].link, "/etc/passwd");
    assert_eq!(from_split[4].link, "a/big");

    // A stream cut short, or garbage, is an error.
    let mut p = EntryParser::new();
    p.feed(&tar[..600]).unwrap();
    assert!(p
        .finish()
        .unwrap_err()
        .to_string()
        .contains("truncated tar"));
    let mut p = EntryParser::new();
    let e = p.feed(&[b'x'; 512]).unwrap_err().to_string();
    assert!(e.contains("bad checksum"), "{e}");
}
