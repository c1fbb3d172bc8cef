//! Parallel gzip, as pigz and Go's pgzip (which Podman uses) do it: the
//! input is cut into blocks, each block is deflated on a worker thread with
//! the 32 KiB before it as the preset dictionary and ends with a sync flush
//! (an empty stored block, so it ends on a byte boundary), and the blocks
//! are written in order between one gzip header and trailer (RFC 1952),
//! the CRC-32s combined. The result is one ordinary gzip member that any
//! gunzip reads, about as small as a one-thread deflate at the same level.
//!
//! It streams: at most two blocks per worker are in flight, so memory stays
//! a few MiB whatever the size of the layer.

use anyhow::{anyhow, Context, Result};
use flate2::{Compress, Compression, Crc, FlushCompress, Status};
use std::io::{self, Write};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Mutex;

/// Input per block: small enough for several per layer in flight, large
/// enough that priming each with its dictionary costs little.
const BLOCK: usize = 256 * 1024;
/// The deflate window: what a block may refer back to.
const WINDOW: usize = 32 * 1024;

/// A deflated block, its input's CRC, and whether it ends the stream.
type Done = io::Result<(Vec<u8>, Crc, bool)>;

struct Job {
    dict: Vec<u8>,
    data: Vec<u8>,
    last: bool,
    reply: SyncSender<Done>,
}

/// Gzip what `produce` writes into `out`, on up to `threads` workers.
/// Returns `out` after the trailer.
pub fn gzip<W: Write + Send>(
    out: W,
    level: Compression,
    threads: usize,
    produce: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<W> {
    let threads = threads.max(1);
    let (job_tx, job_rx) = sync_channel::<Job>(threads);
    let job_rx = Mutex::new(job_rx);
    let (order_tx, order_rx) = sync_channel::<Receiver<Done>>(threads * 2);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let job = match job_rx.lock().unwrap_or_else(|e| e.into_inner()).recv() {
                    Ok(job) => job,
                    Err(_) => break,
                };
                let done = deflate_block(level, &job.dict, &job.data, job.last);
                let _ = job.reply.send(done);
            });
        }
        let emitter = s.spawn(move || emit(out, order_rx));
        let mut blocks = Blocks {
            buf: Vec::with_capacity(BLOCK),
            dict: Vec::new(),
            jobs: job_tx,
            order: order_tx,
        };
        let produced = produce(&mut blocks).and_then(|()| {
            blocks
                .dispatch(true)
                .context("compressing: the writer stopped")
        });
        // Closing the channels ends the workers and the emitter.
        drop(blocks);
        let emitted = emitter
            .join()
            .unwrap_or_else(|_| Err(anyhow!("writing gzip blocks panicked")));
        produced?;
        emitted
    })
}

/// Write the header, the blocks in order, and the trailer once the last
/// block came: a stream cut short gets no trailer.
fn emit<W: Write>(mut out: W, order: Receiver<Receiver<Done>>) -> Result<W> {
    // No name, no mtime (reproducible), OS "unknown" as flate2 writes it.
    out.write_all(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255])?;
    let mut crc = Crc::new();
    for reply in order {
        let (bytes, block_crc, last) = reply
            .recv()
            .map_err(|_| anyhow!("a compression worker stopped"))??;
        out.write_all(&bytes)?;
        crc.combine(&block_crc);
        if last {
            out.write_all(&crc.sum().to_le_bytes())?;
            out.write_all(&crc.amount().to_le_bytes())?;
            return Ok(out);
        }
    }
    Err(anyhow!("the stream to compress ended early"))
}

/// The producer's side: fills blocks and hands them out.
struct Blocks {
    buf: Vec<u8>,
    dict: Vec<u8>,
    jobs: SyncSender<Job>,
    order: SyncSender<Receiver<Done>>,
}

impl Blocks {
    fn dispatch(&mut self, last: bool) -> io::Result<()> {
        let data = std::mem::replace(&mut self.buf, Vec::with_capacity(BLOCK));
        let next_dict = data[data.len().saturating_sub(WINDOW)..].to_vec();
        let dict = std::mem::replace(&mut self.dict, next_dict);
        let (reply, rx) = sync_channel(1);
        let gone = || io::Error::new(io::ErrorKind::BrokenPipe, "the gzip writer stopped");
        // The place in the order first, so the emitter waits for blocks in
        // the order they were cut; this blocks while enough are in flight.
        self.order.send(rx).map_err(|_| gone())?;
        self.jobs
            .send(Job {
                dict,
                data,
                last,
                reply,
            })
            .map_err(|_| gone())
    }
}

impl Write for Blocks {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(BLOCK - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == BLOCK {
            self.dispatch(false)?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Raw deflate of one block, primed with `dict`; a sync flush ends it, or
/// the final block's end when `last`.
fn deflate_block(level: Compression, dict: &[u8], data: &[u8], last: bool) -> Done {
    let mut c = Compress::new(level, false);
    if !dict.is_empty() {
        c.set_dictionary(dict).map_err(io::Error::other)?;
    }
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    let mut out = Vec::with_capacity(data.len() / 2 + 1024);
    loop {
        let done_in = c.total_in() as usize;
        let status = c
            .compress_vec(&data[done_in..], &mut out, flush)
            .map_err(io::Error::other)?;
        let all_in = c.total_in() as usize == data.len();
        // zlib's rule: a flush is complete when output room was left over.
        let complete = match flush {
            FlushCompress::Finish => status == Status::StreamEnd,
            _ => all_in && out.len() < out.capacity(),
        };
        if complete {
            break;
        }
        out.reserve(out.capacity().max(64 * 1024));
    }
    let mut crc = Crc::new();
    crc.update(data);
    Ok((out, crc, last))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip(gz: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut d = flate2::read::GzDecoder::new(gz);
        d.read_to_end(&mut out).unwrap();
        // One member, nothing after it.
        assert!(d.into_inner().is_empty());
        out
    }

    fn sample(len: usize) -> Vec<u8> {
        let mut x: u32 = 12345;
        (0..len)
            .map(|i| {
                x = x.wrapping_mul(1103515245).wrapping_add(12345);
                // Half text-like, half noise.
                if (i / 70_000) % 2 == 0 {
                    b"abcdefgh "[(x >> 16) as usize % 9]
                } else {
                    (x >> 16) as u8
                }
            })
            .collect()
    }

    #[test]
    fn output_is_one_gzip_member_of_the_input() {
        for len in [0, 1, WINDOW, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 777] {
            let data = sample(len);
            for threads in [1, 3] {
                let gz = gzip(Vec::new(), Compression::default(), threads, |w| {
                    // Odd write sizes cross block edges.
                    for c in data.chunks(10_007) {
                        w.write_all(c)?;
                    }
                    Ok(())
                })
                .unwrap();
                assert_eq!(gunzip(&gz), data, "len {len}, threads {threads}");
            }
        }
    }

    #[test]
    fn dictionaries_keep_the_ratio_of_one_stream() {
        let data = sample(4 * BLOCK);
        let par = gzip(Vec::new(), Compression::default(), 2, |w| {
            w.write_all(&data)?;
            Ok(())
        })
        .unwrap();
        let mut one = flate2::write::GzEncoder::new(Vec::new(), Compression::default());
        one.write_all(&data).unwrap();
        let one = one.finish().unwrap();
        assert!(
            par.len() < one.len() + one.len() / 50,
            "{} vs {}",
            par.len(),
            one.len()
        );
    }

    #[test]
    fn a_failing_producer_gives_its_error_and_no_trailer() {
        let mut sink = Vec::new();
        let err = gzip(&mut sink, Compression::default(), 2, |w| {
            w.write_all(&sample(2 * BLOCK))?;
            Err(anyhow!("source broke"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "source broke");
    }
}
