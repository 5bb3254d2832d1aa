//! The reqwest clients `Http` sends through, and what their transport errors say.

use std::time::Duration;

use url::Url;

use super::HttpConfig;

/// The client for plain http on this machine (the sandbox): no root certificates to load, no
/// proxy.
pub(super) fn local(config: &HttpConfig) -> Result<reqwest::Client, String> {
    // No roots at all, and no proxy: traffic to this machine stays on it. Redirects are
    // followed only to another local http URL; anything else stops with a message saying
    // where it pointed, rather than failing to verify a remote host with no roots.
    let redirects = reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() >= 10 {
            attempt.error("too many redirects (10)")
        } else if is_local_http(attempt.url()) {
            attempt.follow()
        } else {
            let to = format!("{}://{}", attempt.url().scheme(), attempt.url().authority());
            attempt.error(format!(
                "a server on this machine redirected to {to}; till follows it only to plain http on this machine"
            ))
        }
    });
    client_builder(config).tls_certs_only([]).no_proxy().redirect(redirects).build().map_err(client_error)
}

/// The client for everything else, verifying against the platform's root certificates.
pub(super) fn remote(config: &HttpConfig) -> Result<reqwest::Client, String> {
    client_builder(config).build().map_err(client_error)
}

/// Plain `http://` to a loopback address (127.0.0.0/8, ::1) or `localhost`: the sandbox.
pub(super) fn is_local_http(url: &Url) -> bool {
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    url.scheme() == "http" && loopback
}

fn client_builder(config: &HttpConfig) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .connect_timeout(config.connect_timeout)
        .timeout(config.request_timeout)
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_max_idle_per_host(16)
        .tcp_nodelay(true)
        .user_agent(concat!("till/", env!("CARGO_PKG_VERSION")))
}

fn client_error(e: reqwest::Error) -> String {
    format!("could not build the HTTP client: {e}")
}

pub(super) fn describe_transport_error(e: &reqwest::Error, config: &HttpConfig) -> String {
    let target = e.url().map(|u| format!("{}://{}", u.scheme(), u.authority())).unwrap_or_default();
    if e.is_timeout() {
        format!("no answer from {target} within {:?}", config.request_timeout)
    } else if e.is_connect() {
        let cause = innermost_cause(e);
        if handshake_failed(e) {
            format!(
                "could not set up TLS with {target}: {cause} (till verifies certificates against the platform's \
                 root certificates: a self-signed certificate or a proxy that inspects TLS is refused)"
            )
        } else {
            format!("could not connect to {target}: {cause} (is the base URL right and the server up?)")
        }
    } else {
        let mut msg = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            msg.push_str(": ");
            msg.push_str(&s.to_string());
            source = s.source();
        }
        msg
    }
}

/// The last error in `e`'s chain: what actually went wrong ("Connection refused", "invalid peer
/// certificate: UnknownIssuer"), where reqwest's own message only says the connect failed.
fn innermost_cause(e: &reqwest::Error) -> String {
    let mut last: &dyn std::error::Error = e;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

/// A connect error that got past TCP: the TLS layer reports a refused certificate or a peer
/// that does not speak TLS as invalid data, which plain connecting never does. hyper-util wraps
/// that `io::Error` in another, whose `source()` skips it, so wrapped ones are opened too.
pub(super) fn handshake_failed(e: &reqwest::Error) -> bool {
    fn invalid_data(io: &std::io::Error) -> bool {
        io.kind() == std::io::ErrorKind::InvalidData
            || io.get_ref().and_then(|inner| inner.downcast_ref::<std::io::Error>()).is_some_and(invalid_data)
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if s.downcast_ref::<std::io::Error>().is_some_and(invalid_data) {
            return true;
        }
        source = s.source();
    }
    false
}
