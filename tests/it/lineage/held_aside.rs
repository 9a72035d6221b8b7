//! `use` refuses a slot whose newer login waits in `journal/attention/`: Claude Code
//! would be handed the archive's token, older than the one set aside (and, once the
//! aside login was refreshed, spent). It exits 6 and leaves Claude Code's file alone.
//!
//! The entry set aside is written by hand as a replay would have moved it there: a
//! version 2 refresh entry, signed with the install's key, whose grant step on ada's
//! archive expects her current archive and whose answer (received an hour from now,
//! valid 8 hours) is newer than it.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use claude_token::engine::{self, Entry, Grant, HmacKey, OurNew, OurStep, Step, KEY_LEN};
use claude_token::oauth::TokenGrant;
use claude_token::redact::Secret;
use claude_token::store::{Blob, StoreId};
use claude_token::{cli::SlotName, time};

use super::{archive, live};
use crate::crash::scenario::Scenario;
use crate::crash::world::World;
use crate::support::{stderr, stdout};

const HOUR_MS: i64 = 3_600_000;

/// Writes into `journal/attention/` an entry holding a login of `slot` newer than
/// its archive; returns the file's name.
fn set_aside_newer_login(world: &World, slot: &str) -> String {
    let key: [u8; KEY_LEN] = fs::read(world.data_dir().join("hmac.key"))
        .expect("the install's key")
        .try_into()
        .expect("a key of KEY_LEN bytes");
    let now = time::now_ms();
    let tokens = TokenGrant {
        access_token: Some(Secret::from("sk-ant-oat01-A-b2")),
        refresh_token: Some(Secret::from("sk-ant-ort01-R-b2")),
        expires_in: Some(28_800),
        scopes: None,
        token_type: Some("Bearer".into()),
        refresh_token_expires_in: None,
        account: None,
        organization: None,
    };
    let entry = Entry {
        version: engine::VERSION,
        op: "refresh".into(),
        op_id: 0x5e7a_51de,
        created_at_ms: u64::try_from(now).unwrap(),
        grant: Some(Grant {
            received_at_ms: now + HOUR_MS,
            tokens,
        }),
        steps: vec![Step::Ours(OurStep {
            store: StoreId::Archive(SlotName::parse(slot).unwrap()),
            expected: Some(Blob::from(archive(world, slot).as_bytes())),
            new: OurNew::Grant,
        })],
    };
    let dir = world.data_dir().join("journal/attention");
    fs::create_dir_all(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
    let bytes = engine::encode_entry(&entry, &HmacKey::from_bytes(key));
    let name = entry.file_name();
    fs::write(dir.join(&name), bytes.as_bytes()).unwrap();
    name
}

#[test]
fn use_of_a_slot_whose_newer_login_is_held_aside_refuses_and_leaves_claude_code_alone() {
    let world = Scenario::Use.set_up(); // bob live and active, ada inactive
    let aside = set_aside_newer_login(&world, "ada");
    let before = live(&world);
    let out = world.run(&["use", "ada"]);
    let text = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(6),
        "use ada switched to a login older than the one held aside: {}{text}",
        stdout(&out)
    );
    assert!(
        text.contains(&aside),
        "the refusal names the entry set aside: {text}"
    );
    assert_eq!(live(&world), before, "Claude Code's file changed");
    assert_eq!(world.fake.refreshes().len(), 0, "a refresh token was sent");
}
