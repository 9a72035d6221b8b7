//! Validation: from bytes to a parsed container (`open`) and from there to the
//! members of the login we read (`login`). Checks run in a fixed order so that a blob
//! with several faults always gets the same error. It reads only; it never edits.

use super::error::{CredsError, Husk, Problem, Scope};
use super::{Identity, LOGIN};
use crate::json::{Document, DuplicateKey, Kind, Node};
use crate::redact::Secret;
use std::ops::Range;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Path of `tokenAccount` for error messages.
const TOKEN_ACCOUNT: &str = "claudeAiOauth.tokenAccount";

/// The parsed blob when it is a UTF-8 JSON object without a BOM and without a repeated
/// top-level key: enough to edit its top-level members without guessing.
pub(super) fn open(bytes: &[u8]) -> Result<Document, CredsError> {
    let doc = parse(bytes)?;
    check_container(&doc)?;
    Ok(doc)
}

/// The first half of [`open`]: UTF-8 without a BOM, and JSON.
pub(super) fn parse(bytes: &[u8]) -> Result<Document, CredsError> {
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(CredsError::NotUtf8 {
            offset: e.valid_up_to(),
        });
    }
    if bytes.starts_with(BOM) {
        return Err(CredsError::Bom);
    }
    Document::parse(bytes).map_err(CredsError::NotJson)
}

/// The second half of [`open`]: an object without a repeated top-level key.
pub(super) fn check_container(doc: &Document) -> Result<(), CredsError> {
    if doc.root().kind() != Kind::Object {
        return Err(CredsError::NotAnObject);
    }
    check_duplicates(doc, 0..doc.as_bytes().len(), Scope::TopLevel, |dup| {
        dup.object.is_empty()
    })
}

/// What `login` read from `claudeAiOauth` (and the top-level `organizationUuid`).
pub(super) struct Login {
    pub access_token: Secret,
    pub refresh_token: Secret,
    pub expires_at_ms: i64,
    pub scopes: Option<Vec<String>>,
    pub subscription_type: Option<String>,
    pub rate_limit_tier: Option<String>,
    pub refresh_token_expires_at_ms: Option<i64>,
    pub identity: Identity,
}

/// Reads and validates the login of an opened blob.
pub(super) fn login(doc: &Document) -> Result<Login, CredsError> {
    let oauth = login_object(doc)?;
    let access_token = token(oauth, "accessToken")?;
    let refresh_token = token(oauth, "refreshToken")?;
    // An empty access token beside a refresh token is a login to refresh (as kept
    // from a rotating answer without a usable access token), not a husk.
    if refresh_token.is_empty() {
        return Err(CredsError::Husk(if access_token.is_empty() {
            Husk::EmptyTokens
        } else {
            Husk::EmptyRefreshToken
        }));
    }
    let expires_at_ms = expiry(oauth)?;
    let at = Field::login(oauth);
    Ok(Login {
        access_token,
        refresh_token,
        expires_at_ms,
        scopes: at.string_array("scopes")?,
        subscription_type: at.string("subscriptionType")?,
        rate_limit_tier: at.string("rateLimitTier")?,
        refresh_token_expires_at_ms: at.integer("refreshTokenExpiresAt")?,
        identity: identity(doc.root(), oauth)?,
    })
}

/// `claudeAiOauth`, checked for repeated keys and lone surrogates anywhere inside.
fn login_object(doc: &Document) -> Result<Node<'_>, CredsError> {
    let oauth = doc.root().get(LOGIN).ok_or(CredsError::NoLogin)?;
    if oauth.kind() != Kind::Object {
        return Err(CredsError::LoginNotAnObject);
    }
    check_duplicates(doc, oauth.span(), Scope::Login, |_| true)?;
    check_surrogates(doc, oauth.span())?;
    Ok(oauth)
}

/// The first repeated key at an offset inside `within` that `select` picks.
fn check_duplicates(
    doc: &Document,
    within: Range<usize>,
    scope: Scope,
    select: impl Fn(&DuplicateKey) -> bool,
) -> Result<(), CredsError> {
    let found = doc
        .duplicate_keys()
        .into_iter()
        .find(|dup| within.contains(&dup.offset) && select(dup));
    match found {
        Some(dup) => Err(CredsError::DuplicateKey {
            scope,
            offset: dup.offset,
        }),
        None => Ok(()),
    }
}

fn check_surrogates(doc: &Document, within: Range<usize>) -> Result<(), CredsError> {
    match doc.lone_surrogates().iter().find(|at| within.contains(at)) {
        Some(&offset) => Err(CredsError::LoneSurrogate { offset }),
        None => Ok(()),
    }
}

/// A required string member of the login, as a secret.
fn token(oauth: Node<'_>, key: &'static str) -> Result<Secret, CredsError> {
    let problem = |problem| CredsError::Field {
        object: LOGIN,
        key,
        problem,
    };
    let node = oauth.get(key).ok_or(problem(Problem::Missing))?;
    let text = node.as_str().ok_or(problem(Problem::NotString))?;
    Ok(Secret::from(text.as_ref()))
}

/// `expiresAt`: anything but a positive integer makes the login a husk.
fn expiry(oauth: Node<'_>) -> Result<i64, CredsError> {
    let node = oauth.get("expiresAt").filter(|n| !n.is_null());
    let node = node.ok_or(CredsError::Husk(Husk::NoExpiry))?;
    match node.as_i64() {
        None => Err(CredsError::Husk(Husk::ExpiryNotInteger)),
        Some(ms) if ms <= 0 => Err(CredsError::Husk(Husk::ExpiryNotPositive)),
        Some(ms) => Ok(ms),
    }
}

/// The account the login belongs to, when the blob says.
fn identity(root: Node<'_>, oauth: Node<'_>) -> Result<Identity, CredsError> {
    let top_org = top_level_organization(root)?;
    let Some(account) = oauth.get("tokenAccount").filter(|n| !n.is_null()) else {
        return Ok(Identity {
            organization_uuid: top_org,
            ..Identity::default()
        });
    };
    if account.kind() != Kind::Object {
        return Err(CredsError::Field {
            object: LOGIN,
            key: "tokenAccount",
            problem: Problem::NotObject,
        });
    }
    let at = Field {
        object: account,
        path: TOKEN_ACCOUNT,
    };
    Ok(Identity {
        account_uuid: at.string("uuid")?,
        email: at.string("emailAddress")?,
        organization_uuid: at.string("organizationUuid")?.or(top_org),
        organization_name: at.string("organizationName")?,
    })
}

/// The top-level `organizationUuid`, held to the same rules as the login's members.
fn top_level_organization(root: Node<'_>) -> Result<Option<String>, CredsError> {
    if let Some(node) = root.get("organizationUuid") {
        check_surrogates(root.document(), node.span())?;
    }
    Field {
        object: root,
        path: "",
    }
    .string("organizationUuid")
}

/// Optional members of one object; absent and `null` both read as `None`.
struct Field<'a> {
    object: Node<'a>,
    /// Path of `object` for error messages.
    path: &'static str,
}

impl<'a> Field<'a> {
    fn login(oauth: Node<'a>) -> Self {
        Field {
            object: oauth,
            path: LOGIN,
        }
    }

    fn get(&self, key: &str) -> Option<Node<'a>> {
        self.object.get(key).filter(|n| !n.is_null())
    }

    fn wrong(&self, key: &'static str, problem: Problem) -> CredsError {
        CredsError::Field {
            object: self.path,
            key,
            problem,
        }
    }

    fn string(&self, key: &'static str) -> Result<Option<String>, CredsError> {
        self.get(key)
            .map(|n| n.as_str().map(String::from))
            .map(|text| text.ok_or(self.wrong(key, Problem::NotString)))
            .transpose()
    }

    fn integer(&self, key: &'static str) -> Result<Option<i64>, CredsError> {
        self.get(key)
            .map(|n| n.as_i64().ok_or(self.wrong(key, Problem::NotInteger)))
            .transpose()
    }

    fn string_array(&self, key: &'static str) -> Result<Option<Vec<String>>, CredsError> {
        let Some(node) = self.get(key) else {
            return Ok(None);
        };
        let items: Option<Vec<String>> = (node.kind() == Kind::Array)
            .then(|| {
                node.elements()
                    .map(|e| e.as_str().map(String::from))
                    .collect()
            })
            .flatten();
        items
            .map(Some)
            .ok_or(self.wrong(key, Problem::NotStringArray))
    }
}
