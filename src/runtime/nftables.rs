//! The one netfilter rule berth's network namespace needs: what leaves
//! it through its way out (`OUT_IF`, slirp4netns's or pasta's interface)
//! leaves with the namespace's own address (masquerade). slirp4netns
//! only forwards packets from its own address, and pasta follows one
//! guest address; containers on berth's bridges have others.
//!
//! One nftables batch (table `inet berth`, for IPv4 and IPv6 alike; a
//! `nat` chain on the postrouting hook; one rule `oifname OUT_IF
//! masquerade`) written on a netfilter netlink socket, the way `nft`
//! writes it. The rtnetlink crates berth uses for links have no nftables
//! messages, and the nftables crates are either bindings to a C library
//! or GPL; the batch is small enough to spell out.

use anyhow::{anyhow, bail, Result};
use netlink_sys::{protocols::NETLINK_NETFILTER, Socket, SocketAddr};

const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_CREATE: u16 = 0x400;
const NLM_F_APPEND: u16 = 0x800;
const NLMSG_ERROR: u16 = 0x2;
const NLA_F_NESTED: u16 = 0x8000;

const NFNL_SUBSYS_NFTABLES: u16 = 10;
const NFNL_MSG_BATCH_BEGIN: u16 = 0x10;
const NFNL_MSG_BATCH_END: u16 = 0x11;
const NFT_MSG_NEWTABLE: u16 = 0;
const NFT_MSG_NEWCHAIN: u16 = 3;
const NFT_MSG_NEWRULE: u16 = 6;
/// Both IPv4 and IPv6 (a table of family `inet`).
const NFPROTO_INET: u8 = 1;

const NFTA_TABLE_NAME: u16 = 1;
const NFTA_CHAIN_TABLE: u16 = 1;
const NFTA_CHAIN_NAME: u16 = 3;
const NFTA_CHAIN_HOOK: u16 = 4;
const NFTA_CHAIN_POLICY: u16 = 5;
const NFTA_CHAIN_TYPE: u16 = 7;
const NFTA_HOOK_HOOKNUM: u16 = 1;
const NFTA_HOOK_PRIORITY: u16 = 2;
const NF_INET_POST_ROUTING: u32 = 4;
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
const NFT_META_OIFNAME: u32 = 7;
const NFTA_CMP_SREG: u16 = 1;
const NFTA_CMP_OP: u16 = 2;
const NFTA_CMP_DATA: u16 = 3;
const NFT_CMP_EQ: u32 = 0;
const NFTA_DATA_VALUE: u16 = 1;
const NFT_REG_1: u32 = 1;
const IFNAMSIZ: usize = 16;

const TABLE: &str = "berth";
const CHAIN: &str = "postrouting";

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

/// The batch that makes the table, the chain and the rule.
fn batch(out_if: &str) -> Result<Vec<u8>> {
    if out_if.is_empty() || out_if.len() >= IFNAMSIZ {
        bail!("{out_if:?} is not an interface name");
    }
    let nft = |m: u16| (NFNL_SUBSYS_NFTABLES << 8) | m;
    let ack = NLM_F_ACK | NLM_F_CREATE;
    let mut buf = Vec::new();
    message(
        &mut buf,
        NFNL_MSG_BATCH_BEGIN,
        0,
        1,
        0,
        NFNL_SUBSYS_NFTABLES,
        Attrs::default(),
    );
    let table = Attrs::default().str(NFTA_TABLE_NAME, TABLE);
    message(
        &mut buf,
        nft(NFT_MSG_NEWTABLE),
        ack,
        2,
        NFPROTO_INET,
        0,
        table,
    );
    let hook = Attrs::default()
        .be32(NFTA_HOOK_HOOKNUM, NF_INET_POST_ROUTING)
        .be32(NFTA_HOOK_PRIORITY, NF_IP_PRI_NAT_SRC as u32);
    let chain = Attrs::default()
        .str(NFTA_CHAIN_TABLE, TABLE)
        .str(NFTA_CHAIN_NAME, CHAIN)
        .nested(NFTA_CHAIN_HOOK, hook)
        .be32(NFTA_CHAIN_POLICY, NF_ACCEPT)
        .str(NFTA_CHAIN_TYPE, "nat");
    message(
        &mut buf,
        nft(NFT_MSG_NEWCHAIN),
        ack,
        3,
        NFPROTO_INET,
        0,
        chain,
    );
    // meta load oifname => reg 1; cmp eq reg 1 OUT_IF; masq
    let mut name = [0u8; IFNAMSIZ];
    name[..out_if.len()].copy_from_slice(out_if.as_bytes());
    let mut exprs = Attrs::default();
    for e in [
        expr(
            "meta",
            Some(
                Attrs::default()
                    .be32(NFTA_META_KEY, NFT_META_OIFNAME)
                    .be32(NFTA_META_DREG, NFT_REG_1),
            ),
        ),
        expr(
            "cmp",
            Some(
                Attrs::default()
                    .be32(NFTA_CMP_SREG, NFT_REG_1)
                    .be32(NFTA_CMP_OP, NFT_CMP_EQ)
                    .nested(NFTA_CMP_DATA, Attrs::default().raw(NFTA_DATA_VALUE, &name)),
            ),
        ),
        expr("masq", None),
    ] {
        exprs.0.extend_from_slice(&e.0);
    }
    let rule = Attrs::default()
        .str(NFTA_RULE_TABLE, TABLE)
        .str(NFTA_RULE_CHAIN, CHAIN)
        .nested(NFTA_RULE_EXPRESSIONS, exprs);
    message(
        &mut buf,
        nft(NFT_MSG_NEWRULE),
        ack | NLM_F_APPEND,
        4,
        NFPROTO_INET,
        0,
        rule,
    );
    message(
        &mut buf,
        NFNL_MSG_BATCH_END,
        0,
        5,
        0,
        NFNL_SUBSYS_NFTABLES,
        Attrs::default(),
    );
    Ok(buf)
}

/// Masquerade what leaves the current network namespace through
/// `out_if`. Called once, in a namespace that has no berth table yet.
pub fn masquerade(out_if: &str) -> Result<()> {
    let buf = batch(out_if)?;
    let what = "adding the masquerade rule of berth's network namespace";
    let mut socket =
        Socket::new(NETLINK_NETFILTER).map_err(|e| anyhow!("{what}: opening a socket: {e}"))?;
    socket
        .bind(&SocketAddr::new(0, 0))
        .map_err(|e| anyhow!("{what}: binding a socket: {e}"))?;
    socket
        .send_to(&buf, &SocketAddr::new(0, 0), 0)
        .map_err(|e| anyhow!("{what}: {e}"))?;
    // An acknowledgement (error 0) or an error for each of the three
    // messages that asked for one; the batch is applied whole or not.
    let mut acked = 0;
    let mut rbuf = vec![0u8; 8192];
    while acked < 3 {
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
                if code != 0 {
                    let e = std::io::Error::from_raw_os_error(-code);
                    bail!("{what}: {e}");
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

    #[test]
    fn the_batch_is_well_formed() {
        let buf = batch("tap0").unwrap();
        // Five messages whose lengths add up, each 4-aligned.
        let (mut off, mut kinds) = (0, Vec::new());
        while off < buf.len() {
            let len = u32::from_ne_bytes(buf[off..off + 4].try_into().unwrap()) as usize;
            kinds.push(u16::from_ne_bytes(
                buf[off + 4..off + 6].try_into().unwrap(),
            ));
            assert_eq!(len % 4, 0);
            off += len;
        }
        assert_eq!(off, buf.len());
        assert_eq!(kinds, [0x10, 0x0a00, 0x0a03, 0x0a06, 0x11]);
        // The interface name is compared as 16 bytes, NUL-padded.
        let mut want = b"tap0".to_vec();
        want.resize(16, 0);
        assert!(buf.windows(16).any(|w| w == want));
        assert!(batch("").is_err());
        assert!(batch("a-name-too-long-x").is_err());
    }
}
