//! `kyushoku probe`: a plain HTTP/1.1 GET for container health checks, so the
//! runtime image needs no curl. Only `http://host:port/path` is understood.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use anyhow::{bail, Context};

/// The status code `url` answers with.
pub fn get_status(url: &str, timeout: Duration) -> anyhow::Result<u16> {
    let rest = url
        .strip_prefix("http://")
        .context("probe understands http:// URLs only")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let addr = authority
        .to_socket_addrs()
        .with_context(|| format!("resolving {authority}"))?
        .next()
        .context("no address")?;
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head)?;
    let line = std::str::from_utf8(&head).context("not HTTP")?;
    if !line.starts_with("HTTP/1.") {
        bail!("not an HTTP answer");
    }
    Ok(line[9..12].parse()?)
}
