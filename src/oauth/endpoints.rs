//! Where the three requests go: the token URL and the API base, each from a built-in
//! default or an environment override (`CLAUDE_TOKEN_OAUTH_TOKEN_URL`, the whole token
//! URL; `CLAUDE_TOKEN_API_BASE_URL`, the base under which `/api/oauth/usage` and
//! `/api/oauth/profile` live). An override must be an `https://` URL (`http://` only to a
//! loopback host); a bad one is an error naming the variable, never shown, never
//! silently replaced by the default. Only [`Endpoints::from_env`] reads the environment.

use std::ffi::OsString;

use crate::net::{self, Url};

use super::Error;

pub const DEFAULT_TOKEN_URL: &str = "https://platform.claude.com/v1/oauth/token";
pub const DEFAULT_API_BASE_URL: &str = "https://api.anthropic.com";
pub const TOKEN_URL_VARIABLE: &str = "CLAUDE_TOKEN_OAUTH_TOKEN_URL";
pub const API_BASE_URL_VARIABLE: &str = "CLAUDE_TOKEN_API_BASE_URL";

const USAGE_PATH: &str = "/api/oauth/usage";
const PROFILE_PATH: &str = "/api/oauth/profile";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub token: Url,
    pub usage: Url,
    pub profile: Url,
}

impl Endpoints {
    /// `token_url` as it is; usage and profile under `api_base` (a trailing `/` is
    /// dropped, a query is refused).
    pub fn new(token_url: &str, api_base: &str) -> Result<Endpoints, net::Error> {
        let base = api_base.strip_suffix('/').unwrap_or(api_base);
        if base.contains('?') {
            return Err(net::Error::BadUrl {
                reason: "an api base url has no query",
            });
        }
        Ok(Endpoints {
            token: Url::parse(token_url)?,
            usage: Url::parse(&format!("{base}{USAGE_PATH}"))?,
            profile: Url::parse(&format!("{base}{PROFILE_PATH}"))?,
        })
    }

    /// The real service.
    pub fn production() -> Endpoints {
        Endpoints::new(DEFAULT_TOKEN_URL, DEFAULT_API_BASE_URL)
            .expect("the built-in endpoints parse")
    }

    pub fn from_env() -> Result<Endpoints, Error> {
        Endpoints::from_lookup(|name| std::env::var_os(name))
    }

    /// Reads the two variables through `lookup` (unset or empty: the default).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<OsString>) -> Result<Endpoints, Error> {
        let token = setting(&lookup, TOKEN_URL_VARIABLE, DEFAULT_TOKEN_URL)?;
        let base = setting(&lookup, API_BASE_URL_VARIABLE, DEFAULT_API_BASE_URL)?;
        let token_url = Url::parse(&token).map_err(|source| Error::Setting {
            variable: TOKEN_URL_VARIABLE,
            source,
        })?;
        let mut endpoints =
            Endpoints::new(DEFAULT_TOKEN_URL, &base).map_err(|source| Error::Setting {
                variable: API_BASE_URL_VARIABLE,
                source,
            })?;
        endpoints.token = token_url;
        Ok(endpoints)
    }
}

fn setting(
    lookup: &impl Fn(&str) -> Option<OsString>,
    variable: &'static str,
    default: &str,
) -> Result<String, Error> {
    match lookup(variable) {
        None => Ok(default.to_owned()),
        Some(value) if value.is_empty() => Ok(default.to_owned()),
        Some(value) => value.into_string().map_err(|_| Error::Setting {
            variable,
            source: net::Error::BadUrl {
                reason: "not utf-8",
            },
        }),
    }
}
