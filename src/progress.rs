//! Progress events of long work (pull, push), with no rendering: the code
//! doing the work sends events through a [`Sink`], and the CLI (the only
//! module that prints) turns them into progress bars on a terminal or
//! plain lines otherwise, as Podman does.

/// One thing that happened during a transfer. Blobs are named by their
/// digest (`sha256:…`) as text: this module is L0 and uses no other.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A reference is being resolved against a registry
    /// (`Trying to pull 127.0.0.1:5000/x:1...`).
    Resolving { reference: String },
    /// A blob starts moving; `total` is its size when known.
    BlobStart {
        digest: String,
        total: Option<u64>,
        kind: BlobKind,
    },
    /// `done` bytes of the blob have moved so far.
    BlobProgress { digest: String, done: u64 },
    /// The blob was not moved: the destination already has it.
    BlobSkipped { digest: String, kind: BlobKind },
    /// The blob was mounted from another repository of the same registry.
    BlobMounted { digest: String, from: String },
    /// The blob is complete.
    BlobDone { digest: String },
    /// A failed request is retried after a pause.
    Retrying { what: String, attempt: u32 },
    /// The manifest is being written (push) or was read (pull).
    Manifest { digest: String },
}

/// What a blob holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlobKind {
    Config,
    Layer,
}

/// Where events go. Must be callable from several threads at once (layers
/// move in parallel).
pub trait Sink: Sync {
    fn event(&self, e: Event);
}

/// A sink that drops every event (`-q`, tests).
pub struct Silent;

impl Sink for Silent {
    fn event(&self, _: Event) {}
}

impl<F: Fn(Event) + Sync> Sink for F {
    fn event(&self, e: Event) {
        self(e)
    }
}
