//! berth's netfilter rules, in one table (`inet berth`, for IPv4 and
//! IPv6 alike):
//! - in berth's own network namespace (rootless, or with a way out
//!   asked for): what leaves it through its way out (`OUT_IF`,
//!   slirp4netns's or pasta's interface) leaves with the namespace's own
//!   address (masquerade). slirp4netns only forwards packets from its own
//!   address, and pasta follows one guest address; containers on berth's
//!   bridges have others;
//! - on the host, as root ([`host_rules`]): what containers send out of
//!   berth's bridges is masqueraded, and what they send to their
//!   bridge's own address reaches the host's loopback.
//!
//! Each is one nftables batch written on a netfilter netlink socket, the
//! way `nft` writes it. The rtnetlink crates berth uses for links have no
//! nftables messages, and the nftables crates are either bindings to a C
//! library or GPL; the batches are small enough to spell out.

use anyhow::{anyhow, bail, Result};
use netlink_sys::{protocols::NETLINK_NETFILTER, Socket, SocketAddr};

const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_CREATE: u16 = 0x400;
const NLM_F_APPEND: u16 = 0x800;
const NLM_F_EXCL: u16 = 0x200;
const NLMSG_ERROR: u16 = 0x2;
const NLA_F_NESTED: u16 = 0x8000;

const NFNL_SUBSYS_NFTABLES: u16 = 10;
const NFNL_MSG_BATCH_BEGIN: u16 = 0x10;
const NFNL_MSG_BATCH_END: u16 = 0x11;
const NFT_MSG_NEWTABLE: u16 = 0;
const NFT_MSG_NEWCHAIN: u16 = 3;
const NFT_MSG_NEWRULE: u16 = 6;
const NFT_MSG_DELTABLE: u16 = 2;
/// Both IPv4 and IPv6 (a table of family `inet`).
const NFPROTO_INET: u8 = 1;
const NFPROTO_IPV4: u8 = 2;

const NFTA_TABLE_NAME: u16 = 1;
const NFTA_CHAIN_TABLE: u16 = 1;
const NFTA_CHAIN_NAME: u16 = 3;
const NFTA_CHAIN_HOOK: u16 = 4;
const NFTA_CHAIN_POLICY: u16 = 5;
const NFTA_CHAIN_TYPE: u16 = 7;
const NFTA_HOOK_HOOKNUM: u16 = 1;
const NFTA_HOOK_PRIORITY: u16 = 2;
const NF_INET_PRE_ROUTING: u32 = 0;
const NF_INET_POST_ROUTING: u32 = 4;
const NF_IP_PRI_NAT_DST: i32 = -100;
const NF_IP_PRI_NAT_SRC: i32 = 100;
const NF_ACCEPT: u32 = 1;
const NFTA_RULE_TABLE: u16 = 1;
const NFTA_RULE_CHAIN: u16 = 2;
const NFTA_RULE_EXPRESSIONS: u16 = 4;
const NFTA_LIST_ELEM: u16 = 1;
const NFTA_EXPR_NAME: u16 = 1;
const NFTA_EXPR_DATA: u16 = 2;
const NFTA_META_DREG: u16 = 1;
const NFTA_META_KEY: u16 = 2;
const NFT_META_IIFNAME: u32 = 6;
const NFT_META_OIFNAME: u32 = 7;
const NFT_META_NFPROTO: u32 = 15;
const NFTA_CMP_SREG: u16 = 1;
const NFTA_CMP_OP: u16 = 2;
const NFTA_CMP_DATA: u16 = 3;
const NFT_CMP_EQ: u32 = 0;
const NFT_CMP_NEQ: u32 = 1;
const NFTA_FIB_DREG: u16 = 1;
const NFTA_FIB_RESULT: u16 = 2;
const NFTA_FIB_FLAGS: u16 = 3;
const NFT_FIB_RESULT_ADDRTYPE: u32 = 3;
const NFTA_FIB_F_DADDR: u32 = 1 << 1;
const NFTA_FIB_F_IIF: u32 = 1 << 3;
/// `RTN_LOCAL`: an address of this host.
const RTN_LOCAL: u32 = 2;
const NFTA_IMMEDIATE_DREG: u16 = 1;
const NFTA_IMMEDIATE_DATA: u16 = 2;
const NFTA_NAT_TYPE: u16 = 1;
const NFTA_NAT_FAMILY: u16 = 2;
const NFTA_NAT_REG_ADDR_MIN: u16 = 3;
const NFT_NAT_DNAT: u32 = 1;
const NFTA_DATA_VALUE: u16 = 1;
const NFT_REG_1: u32 = 1;
const IFNAMSIZ: usize = 16;

const TABLE: &str = "berth";
const CHAIN: &str = "postrouting";
const PRE_CHAIN: &str = "prerouting";

/// Netlink attributes, appended to a buffer.
#[derive(Default)]
struct Attrs(Vec<u8>);

impl Attrs {
    fn raw(mut self, kind: u16, data: &[u8]) -> Self {
        let len = 4 + data.len();
        self.0.extend_from_slice(&(len as u16).to_ne_bytes());
        self.0.extend_from_slice(&kind.to_ne_bytes());
        self.0.extend_from_slice(data);
        self.0.resize((self.0.len() + 3) & !3, 0);
        self
    }

    fn str(self, kind: u16, s: &str) -> Self {
        let mut data = s.as_bytes().to_vec();
        data.push(0);
        self.raw(kind, &data)
    }

    /// nftables' numbers are big-endian.
    fn be32(self, kind: u16, v: u32) -> Self {
        self.raw(kind, &v.to_be_bytes())
    }

    fn nested(self, kind: u16, inner: Attrs) -> Self {
        self.raw(kind | NLA_F_NESTED, &inner.0)
    }
}

/// One netfilter message: header, `nfgenmsg`, attributes.
fn message(buf: &mut Vec<u8>, kind: u16, flags: u16, seq: u32, family: u8, res_id: u16, a: Attrs) {
    let len = 16 + 4 + a.0.len();
    buf.extend_from_slice(&(len as u32).to_ne_bytes());
    buf.extend_from_slice(&kind.to_ne_bytes());
    buf.extend_from_slice(&(NLM_F_REQUEST | flags).to_ne_bytes());
    buf.extend_from_slice(&seq.to_ne_bytes());
    buf.extend_from_slice(&0u32.to_ne_bytes());
    buf.push(family);
    buf.push(0); // NFNETLINK_V0
    buf.extend_from_slice(&res_id.to_be_bytes());
    buf.extend_from_slice(&a.0);
}

fn expr(name: &str, data: Option<Attrs>) -> Attrs {
    let e = Attrs::default().str(NFTA_EXPR_NAME, name);
    let e = match data {
        Some(d) => e.nested(NFTA_EXPR_DATA, d),
        None => e,
    };
    Attrs::default().nested(NFTA_LIST_ELEM, e)
}

/// A batch of nftables messages between `BATCH_BEGIN` and `BATCH_END`,
/// each asking for an acknowledgement; the kernel applies it whole or
/// not at all.
struct Batch {
    buf: Vec<u8>,
    seq: u32,
    acks: usize,
}

impl Batch {
    fn new() -> Batch {
        let mut b = Batch {
            buf: Vec::new(),
            seq: 1,
            acks: 0,
        };
        message(
            &mut b.buf,
            NFNL_MSG_BATCH_BEGIN,
            0,
            b.seq,
            0,
            NFNL_SUBSYS_NFTABLES,
            Attrs::default(),
        );
        b
    }

    fn add(&mut self, kind: u16, flags: u16, a: Attrs) {
        self.seq += 1;
        self.acks += 1;
        let kind = (NFNL_SUBSYS_NFTABLES << 8) | kind;
        message(
            &mut self.buf,
            kind,
            NLM_F_ACK | flags,
            self.seq,
            NFPROTO_INET,
            0,
            a,
        );
    }

    fn table(&mut self, flags: u16) {
        let table = Attrs::default().str(NFTA_TABLE_NAME, TABLE);
        self.add(NFT_MSG_NEWTABLE, NLM_F_CREATE | flags, table);
    }

    /// A base chain of type nat.
    fn nat_chain(&mut self, name: &str, hook: u32, priority: i32) {
        let hook = Attrs::default()
            .be32(NFTA_HOOK_HOOKNUM, hook)
            .be32(NFTA_HOOK_PRIORITY, priority as u32);
        let chain = Attrs::default()
            .str(NFTA_CHAIN_TABLE, TABLE)
            .str(NFTA_CHAIN_NAME, name)
            .nested(NFTA_CHAIN_HOOK, hook)
            .be32(NFTA_CHAIN_POLICY, NF_ACCEPT)
            .str(NFTA_CHAIN_TYPE, "nat");
        self.add(NFT_MSG_NEWCHAIN, NLM_F_CREATE, chain);
    }

    fn rule(&mut self, chain: &str, exprs: &[Attrs]) {
        let mut list = Attrs::default();
        for e in exprs {
            list.0.extend_from_slice(&e.0);
        }
        let rule = Attrs::default()
            .str(NFTA_RULE_TABLE, TABLE)
            .str(NFTA_RULE_CHAIN, chain)
            .nested(NFTA_RULE_EXPRESSIONS, list);
        self.add(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, rule);
    }

    fn end(mut self) -> (Vec<u8>, usize) {
        message(
            &mut self.buf,
            NFNL_MSG_BATCH_END,
            0,
            self.seq + 1,
            0,
            NFNL_SUBSYS_NFTABLES,
            Attrs::default(),
        );
        (self.buf, self.acks)
    }
}

/// `meta KEY` into register 1.
fn meta(key: u32) -> Attrs {
    let data = Attrs::default()
        .be32(NFTA_META_KEY, key)
        .be32(NFTA_META_DREG, NFT_REG_1);
    expr("meta", Some(data))
}

/// Compare register 1 with `value`.
fn cmp(op: u32, value: &[u8]) -> Attrs {
    let data = Attrs::default()
        .be32(NFTA_CMP_SREG, NFT_REG_1)
        .be32(NFTA_CMP_OP, op)
        .nested(NFTA_CMP_DATA, Attrs::default().raw(NFTA_DATA_VALUE, value));
    expr("cmp", Some(data))
}

/// An interface name as the kernel compares it: 16 bytes, NUL-padded.
fn ifname(name: &str) -> Result<[u8; IFNAMSIZ]> {
    if name.is_empty() || name.len() >= IFNAMSIZ {
        bail!("{name:?} is not an interface name");
    }
    let mut b = [0u8; IFNAMSIZ];
    b[..name.len()].copy_from_slice(name.as_bytes());
    Ok(b)
}

/// The batch that makes the table, the chain and the rule.
fn batch(out_if: &str) -> Result<(Vec<u8>, usize)> {
    let name = ifname(out_if)?;
    let mut b = Batch::new();
    b.table(0);
    b.nat_chain(CHAIN, NF_INET_POST_ROUTING, NF_IP_PRI_NAT_SRC);
    // meta load oifname => reg 1; cmp eq reg 1 OUT_IF; masq
    b.rule(
        CHAIN,
        &[
            meta(NFT_META_OIFNAME),
            cmp(NFT_CMP_EQ, &name),
            expr("masq", None),
        ],
    );
    Ok(b.end())
}

/// The host's table, as root (bridges on the host, named `PREFIX…`):
/// - `postrouting`: `iifname "PREFIX*" oifname != "PREFIX*" masquerade`:
///   what containers send out of their bridges leaves with the host's
///   address;
/// - `prerouting`: `meta nfproto ipv4 iifname "PREFIX*" fib daddr . iif
///   type local dnat ip to 127.0.0.1`: what a container sends to its
///   bridge's own address (`host.containers.internal`) reaches the
///   host's loopback, as slirp4netns and pasta do for rootless
///   containers (the bridges have `route_localnet`).
///
/// `NLM_F_EXCL` on the table: the batch fails with `EEXIST`, and changes
/// nothing, when the table is there already.
fn host_batch(prefix: &str) -> Result<(Vec<u8>, usize)> {
    if prefix.is_empty() || prefix.len() >= IFNAMSIZ {
        bail!("{prefix:?} is not an interface name prefix");
    }
    let mut b = Batch::new();
    b.table(NLM_F_EXCL);
    b.nat_chain(CHAIN, NF_INET_POST_ROUTING, NF_IP_PRI_NAT_SRC);
    b.nat_chain(PRE_CHAIN, NF_INET_PRE_ROUTING, NF_IP_PRI_NAT_DST);
    // A wildcard name is a comparison of its first bytes only.
    let p = prefix.as_bytes();
    b.rule(
        CHAIN,
        &[
            meta(NFT_META_IIFNAME),
            cmp(NFT_CMP_EQ, p),
            meta(NFT_META_OIFNAME),
            cmp(NFT_CMP_NEQ, p),
            expr("masq", None),
        ],
    );
    let fib = Attrs::default()
        .be32(NFTA_FIB_DREG, NFT_REG_1)
        .be32(NFTA_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE)
        .be32(NFTA_FIB_FLAGS, NFTA_FIB_F_DADDR | NFTA_FIB_F_IIF);
    let loopback = Attrs::default()
        .be32(NFTA_IMMEDIATE_DREG, NFT_REG_1)
        .nested(
            NFTA_IMMEDIATE_DATA,
            Attrs::default().raw(NFTA_DATA_VALUE, &[127, 0, 0, 1]),
        );
    let dnat = Attrs::default()
        .be32(NFTA_NAT_TYPE, NFT_NAT_DNAT)
        .be32(NFTA_NAT_FAMILY, NFPROTO_IPV4 as u32)
        .be32(NFTA_NAT_REG_ADDR_MIN, NFT_REG_1);
    b.rule(
        PRE_CHAIN,
        &[
            meta(NFT_META_NFPROTO),
            cmp(NFT_CMP_EQ, &[NFPROTO_IPV4]),
            meta(NFT_META_IIFNAME),
            cmp(NFT_CMP_EQ, p),
            expr("fib", Some(fib)),
            cmp(NFT_CMP_EQ, &RTN_LOCAL.to_ne_bytes()),
            expr("immediate", Some(loopback)),
            expr("nat", Some(dnat)),
        ],
    );
    Ok(b.end())
}

/// Masquerade what leaves the current network namespace through
/// `out_if`. Called once, in a namespace that has no berth table yet.
pub fn masquerade(out_if: &str) -> Result<()> {
    let (buf, acks) = batch(out_if)?;
    send(
        &buf,
        acks,
        "adding the masquerade rule of berth's network namespace",
    )
}

/// The host's table for bridges named `prefix…` ([`host_batch`]), made
/// unless it is there.
pub fn host_rules(prefix: &str) -> Result<()> {
    let what = "adding berth's nftables table to the host";
    let (buf, acks) = host_batch(prefix)?;
    match send(&buf, acks, what) {
        Err(e) if e.downcast_ref::<Table>() == Some(&Table::Exists) => Ok(()),
        r => r,
    }
}

/// Remove berth's table from the current network namespace, if it has
/// one.
pub fn remove_table() -> Result<()> {
    let mut b = Batch::new();
    b.add(
        NFT_MSG_DELTABLE,
        0,
        Attrs::default().str(NFTA_TABLE_NAME, TABLE),
    );
    let (buf, acks) = b.end();
    match send(&buf, acks, "removing berth's nftables table") {
        Err(e) if e.downcast_ref::<Table>() == Some(&Table::Missing) => Ok(()),
        r => r,
    }
}

/// What a batch found of berth's table, when that undid it.
#[derive(Debug, PartialEq, Eq)]
enum Table {
    /// There already (`EEXIST`).
    Exists,
    /// Not there (`ENOENT`).
    Missing,
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Table::Exists => f.write_str("berth's nftables table exists"),
            Table::Missing => f.write_str("berth's nftables table does not exist"),
        }
    }
}

impl std::error::Error for Table {}

/// Send a batch and wait for its `acks` acknowledgements (or the error
/// that undid it).
fn send(buf: &[u8], acks: usize, what: &str) -> Result<()> {
    let mut socket =
        Socket::new(NETLINK_NETFILTER).map_err(|e| anyhow!("{what}: opening a socket: {e}"))?;
    socket
        .bind(&SocketAddr::new(0, 0))
        .map_err(|e| anyhow!("{what}: binding a socket: {e}"))?;
    socket
        .send_to(buf, &SocketAddr::new(0, 0), 0)
        .map_err(|e| anyhow!("{what}: {e}"))?;
    // An acknowledgement (error 0) or an error for each message that
    // asked for one; after an error the rest are not answered.
    let mut acked = 0;
    let mut rbuf = vec![0u8; 8192];
    while acked < acks {
        let n = loop {
            match socket.recv(&mut &mut rbuf[..], 0) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => bail!("{what}: reading the kernel's answer: {e}"),
            }
        };
        let mut off = 0;
        while off + 20 <= n {
            let len = u32::from_ne_bytes(rbuf[off..off + 4].try_into()?) as usize;
            let kind = u16::from_ne_bytes(rbuf[off + 4..off + 6].try_into()?);
            if len < 16 || off + len > n {
                bail!("{what}: a malformed answer");
            }
            if kind == NLMSG_ERROR {
                let code = i32::from_ne_bytes(rbuf[off + 16..off + 20].try_into()?);
                match -code {
                    0 => {}
                    libc::EEXIST => return Err(Table::Exists.into()),
                    libc::ENOENT => return Err(Table::Missing.into()),
                    c => {
                        let e = std::io::Error::from_raw_os_error(c);
                        bail!("{what}: {e}");
                    }
                }
                acked += 1;
            }
            off += (len + 3) & !3;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The (kind, flags) of each message of a batch, whose lengths must
    /// add up, each 4-aligned.
    fn messages(buf: &[u8]) -> Vec<(u16, u16)> {
        let (mut off, mut out) = (0, Vec::new());
        while off < buf.len() {
            let len = u32::from_ne_bytes(buf[off..off + 4].try_into().unwrap()) as usize;
            let kind = u16::from_ne_bytes(buf[off + 4..off + 6].try_into().unwrap());
            let flags = u16::from_ne_bytes(buf[off + 6..off + 8].try_into().unwrap());
            out.push((kind, flags));
            assert_eq!(len % 4, 0);
            off += len;
        }
        assert_eq!(off, buf.len());
        out
    }

    #[test]
    fn the_batch_is_well_formed() {
        let (buf, acks) = batch("tap0").unwrap();
        assert_eq!(acks, 3);
        // Five messages whose lengths add up, each 4-aligned.
        let kinds: Vec<u16> = messages(&buf).into_iter().map(|m| m.0).collect();
        assert_eq!(kinds, [0x10, 0x0a00, 0x0a03, 0x0a06, 0x11]);
        // The interface name is compared as 16 bytes, NUL-padded.
        let mut want = b"tap0".to_vec();
        want.resize(16, 0);
        assert!(buf.windows(16).any(|w| w == want));
        assert!(batch("").is_err());
        assert!(batch("a-name-too-long-x").is_err());
    }

    #[test]
    fn the_host_batch_is_well_formed() {
        let (buf, acks) = host_batch("berth").unwrap();
        assert_eq!(acks, 5);
        let kinds: Vec<(u16, bool)> = messages(&buf)
            .into_iter()
            .map(|(kind, flags)| (kind, flags & NLM_F_EXCL != 0))
            .collect();
        // Only the table is exclusive: a second berth finds it and stops.
        assert_eq!(
            kinds,
            [
                (0x10, false),
                (0x0a00, true),
                (0x0a03, false),
                (0x0a03, false),
                (0x0a06, false),
                (0x0a06, false),
                (0x11, false)
            ]
        );
        // The prefix is compared as itself, not NUL-padded: a wildcard.
        assert!(buf.windows(9).any(|w| w == b"\x09\0\x01\0berth"));
        assert!(buf.windows(4).any(|w| w == [127, 0, 0, 1]));
        assert!(host_batch("").is_err());
    }
}
