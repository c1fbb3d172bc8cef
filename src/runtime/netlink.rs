//! A small blocking rtnetlink client: the links, addresses, routes and
//! rules of berth's networks. Each call sends one request on a socket of
//! the network namespace the socket was made in and waits for the
//! kernel's answer (an acknowledgement, an error, or a dump). No threads:
//! the container's monitor uses it between its forks.

use anyhow::{anyhow, bail, Result};
use netlink_packet_core::{
    NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL,
    NLM_F_REQUEST,
};
use netlink_packet_route::address::{
    AddressAttribute, AddressFlags, AddressHeaderFlags, AddressMessage,
};
use netlink_packet_route::link::{
    InfoData, InfoKind, InfoVeth, LinkAttribute, LinkFlags, LinkInfo, LinkMessage,
};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteScope,
};
use netlink_packet_route::route::{RouteProtocol, RouteType};
use netlink_packet_route::rule::{RuleAction, RuleAttribute, RuleMessage};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};
use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::RawFd;

/// A link as a dump shows it.
#[derive(Debug, Clone, Default)]
pub struct Link {
    pub index: u32,
    pub name: String,
    /// `veth`, `bridge`, `tun` … (empty: none given).
    pub kind: String,
    /// The index of the bridge it is a port of.
    pub master: Option<u32>,
    pub alias: String,
    /// Its hardware address.
    pub mac: Option<[u8; 6]>,
}

/// An rtnetlink socket in the current network namespace.
pub struct Netlink {
    socket: Socket,
    seq: u32,
}

impl Netlink {
    /// Open a socket in the network namespace this thread is in.
    pub fn open() -> Result<Netlink> {
        let mut socket =
            Socket::new(NETLINK_ROUTE).map_err(|e| anyhow!("opening a netlink socket: {e}"))?;
        socket
            .bind(&SocketAddr::new(0, 0))
            .map_err(|e| anyhow!("binding a netlink socket: {e}"))?;
        socket
            .connect(&SocketAddr::new(0, 0))
            .map_err(|e| anyhow!("connecting a netlink socket: {e}"))?;
        Ok(Netlink { socket, seq: 0 })
    }

    /// Send `msg` and collect the answers until the acknowledgement (or
    /// the end of a dump).
    fn request(
        &mut self,
        msg: RouteNetlinkMessage,
        flags: u16,
        what: &str,
    ) -> Result<Vec<RouteNetlinkMessage>> {
        self.seq += 1;
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | flags;
        header.sequence_number = self.seq;
        let mut packet = NetlinkMessage::new(header, NetlinkPayload::InnerMessage(msg));
        packet.finalize();
        let mut buf = vec![0u8; packet.buffer_len()];
        packet.serialize(&mut buf);
        self.socket
            .send(&buf, 0)
            .map_err(|e| anyhow!("{what}: sending to the kernel: {e}"))?;
        let mut out = Vec::new();
        let mut rbuf = vec![0u8; 65536];
        loop {
            let n = loop {
                match self.socket.recv(&mut &mut rbuf[..], 0) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => bail!("{what}: reading the kernel's answer: {e}"),
                }
            };
            let mut off = 0;
            while off < n {
                let msg = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&rbuf[off..n])
                    .map_err(|e| anyhow!("{what}: a malformed answer: {e}"))?;
                let len = msg.header.length as usize;
                if len == 0 {
                    bail!("{what}: a malformed answer");
                }
                off += (len + 3) & !3;
                if msg.header.sequence_number != self.seq {
                    continue;
                }
                match msg.payload {
                    NetlinkPayload::Done(_) => return Ok(out),
                    NetlinkPayload::Error(e) => match e.code {
                        None => return Ok(out),
                        Some(_) => {
                            let io = e.to_io();
                            bail!("{what}: {io}");
                        }
                    },
                    NetlinkPayload::InnerMessage(m) => {
                        out.push(m);
                        if flags & NLM_F_DUMP != NLM_F_DUMP {
                            // An answer to a plain get; the ack follows
                            // only when asked for.
                            if flags & NLM_F_ACK == 0 {
                                return Ok(out);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// Every link of the namespace.
    pub fn links(&mut self) -> Result<Vec<Link>> {
        let answers = self.request(
            RouteNetlinkMessage::GetLink(LinkMessage::default()),
            NLM_F_DUMP,
            "listing network interfaces",
        )?;
        Ok(answers
            .into_iter()
            .filter_map(|m| match m {
                RouteNetlinkMessage::NewLink(l) => Some(link_of(&l)),
                _ => None,
            })
            .collect())
    }

    /// The link named `name`, if there is one.
    pub fn link(&mut self, name: &str) -> Result<Option<Link>> {
        Ok(self.links()?.into_iter().find(|l| l.name == name))
    }

    /// Create a bridge named `name` with MTU `mtu`.
    pub fn add_bridge(&mut self, name: &str, mtu: u32) -> Result<()> {
        let mut m = LinkMessage::default();
        m.attributes.push(LinkAttribute::IfName(name.to_string()));
        m.attributes.push(LinkAttribute::Mtu(mtu));
        m.attributes
            .push(LinkAttribute::LinkInfo(vec![LinkInfo::Kind(
                InfoKind::Bridge,
            )]));
        self.request(
            RouteNetlinkMessage::NewLink(m),
            NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
            &format!("creating bridge {name}"),
        )?;
        Ok(())
    }

    /// Create a veth pair with MTU `mtu`: `name` here (with `alias`),
    /// `peer` in the network namespace `peer_netns` (a descriptor of its
    /// file).
    pub fn add_veth(
        &mut self,
        name: &str,
        alias: &str,
        peer: &str,
        peer_netns: RawFd,
        mtu: u32,
    ) -> Result<()> {
        let mut p = LinkMessage::default();
        p.attributes.push(LinkAttribute::IfName(peer.to_string()));
        p.attributes.push(LinkAttribute::NetNsFd(peer_netns));
        p.attributes.push(LinkAttribute::Mtu(mtu));
        let mut m = LinkMessage::default();
        m.attributes.push(LinkAttribute::IfName(name.to_string()));
        m.attributes.push(LinkAttribute::Mtu(mtu));
        m.attributes.push(LinkAttribute::LinkInfo(vec![
            LinkInfo::Kind(InfoKind::Veth),
            LinkInfo::Data(InfoData::Veth(InfoVeth::Peer(p))),
        ]));
        self.request(
            RouteNetlinkMessage::NewLink(m),
            NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
            &format!("creating network interface {name}"),
        )?;
        if !alias.is_empty() {
            let index = self.index(name)?;
            self.set_alias(index, alias)?;
        }
        Ok(())
    }

    /// Label link `index` with `alias`.
    pub fn set_alias(&mut self, index: u32, alias: &str) -> Result<()> {
        let mut m = LinkMessage::default();
        m.header.index = index;
        m.attributes.push(LinkAttribute::IfAlias(alias.to_string()));
        self.request(
            RouteNetlinkMessage::SetLink(m),
            NLM_F_ACK,
            &format!("labelling network interface {index}"),
        )?;
        Ok(())
    }

    fn index(&mut self, name: &str) -> Result<u32> {
        let mut m = LinkMessage::default();
        m.attributes.push(LinkAttribute::IfName(name.to_string()));
        let answers = self.request(
            RouteNetlinkMessage::GetLink(m),
            0,
            &format!("finding network interface {name}"),
        )?;
        match answers.first() {
            Some(RouteNetlinkMessage::NewLink(l)) => Ok(l.header.index),
            _ => bail!("network interface {name} not found"),
        }
    }

    /// Change link `name`: up, its bridge, its hardware address.
    pub fn set_link(
        &mut self,
        name: &str,
        up: bool,
        master: Option<u32>,
        mac: Option<[u8; 6]>,
    ) -> Result<()> {
        let index = self.index(name)?;
        let mut m = LinkMessage::default();
        m.header.index = index;
        if up {
            m.header.flags = LinkFlags::Up;
            m.header.change_mask = LinkFlags::Up;
        }
        if let Some(master) = master {
            m.attributes.push(LinkAttribute::Controller(master));
        }
        if let Some(mac) = mac {
            m.attributes.push(LinkAttribute::Address(mac.to_vec()));
        }
        self.request(
            RouteNetlinkMessage::SetLink(m),
            NLM_F_ACK,
            &format!("configuring network interface {name}"),
        )?;
        Ok(())
    }

    /// Remove link `name` (a veth takes its peer with it).
    pub fn delete_link(&mut self, index: u32) -> Result<()> {
        let mut m = LinkMessage::default();
        m.header.index = index;
        self.request(
            RouteNetlinkMessage::DelLink(m),
            NLM_F_ACK,
            "removing a network interface",
        )?;
        Ok(())
    }

    /// Give link `name` the address `addr/prefix`. An IPv6 address is
    /// usable at once (no duplicate address detection: berth hands the
    /// addresses out and knows they are unique).
    pub fn add_address(&mut self, name: &str, addr: IpAddr, prefix: u8) -> Result<()> {
        let index = self.index(name)?;
        let mut m = AddressMessage::default();
        m.header.prefix_len = prefix;
        m.header.index = index;
        m.attributes.push(AddressAttribute::Local(addr));
        m.attributes.push(AddressAttribute::Address(addr));
        match addr {
            IpAddr::V4(v4) => {
                m.header.family = AddressFamily::Inet;
                let bits = if prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - prefix)
                };
                let broadcast = Ipv4Addr::from(u32::from(v4) | !bits);
                m.attributes.push(AddressAttribute::Broadcast(broadcast));
            }
            IpAddr::V6(_) => {
                m.header.family = AddressFamily::Inet6;
                m.header.flags = AddressHeaderFlags::Nodad;
                m.attributes
                    .push(AddressAttribute::Flags(AddressFlags::Nodad));
            }
        }
        self.request(
            RouteNetlinkMessage::NewAddress(m),
            NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
            &format!("giving {name} the address {addr}/{prefix}"),
        )?;
        Ok(())
    }

    /// The addresses (IPv4 and IPv6, link-local ones left out) and
    /// prefixes of link `index`.
    pub fn addresses(&mut self, index: u32) -> Result<Vec<(IpAddr, u8)>> {
        Ok(self
            .all_addresses()?
            .into_iter()
            .filter(|a| a.0 == index)
            .map(|(_, ip, prefix)| (ip, prefix))
            .collect())
    }

    /// The addresses of every link, link-local ones left out: (link
    /// index, address, prefix).
    pub fn all_addresses(&mut self) -> Result<Vec<(u32, IpAddr, u8)>> {
        let answers = self.request(
            RouteNetlinkMessage::GetAddress(AddressMessage::default()),
            NLM_F_DUMP,
            "listing addresses",
        )?;
        Ok(answers
            .into_iter()
            .filter_map(|m| match m {
                RouteNetlinkMessage::NewAddress(a) => a.attributes.iter().find_map(|at| match at {
                    AddressAttribute::Address(ip) if !is_link_local(ip) => {
                        Some((a.header.index, *ip, a.header.prefix_len))
                    }
                    _ => None,
                }),
                _ => None,
            })
            .collect())
    }

    /// A default route through `gateway` (of its family).
    pub fn add_default_route(&mut self, gateway: IpAddr) -> Result<()> {
        let mut m = RouteMessage::default();
        m.header.address_family = family(&gateway);
        m.header.table = RouteHeader::RT_TABLE_MAIN;
        m.header.protocol = RouteProtocol::Boot;
        m.header.scope = RouteScope::Universe;
        m.header.kind = RouteType::Unicast;
        m.attributes
            .push(RouteAttribute::Gateway(RouteAddress::from(gateway)));
        self.request(
            RouteNetlinkMessage::NewRoute(m),
            NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
            &format!("adding the default route through {gateway}"),
        )?;
        Ok(())
    }

    /// Whether the namespace has a default route with a gateway for
    /// IPv4 (`v6` false) or IPv6.
    pub fn has_default_route(&mut self, v6: bool) -> Result<bool> {
        let mut m = RouteMessage::default();
        m.header.address_family = if v6 {
            AddressFamily::Inet6
        } else {
            AddressFamily::Inet
        };
        let answers = self.request(
            RouteNetlinkMessage::GetRoute(m),
            NLM_F_DUMP,
            "listing routes",
        )?;
        Ok(answers.into_iter().any(|m| match m {
            RouteNetlinkMessage::NewRoute(r) => {
                r.header.destination_prefix_length == 0
                    && r.header.table == RouteHeader::RT_TABLE_MAIN
                    && r.attributes
                        .iter()
                        .any(|a| matches!(a, RouteAttribute::Gateway(_)))
            }
            _ => false,
        }))
    }

    /// A rule at `priority`: packets that came in on `iif` and go to
    /// `dst/dst_len` are refused with "prohibited"; with no `dst`, all
    /// packets that came in on `iif`, IPv4 and IPv6.
    pub fn add_prohibit_rule(
        &mut self,
        priority: u32,
        iif: &str,
        dst: Option<(IpAddr, u8)>,
    ) -> Result<()> {
        let families = match dst {
            Some((ip, _)) => vec![family(&ip)],
            None => vec![AddressFamily::Inet, AddressFamily::Inet6],
        };
        for f in families {
            let mut m = RuleMessage::default();
            m.header.family = f;
            m.header.action = RuleAction::Prohibit;
            m.attributes.push(RuleAttribute::Priority(priority));
            m.attributes.push(RuleAttribute::Iifname(iif.to_string()));
            if let Some((ip, len)) = dst {
                m.header.dst_len = len;
                m.attributes.push(RuleAttribute::Destination(ip));
            }
            self.request(
                RouteNetlinkMessage::NewRule(m),
                NLM_F_ACK | NLM_F_CREATE,
                &format!("adding a routing rule for {iif}"),
            )?;
        }
        Ok(())
    }
}

impl Netlink {
    /// Every rule, IPv4 and IPv6, with the input interface it names.
    fn rules(&mut self) -> Result<Vec<(RuleMessage, Option<String>)>> {
        let mut out = Vec::new();
        for f in [AddressFamily::Inet, AddressFamily::Inet6] {
            let mut m = RuleMessage::default();
            m.header.family = f;
            let answers = self.request(
                RouteNetlinkMessage::GetRule(m),
                NLM_F_DUMP,
                "listing routing rules",
            )?;
            for a in answers {
                if let RouteNetlinkMessage::NewRule(r) = a {
                    let iif = r.attributes.iter().find_map(|at| match at {
                        RuleAttribute::Iifname(n) => Some(n.clone()),
                        _ => None,
                    });
                    out.push((r, iif));
                }
            }
        }
        Ok(out)
    }

    /// The input interfaces the rules (IPv4 and IPv6) name.
    pub fn rule_iifs(&mut self) -> Result<Vec<String>> {
        let mut out: Vec<String> = self.rules()?.into_iter().filter_map(|r| r.1).collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// Remove every rule (IPv4 and IPv6) that matches packets coming in
    /// on `iif`.
    pub fn delete_rules_for(&mut self, iif: &str) -> Result<()> {
        for (r, name) in self.rules()? {
            if name.as_deref() == Some(iif) {
                self.request(
                    RouteNetlinkMessage::DelRule(r),
                    NLM_F_ACK,
                    &format!("removing a routing rule for {iif}"),
                )?;
            }
        }
        Ok(())
    }
}

fn family(ip: &IpAddr) -> AddressFamily {
    match ip {
        IpAddr::V4(_) => AddressFamily::Inet,
        IpAddr::V6(_) => AddressFamily::Inet6,
    }
}

/// An IPv6 link-local address (`fe80::/10`), which every interface has.
fn is_link_local(ip: &IpAddr) -> bool {
    matches!(ip, IpAddr::V6(v6) if v6.segments()[0] & 0xffc0 == 0xfe80)
}

fn link_of(l: &LinkMessage) -> Link {
    let mut link = Link {
        index: l.header.index,
        ..Default::default()
    };
    for a in &l.attributes {
        match a {
            LinkAttribute::IfName(n) => link.name = n.clone(),
            LinkAttribute::IfAlias(s) => link.alias = s.clone(),
            LinkAttribute::Controller(m) => link.master = Some(*m),
            LinkAttribute::Address(a) => link.mac = a.as_slice().try_into().ok(),
            LinkAttribute::LinkInfo(infos) => {
                for i in infos {
                    if let LinkInfo::Kind(k) = i {
                        link.kind = k.to_string();
                    }
                }
            }
            _ => {}
        }
    }
    link
}
