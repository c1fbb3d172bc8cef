//! The one copy of an image into a destination.
//!
//! Every destination — the store, an archive being written, a registry —
//! is an [`ImageSink`], and [`copy`] is the only thing that feeds one. A
//! sink never opens a layer of the source itself: it is handed a
//! [`LayerStream`], whose content is checked on the way (the blob's size
//! and digest when the source has a blob, the tar's size when the source
//! knows it, the diffID always). A sink reports a layer as written only
//! with the [`Verified`] proof that the stream gives when every check
//! passed, so a destination cannot take content nobody checked; or as
//! held, when it already has that content by digest and read nothing.

use super::{compression, Image, LayerInfo};
use crate::digest::{Digest, HashingReader, HashingWriter};
use anyhow::{anyhow, bail, Context, Result};
use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// A layer whose content is not what its image says (its blob's or tar's
/// size or digest differ from the manifest's or the config's): the source
/// is damaged. A copy that meets one stops, and never retries.
#[derive(Debug)]
pub struct DamagedLayer {
    pub diff_id: Digest,
    pub what: String,
    /// What the source adds about damage of its own (the store's advice
    /// to run `system check`), or empty.
    pub hint: &'static str,
}

impl std::fmt::Display for DamagedLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "layer {}: {}{}", self.diff_id, self.what, self.hint)
    }
}

impl std::error::Error for DamagedLayer {}

/// Proof that layer `index` of the source went through every check: only
/// a [`LayerStream`] makes one, when its content ended and matched.
#[derive(Debug)]
pub struct Verified {
    index: usize,
    diff_id: Digest,
    tar_size: u64,
}

impl Verified {
    /// The size of the layer's uncompressed tar.
    pub fn tar_size(&self) -> u64 {
        self.tar_size
    }
}

/// How a sink took one layer.
pub enum Placed<T> {
    /// Read through its [`LayerStream`] to the end, every check passed.
    Written(T, Verified),
    /// Already there, by digest; nothing was read.
    Held(T),
}

impl<T> Placed<T> {
    pub fn value(&self) -> &T {
        match self {
            Placed::Written(t, _) | Placed::Held(t) => t,
        }
    }
    pub fn into_value(self) -> T {
        match self {
            Placed::Written(t, _) | Placed::Held(t) => t,
        }
    }
}

/// A destination of images.
pub trait ImageSink: Sync {
    /// What the sink keeps of each layer it took.
    type Layer: Send;
    /// What a finished copy gives back.
    type Done;

    /// How many layers may be taken at once.
    fn parallel(&self) -> usize {
        1
    }

    /// Ready the sink for `img`, before any layer.
    fn begin(&mut self, img: &dyn Image) -> Result<()>;

    /// Take one layer. Its content is available only through `layer`.
    fn put_layer(&self, layer: &LayerStream<'_>) -> Result<Placed<Self::Layer>>;

    /// Every layer is in (bottom first): write the rest of the image and
    /// make it visible. Not called when a layer failed.
    fn finish(&mut self, img: &dyn Image, layers: Vec<Placed<Self::Layer>>) -> Result<Self::Done>;
}

/// Copy `img` into `sink`: the config first checked against the layers,
/// then every layer through a [`LayerStream`] (up to `sink.parallel()` at
/// once; the first failure stops the rest and is returned, lowest layer
/// first), then `finish`.
pub fn copy<S: ImageSink>(img: &dyn Image, sink: &mut S) -> Result<S::Done> {
    let config = super::config::ImageConfig::parse(img.config_bytes())
        .with_context(|| format!("image {}", img.id()))?;
    let layers = img.layers();
    if config.rootfs.diff_ids.len() != layers.len()
        || config
            .rootfs
            .diff_ids
            .iter()
            .zip(layers)
            .any(|(d, l)| *d != l.diff_id)
    {
        bail!(
            "image {}: layers do not match the config's diffIDs",
            img.id()
        );
    }
    sink.begin(img)?;
    let n = layers.len();
    let sink_ref: &S = sink;
    let results: Mutex<Vec<Option<Placed<S::Layer>>>> = Mutex::new((0..n).map(|_| None).collect());
    let errors = Mutex::new(Vec::new());
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..sink_ref.parallel().clamp(1, n.max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= n || failed.load(Ordering::SeqCst) {
                    break;
                }
                let stream = LayerStream { img, index: i };
                let placed = sink_ref.put_layer(&stream).and_then(|p| match &p {
                    Placed::Written(_, v) if v.index != i || v.diff_id != layers[i].diff_id => {
                        Err(anyhow!(
                            "layer {}: the destination gave the proof of layer {} ({}) for it",
                            layers[i].diff_id,
                            v.index,
                            v.diff_id
                        ))
                    }
                    _ => Ok(p),
                });
                match placed {
                    Ok(p) => results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(p),
                    Err(e) => {
                        failed.store(true, Ordering::SeqCst);
                        errors
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((i, e));
                    }
                }
            });
        }
    });
    let mut errors = errors.into_inner().unwrap_or_else(|e| e.into_inner());
    errors.sort_by_key(|(i, _)| *i);
    if let Some((_, e)) = errors.into_iter().next() {
        return Err(e);
    }
    let placed = results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .enumerate()
        .map(|(i, p)| p.ok_or_else(|| anyhow!("layer {}: not copied", layers[i].diff_id)))
        .collect::<Result<Vec<_>>>()?;
    sink.finish(img, placed)
}

/// Layer `index` of a source, as a sink receives it. Each read opens the
/// source again, so a sink may retry; every read is checked.
pub struct LayerStream<'a> {
    img: &'a dyn Image,
    index: usize,
}

impl<'a> LayerStream<'a> {
    /// Layer `index` of `img`, for a reader outside a copy (the layer
    /// explorer) that wants the same checks.
    pub(crate) fn new(img: &'a dyn Image, index: usize) -> LayerStream<'a> {
        LayerStream { img, index }
    }

    pub fn index(&self) -> usize {
        self.index
    }

    pub fn info(&self) -> &'a LayerInfo {
        &self.img.layers()[self.index]
    }

    /// What the image says of every layer, bottom first (a store needs
    /// the ones below to name this one). Not their content: that is read
    /// only through this stream.
    pub fn layers(&self) -> &'a [LayerInfo] {
        self.img.layers()
    }

    fn damaged(&self, what: String) -> anyhow::Error {
        DamagedLayer {
            diff_id: self.info().diff_id.clone(),
            what,
            hint: self.img.damage_hint(),
        }
        .into()
    }

    /// Check the uncompressed tar's digest and size.
    fn check_tar(&self, digest: &Digest, n: u64) -> Result<Verified> {
        let info = self.info();
        if let Some(size) = info.tar_size.filter(|s| *s != n) {
            return Err(self.damaged(format!("its tar has {n} bytes, not {size}")));
        }
        if *digest != info.diff_id {
            return Err(self.damaged(format!("its tar has digest {digest}")));
        }
        Ok(Verified {
            index: self.index,
            diff_id: info.diff_id.clone(),
            tar_size: n,
        })
    }

    /// Write the layer's uncompressed tar to `out`.
    pub fn write_tar(&self, out: &mut dyn Write) -> Result<Verified> {
        if self.info().blob.is_some() {
            // The blob has its own digest to check: read it.
            return self
                .read_tar(|tar| io::copy(tar, out).map_err(anyhow::Error::from))
                .map(|(_, v)| v);
        }
        let mut w = HashingWriter::new(out);
        self.img.write_layer_tar(self.index, &mut w)?;
        let (digest, n, _) = w.finish();
        self.check_tar(&digest, n)
    }

    /// Hand the layer's uncompressed tar to `take` as a reader. `take`
    /// must read it to its end; the checks run once it returns.
    pub fn read_tar<T>(
        &self,
        take: impl FnOnce(&mut (dyn Read + Send)) -> Result<T>,
    ) -> Result<(T, Verified)> {
        let info = self.info();
        let mut blob = HashingReader::new(self.img.open_layer(self.index)?);
        let (value, digest, n) = {
            let (_, tar) = compression::decompressed(&mut blob)
                .with_context(|| format!("reading layer {}", info.diff_id))?;
            let mut tar = HashingReader::new(tar);
            let value = take(&mut tar)?;
            let mut rest = [0u8; 1];
            if tar
                .read(&mut rest)
                .with_context(|| format!("reading layer {}", info.diff_id))?
                != 0
            {
                bail!(
                    "layer {}: the destination stopped reading it before its end",
                    info.diff_id
                );
            }
            let (digest, n, _) = tar.finish();
            (value, digest, n)
        };
        if let Some(desc) = &info.blob {
            // What the decompressor left (a gzip trailer, padding), and
            // one byte more tells a blob longer than it should be.
            let left = desc.size.saturating_sub(blob.count()) + 1;
            io::copy(&mut (&mut blob).take(left), &mut io::sink())
                .with_context(|| format!("reading layer {}", desc.digest))?;
            let (actual, size, _) = blob.finish();
            if actual != desc.digest || size != desc.size {
                return Err(self.damaged(format!(
                    "its blob has digest {actual} and {size} bytes, not {} and {} bytes",
                    desc.digest, desc.size
                )));
            }
        }
        let verified = self.check_tar(&digest, n)?;
        Ok((value, verified))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::manifest::Descriptor;

    /// A layer tar of one file.
    fn tar_of(name: &str, data: &[u8]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, data).unwrap();
        b.into_inner().unwrap()
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// An image in memory: each layer's blob (as stored) and what the
    /// image says of it.
    struct Mem {
        config: Vec<u8>,
        layers: Vec<LayerInfo>,
        blobs: Vec<Vec<u8>>,
    }

    impl Mem {
        /// Good layers, each stored as `gzip` or plain; the image's own
        /// record of them exact.
        fn new(tars: &[Vec<u8>], gzipped: bool) -> Mem {
            let mut layers = Vec::new();
            let mut blobs = Vec::new();
            for t in tars {
                let blob = if gzipped { gzip(t) } else { t.clone() };
                layers.push(LayerInfo {
                    diff_id: Digest::of(t),
                    blob: gzipped.then(|| Descriptor {
                        media_type: crate::image::manifest::OCI_LAYER_GZIP.into(),
                        digest: Digest::of(&blob),
                        size: blob.len() as u64,
                        platform: None,
                        annotations: None,
                    }),
                    tar_size: Some(t.len() as u64),
                });
                blobs.push(blob);
            }
            let mut m = Mem {
                config: Vec::new(),
                layers,
                blobs,
            };
            m.config_from_layers();
            m
        }

        fn config_from_layers(&mut self) {
            let ids: Vec<String> = self.layers.iter().map(|l| l.diff_id.to_string()).collect();
            self.config = serde_json::to_vec(&serde_json::json!({
                "architecture": "amd64",
                "os": "linux",
                "rootfs": {"type": "layers", "diff_ids": ids},
            }))
            .unwrap();
        }
    }

    impl Image for Mem {
        fn config_bytes(&self) -> &[u8] {
            &self.config
        }
        fn layers(&self) -> &[LayerInfo] {
            &self.layers
        }
        fn open_layer(&self, i: usize) -> Result<Box<dyn Read + Send + '_>> {
            Ok(Box::new(&self.blobs[i][..]))
        }
    }

    /// How a test sink takes its layers.
    #[derive(Clone, Copy, PartialEq)]
    enum Takes {
        /// `write_tar` into a buffer (as an archive or a registry).
        Writes,
        /// `read_tar` to the end (as the store unpacks).
        Reads,
        /// `read_tar`, but only the first 512 bytes.
        ReadsPart,
        /// `write_tar`, then hands in the proof of another image's layer.
        LendsProof,
    }

    /// A sink that keeps each layer's tar, and what was called.
    struct Keep {
        takes: Takes,
        begun: bool,
        finished: Option<Vec<Vec<u8>>>,
    }

    impl Keep {
        fn new(takes: Takes) -> Keep {
            Keep {
                takes,
                begun: false,
                finished: None,
            }
        }
    }

    impl ImageSink for Keep {
        type Layer = Vec<u8>;
        type Done = ();

        fn parallel(&self) -> usize {
            2
        }

        fn begin(&mut self, _: &dyn Image) -> Result<()> {
            self.begun = true;
            Ok(())
        }

        fn put_layer(&self, layer: &LayerStream<'_>) -> Result<Placed<Vec<u8>>> {
            let mut out = Vec::new();
            let v = match self.takes {
                Takes::Writes => layer.write_tar(&mut out)?,
                Takes::Reads => layer.read_tar(|r| Ok(r.read_to_end(&mut out)?))?.1,
                Takes::ReadsPart => {
                    layer
                        .read_tar(|r| Ok(r.take(512).read_to_end(&mut out)?))?
                        .1
                }
                Takes::LendsProof => {
                    layer.write_tar(&mut out)?;
                    // The proof of this layer's index, from an image
                    // whose layers are others.
                    let other = Mem::new(&[tar_of("x", b"x"), tar_of("y", b"y")], false);
                    LayerStream::new(&other, layer.index()).write_tar(&mut Vec::new())?
                }
            };
            Ok(Placed::Written(out, v))
        }

        fn finish(&mut self, _: &dyn Image, layers: Vec<Placed<Vec<u8>>>) -> Result<()> {
            self.finished = Some(layers.into_iter().map(Placed::into_value).collect());
            Ok(())
        }
    }

    fn tars() -> Vec<Vec<u8>> {
        vec![tar_of("a", b"first\n"), tar_of("b", &[7u8; 3000])]
    }

    const EVERY_WAY: [Takes; 2] = [Takes::Writes, Takes::Reads];

    /// The damage `copy` reported, with its message.
    fn damage(img: &Mem, takes: Takes) -> (Digest, String) {
        let mut sink = Keep::new(takes);
        let err = copy(img, &mut sink).unwrap_err();
        assert!(sink.finished.is_none(), "finished after {err:#}");
        let d = err
            .downcast_ref::<DamagedLayer>()
            .unwrap_or_else(|| panic!("not a damaged layer: {err:#}"));
        (d.diff_id.clone(), format!("{err:#}"))
    }

    #[test]
    fn a_good_image_reaches_the_sink_whole_however_it_reads() {
        for gzipped in [false, true] {
            let img = Mem::new(&tars(), gzipped);
            for takes in EVERY_WAY {
                let mut sink = Keep::new(takes);
                copy(&img, &mut sink).unwrap();
                assert_eq!(sink.finished.unwrap(), tars());
            }
        }
    }

    #[test]
    fn content_that_is_not_the_diff_id_stops_every_sink_naming_the_layer() {
        for gzipped in [false, true] {
            let mut img = Mem::new(&tars(), gzipped);
            // Other content under the same diffID, size and (for the
            // compressed form) a blob descriptor that matches it.
            let other = tar_of("b", &[8u8; 3000]);
            let twin = Mem::new(&[tars()[0].clone(), other], gzipped);
            img.blobs[1] = twin.blobs[1].clone();
            img.layers[1].blob = twin.layers[1].blob.clone();
            for takes in EVERY_WAY {
                let (d, msg) = damage(&img, takes);
                assert_eq!(d, img.layers[1].diff_id, "{msg}");
                assert!(msg.contains("its tar has digest"), "{msg}");
            }
        }
    }

    #[test]
    fn a_blob_that_is_not_its_descriptor_stops_every_sink() {
        let mut img = Mem::new(&tars(), true);
        // The same tar compressed another way: the diffID holds, the
        // blob digest does not.
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(&tars()[0]).unwrap();
        let mut other = e.finish().unwrap();
        other[4] ^= 1; // the gzip header's mtime: same content, other bytes
        img.blobs[0] = other;
        for takes in EVERY_WAY {
            let (d, msg) = damage(&img, takes);
            assert_eq!(d, img.layers[0].diff_id, "{msg}");
            assert!(msg.contains("its blob has digest"), "{msg}");
        }
    }

    #[test]
    fn a_tar_of_another_size_than_the_source_says_stops_every_sink() {
        let mut img = Mem::new(&tars(), false);
        img.layers[0].tar_size = Some(img.blobs[0].len() as u64 + 512);
        for takes in EVERY_WAY {
            let (_, msg) = damage(&img, takes);
            assert!(msg.contains("bytes, not"), "{msg}");
        }
    }

    #[test]
    fn a_config_that_names_other_layers_stops_before_the_sink_begins() {
        let mut img = Mem::new(&tars(), false);
        img.layers.swap(0, 1);
        img.blobs.swap(0, 1);
        let mut sink = Keep::new(Takes::Writes);
        let err = copy(&img, &mut sink).unwrap_err();
        assert!(!sink.begun, "{err:#}");
        assert!(format!("{err:#}").contains("config's diffIDs"), "{err:#}");
    }

    #[test]
    fn a_sink_that_stops_reading_early_fails_the_copy() {
        let img = Mem::new(&tars(), true);
        let mut sink = Keep::new(Takes::ReadsPart);
        let err = copy(&img, &mut sink).unwrap_err();
        assert!(format!("{err:#}").contains("stopped reading"), "{err:#}");
        assert!(sink.finished.is_none());
    }

    #[test]
    fn a_sink_cannot_pass_one_layers_proof_off_as_anothers() {
        let img = Mem::new(&tars(), false);
        let mut sink = Keep::new(Takes::LendsProof);
        let err = copy(&img, &mut sink).unwrap_err();
        assert!(
            format!("{err:#}").contains("the proof of layer 0"),
            "{err:#}"
        );
        assert!(sink.finished.is_none());
    }

    #[test]
    fn a_blob_longer_than_its_descriptor_stops_every_sink() {
        let mut img = Mem::new(&tars(), true);
        // A second gzip member of nothing: the tar is the same, the blob
        // has bytes its descriptor does not count.
        img.blobs[1].extend_from_slice(&gzip(b""));
        for takes in EVERY_WAY {
            let (d, msg) = damage(&img, takes);
            assert_eq!(d, img.layers[1].diff_id, "{msg}");
            assert!(msg.contains("its blob has digest"), "{msg}");
        }
    }

    #[test]
    fn of_several_damaged_layers_the_lowest_is_named() {
        let mut img = Mem::new(&tars(), false);
        img.blobs[0] = tar_of("a", b"other\n");
        img.blobs[1] = tar_of("b", &[8u8; 3000]);
        for _ in 0..20 {
            for takes in EVERY_WAY {
                let (d, msg) = damage(&img, takes);
                assert_eq!(d, img.layers[0].diff_id, "{msg}");
            }
        }
    }

    #[test]
    fn an_archive_written_through_the_sink_reads_back_with_each_layer_once() {
        for format in [
            crate::image::archive::Format::DockerArchive,
            crate::image::archive::Format::OciArchive,
        ] {
            let base = Mem::new(&tars()[..1], false);
            // The shared layer twice in one image too, as an empty layer
            // often is.
            let both = Mem::new(
                &[tars()[0].clone(), tars()[1].clone(), tars()[0].clone()],
                false,
            );
            let mut sink = crate::image::archive::ArchiveSink::new(Vec::new(), format).unwrap();
            sink.add(&base, vec!["localhost/base:1".into()]).unwrap();
            sink.add(&both, vec!["localhost/both:1".into()]).unwrap();
            let bytes = sink.close().unwrap();
            let shared = Digest::of(&tars()[0]).hex().to_string();
            let mut entries = tar::Archive::new(&bytes[..]);
            let names: Vec<String> = entries
                .entries()
                .unwrap()
                .map(|e| e.unwrap().path().unwrap().display().to_string())
                .collect();
            assert_eq!(
                names.iter().filter(|n| n.contains(&shared)).count(),
                1,
                "{names:?}"
            );
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("a.tar");
            std::fs::write(&path, &bytes).unwrap();
            let ar = crate::image::archive::ArchiveFile::open(&path, dir.path()).unwrap();
            let images = ar.images().unwrap();
            assert_eq!(images.len(), 2);
            for (img, want) in images.iter().zip([&base, &both]) {
                assert_eq!(img.id(), want.id());
                let mut sink = Keep::new(Takes::Reads);
                copy(img, &mut sink).unwrap();
                let want: Vec<Vec<u8>> = want.blobs.clone();
                assert_eq!(sink.finished.unwrap(), want);
            }
        }
    }
}
