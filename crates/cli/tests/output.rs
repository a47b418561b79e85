//! Standard output closed early (`smtp-tls-doctor explain | head -1`): the program ends quietly,
//! without the panic `println!` gives on a broken pipe.

use std::process::{Command, Stdio};

#[test]
fn a_reader_that_goes_away_ends_the_program_quietly() {
    for args in [
        &["explain"][..],
        &["profiles"][..],
        &["explain", "chain-incomplete"][..],
    ] {
        // A pipe whose reading end is closed before the program writes: every write fails with
        // EPIPE, as when `head` has read its line and gone.
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_smtp-tls-doctor"))
            .args(args)
            .stdout(Stdio::from(writer))
            .stderr(Stdio::piped())
            .output()
            .expect("the binary runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("panicked"),
            "{args:?} panicked on a closed pipe: {stderr}"
        );
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}
