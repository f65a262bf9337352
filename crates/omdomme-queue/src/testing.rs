//! A nats-server of a test's own (feature `testing`): Debian's `nats-server` with JetStream
//! on a free loopback port and a temporary folder, killed on drop.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test whose server does not start should stop loudly

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const NATS_SERVER: &str = "/usr/sbin/nats-server";

/// A nats-server with JetStream on a free loopback port, killed on drop.
pub struct Nats {
    /// The port it listens on (the same after a restart).
    pub port: u16,
    store_dir: tempfile::TempDir,
    child: Option<Child>,
}

impl Nats {
    /// Starts one; panics when nats-server is missing or does not start.
    pub fn start() -> Nats {
        assert!(
            std::path::Path::new(NATS_SERVER).exists(),
            "{NATS_SERVER} is missing: apt-get install nats-server (.ci/run does)"
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut nats = Nats {
            port,
            store_dir: tempfile::tempdir().unwrap(),
            child: None,
        };
        nats.spawn();
        nats
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self) {
        let child = Command::new(NATS_SERVER)
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-js",
                "-sd",
            ])
            .arg(self.store_dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        // Ready once it accepts connections.
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("nats-server did not start on port {}", self.port);
    }

    /// Kills the server (as a crash would); its JetStream folder stays.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port and folder.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.kill();
    }
}
