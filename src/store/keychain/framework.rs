//! Our archive items through Security.framework (macOS only).
//!
//! This file is type-checked (`.ci/run`) but never run here; it is kept to three
//! one-call methods so that reading it is enough to check it. Owns the mapping of
//! `security-framework`'s errors: `errSecItemNotFound` is "no item" on read and
//! "already gone" on delete; any other status becomes [`Error::Keychain`] with the
//! system's message, which never holds the item's bytes.

use super::PasswordKeychain;
use crate::store::Blob;
use crate::Error;
use security_framework::base::Error as OsError;
use security_framework::passwords::{
    delete_generic_password, get_generic_password, set_generic_password,
};

/// `errSecItemNotFound` from `SecBase.h`.
const ITEM_NOT_FOUND: i32 = -25300;

/// The real [`PasswordKeychain`]: the user's default keychain.
#[derive(Debug, Default)]
pub struct FrameworkKeychain;

impl PasswordKeychain for FrameworkKeychain {
    fn get(&self, service: &str, account: &str) -> Result<Option<Blob>, Error> {
        match get_generic_password(service, account) {
            Ok(bytes) => Ok(Some(Blob::new(bytes))),
            Err(err) if err.code() == ITEM_NOT_FOUND => Ok(None),
            Err(err) => Err(failure("read", service, err)),
        }
    }

    fn set(&self, service: &str, account: &str, secret: &[u8]) -> Result<(), Error> {
        set_generic_password(service, account, secret).map_err(|err| failure("write", service, err))
    }

    fn delete(&self, service: &str, account: &str) -> Result<(), Error> {
        match delete_generic_password(service, account) {
            Ok(()) => Ok(()),
            Err(err) if err.code() == ITEM_NOT_FOUND => Ok(()),
            Err(err) => Err(failure("delete", service, err)),
        }
    }
}

fn failure(action: &'static str, service: &str, err: OsError) -> Error {
    Error::Keychain {
        action,
        service: service.to_owned(),
        reason: format!("{err} (OSStatus {})", err.code()),
    }
}
