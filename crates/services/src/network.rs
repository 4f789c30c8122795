//! The client's address behind reverse proxies (security review H2).
//!
//! Proxies such as nginx (`$proxy_add_x_forwarded_for`), AWS ALB and Traefik *append* the
//! address they saw to `X-Forwarded-For`, so everything left of the last proxy's entry is
//! whatever the client sent. The client is therefore the rightmost entry that is not one of
//! our own proxies (`MATTERCRAFT_TRUSTED_PROXIES`), and the header is ignored entirely when
//! the connection does not come from one of them.

use std::net::IpAddr;

use ipnet::IpNet;

/// The client's address: the socket `peer` unless it is a trusted proxy; then the rightmost
/// `X-Forwarded-For` entry outside `trusted` (or the leftmost entry when every one is
/// trusted). An unparsable entry stops the walk: everything left of it is client-supplied.
pub fn client_address(
    forwarded_for: Option<&str>,
    peer: Option<IpAddr>,
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(&canonical(*ip)));
    let peer = peer?;
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let Some(header) = forwarded_for else {
        return Some(peer);
    };
    let mut client = peer;
    for entry in header.rsplit(',') {
        match entry.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = canonical(ip);
                if !is_trusted(&client) {
                    return Some(client);
                }
            }
            Err(_) => return Some(client),
        }
    }
    Some(client)
}

/// An IPv4 client seen through an IPv6 socket (`::ffff:a.b.c.d`) is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Parses `MATTERCRAFT_TRUSTED_PROXIES`: networks (`10.0.0.0/8`) or single addresses,
/// separated by commas or spaces.
pub fn parse_trusted_proxies(text: &str) -> Result<Vec<IpNet>, String> {
    text.split([',', ' '])
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map(|net| net.trunc())
                .map_err(|_| {
                    format!("'{entry}' is not an IP address or a network such as 10.0.0.0/8")
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn the_header_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        let trusted = parse_trusted_proxies("10.0.0.0/8").unwrap();
        assert_eq!(
            client_address(Some("203.0.113.7"), ip("198.51.100.2"), &trusted),
            ip("198.51.100.2"),
            "a client talking to us directly cannot claim another address"
        );
        assert_eq!(
            client_address(Some("203.0.113.7"), ip("10.0.0.5"), &[]),
            ip("10.0.0.5"),
            "no proxies configured: no header believed"
        );
    }

    #[test]
    fn behind_an_appending_proxy_the_rightmost_untrusted_entry_is_the_client() {
        let trusted = parse_trusted_proxies("10.0.0.0/8, 192.168.1.1").unwrap();
        // The client forged the first entry; nginx appended the real address.
        assert_eq!(
            client_address(Some("203.0.113.7, 198.51.100.9"), ip("10.0.0.5"), &trusted),
            ip("198.51.100.9")
        );
        // Two proxies: the inner one's entry is skipped.
        assert_eq!(
            client_address(
                Some("203.0.113.7, 198.51.100.9, 192.168.1.1"),
                ip("10.0.0.5"),
                &trusted
            ),
            ip("198.51.100.9")
        );
        // Garbage left of the real entry changes nothing; garbage as the last entry stops at
        // the proxy.
        assert_eq!(
            client_address(Some("garbage, 198.51.100.9"), ip("10.0.0.5"), &trusted),
            ip("198.51.100.9")
        );
        assert_eq!(
            client_address(Some("198.51.100.9, garbage"), ip("10.0.0.5"), &trusted),
            ip("10.0.0.5")
        );
        assert_eq!(
            client_address(Some("::ffff:198.51.100.9"), ip("10.0.0.5"), &trusted),
            ip("198.51.100.9")
        );
        assert_eq!(client_address(None, None, &trusted), None);
    }

    #[test]
    fn trusted_proxy_lists_are_checked() {
        assert_eq!(
            parse_trusted_proxies("10.1.2.3/8 ::1").unwrap(),
            vec![
                "10.0.0.0/8".parse::<IpNet>().unwrap(),
                "::1/128".parse().unwrap()
            ]
        );
        assert!(parse_trusted_proxies("10.0.0.0/8, nonsense").is_err());
        assert!(parse_trusted_proxies("").unwrap().is_empty());
    }
}
