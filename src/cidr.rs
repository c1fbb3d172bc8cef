//! CIDR blocks, `ADDR/PREFIX`, of IPv4 and IPv6: parsed strictly, with
//! the arithmetic that networks need (network and last address,
//! containment, overlap). Used by the network records and by the runtime
//! that hands out their addresses.

use std::net::{Ipv4Addr, Ipv6Addr};

/// An IPv4 network as records write it, `ADDR/PREFIX`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Net {
    addr: Ipv4Addr,
    prefix: u8,
}

impl Ipv4Net {
    /// `addr/prefix`; `None` if `prefix` is over 32.
    pub fn new(addr: Ipv4Addr, prefix: u8) -> Option<Ipv4Net> {
        (prefix <= 32).then_some(Ipv4Net { addr, prefix })
    }

    /// Parse `ADDR/PREFIX` strictly: a dotted IPv4 address, a slash and
    /// a decimal prefix of 0 to 32 (no sign, no spaces). Host bits are
    /// kept (see [`has_host_bits`](Self::has_host_bits)). The error says
    /// what is wrong, without the input (the caller names it).
    pub fn parse(s: &str) -> Result<Ipv4Net, String> {
        let (addr, prefix) = s
            .split_once('/')
            .ok_or("expected ADDRESS/PREFIX, such as 10.89.1.0/24")?;
        if addr.contains(':') {
            return Err(format!("{addr:?} is an IPv6 address, not an IPv4 one"));
        }
        let addr: Ipv4Addr = addr
            .parse()
            .map_err(|_| format!("{addr:?} is not an IPv4 address"))?;
        let prefix = Some(prefix)
            .filter(|p| !p.is_empty() && p.len() <= 2 && p.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|p| p.parse::<u8>().ok())
            .filter(|p| *p <= 32)
            .ok_or_else(|| format!("prefix {prefix:?} is not a number from 0 to 32"))?;
        Ok(Ipv4Net { addr, prefix })
    }

    /// The address as written (host bits and all).
    pub fn addr(&self) -> Ipv4Addr {
        self.addr
    }

    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// The netmask as a number (`/24` is `0xffffff00`).
    pub fn mask(&self) -> u32 {
        u32::MAX
            .checked_shl(32 - u32::from(self.prefix))
            .unwrap_or(0)
    }

    /// The network address (host bits cleared).
    pub fn network(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) & self.mask())
    }

    /// The broadcast address (host bits set).
    pub fn broadcast(&self) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.addr) | !self.mask())
    }

    /// Whether the address has bits set beyond the prefix
    /// (`10.89.1.5/24`).
    pub fn has_host_bits(&self) -> bool {
        self.addr != self.network()
    }

    /// The same network with its host bits cleared.
    pub fn trunc(&self) -> Ipv4Net {
        Ipv4Net {
            addr: self.network(),
            prefix: self.prefix,
        }
    }

    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & self.mask() == u32::from(self.network())
    }

    /// Whether all of `other` lies inside this network.
    pub fn contains_net(&self, other: &Ipv4Net) -> bool {
        other.prefix >= self.prefix && self.contains(other.network())
    }

    /// Whether the two networks share an address (one holds the other,
    /// as CIDR blocks either nest or are apart).
    pub fn overlaps(&self, other: &Ipv4Net) -> bool {
        self.contains_net(other) || other.contains_net(self)
    }
}

impl std::fmt::Display for Ipv4Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// An IPv6 network as records write it, `ADDR/PREFIX`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv6Net {
    addr: Ipv6Addr,
    prefix: u8,
}

impl Ipv6Net {
    /// `addr/prefix`; `None` if `prefix` is over 128.
    pub fn new(addr: Ipv6Addr, prefix: u8) -> Option<Ipv6Net> {
        (prefix <= 128).then_some(Ipv6Net { addr, prefix })
    }

    /// Parse `ADDR/PREFIX` strictly: an IPv6 address, a slash and a
    /// decimal prefix of 0 to 128. Host bits are kept.
    pub fn parse(s: &str) -> Result<Ipv6Net, String> {
        let (addr, prefix) = s
            .split_once('/')
            .ok_or("expected ADDRESS/PREFIX, such as fd12:3456:789a::/64")?;
        let addr: Ipv6Addr = addr
            .parse()
            .map_err(|_| format!("{addr:?} is not an IPv6 address"))?;
        let prefix = Some(prefix)
            .filter(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|p| p.parse::<u8>().ok())
            .filter(|p| *p <= 128)
            .ok_or_else(|| format!("prefix {prefix:?} is not a number from 0 to 128"))?;
        Ok(Ipv6Net { addr, prefix })
    }

    pub fn addr(&self) -> Ipv6Addr {
        self.addr
    }

    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// The netmask as a number.
    pub fn mask(&self) -> u128 {
        u128::MAX
            .checked_shl(128 - u32::from(self.prefix))
            .unwrap_or(0)
    }

    /// The network address (host bits cleared).
    pub fn network(&self) -> Ipv6Addr {
        Ipv6Addr::from(u128::from(self.addr) & self.mask())
    }

    /// The last address (host bits set).
    pub fn last(&self) -> Ipv6Addr {
        Ipv6Addr::from(u128::from(self.addr) | !self.mask())
    }

    pub fn has_host_bits(&self) -> bool {
        self.addr != self.network()
    }

    /// The same network with its host bits cleared.
    pub fn trunc(&self) -> Ipv6Net {
        Ipv6Net {
            addr: self.network(),
            prefix: self.prefix,
        }
    }

    pub fn contains(&self, ip: Ipv6Addr) -> bool {
        u128::from(ip) & self.mask() == u128::from(self.network())
    }

    pub fn contains_net(&self, other: &Ipv6Net) -> bool {
        other.prefix >= self.prefix && self.contains(other.network())
    }

    pub fn overlaps(&self, other: &Ipv6Net) -> bool {
        self.contains_net(other) || other.contains_net(self)
    }
}

impl std::fmt::Display for Ipv6Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs_parse_strictly() {
        let n = Ipv4Net::parse("198.18.10.0/24").unwrap();
        assert_eq!(n.network(), Ipv4Addr::new(198, 18, 10, 0));
        assert_eq!(n.broadcast(), Ipv4Addr::new(198, 18, 10, 255));
        assert!(!n.has_host_bits());
        assert!(Ipv4Net::parse("198.18.10.1/24").unwrap().has_host_bits());
        assert_eq!(Ipv4Net::parse("0.0.0.0/0").unwrap().mask(), 0);
        for bad in [
            "198.18.10.0",
            "198.18.10.0/",
            "198.18.10.0/33",
            "198.18.10.0/+8",
            "198.18.10/24",
            "198.18.10.0/ 24",
            "bogus",
            "fd00::/64",
        ] {
            assert!(Ipv4Net::parse(bad).is_err(), "{bad}");
        }
        let a = Ipv4Net::parse("198.18.0.0/16").unwrap();
        let b = Ipv4Net::parse("198.18.10.0/24").unwrap();
        let c = Ipv4Net::parse("198.19.0.0/24").unwrap();
        assert!(a.overlaps(&b) && b.overlaps(&a) && !a.overlaps(&c));
        assert!(a.contains_net(&b) && !b.contains_net(&a));
    }

    #[test]
    fn ipv6_cidrs_parse_strictly() {
        let n = Ipv6Net::parse("fd12:3456:789a:1::/64").unwrap();
        assert_eq!(
            n.network(),
            "fd12:3456:789a:1::".parse::<Ipv6Addr>().unwrap()
        );
        assert_eq!(
            n.last(),
            "fd12:3456:789a:1:ffff:ffff:ffff:ffff"
                .parse::<Ipv6Addr>()
                .unwrap()
        );
        assert!(Ipv6Net::parse("fd12::1/64").unwrap().has_host_bits());
        assert_eq!(Ipv6Net::parse("::/0").unwrap().mask(), 0);
        for bad in [
            "fd12::",
            "fd12::/",
            "fd12::/129",
            "fd12::/+8",
            "10.0.0.0/8",
            "x/64",
        ] {
            assert!(Ipv6Net::parse(bad).is_err(), "{bad}");
        }
        let a = Ipv6Net::parse("fd12::/48").unwrap();
        let b = Ipv6Net::parse("fd12:0:0:5::/64").unwrap();
        let c = Ipv6Net::parse("fd13::/64").unwrap();
        assert!(a.overlaps(&b) && b.overlaps(&a) && !a.overlaps(&c));
    }
}
