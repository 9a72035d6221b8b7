//! The crash argument, exhaustively, in one process: a three-step commit makes five
//! durable changes (journal written, three stores, journal removed). A crash leaves
//! some prefix of them. For every prefix, and with replay itself interrupted after
//! each of its writes, replay ends in the all-old state (nothing was journaled) or the
//! all-new state, never a mix. With a third value in one store (Claude Code's login,
//! a hand edit), replay never overwrites it and brings every other store to its new
//! value; only a third value in our own archive sets the entry aside.

use super::*;
use claude_token::engine;

/// Durable changes of a three-step commit: 1 journal + 3 stores + 1 removal.
const EVENTS: usize = 5;

/// A crash state: how many of the commit's durable changes happened.
struct Crashed {
    sandbox: Sandbox,
    stores: MemoryStores,
    applied: usize,
    journaled: bool,
}

fn crash_after(prefix: usize, ids: &[StoreId; 3]) -> Crashed {
    let sandbox = Sandbox::new();
    let stores = stores_holding_old(ids);
    let journaled = (1..EVENTS).contains(&prefix);
    if journaled {
        let lock = sandbox.lock();
        journal(&lock)
            .write(old_to_new("use", ids), &place(&stores))
            .unwrap();
    }
    let applied = prefix.saturating_sub(1).min(3);
    for (n, id) in ids.iter().enumerate().take(applied) {
        stores.set(id, Some(new(n).as_slice()));
    }
    Crashed {
        sandbox,
        stores,
        applied,
        journaled,
    }
}

#[test]
fn every_crash_prefix_replays_to_all_old_or_all_new() {
    let ids = three_stores();
    for prefix in 0..=EVENTS {
        // Replay may itself be cut short after each write it makes (`cut`), the
        // last value meaning it is not.
        for cut in 0..=3 {
            let state = crash_after(prefix, &ids);
            let remaining = 3 - state.applied;
            if state.journaled && cut < remaining {
                state.stores.fail_next_write(&ids[state.applied + cut]);
            }
            let lock = state.sandbox.lock();
            let journal = journal(&lock);
            let first = engine::replay(&journal, &state.stores, &mut locks());
            if state.journaled && cut < remaining {
                first.unwrap_err();
                assert_prefix_applied(&state.stores, &ids, state.applied + cut);
                assert_eq!(state.sandbox.journal_files().len(), 1, "entry kept");
            } else {
                first.unwrap();
            }
            let report = engine::replay(&journal, &state.stores, &mut locks()).unwrap();
            assert!(report.is_clean());
            if prefix == 0 {
                assert_all_old(&state.stores, &ids);
            } else {
                assert_all_new(&state.stores, &ids);
            }
            assert!(state.sandbox.journal_files().is_empty(), "prefix {prefix}");
        }
    }
}

#[test]
fn no_crash_prefix_lets_replay_overwrite_a_third_value() {
    let ids = three_stores();
    for prefix in 0..=EVENTS {
        for meddled in 0..3 {
            let state = crash_after(prefix, &ids);
            let third = br#"{"claudeAiOauth":{"refreshToken":"someone else's"}}"#;
            state.stores.set(&ids[meddled], Some(third.as_slice()));
            let before = state.stores.snapshot();
            let lock = state.sandbox.lock();
            let report = engine::replay(&journal(&lock), &state.stores, &mut locks()).unwrap();
            assert_eq!(
                state.stores.get(&ids[meddled]),
                Some(third.to_vec()),
                "prefix {prefix}"
            );
            assert!(state.sandbox.journal_files().is_empty());
            if !state.journaled {
                assert!(state.stores.writes().is_empty(), "prefix {prefix}");
                assert_eq!(state.stores.snapshot(), before);
                assert_eq!(report, engine::ReplayReport::default());
                continue;
            }
            for (n, id) in ids.iter().enumerate().filter(|(n, _)| *n != meddled) {
                assert_eq!(state.stores.get(id), Some(new(n)), "prefix {prefix}: {id}");
            }
            // Only our own archive holding a third value needs a human.
            if meddled == 0 {
                assert_eq!(report.attention.len(), 1);
                assert_eq!(report.attention[0].stores, [ids[0].clone()]);
                assert_eq!(state.sandbox.attention_files().len(), 1);
            } else {
                assert!(report.is_clean());
                assert_eq!(report.left().count(), 1);
            }
        }
    }
}

/// The first `count` stores hold their new bytes and the rest their old ones.
fn assert_prefix_applied(stores: &MemoryStores, ids: &[StoreId], count: usize) {
    for (n, id) in ids.iter().enumerate() {
        let want = if n < count { new(n) } else { old(n) };
        assert_eq!(stores.get(id), Some(want), "{id} with {count} applied");
    }
}
