//! The OAuth API client: refresh a login, read its usage, read its profile (DESIGN.md
//! section 5), one HTTPS request each through `crate::client`.
//!
//! Every request sends `User-Agent: claude-token/<version>` and `Accept:
//! application/json`; usage and profile add `Authorization: Bearer` and `anthropic-beta:
//! oauth-2025-04-20`; the refresh sends a JSON body built with `crate::json`. Answers are
//! parsed with `crate::json`; a status other than 2xx becomes a typed [`Error`] (status
//! table in `error`). Tokens stay in [`Secret`]s from the caller's hands to the socket
//! and from the socket into the result; request bodies, response bodies and parsed
//! documents that held one are wiped when done.
//!
//! Where things go and how long they may take is injected ([`Endpoints`] and
//! `net::Options` in a [`Client`]); [`Client::from_env`] is the thin layer that reads
//! the environment. This module never logs, never writes a file and never retries on
//! its own: [`retry_once_on_unauthorized`] gives callers the one retry shape allowed.

mod endpoints;
mod error;
mod profile;
mod refresh;
mod retry_after;
mod usage;

pub use endpoints::{
    Endpoints, API_BASE_URL_VARIABLE, DEFAULT_API_BASE_URL, DEFAULT_TOKEN_URL, TOKEN_URL_VARIABLE,
};
pub use error::{outside_text, Endpoint, Error, Protocol, ServerText};
pub use profile::{Account, Organization, Profile};
pub use refresh::{GrantAccount, GrantOrganization, TokenGrant, CLIENT_ID, SCOPES};
pub use retry_after::parse as parse_retry_after;
pub use usage::{ExtraUsage, Usage, Window};

use std::time::Duration;

use crate::client::{self, Request, Response};
use crate::http::Method;
use crate::json::{self, Document, Node};
use crate::net::{self, Deadline, Url};
use crate::redact::Secret;
use crate::{sys, time};

const USER_AGENT: &str = concat!("claude-token/", env!("CARGO_PKG_VERSION"));
const ANTHROPIC_BETA: &str = "oauth-2025-04-20";

/// Endpoints plus transport settings; each request gets its own deadline of `budget`.
#[derive(Debug, Clone)]
pub struct Client {
    endpoints: Endpoints,
    net: net::Options,
    budget: Duration,
}

impl Client {
    /// A client whose requests may each take [`net::DEFAULT_BUDGET`] in all.
    pub fn new(endpoints: Endpoints, net: net::Options) -> Client {
        Client {
            endpoints,
            net,
            budget: net::DEFAULT_BUDGET,
        }
    }

    /// The same client with another per-request budget (connect to last body byte).
    #[must_use]
    pub fn with_budget(mut self, budget: Duration) -> Client {
        self.budget = budget;
        self
    }

    /// Endpoints from their variables, TLS roots from `SSL_CERT_FILE`, proxies from the
    /// proxy variables.
    pub fn from_env() -> Result<Client, crate::Error> {
        let endpoints = Endpoints::from_env()?;
        Ok(Client::new(endpoints, net::Options::from_env()?))
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// GET with the bearer token; the body of a 2xx answer.
    fn get_authorized(
        &self,
        endpoint: Endpoint,
        url: &Url,
        access_token: &Secret,
    ) -> Result<Response, Error> {
        let authorization = bearer(access_token);
        let headers = [
            ("User-Agent", USER_AGENT),
            ("Accept", "application/json"),
            ("Authorization", authorization.expose()),
            ("anthropic-beta", ANTHROPIC_BETA),
        ];
        self.exchange(endpoint, Method::Get, url, &headers, None)
    }

    /// POSTs a JSON body (which may hold a token) to the token endpoint.
    fn post_token(&self, body: &Secret) -> Result<Response, Error> {
        let headers = [
            ("User-Agent", USER_AGENT),
            ("Accept", "application/json"),
            ("Content-Type", "application/json"),
        ];
        let url = &self.endpoints.token;
        let body = Some(body.expose().as_bytes());
        self.exchange(Endpoint::Token, Method::Post, url, &headers, body)
    }

    fn exchange(
        &self,
        endpoint: Endpoint,
        method: Method,
        url: &Url,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<Response, Error> {
        let mut opts = self.net.clone();
        opts.deadline = Deadline::after(self.budget);
        let request = Request {
            method,
            url,
            headers,
            body,
        };
        let response =
            client::send(&request, &opts).map_err(|err| Error::from_client(endpoint, err))?;
        if (200..=299).contains(&response.status()) {
            return Ok(response);
        }
        let retry_at = response
            .header("retry-after")
            .and_then(|value| retry_after::parse(value, time::now_ms()));
        Err(error::from_status(
            endpoint,
            response.status(),
            response.body(),
            retry_at,
        ))
    }
}

/// `Bearer <token>`, built at its final size so no unwiped partial copy is left.
fn bearer(access_token: &Secret) -> Secret {
    let token = access_token.expose();
    let mut value = String::with_capacity("Bearer ".len() + token.len());
    value.push_str("Bearer ");
    value.push_str(token);
    Secret::new(value)
}

/// [`Client::refresh`] with the settings from the environment.
pub fn refresh(refresh_token: &Secret) -> Result<TokenGrant, crate::Error> {
    Ok(Client::from_env()?.refresh(refresh_token)?)
}

/// [`Client::usage`] with the settings from the environment.
pub fn usage(access_token: &Secret) -> Result<Usage, crate::Error> {
    Ok(Client::from_env()?.usage(access_token)?)
}

/// [`Client::profile`] with the settings from the environment.
pub fn profile(access_token: &Secret) -> Result<Profile, crate::Error> {
    Ok(Client::from_env()?.profile(access_token)?)
}

/// The one retry the API allows: run `call` with `access_token`; when it answers 401
/// ([`Error::Unauthorized`]), get a new access token from `refresh` (which refreshes
/// the login and stores the grant) and run `call` once more with it. Any other error,
/// and a second 401, is returned as it is.
pub fn retry_once_on_unauthorized<T>(
    access_token: &Secret,
    refresh: impl FnOnce() -> Result<Secret, Error>,
    mut call: impl FnMut(&Secret) -> Result<T, Error>,
) -> Result<T, Error> {
    match call(access_token) {
        Err(Error::Unauthorized { .. }) => call(&refresh()?),
        other => other,
    }
}

/// Parses `body` as JSON and hands its root to `read`; the document's copy of the body
/// is wiped afterwards. An error when the body is not JSON.
fn with_document<T>(body: &[u8], read: impl FnOnce(Node<'_>) -> T) -> Result<T, json::Error> {
    let doc = Document::parse(body)?;
    let out = read(doc.root());
    let mut bytes = doc.into_bytes();
    sys::mem::wipe(&mut bytes);
    Ok(out)
}

/// A JSON document's root as an object, or the error naming what we wanted.
fn object_root(root: Node<'_>, endpoint: Endpoint) -> Result<Node<'_>, Error> {
    if root.kind() == json::Kind::Object {
        Ok(root)
    } else {
        Err(Error::field(endpoint, "(top-level object)"))
    }
}

/// The body as JSON, read by `read`, with JSON errors as protocol errors.
fn read_json<T>(
    endpoint: Endpoint,
    body: &[u8],
    read: impl FnOnce(Node<'_>) -> Result<T, Error>,
) -> Result<T, Error> {
    with_document(body, |root| read(object_root(root, endpoint)?))
        .map_err(|err| Error::protocol(endpoint, Protocol::Json(err)))?
}
