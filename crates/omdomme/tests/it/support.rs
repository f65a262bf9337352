//! Running the built binary against a scratch data folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Scratch {
    pub dir: tempfile::TempDir,
}

/// A config with one workspace whose brands the fixtures mention.
pub const CONFIG: &str = r#"
[[workspaces]]
id = "test"
name = "Test AS"

[[workspaces.brands]]
id = "nordlys"
name = "Nordlys"
role = "own"
query = 'nordlys OR @nordlys'

[[workspaces.brands]]
id = "fjordmat"
name = "Fjordmat"
role = "competitor"
query = 'fjordmat OR #fjordmat'
"#;

impl Scratch {
    pub fn new() -> Scratch {
        Scratch::with_config(CONFIG)
    }

    /// A scratch folder whose config names no workspace (for the demo's own).
    pub fn bare() -> Scratch {
        Scratch::with_config("")
    }

    pub fn with_config(config: &str) -> Scratch {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("omdomme.toml"), config).expect("write config");
        Scratch { dir }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The binary with this scratch folder's config and data folder.
    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_omdomme"));
        command
            .arg("--config")
            .arg(self.dir.path().join("omdomme.toml"))
            .arg("--data-dir")
            .arg(self.data_dir())
            .env_remove("OMDOMME_DATA_DIR")
            .env_remove("OMDOMME_CONFIG")
            .env("OMDOMME_LOG", "warn");
        command
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("run omdomme")
    }

    /// Runs with `input` on standard input, written from another thread so that a child
    /// writing while it reads never blocks on a full pipe. A child that exits before reading
    /// it all (a refused flag) is fine.
    pub fn run_with_input(&self, args: &[&str], input: Vec<u8>) -> Output {
        use std::io::Write as _;
        use std::process::Stdio;

        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn omdomme");
        let mut stdin = child.stdin.take().expect("stdin");
        let writer = std::thread::spawn(move || {
            // A broken pipe means the child stopped reading: its output says why.
            let _ = stdin.write_all(&input);
        });
        let output = child.wait_with_output().expect("run omdomme");
        writer.join().expect("stdin writer");
        output
    }

    /// Runs and insists on success, returning standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "omdomme {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    pub fn stats(&self) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["stats", "--json"])).expect("stats json")
    }

    /// `omdomme demo --items <items>` serving on a free port, once it has printed its URL
    /// and login. Its log (warnings and errors) goes to `server.log` in this folder.
    pub fn serve_demo(&self, items: u64) -> DemoServer {
        use std::io::{BufRead, BufReader};

        let log = std::fs::File::create(self.path("server.log")).expect("server log");
        let mut child = self
            .command()
            .args(["demo", "--items", &items.to_string(), "--port", "0"])
            .stdout(std::process::Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("spawn omdomme demo");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let (mut address, mut password) = (None, None);
        for line in lines.by_ref() {
            let line = line.expect("line");
            if let Some(url) = line.split("http://").nth(1) {
                address = Some(url.trim_end_matches('/').to_owned());
            }
            if let Some(rest) = line.strip_prefix(&format!("Log in as {DEMO_LOGIN} with password "))
            {
                password = Some(rest.trim().to_owned());
                break;
            }
        }
        let server = DemoServer {
            address: address.unwrap_or_default(),
            password: password.unwrap_or_default(),
            child,
            _stdout: lines,
        };
        assert!(
            !server.address.is_empty() && !server.password.is_empty(),
            "the demo printed no URL and login; its log:\n{}",
            std::fs::read_to_string(self.path("server.log")).unwrap_or_default()
        );
        server
    }
}

/// The demo's admin login.
pub const DEMO_LOGIN: &str = "demo@omdomme.example";

/// A running `omdomme demo`, stopped when dropped.
pub struct DemoServer {
    /// `host:port`.
    pub address: String,
    pub password: String,
    child: std::process::Child,
    /// Kept open so that a server writing to standard output never meets a closed pipe.
    _stdout: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        // Already gone is fine: the test that needed it has said what went wrong.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn fixture(relative: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures")
        .join(relative);
    assert!(
        path.exists(),
        "fixture {} is missing: ../shared must sit beside the clone",
        path.display()
    );
    path
}

/// The shared folder of public labelled data sets (NoReC, TweetEval, ...) beside the clone.
pub fn shared_data() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    assert!(
        path.is_dir(),
        "the data sets are missing at {}: ../shared must sit beside the clone (CI always has it)",
        path.display()
    );
    path
}
