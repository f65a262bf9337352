//! One configuration: a TOML file (optional) with `OMDOMME_*` environment variables on top.
//!
//! Every problem in a file is reported together, each naming its key, so a user fixes them
//! in one round instead of one per start.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use omdomme_alerts::mail::{SmtpPassword, SmtpSecurity, SmtpSettings};
use omdomme_connectors::SourceSpec;
use omdomme_core::{Brand, BrandId, BrandRole, Query, SourceKey, Workspace, WorkspaceId, is_slug};
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Folder holding the SQLite database and the search index.
    pub data_dir: PathBuf,
    pub server: ServerConfig,
    pub workspaces: Vec<WorkspaceConfig>,
    /// `[smtp]`: the server alerts and scheduled reports are e-mailed through.
    pub smtp: SmtpSettings,
    // == queue (issue 8) ==
    /// `[queue]`: the NATS JetStream between collectors and workers, when scaled out.
    pub queue: QueueConfig,
    // == scale (issue 8) ==
    /// `[store]`: the PostgreSQL database shared by every process, when scaled out.
    pub store: StoreConfig,
}

// == scale (issue 8) ==
/// `[store]`: with a `url`, every command opens the PostgreSQL store there; without one,
/// the embedded store in `data_dir` (the default).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// `postgres://user:password@host:5432/database`.
    pub url: Option<String>,
}

impl StoreConfig {
    pub fn problems(&self) -> Vec<String> {
        match &self.url {
            Some(url) => store_url_problem(url)
                .map(|why| format!("store.url: {why}"))
                .into_iter()
                .collect(),
            None => Vec::new(),
        }
    }
}

/// Why `url` is not a PostgreSQL address (never echoing a password), or `None` when it is.
pub fn store_url_problem(url: &str) -> Option<String> {
    let example = "like postgres://user:password@host:5432/database";
    let Some(rest) = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
    else {
        return Some(format!("not a PostgreSQL address {example}"));
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = match host_port.rsplit_once(':') {
        // `[::1]` alone has colons but no port.
        Some((host, port)) if !port.contains(']') => (host, Some(port)),
        _ => (host_port, None),
    };
    if host.is_empty() {
        return Some(format!("names no host; write it {example}"));
    }
    if let Some(port) = port
        && port.parse::<u16>().is_err()
    {
        return Some(format!(
            "port {port:?} is not a port number; write it {example}"
        ));
    }
    None
}

// == queue (issue 8) ==
/// `[queue]`: with a `url`, `omdomme collect` publishes to NATS JetStream and `omdomme
/// worker` processes store; without one, collection stores directly (the embedded default).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct QueueConfig {
    /// `nats://host:4222`.
    pub url: Option<String>,
}

impl QueueConfig {
    pub fn problems(&self) -> Vec<String> {
        match &self.url {
            Some(url) if !(url.starts_with("nats://") || url.starts_with("tls://")) => {
                vec![format!(
                    "queue.url: {url:?} is not a NATS address like nats://127.0.0.1:4222"
                )]
            }
            _ => Vec::new(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address `serve` listens on.
    pub listen: String,
    /// Mark cookies `Secure`; turn on when served behind TLS.
    pub secure_cookies: bool,
    pub session_ttl_hours: u32,
    /// Time zone for day, week and month buckets and for display.
    pub time_zone: String,
    /// Where users reach the web app (`https://omdomme.example.no`): the start of the links
    /// in alerts and e-mails.
    pub public_url: String,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceConfig {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub brands: Vec<BrandConfig>,
    /// `[[workspaces.sources]]`: live sources, `kind` choosing the connector. Kept as
    /// tables because each connector owns its keys (see [`SourceConfig`]).
    #[serde(default)]
    pub sources: Vec<toml::Table>,
}

/// A `[[workspaces.sources]]` table read: the connector's spec, the same as JSON for the
/// store, and whether it runs (`enabled = false` pauses it; that key is ours, not the
/// connector's).
#[derive(Clone, Debug, PartialEq)]
pub struct SourceConfig {
    pub spec: SourceSpec,
    pub json: serde_json::Value,
    pub enabled: bool,
}

impl SourceConfig {
    pub fn key(&self) -> SourceKey {
        self.spec.key()
    }

    /// Reads one table; the error says what is wrong with it (without the key prefix).
    fn from_table(table: &toml::Table) -> Result<SourceConfig, String> {
        let mut table = table.clone();
        let enabled = match table.remove("enabled") {
            None => true,
            Some(toml::Value::Boolean(enabled)) => enabled,
            Some(other) => {
                return Err(format!(
                    "enabled: must be true or false, not {}",
                    other.type_str()
                ));
            }
        };
        let json = serde_json::to_value(&table).map_err(|e| e.to_string())?;
        let spec = SourceSpec::deserialize(toml::Value::Table(table))
            .map_err(|e| e.message().to_owned())?;
        Ok(SourceConfig {
            spec,
            json,
            enabled,
        })
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BrandConfig {
    pub id: String,
    pub name: String,
    pub role: BrandRole,
    pub query: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("data"),
            server: ServerConfig::default(),
            workspaces: Vec::new(),
            smtp: SmtpSettings::default(),
            queue: QueueConfig::default(),
            store: StoreConfig::default(),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".to_owned(),
            secure_cookies: false,
            session_ttl_hours: 12,
            time_zone: "Europe/Oslo".to_owned(),
            public_url: "http://127.0.0.1:8080".to_owned(),
        }
    }
}

/// The environment variables that override the file, with the key each one sets.
pub const ENV_OVERRIDES: [(&str, &str); 14] = [
    ("OMDOMME_DATA_DIR", "data_dir"),
    ("OMDOMME_LISTEN", "server.listen"),
    ("OMDOMME_SECURE_COOKIES", "server.secure_cookies"),
    ("OMDOMME_SESSION_TTL_HOURS", "server.session_ttl_hours"),
    ("OMDOMME_TIME_ZONE", "server.time_zone"),
    ("OMDOMME_PUBLIC_URL", "server.public_url"),
    ("OMDOMME_SMTP_HOST", "smtp.host"),
    ("OMDOMME_SMTP_PORT", "smtp.port"),
    ("OMDOMME_SMTP_USERNAME", "smtp.username"),
    ("OMDOMME_SMTP_PASSWORD", "smtp.password"),
    ("OMDOMME_SMTP_FROM", "smtp.from"),
    ("OMDOMME_SMTP_SECURITY", "smtp.security"),
    // == queue (issue 8) ==
    ("OMDOMME_QUEUE_URL", "queue.url"),
    // == scale (issue 8) ==
    ("OMDOMME_STORE_URL", "store.url"),
];

impl Config {
    /// Reads the file (if given), applies the environment, and validates the result.
    pub fn load(
        path: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Config> {
        let mut config = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading config file {}", path.display()))?;
                Config::from_toml(&text)
                    .with_context(|| format!("config file {}", path.display()))?
            }
            None => Config::default(),
        };
        config.apply_env(env)?;
        let problems = config.problems();
        if !problems.is_empty() {
            bail!("invalid configuration:\n  {}", problems.join("\n  "));
        }
        Ok(config)
    }

    pub fn from_toml(text: &str) -> anyhow::Result<Config> {
        Ok(toml::from_str(text)?)
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        for (var, key) in ENV_OVERRIDES {
            let Some(value) = env(var) else { continue };
            let bad = |what: &str| anyhow::anyhow!("{var}={value:?}: {key} must be {what}");
            match key {
                "data_dir" => self.data_dir = PathBuf::from(&value),
                "server.listen" => self.server.listen = value.clone(),
                "server.secure_cookies" => {
                    self.server.secure_cookies = match value.as_str() {
                        "1" | "true" | "yes" => true,
                        "0" | "false" | "no" => false,
                        _ => return Err(bad("true or false")),
                    }
                }
                "server.session_ttl_hours" => {
                    self.server.session_ttl_hours =
                        value.parse().map_err(|_| bad("a whole number of hours"))?
                }
                "server.time_zone" => self.server.time_zone = value.clone(),
                "server.public_url" => self.server.public_url = value.clone(),
                "smtp.host" => self.smtp.host = value.clone(),
                "smtp.port" => self.smtp.port = value.parse().map_err(|_| bad("a port number"))?,
                "smtp.username" => self.smtp.username = value.clone(),
                // Named without its value: a password must not reach an error message.
                "smtp.password" => self.smtp.password = SmtpPassword::new(value),
                "smtp.from" => self.smtp.from = value.clone(),
                "smtp.security" => {
                    self.smtp.security =
                        SmtpSecurity::parse(&value).ok_or_else(|| bad("starttls, tls or plain"))?
                }
                // == queue (issue 8) ==
                "queue.url" => self.queue.url = Some(value.clone()),
                // == scale (issue 8) ==
                "store.url" => self.store.url = Some(value.clone()),
                _ => unreachable!("every override key is matched above"),
            }
        }
        Ok(())
    }

    /// Every problem in the configuration, each naming its key.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.server.listen.parse::<std::net::SocketAddr>().is_err() {
            problems.push(format!(
                "server.listen: {:?} is not an address like 127.0.0.1:8080",
                self.server.listen
            ));
        }
        if jiff::tz::TimeZone::get(&self.server.time_zone).is_err() {
            problems.push(format!(
                "server.time_zone: {:?} is not an IANA time zone like Europe/Oslo",
                self.server.time_zone
            ));
        }
        if self.server.session_ttl_hours == 0 {
            problems.push("server.session_ttl_hours: must be at least 1".to_owned());
        }
        if !(self.server.public_url.starts_with("http://")
            || self.server.public_url.starts_with("https://"))
        {
            problems.push(format!(
                "server.public_url: {:?} is not a URL like https://omdomme.example.no",
                self.server.public_url
            ));
        }
        problems.extend(self.smtp.problems());
        // == queue (issue 8) ==
        problems.extend(self.queue.problems());
        // == scale (issue 8) ==
        problems.extend(self.store.problems());
        let mut seen = std::collections::BTreeSet::new();
        for (w, workspace) in self.workspaces.iter().enumerate() {
            let at = format!("workspaces[{w}] ({})", workspace.id);
            if !is_slug(&workspace.id) {
                problems.push(format!("{at}.id: use lower-case letters, digits and '-'"));
            }
            if !seen.insert(&workspace.id) {
                problems.push(format!("{at}.id: used by more than one workspace"));
            }
            let mut brand_ids = std::collections::BTreeSet::new();
            for (b, brand) in workspace.brands.iter().enumerate() {
                let at = format!("{at}.brands[{b}] ({})", brand.id);
                if !is_slug(&brand.id) {
                    problems.push(format!("{at}.id: use lower-case letters, digits and '-'"));
                }
                if !brand_ids.insert(&brand.id) {
                    problems.push(format!("{at}.id: used by more than one brand"));
                }
                if let Err(error) = Query::parse(&brand.query) {
                    problems.push(format!("{at}.query: {error}"));
                }
            }
            let mut source_keys = std::collections::BTreeSet::new();
            for (s, table) in workspace.sources.iter().enumerate() {
                let at = format!("{at}.sources[{s}]");
                match SourceConfig::from_table(table) {
                    Err(problem) => problems.push(format!("{at}: {problem}")),
                    Ok(source) => {
                        let at = format!("{at} ({})", source.key());
                        problems.extend(
                            source
                                .spec
                                .problems()
                                .into_iter()
                                .map(|problem| format!("{at}.{problem}")),
                        );
                        if !source_keys.insert(source.key()) {
                            problems.push(format!(
                                "{at}.name: used by another {} source of the workspace",
                                source.key().kind.as_str()
                            ));
                        }
                    }
                }
            }
        }
        problems
    }

    /// Every workspace's sources; call after [`Config::problems`] came back empty (a table
    /// that does not read is left out).
    pub fn sources(&self) -> Vec<(WorkspaceId, SourceConfig)> {
        self.workspaces
            .iter()
            .flat_map(|w| {
                w.sources.iter().filter_map(|table| {
                    let source = SourceConfig::from_table(table).ok()?;
                    Some((WorkspaceId(w.id.clone()), source))
                })
            })
            .collect()
    }

    pub fn workspaces(&self) -> Vec<Workspace> {
        self.workspaces
            .iter()
            .map(|w| Workspace {
                id: WorkspaceId(w.id.clone()),
                name: w.name.clone(),
                synthetic: false,
                brands: w
                    .brands
                    .iter()
                    .map(|b| Brand {
                        id: BrandId(b.id.clone()),
                        name: b.name.clone(),
                        role: b.role,
                        query: b.query.clone(),
                    })
                    .collect(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example in README.md must stay a valid configuration.
    #[test]
    fn readme_example_config_parses() {
        let readme = include_str!("../../../README.md");
        let start = readme.find("```toml\n").expect("README has a toml block") + 8;
        let end = start + readme[start..].find("```").expect("toml block ends");
        let config = Config::from_toml(&readme[start..end]).expect("README config parses");
        assert_eq!(config.problems(), Vec::<String>::new());
        assert_eq!(config.workspaces().len(), 1);
    }

    #[test]
    fn environment_overrides_the_file() {
        let env = |var: &str| match var {
            "OMDOMME_LISTEN" => Some("127.0.0.1:9999".to_owned()),
            "OMDOMME_SECURE_COOKIES" => Some("true".to_owned()),
            _ => None,
        };
        let config = Config::load(None, env).expect("valid");
        assert_eq!(config.server.listen, "127.0.0.1:9999");
        assert!(config.server.secure_cookies);
    }

    #[test]
    fn smtp_settings_come_from_the_environment_and_hide_the_password() {
        let env = |var: &str| match var {
            "OMDOMME_SMTP_HOST" => Some("smtp.example.no".to_owned()),
            "OMDOMME_SMTP_PORT" => Some("465".to_owned()),
            "OMDOMME_SMTP_USERNAME" => Some("varsel".to_owned()),
            "OMDOMME_SMTP_PASSWORD" => Some("hemmelig".to_owned()),
            "OMDOMME_SMTP_FROM" => Some("Omdømme <varsel@example.no>".to_owned()),
            "OMDOMME_SMTP_SECURITY" => Some("tls".to_owned()),
            _ => None,
        };
        let config = Config::load(None, env).expect("valid");
        assert_eq!(config.smtp.port, 465);
        assert_eq!(config.smtp.security, SmtpSecurity::Tls);
        assert_eq!(config.smtp.password, SmtpPassword::new("hemmelig"));
        assert!(!format!("{config:?}").contains("hemmelig"));
        let env = |var: &str| (var == "OMDOMME_SMTP_SECURITY").then(|| "ssl".to_owned());
        let error = Config::load(None, env).expect_err("invalid").to_string();
        assert!(error.contains("starttls, tls or plain"), "{error}");
    }

    #[test]
    fn bad_environment_value_names_the_variable() {
        let env = |var: &str| (var == "OMDOMME_SESSION_TTL_HOURS").then(|| "soon".to_owned());
        let error = Config::load(None, env).expect_err("invalid").to_string();
        assert!(error.contains("OMDOMME_SESSION_TTL_HOURS"), "{error}");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let config = Config::from_toml(
            r#"
            [server]
            listen = "nowhere"
            time_zone = "Mars/Olympus"
            [[workspaces]]
            id = "Bad Id"
            name = "x"
            [[workspaces.brands]]
            id = "a"
            name = "A"
            role = "own"
            query = "(klima"
            "#,
        )
        .expect("parses");
        let problems = config.problems();
        assert_eq!(problems.len(), 4, "{problems:#?}");
        assert!(
            problems[3].contains("brands[0] (a).query: column 1"),
            "{problems:#?}"
        );
    }

    #[test]
    fn sources_are_read_per_workspace_with_their_own_keys() {
        let config = Config::from_toml(
            r#"
            [[workspaces]]
            id = "nordlys"
            name = "Nordlys"
            [[workspaces.sources]]
            kind = "webhook"
            name = "crm"
            auth = "hmac"
            [[workspaces.sources]]
            kind = "webhook"
            name = "paused"
            auth = "token"
            enabled = false
            "#,
        )
        .expect("parses");
        assert_eq!(config.problems(), Vec::<String>::new());
        let sources = config.sources();
        assert_eq!(sources.len(), 2);
        let (workspace, crm) = &sources[0];
        assert_eq!(workspace.0, "nordlys");
        assert_eq!(crm.key().to_string(), "webhook:crm");
        assert!(crm.enabled);
        assert_eq!(
            crm.json,
            serde_json::json!({ "kind": "webhook", "name": "crm", "auth": "hmac" })
        );
        // `enabled` is ours: it neither reaches the connector's spec nor its JSON.
        assert!(!sources[1].1.enabled);
        assert!(sources[1].1.json.get("enabled").is_none());
    }

    #[test]
    fn every_source_problem_names_its_key() {
        let config = Config::from_toml(
            r#"
            [[workspaces]]
            id = "nordlys"
            name = "Nordlys"
            [[workspaces.sources]]
            kind = "tiktok"
            name = "x"
            [[workspaces.sources]]
            name = "no-kind"
            [[workspaces.sources]]
            kind = "webhook"
            name = "crm"
            auth = "token"
            secret = "do not put it here"
            [[workspaces.sources]]
            kind = "webhook"
            name = "hook"
            auth = "token"
            [[workspaces.sources]]
            kind = "webhook"
            name = "hook"
            auth = "hmac"
            enabled = "yes"
            [[workspaces.sources]]
            kind = "webhook"
            name = "hook"
            auth = "hmac"
            [[workspaces.sources]]
            kind = "webhook"
            name = " "
            auth = "hmac"
            "#,
        )
        .expect("parses");
        let problems = config.problems();
        let expected = [
            ("workspaces[0] (nordlys).sources[0]: ", "tiktok"),
            ("workspaces[0] (nordlys).sources[1]: ", "kind"),
            ("workspaces[0] (nordlys).sources[2]: ", "secret"),
            (
                "workspaces[0] (nordlys).sources[4]: enabled:",
                "true or false",
            ),
            (
                "workspaces[0] (nordlys).sources[5] (webhook:hook).name:",
                "another webhook source",
            ),
            (
                "workspaces[0] (nordlys).sources[6] (webhook: ).name:",
                "empty",
            ),
        ];
        assert_eq!(problems.len(), expected.len(), "{problems:#?}");
        for ((prefix, needle), problem) in expected.iter().zip(&problems) {
            assert!(
                problem.starts_with(prefix) && problem.contains(needle),
                "{problem:?} should start with {prefix:?} and mention {needle:?}"
            );
        }
        assert_eq!(config.sources().len(), 3, "the tables that read");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let error = Config::from_toml("data_dri = \"x\"").expect_err("unknown key");
        assert!(format!("{error:#}").contains("data_dri"), "{error:#}");
    }

    // == queue (issue 8) ==
    #[test]
    fn the_queue_url_comes_from_the_file_or_the_environment_and_must_be_nats() {
        let config = Config::from_toml("[queue]\nurl = \"nats://10.0.0.5:4222\"").expect("parses");
        assert_eq!(config.queue.url.as_deref(), Some("nats://10.0.0.5:4222"));
        assert_eq!(Config::default().queue.url, None);
        let env =
            |var: &str| (var == "OMDOMME_QUEUE_URL").then(|| "nats://127.0.0.1:4222".to_owned());
        let config = Config::load(None, env).expect("valid");
        assert_eq!(config.queue.url.as_deref(), Some("nats://127.0.0.1:4222"));
        let env = |var: &str| (var == "OMDOMME_QUEUE_URL").then(|| "http://nats".to_owned());
        let error = Config::load(None, env).expect_err("invalid").to_string();
        assert!(error.contains("queue.url"), "{error}");
    }

    // == scale (issue 8) ==
    #[test]
    fn the_store_url_comes_from_the_file_or_the_environment_and_must_be_postgres() {
        let config = Config::from_toml("[store]\nurl = \"postgres://a:b@10.0.0.5:5432/omdomme\"")
            .expect("parses");
        assert_eq!(
            config.store.url.as_deref(),
            Some("postgres://a:b@10.0.0.5:5432/omdomme")
        );
        assert!(config.problems().is_empty());
        assert_eq!(Config::default().store.url, None);
        let config = Config::load(None, |var| {
            (var == "OMDOMME_STORE_URL").then(|| "postgresql://127.0.0.1/x".to_owned())
        })
        .expect("loads");
        assert_eq!(
            config.store.url.as_deref(),
            Some("postgresql://127.0.0.1/x")
        );
        for bad in ["mysql://x", "postgres://h:notaport/db"] {
            let error = Config::load(None, |var| {
                (var == "OMDOMME_STORE_URL").then(|| bad.to_owned())
            })
            .expect_err("refused")
            .to_string();
            assert!(error.contains("store.url"), "{error}");
        }
    }
}
