//! A PostgreSQL ledger's name (docs/reference.md §10.1): a `postgres://` or
//! `postgresql://` URL in libpq's form, what it leaves out taken from libpq's
//! variables (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`,
//! `PGSSLMODE`, `PGSSLROOTCERT`; `.pgpass` is not read), and how it is shown:
//! never with its password. TLS goes through rustls (no system OpenSSL), with
//! the system's roots and `sslrootcert`.

use std::sync::Arc;
use std::time::Duration;

use crate::error::Error;

/// Whether a `--ledger` value names a PostgreSQL ledger (else it is a file).
pub fn is_url(ledger: &str) -> bool {
    ledger.starts_with("postgres://") || ledger.starts_with("postgresql://")
}

/// How a ledger is named in messages, summaries and JSON: a file as given; a
/// URL as `postgres://user@host:port/db`, without the password or the query
/// string (a socket directory shown as `host=/path`). A URL that does not
/// parse is shown as its scheme alone.
pub fn shown(ledger: &str) -> String {
    if !is_url(ledger) {
        return ledger.to_string();
    }
    match ConnInfo::parse_with(ledger, &|_| None) {
        Ok(c) => c.shown(),
        Err(_) => "postgres://(a URL that does not parse)".to_string(),
    }
}

/// `sslmode`, as libpq has it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(s: &str) -> Option<SslMode> {
        Some(match s {
            "disable" => SslMode::Disable,
            // libpq's `allow` tries without TLS first; without TLS, then with
            // it, is what `prefer` does in the other order: the same ledger.
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }
}

/// Where the server is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    /// A host name or an IP address.
    Tcp(String),
    /// A Unix-socket directory.
    Socket(String),
}

/// Everything a connection needs, parsed from the URL and libpq's variables.
#[derive(Clone, Debug)]
pub struct ConnInfo {
    pub host: Host,
    pub port: u16,
    pub user: String,
    password: Option<String>,
    pub dbname: String,
    pub sslmode: SslMode,
    pub sslrootcert: Option<String>,
    pub connect_timeout: Option<Duration>,
    pub application_name: String,
}

/// A usage error about a ledger URL (exit 2); `shown` is the URL without its password.
fn bad(shown: &str, what: impl std::fmt::Display) -> Error {
    Error::usage(format!("--ledger {shown}: {what}"))
}

/// Percent-decoding (`%40` is `@`).
fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

impl ConnInfo {
    /// Parses a ledger URL, taking what it leaves out from the environment.
    pub fn parse(url: &str) -> Result<ConnInfo, Error> {
        ConnInfo::parse_with(url, &|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    }

    /// Parses a ledger URL; `env` gives libpq's variables.
    pub fn parse_with(url: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<ConnInfo, Error> {
        let rest = url.strip_prefix("postgresql://").or_else(|| url.strip_prefix("postgres://")).unwrap_or(url);
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (authority, path) = match rest.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (rest, None),
        };
        // The password is never shown: messages use the URL without it.
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let shown_raw = {
            let user = userinfo.map(|u| u.split_once(':').map_or(u, |(u, _)| u));
            format!("postgres://{}{hostport}/{}", user.map(|u| format!("{u}@")).unwrap_or_default(), path.unwrap_or(""))
        };
        let (mut user, mut password) = (None, None);
        if let Some(u) = userinfo {
            let (name, pass) = match u.split_once(':') {
                Some((n, p)) => (n, Some(p)),
                None => (u, None),
            };
            user = Some(decode(name).ok_or_else(|| bad(&shown_raw, "the user name is not valid percent-encoding"))?)
                .filter(|u| !u.is_empty());
            password = pass
                .map(|p| decode(p).ok_or_else(|| bad(&shown_raw, "the password is not valid percent-encoding")))
                .transpose()?;
        }
        let (mut host, mut port) = (None, None);
        if !hostport.is_empty() {
            if hostport.contains(',') {
                return Err(bad(&shown_raw, "several hosts are not supported; give one"));
            }
            let (h, p) = if let Some(v6) = hostport.strip_prefix('[') {
                let (h, after) =
                    v6.split_once(']').ok_or_else(|| bad(&shown_raw, "an IPv6 address needs its closing ']'"))?;
                (h.to_string(), after.strip_prefix(':'))
            } else {
                match hostport.rsplit_once(':') {
                    Some((h, p)) => (h.to_string(), Some(p)),
                    None => (hostport.to_string(), None),
                }
            };
            let h = decode(&h).ok_or_else(|| bad(&shown_raw, "the host is not valid percent-encoding"))?;
            if !h.is_empty() {
                host = Some(h);
            }
            port = p.filter(|p| !p.is_empty()).map(str::to_string);
        }
        let mut dbname = path
            .filter(|p| !p.is_empty())
            .map(|p| decode(p).ok_or_else(|| bad(&shown_raw, "the database name is not valid percent-encoding")))
            .transpose()?;
        let (mut sslmode, mut sslrootcert, mut timeout, mut app) = (None, None, None, None);
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = decode(v).ok_or_else(|| bad(&shown_raw, format!("'{k}' is not valid percent-encoding")))?;
            match k {
                "host" => host = Some(v),
                "port" => port = Some(v),
                "user" => user = Some(v),
                "password" => password = Some(v),
                "dbname" => dbname = Some(v),
                "sslmode" => sslmode = Some(v),
                "sslrootcert" => sslrootcert = Some(v),
                "connect_timeout" => timeout = Some(v),
                "application_name" => app = Some(v),
                other => {
                    return Err(bad(
                        &shown_raw,
                        format!(
                            "unknown parameter '{}'; leadroute takes host, port, user, password, dbname, sslmode, \
                             sslrootcert, connect_timeout and application_name",
                            crate::error::printable(other)
                        ),
                    ));
                }
            }
        }
        let host = host.or_else(|| env("PGHOST")).unwrap_or_else(default_host);
        let host = if host.starts_with('/') { Host::Socket(host) } else { Host::Tcp(host) };
        let port = port.or_else(|| env("PGPORT")).unwrap_or_else(|| "5432".into());
        let port: u16 = port
            .parse()
            .ok()
            .filter(|&p| p > 0)
            .ok_or_else(|| bad(&shown_raw, format!("port '{port}' is not a port")))?;
        let user = user.or_else(|| env("PGUSER")).unwrap_or_else(os_user);
        let password = password.or_else(|| env("PGPASSWORD"));
        let dbname = dbname.or_else(|| env("PGDATABASE")).unwrap_or_else(|| user.clone());
        let sslmode = sslmode.or_else(|| env("PGSSLMODE"));
        let sslmode = match sslmode {
            None => SslMode::Prefer,
            Some(m) => SslMode::parse(&m).ok_or_else(|| {
                bad(
                    &shown_raw,
                    format!(
                        "sslmode '{}' is not one of disable, prefer, require, verify-ca, verify-full",
                        crate::error::printable(&m)
                    ),
                )
            })?,
        };
        let sslrootcert = sslrootcert.or_else(|| env("PGSSLROOTCERT"));
        let connect_timeout = match timeout {
            None => None,
            Some(t) => Some(t.trim().parse::<u64>().map(|s| Duration::from_secs(s.max(2))).map_err(|_| {
                bad(&shown_raw, format!("connect_timeout '{}' is not a number of seconds", crate::error::printable(&t)))
            })?)
            .filter(|d| !d.is_zero()),
        };
        Ok(ConnInfo {
            host,
            port,
            user,
            password,
            dbname,
            sslmode,
            sslrootcert,
            connect_timeout,
            application_name: app.unwrap_or_else(|| "leadroute".into()),
        })
    }

    /// `postgres://user@host:port/db`: the password and query string left out.
    pub fn shown(&self) -> String {
        let host = match &self.host {
            Host::Tcp(h) if h.contains(':') => format!("[{h}]"),
            Host::Tcp(h) => h.clone(),
            Host::Socket(dir) => format!("host={dir}"),
        };
        format!("postgres://{}@{host}:{}/{}", self.user, self.port, self.dbname)
    }

    /// The connection's settings for the `postgres` crate.
    fn config(&self, timeout: Option<Duration>) -> postgres::Config {
        let mut c = postgres::Config::new();
        match &self.host {
            Host::Tcp(h) => c.host(h),
            Host::Socket(dir) => c.host_path(dir),
        };
        c.port(self.port).user(&self.user).dbname(&self.dbname).application_name(&self.application_name);
        if let Some(p) = &self.password {
            c.password(p);
        }
        if let Some(t) = self.connect_timeout.or(timeout) {
            c.connect_timeout(t);
        }
        c
    }

    /// Connects (TLS as `sslmode` says; none over a Unix socket, as libpq).
    pub fn connect(&self, timeout: Option<Duration>) -> Result<postgres::Client, ConnectError> {
        let mut config = self.config(timeout);
        let mode = match (&self.host, self.sslmode) {
            (Host::Socket(_), _) | (_, SslMode::Disable) => {
                config.ssl_mode(postgres::config::SslMode::Disable);
                return config.connect(postgres::NoTls).map_err(ConnectError::Pg);
            }
            (_, SslMode::Prefer) => postgres::config::SslMode::Prefer,
            (_, _) => postgres::config::SslMode::Require,
        };
        config.ssl_mode(mode);
        let tls = self.tls()?;
        config.connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls)).map_err(ConnectError::Pg)
    }

    /// The rustls configuration for `sslmode`: `prefer` and `require` encrypt
    /// without checking the certificate (as libpq, unless `sslrootcert` is
    /// given to `require`: then as `verify-ca`); `verify-ca` checks the chain
    /// against the system's roots and `sslrootcert`; `verify-full` the host name too.
    fn tls(&self) -> Result<rustls::ClientConfig, ConnectError> {
        // ring, not aws-lc: no C library to build. Its default provider is
        // deprecated for lacking post-quantum key exchange, which PostgreSQL
        // servers do not offer yet.
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| ConnectError::Tls(e.to_string()))?;
        let verify = match self.sslmode {
            SslMode::VerifyCa | SslMode::VerifyFull => true,
            SslMode::Require => self.sslrootcert.is_some(),
            _ => false,
        };
        if !verify {
            return Ok(builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
                .with_no_client_auth());
        }
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
        if let Some(path) = &self.sslrootcert {
            use rustls_pki_types::pem::PemObject;
            let certs = rustls_pki_types::CertificateDer::pem_file_iter(path)
                .map_err(|e| ConnectError::Tls(format!("sslrootcert '{path}': {e}")))?;
            for cert in certs {
                let cert = cert.map_err(|e| ConnectError::Tls(format!("sslrootcert '{path}': {e}")))?;
                roots.add(cert).map_err(|e| ConnectError::Tls(format!("sslrootcert '{path}': {e}")))?;
            }
        }
        let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(|e| ConnectError::Tls(e.to_string()))?;
        if self.sslmode == SslMode::VerifyFull {
            return Ok(builder.with_webpki_verifier(webpki).with_no_client_auth());
        }
        Ok(builder.dangerous().with_custom_certificate_verifier(Arc::new(ChainOnly(webpki))).with_no_client_auth())
    }
}

/// A connection that failed: the server's or the driver's error, or TLS set-up.
#[derive(Debug)]
pub enum ConnectError {
    Pg(postgres::Error),
    Tls(String),
}

/// libpq's default host: its socket directory when there is one.
fn default_host() -> String {
    ["/var/run/postgresql", "/tmp"]
        .into_iter()
        .find(|d| std::path::Path::new(&format!("{d}/.s.PGSQL.5432")).exists())
        .map_or_else(|| "localhost".to_string(), str::to_string)
}

/// The operating-system user, libpq's default role name.
fn os_user() -> String {
    std::env::var("USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| "postgres".into())
}

/// `sslmode=prefer|require`: encrypted, the certificate not checked (libpq's meaning).
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls_pki_types::CertificateDer<'_>,
        _intermediates: &[rustls_pki_types::CertificateDer<'_>],
        _server_name: &rustls_pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls_pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `sslmode=verify-ca`: the chain checked, the host name not.
#[derive(Debug)]
struct ChainOnly(Arc<rustls::client::WebPkiServerVerifier>);

impl rustls::client::danger::ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &rustls_pki_types::CertificateDer<'_>,
        intermediates: &[rustls_pki_types::CertificateDer<'_>],
        server_name: &rustls_pki_types::ServerName<'_>,
        ocsp_response: &[u8],
        now: rustls_pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        match self.0.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName | rustls::CertificateError::NotValidForNameContext { .. },
            )) => Ok(rustls::client::danger::ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str, vars: &[(&str, &str)]) -> ConnInfo {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        ConnInfo::parse_with(url, &|k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())).unwrap()
    }

    #[test]
    fn a_url_takes_libpq_form_and_variables() {
        let c = parse("postgresql://ops:s%40cret@db.example:6432/leads?sslmode=require&application_name=x", &[]);
        assert_eq!(c.host, Host::Tcp("db.example".into()));
        assert_eq!((c.port, c.user.as_str(), c.dbname.as_str()), (6432, "ops", "leads"));
        assert_eq!(c.password.as_deref(), Some("s@cret"));
        assert_eq!((c.sslmode, c.application_name.as_str()), (SslMode::Require, "x"));
        let c = parse(
            "postgres:///leads?host=/run/pg",
            &[("PGUSER", "u"), ("PGPASSWORD", "pw"), ("PGPORT", "7"), ("PGSSLMODE", "disable")],
        );
        assert_eq!(c.host, Host::Socket("/run/pg".into()));
        assert_eq!((c.port, c.user.as_str(), c.password.as_deref()), (7, "u", Some("pw")));
        assert_eq!((c.sslmode, c.application_name.as_str()), (SslMode::Disable, "leadroute"));
        let c = parse("postgres://[::1]:5433/d", &[("PGHOST", "elsewhere"), ("PGDATABASE", "other")]);
        assert_eq!((c.host, c.port, c.dbname.as_str()), (Host::Tcp("::1".into()), 5433, "d"));
    }

    #[test]
    fn a_url_is_shown_without_its_password() {
        assert_eq!(shown("postgres://ops:hunter2@db:5432/leads?password=x"), "postgres://ops@db:5432/leads");
        assert_eq!(shown("postgresql://ops@[::1]/l?host=/run/pg&port=6"), "postgres://ops@host=/run/pg:6/l");
        assert_eq!(shown("ledger.db"), "ledger.db");
        assert!(!shown("postgres://a:hunter2@h:notaport/d").contains("hunter2"));
    }

    #[test]
    fn a_bad_url_is_a_usage_error_without_the_password() {
        for url in [
            "postgres://u:hunter2@h/d?sslmode=maybe",
            "postgres://u:hunter2@h/d?color=red",
            "postgres://u:hunter2@h:x/d",
        ] {
            let e = ConnInfo::parse_with(url, &|_| None).unwrap_err();
            assert!(!e.message().contains("hunter2"), "{}", e.message());
            assert!(e.message().starts_with("--ledger postgres://u@h"), "{}", e.message());
        }
    }
}
