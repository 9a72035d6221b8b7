//! TLS client configuration: rustls with the ring provider, TLS 1.2 and 1.3, ALPN
//! `http/1.1`, trusting the webpki roots plus the certificates of `SSL_CERT_FILE`.
//!
//! `SSL_CERT_FILE` is how a user trusts a corporate proxy's CA; unlike OpenSSL we add its
//! certificates to the built-in roots instead of replacing them. A set but unusable file is
//! an error naming the variable, never silently ignored. The pure constructors take their
//! inputs as arguments; only [`client_config`] reads the environment. Never any key log.

use std::ffi::OsStr;
use std::fs;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, TrustAnchor};
use rustls::{ClientConfig, RootCertStore};

use super::Error;

/// A PEM bundle larger than this is not a CA file (the Mozilla bundle is about 220 KiB).
const MAX_CERT_FILE: u64 = 16 << 20;

static CONFIG: OnceLock<Arc<ClientConfig>> = OnceLock::new();

/// The process-wide config: built once from `SSL_CERT_FILE` (unset or empty: webpki roots
/// only). A bad file is reported on every call and never cached.
pub fn client_config() -> Result<Arc<ClientConfig>, Error> {
    if let Some(config) = CONFIG.get() {
        return Ok(Arc::clone(config));
    }
    let built = config_from_cert_file(std::env::var_os("SSL_CERT_FILE").as_deref())?;
    Ok(Arc::clone(CONFIG.get_or_init(|| built)))
}

/// A config trusting the webpki roots plus the file at `path`, as `SSL_CERT_FILE` would
/// (`None` or empty: webpki roots only).
pub fn config_from_cert_file(path: Option<&OsStr>) -> Result<Arc<ClientConfig>, Error> {
    match path {
        Some(path) if !path.is_empty() => Ok(config_with_roots(load_roots(Path::new(path))?)),
        _ => Ok(config_with_roots(Vec::new())),
    }
}

/// A config trusting the webpki roots plus `extra`.
pub fn config_with_roots(extra: Vec<TrustAnchor<'static>>) -> Arc<ClientConfig> {
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    roots.roots.extend(extra);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("the ring provider supports TLS 1.2 and 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// Reads a PEM file of CA certificates; every certificate in it must be a usable root and
/// there must be at least one.
pub fn load_roots(path: &Path) -> Result<Vec<TrustAnchor<'static>>, Error> {
    let fail = |reason: String| Error::CertFile {
        path: path.to_owned(),
        reason,
    };
    let pem = read_limited(path).map_err(fail)?;
    let mut store = RootCertStore::empty();
    for (index, cert) in CertificateDer::pem_slice_iter(&pem).enumerate() {
        let cert = cert.map_err(|err| fail(format!("bad pem: {err}")))?;
        store
            .add(cert)
            .map_err(|err| fail(format!("certificate {} is not usable: {err}", index + 1)))?;
    }
    if store.is_empty() {
        return Err(fail("no certificates in the file".into()));
    }
    Ok(store.roots)
}

fn read_limited(path: &Path) -> Result<Vec<u8>, String> {
    let meta = fs::metadata(path).map_err(|err| err.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    if meta.len() > MAX_CERT_FILE {
        return Err("file larger than 16 MiB".into());
    }
    fs::read(path).map_err(|err| err.to_string())
}
