//! A local SMTP sink for tests that send e-mail (feature `testing`): Python's aiosmtpd,
//! which `.ci/run` installs, writing what it receives to a maildir.

use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::Duration;

use crate::mail::{Mailer, SmtpSecurity, SmtpSettings};

/// aiosmtpd on a free loopback port; killed on drop.
pub struct SmtpSink {
    child: Child,
    port: u16,
    maildir: tempfile::TempDir,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SmtpSink {
    /// Starts the sink once it accepts connections. `None`, with the reason on stderr, only
    /// where aiosmtpd is missing outside CI: in CI (`CI` set) a missing aiosmtpd panics, so
    /// the test fails rather than passing untried.
    ///
    /// # Panics
    /// When aiosmtpd is missing in CI, or does not start.
    #[allow(clippy::expect_used)] // test support: a sink that cannot start is a failed test
    pub fn start() -> Option<SmtpSink> {
        let available = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .status()
            .is_ok_and(|s| s.success());
        if !available {
            assert!(
                std::env::var_os("CI").is_none(),
                "python3 -m aiosmtpd is missing (pip install aiosmtpd)"
            );
            eprintln!("SKIPPED: python3 -m aiosmtpd is not installed (pip install aiosmtpd)");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let maildir = tempfile::tempdir().expect("a temporary maildir");
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("mail"))
            .spawn()
            .expect("python3 -m aiosmtpd (pip install aiosmtpd)");
        let sink = SmtpSink {
            child,
            port,
            maildir,
        };
        // Readiness, not timing: wait until it accepts connections.
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(sink);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("aiosmtpd did not start on port {port}");
    }

    /// A mailer sending to the sink as `from`.
    ///
    /// # Panics
    /// When `from` is not an address.
    #[allow(clippy::expect_used)]
    pub fn mailer(&self, from: &str) -> Arc<Mailer> {
        Arc::new(
            Mailer::new(&SmtpSettings {
                host: "127.0.0.1".to_owned(),
                port: self.port,
                from: from.to_owned(),
                security: SmtpSecurity::Plain,
                ..SmtpSettings::default()
            })
            .expect("a mailer for the sink"),
        )
    }

    /// The files of the messages received so far.
    pub fn messages(&self) -> Vec<PathBuf> {
        match std::fs::read_dir(self.maildir.path().join("mail").join("new")) {
            Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(_) => Vec::new(),
        }
    }

    /// The raw text of every message received so far.
    pub fn raw_messages(&self) -> Vec<String> {
        self.messages()
            .iter()
            .filter_map(|path| std::fs::read_to_string(path).ok())
            .collect()
    }
}
