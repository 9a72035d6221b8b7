//! Tests for `args`: the lexer's exact output for each token shape, and every
//! sequence of up to three awkward tokens through the lexer and `cli::parse`.

use claude_token::args::{shown, Arg, ArgError, Lexer};
use claude_token::cli::{self, Parsed};
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

/// Flags that take a value in these tests; every other flag is a switch.
const VALUED: &[&str] = &["--format", "--path", "-f"];

/// Lexes `argv` into readable events, asking for a value after the flags in
/// [`VALUED`]; an error ends the list.
fn lex(argv: Vec<OsString>) -> Vec<String> {
    let mut lexer = Lexer::new(argv);
    let mut events = Vec::new();
    loop {
        let flag = match lexer.next() {
            Ok(None) => return events,
            Err(err) => {
                events.push(format!("error: {err}"));
                return events;
            }
            Ok(Some(Arg::Value(value))) => {
                events.push(format!("value {:?}", value.to_string_lossy()));
                continue;
            }
            Ok(Some(Arg::Short(c))) => format!("-{c}"),
            Ok(Some(Arg::Long(name))) => format!("--{name}"),
        };
        events.push(flag.clone());
        if VALUED.contains(&flag.as_str()) {
            match lexer.value() {
                Ok(value) => events.push(format!("= {:?}", value.to_string_lossy())),
                Err(err) => {
                    events.push(format!("error: {err}"));
                    return events;
                }
            }
        }
    }
}

fn os(argv: &[&str]) -> Vec<OsString> {
    argv.iter().map(OsString::from).collect()
}

fn check(argv: &[&str], expected: &[&str]) {
    assert_eq!(lex(os(argv)), expected, "argv {argv:?}");
}

#[test]
fn long_flag_takes_value_after_equals_or_in_next_token() {
    check(&["--format=json"], &["--format", "= \"json\""]);
    check(&["--format", "json"], &["--format", "= \"json\""]);
}

#[test]
fn long_flag_with_bare_equals_has_empty_value() {
    check(&["--format="], &["--format", "= \"\""]);
}

#[test]
fn value_is_split_at_first_equals_only() {
    check(&["--path=a=b"], &["--path", "= \"a=b\""]);
}

#[test]
fn short_cluster_yields_each_letter() {
    check(&["-vv"], &["-v", "-v"]);
    check(&["-vhV"], &["-v", "-h", "-V"]);
}

#[test]
fn short_flag_takes_rest_of_cluster_or_next_token() {
    check(&["-fvalue"], &["-f", "= \"value\""]);
    check(&["-vfx"], &["-v", "-f", "= \"x\""]);
    check(&["-f", "value"], &["-f", "= \"value\""]);
    check(&["-f=value"], &["-f", "= \"value\""]);
    check(&["-f="], &["-f", "= \"\""]);
}

#[test]
fn value_is_taken_even_when_it_looks_like_a_flag() {
    check(&["--path", "-x"], &["--path", "= \"-x\""]);
    check(&["--path", "--"], &["--path", "= \"--\""]);
    check(&["--path", "--", "-v"], &["--path", "= \"--\"", "-v"]);
}

#[test]
fn double_dash_turns_every_later_token_into_a_value() {
    check(
        &["-v", "--", "-v", "--", "--format"],
        &["-v", "value \"-v\"", "value \"--\"", "value \"--format\""],
    );
}

#[test]
fn lone_dash_and_empty_token_are_values() {
    check(&["-", ""], &["value \"-\"", "value \"\""]);
}

#[test]
fn equals_value_given_to_a_switch_is_an_error() {
    check(
        &["--yes=x"],
        &["--yes", "error: flag --yes does not take a value"],
    );
    check(
        &["--yes=", "list"],
        &["--yes", "error: flag --yes does not take a value"],
    );
    check(&["-v=x"], &["-v", "error: flag -v does not take a value"]);
}

#[test]
fn equals_alone_after_a_dash_is_a_flag_letter() {
    check(&["-="], &["-="]);
    check(&["="], &["value \"=\""]);
}

#[test]
fn equals_without_flag_name_is_an_error() {
    check(
        &["list", "--=x"],
        &[
            "value \"list\"",
            "error: argument 2 has no flag name before '='",
        ],
    );
    check(&["--="], &["error: argument 1 has no flag name before '='"]);
}

#[test]
fn missing_value_at_the_end_names_the_flag() {
    check(
        &["--format"],
        &["--format", "error: flag --format needs a value"],
    );
    check(&["-f"], &["-f", "error: flag -f needs a value"]);
}

#[test]
fn three_dashes_make_a_long_flag_whose_name_starts_with_a_dash() {
    check(&["---x"], &["---x"]);
}

#[test]
fn non_utf8_flag_token_is_an_error_naming_its_position() {
    let argv = vec![
        OsString::from("list"),
        OsString::from_vec(b"--\xff".to_vec()),
    ];
    assert_eq!(
        lex(argv),
        [
            "value \"list\"",
            "error: argument 2 is not valid UTF-8: '--\u{fffd}'"
        ]
    );
    let cluster = vec![OsString::from_vec(b"-v\xff".to_vec())];
    assert_eq!(
        lex(cluster),
        ["error: argument 1 is not valid UTF-8: '-v\u{fffd}'"]
    );
}

#[test]
fn non_utf8_positional_and_value_pass_through_untouched() {
    let raw = OsString::from_vec(b"\xffpath".to_vec());
    let mut lexer = Lexer::new(vec![raw.clone(), "--path".into(), raw.clone()]);
    assert_eq!(lexer.next(), Ok(Some(Arg::Value(raw.clone()))));
    assert_eq!(lexer.next(), Ok(Some(Arg::Long("path"))));
    assert_eq!(lexer.value(), Ok(raw));
    assert_eq!(lexer.next(), Ok(None));
}

#[test]
fn position_counts_tokens_not_letters() {
    let mut lexer = Lexer::new(os(&["-vv", "--format=json", "x"]));
    assert_eq!(lexer.position(), 0);
    let mut seen = Vec::new();
    while let Ok(Some(arg)) = lexer.next() {
        let is_format = arg == Arg::Long("format");
        if is_format {
            lexer.value().expect("value of --format");
        }
        seen.push(lexer.position());
    }
    assert_eq!(seen, [1, 1, 2, 3]);
}

#[test]
fn errors_compare_by_their_fields() {
    let mut lexer = Lexer::new(os(&["--path"]));
    assert_eq!(lexer.next(), Ok(Some(Arg::Long("path"))));
    assert_eq!(
        lexer.value(),
        Err(ArgError::MissingValue {
            flag: "--path".into()
        })
    );
}

#[test]
fn shown_escapes_control_characters_and_cuts_long_text() {
    assert_eq!(shown("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
    let long = "x".repeat(1000);
    assert_eq!(shown(&long), format!("{}…", "x".repeat(64)));
}

/// Awkward tokens: every shape the lexer distinguishes, and words the grammar knows.
fn vocabulary() -> Vec<OsString> {
    let words = [
        "-",
        "--",
        "--a=",
        "-=",
        "=",
        "",
        "#0",
        "#1",
        "#",
        "-v",
        "-vv",
        "-vvv",
        "--format",
        "--format=json",
        "--format=",
        "--help",
        "-h",
        "-V",
        "list",
        "use",
        "refresh",
        "help",
        "--all",
        "--yes=x",
        "--path",
        "-x",
        "work",
        "ALL",
        "---",
        "--=",
    ];
    let mut vocab: Vec<OsString> = words.iter().map(OsString::from).collect();
    vocab.push(OsString::from_vec(b"\xff".to_vec()));
    vocab.push(OsString::from_vec(b"--\xfe=x".to_vec()));
    vocab.push(OsString::from("y".repeat(1000)));
    vocab.push(OsString::from("a\nb"));
    vocab
}

/// Every argv of up to three tokens drawn from the vocabulary.
fn sequences() -> Vec<Vec<OsString>> {
    let vocab = vocabulary();
    let mut all: Vec<Vec<OsString>> = vec![Vec::new()];
    let mut last: Vec<Vec<OsString>> = vec![Vec::new()];
    for _ in 0..3 {
        let next: Vec<Vec<OsString>> = last
            .iter()
            .flat_map(|seq| {
                vocab
                    .iter()
                    .map(move |t| [seq.clone(), vec![t.clone()]].concat())
            })
            .collect();
        all.extend(next.iter().cloned());
        last = next;
    }
    all
}

/// Drives the lexer to the end; `with_values` asks for a value after every flag.
/// Returns how many events it saw, failing the test if the lexer runs away.
fn drain(argv: &[OsString], with_values: bool) -> usize {
    let mut lexer = Lexer::new(argv.to_vec());
    let mut events = 0;
    loop {
        events += 1;
        assert!(events < 4000, "lexer does not end on {argv:?}");
        assert!(lexer.position() <= argv.len());
        let is_flag = match lexer.next() {
            Ok(None) => return events,
            Err(err) => {
                assert!(!err.to_string().contains('\n'), "{err}");
                return events;
            }
            Ok(Some(arg)) => !matches!(arg, Arg::Value(_)),
        };
        if with_values && is_flag && lexer.value().is_err() {
            return events;
        }
    }
}

#[test]
fn every_short_sequence_of_awkward_tokens_lexes_and_parses_without_panic() {
    let seqs = sequences();
    assert_eq!(seqs.len(), 1 + 34 + 34 * 34 + 34 * 34 * 34);
    for argv in &seqs {
        drain(argv, false);
        drain(argv, true);
        match cli::parse(argv.clone()) {
            Ok(Parsed::Run(invocation)) => {
                let again = cli::parse(invocation.to_args()).expect("canonical form parses");
                assert_eq!(again, Parsed::Run(invocation), "argv {argv:?}");
            }
            Ok(Parsed::Help(_) | Parsed::Version) => {}
            Err(err) => {
                assert_eq!(err.exit_code(), 2, "{argv:?}: {err}");
                assert!(!err.to_string().contains('\n'), "{argv:?}: {err}");
            }
        }
    }
}
