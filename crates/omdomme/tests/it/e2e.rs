//! The web app in headless Chromium, used as a person would: log in, read the overview,
//! search and open an item, assign and answer an inbox item, approve a colleague's post and
//! schedule it, find it in the calendar, read the leadership pages (strategy, maturity, the
//! openness index and the inquiries behind it, the brands' accounts, the report), switch the
//! language, open the account page, log out. A PNG of the page after every step, and of the page a step failed
//! on, goes to `<target>/tmp/e2e-screenshots/NN-step.png`, beside chromedriver's log.
//!
//! It needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without
//! them the test says why and passes, except under `CI=true`, where it fails.
//!
//! While a page is being built, `OMDOMME_E2E_STEPS=login,account,language,logout` runs only
//! the steps named, in that order. A step whose page has an address then opens it, since the
//! steps that would have led there did not run; the others (item, assign, reply) go on from
//! the page the step before them left.

use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};

use crate::support::{DEMO_LOGIN, Scratch};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The demo's workspace.
const WORKSPACE: &str = "havbris-demo";
/// The demo admin's display name, as the assignee list shows it.
const DEMO_ADMIN_NAME: &str = "Demo Admin";
/// Words in the title of the demo's story about its supplier.
const SUPPLIER_STORY: &str = "leverandørkjeden";
/// A word the demo's items are full of.
const SEARCH: &str = "leverandør";
/// How long a step waits for what it expects on a page; generous, as this machine is shared.
const PATIENCE: Duration = Duration::from_secs(30);

#[test]
fn a_user_logs_in_reads_searches_answers_an_inquiry_and_switches_language() {
    if let Some(missing) = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .find(|path| !Path::new(path).exists())
    {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{missing} is missing: .ci/run installs Debian's chromium and chromium-driver"
        );
        eprintln!(
            "skipping the browser test: {missing} is missing \
             (apt-get install chromium chromium-driver)"
        );
        return;
    }
    let steps = chosen_steps();
    let scratch = Scratch::bare();
    let demo = scratch.serve_demo(3000);
    let shots = screenshot_folder();
    println!("browser test screenshots: {}", shots.display());
    let driver_log = shots.join("chromedriver.log");
    let driver = ChromeDriver::start(&driver_log);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let outcome = runtime.block_on(async {
        let client = driver.session(&scratch.path("chromium-profile")).await;
        let mut browser = Browser {
            client,
            base: format!("http://{}", demo.address),
            password: demo.password.clone(),
            partial: steps.len() != Step::FLOW.len(),
            shots: shots.clone(),
        };
        let outcome = browser.run(&steps).await;
        // Closing the session ends Chromium; a failure to close changes nothing above.
        let _ = browser.client.close().await;
        outcome
    });
    if let Err(failure) = outcome {
        panic!(
            "{failure}\nserver log:\n{}\nchromedriver log: {}",
            std::fs::read_to_string(scratch.path("server.log")).unwrap_or_default(),
            driver_log.display()
        );
    }
}

/// One thing a person does in the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Login,
    Overview,
    Search,
    Item,
    Inbox,
    Assign,
    Reply,
    Stories,
    Approve,
    Schedule,
    Calendar,
    Strategy,
    Maturity,
    Index,
    Inquiries,
    Accounts,
    Report,
    Alerts,
    Language,
    Account,
    Logout,
}

impl Step {
    /// The whole visit, each step going on from the page the one before left.
    const FLOW: [Step; 21] = [
        Step::Login,
        Step::Overview,
        Step::Search,
        Step::Item,
        Step::Inbox,
        Step::Assign,
        Step::Reply,
        Step::Stories,
        Step::Approve,
        Step::Schedule,
        Step::Calendar,
        Step::Strategy,
        Step::Maturity,
        Step::Index,
        Step::Inquiries,
        Step::Accounts,
        Step::Report,
        Step::Alerts,
        Step::Language,
        Step::Account,
        Step::Logout,
    ];

    fn name(self) -> &'static str {
        match self {
            Step::Login => "login",
            Step::Overview => "overview",
            Step::Search => "search",
            Step::Item => "item",
            Step::Inbox => "inbox",
            Step::Assign => "assign",
            Step::Reply => "reply",
            Step::Stories => "stories",
            Step::Approve => "approve",
            Step::Schedule => "schedule",
            Step::Calendar => "calendar",
            Step::Strategy => "strategy",
            Step::Maturity => "maturity",
            Step::Index => "index",
            Step::Inquiries => "inquiries",
            Step::Accounts => "accounts",
            Step::Report => "report",
            Step::Alerts => "alerts",
            Step::Language => "language",
            Step::Account => "account",
            Step::Logout => "logout",
        }
    }

    /// Where the step starts in a partial run, when it has a page of its own.
    fn own_page(self) -> Option<String> {
        match self {
            Step::Overview => Some("/".to_owned()),
            Step::Search => Some(format!("/w/{WORKSPACE}/explorer")),
            Step::Inbox => Some(format!("/w/{WORKSPACE}/inbox")),
            Step::Account => Some("/account".to_owned()),
            Step::Stories => Some(format!("/w/{WORKSPACE}/stories")),
            Step::Calendar => Some(format!("/w/{WORKSPACE}/calendar?view=month")),
            Step::Strategy => Some(format!("/w/{WORKSPACE}/strategy")),
            Step::Maturity => Some(format!("/w/{WORKSPACE}/maturity")),
            Step::Index => Some(format!("/w/{WORKSPACE}/index")),
            Step::Accounts => Some(format!("/w/{WORKSPACE}/setup/accounts")),
            Step::Report => Some(format!("/w/{WORKSPACE}/report")),
            Step::Alerts => Some(format!("/w/{WORKSPACE}/alerts")),
            Step::Login
            | Step::Item
            | Step::Assign
            | Step::Reply
            | Step::Approve
            | Step::Schedule
            | Step::Inquiries
            | Step::Language => None,
            Step::Logout => None,
        }
    }
}

/// Every step, or those `OMDOMME_E2E_STEPS` names.
fn chosen_steps() -> Vec<Step> {
    let Ok(names) = std::env::var("OMDOMME_E2E_STEPS") else {
        return Step::FLOW.to_vec();
    };
    names
        .split(',')
        .map(|name| {
            let name = name.trim();
            Step::FLOW
                .into_iter()
                .find(|step| step.name() == name)
                .unwrap_or_else(|| {
                    let known: Vec<_> = Step::FLOW.iter().map(|s| s.name()).collect();
                    panic!(
                        "OMDOMME_E2E_STEPS: no step `{name}`; the steps are {}",
                        known.join(",")
                    )
                })
        })
        .collect()
}

/// `<target>/tmp/e2e-screenshots`, emptied of the last run's pictures.
fn screenshot_folder() -> PathBuf {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-screenshots");
    if folder.exists() {
        std::fs::remove_dir_all(&folder).expect("clear the old screenshots");
    }
    std::fs::create_dir_all(&folder).expect("screenshot folder");
    folder
}

/// `chromedriver` on a free loopback port, stopped when dropped.
struct ChromeDriver {
    child: Child,
    port: u16,
}

impl ChromeDriver {
    fn start(log: &Path) -> ChromeDriver {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let log_file = File::create(log).expect("chromedriver log");
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(log_file.try_clone().expect("log file"))
            .stderr(log_file)
            .spawn()
            .expect("start chromedriver");
        let driver = ChromeDriver { child, port };
        let deadline = Instant::now() + PATIENCE;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on port {port}; its log:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        driver
    }

    /// A fresh headless Chromium with its own profile folder.
    async fn session(&self, profile: &Path) -> Client {
        let capabilities = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    format!("--user-data-dir={}", profile.display()),
                    "--window-size=1280,900",
                ],
            },
            // So that the console's errors can be read after every step.
            "goog:loggingPrefs": { "browser": "ALL" },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object literal")
        };
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(Capabilities::from(capabilities))
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a Chromium session from chromedriver")
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        // Already gone is fine: the test has said what went wrong.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// chromedriver's console log of the page (`goog:loggingPrefs`), the entries since the last
/// read. Not in the W3C protocol, so fantoccini has no call for it.
#[derive(Debug)]
struct ReadConsole;

impl WebDriverCompatibleCommand for ReadConsole {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(r#"{"type":"browser"}"#.to_owned()),
        )
    }
}

struct Browser {
    client: Client,
    /// `http://host:port` of the app.
    base: String,
    password: String,
    /// Only some steps run: each opens its own page first.
    partial: bool,
    shots: PathBuf,
}

impl Browser {
    /// Runs `steps` in order, a screenshot after each; the error names the step that failed
    /// and where its screenshot is.
    async fn run(&mut self, steps: &[Step]) -> Result<(), String> {
        for (index, step) in steps.iter().enumerate() {
            let number = index + 1;
            let outcome = async {
                if self.partial
                    && let Some(page) = step.own_page()
                {
                    self.open(&page).await?;
                }
                self.step(*step).await?;
                self.console_is_clean().await
            }
            .await;
            match outcome {
                Ok(()) => {
                    let shot = self
                        .screenshot(&format!("{number:02}-{}", step.name()))
                        .await;
                    println!("step {number} `{}` passed: {shot}", step.name());
                }
                Err(error) => {
                    let shot = self
                        .screenshot(&format!("{number:02}-{}-failed", step.name()))
                        .await;
                    let url = self
                        .client
                        .current_url()
                        .await
                        .map(|u| u.to_string())
                        .unwrap_or_else(|e| format!("unknown ({e})"));
                    // An error page says its status in its title.
                    let title = self.client.title().await.unwrap_or_default();
                    return Err(format!(
                        "browser step {number} `{}` failed: {error:#}\n\
                         page: {url} ({title})\nscreenshot: {shot}",
                        step.name()
                    ));
                }
            }
        }
        Ok(())
    }

    async fn step(&self, step: Step) -> anyhow::Result<()> {
        match step {
            Step::Login => self.login().await,
            Step::Overview => self.overview().await,
            Step::Search => self.search().await,
            Step::Item => self.item().await,
            Step::Inbox => self.inbox().await,
            Step::Assign => self.assign().await,
            Step::Reply => self.reply().await,
            Step::Stories => self.stories().await,
            Step::Approve => self.approve().await,
            Step::Schedule => self.schedule().await,
            Step::Calendar => self.calendar().await,
            Step::Strategy => self.strategy().await,
            Step::Maturity => self.maturity().await,
            Step::Index => self.index().await,
            Step::Inquiries => self.inquiries().await,
            Step::Accounts => self.accounts().await,
            Step::Report => self.report().await,
            Step::Alerts => self.alerts().await,
            Step::Language => self.switch_language().await,
            Step::Account => self.account().await,
            Step::Logout => self.logout().await,
        }
    }

    /// Opening the app sends a stranger to the login page; logging in leads on.
    async fn login(&self) -> anyhow::Result<()> {
        self.open("/").await?;
        self.wait_for("form#login").await?;
        self.type_into("form#login input[name=email]", DEMO_LOGIN)
            .await?;
        self.type_into("form#login input[name=password]", &self.password)
            .await?;
        self.click("form#login button[type=submit]").await?;
        let deadline = Instant::now() + PATIENCE;
        while self.path().await? == "/login" {
            ensure!(
                Instant::now() < deadline,
                "still on the login page after logging in as {DEMO_LOGIN}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        ensure!(
            self.count("form#login").await? == 0,
            "the login form is still shown"
        );
        Ok(())
    }

    /// The overview (where logging in lands) draws its charts.
    async fn overview(&self) -> anyhow::Result<()> {
        self.wait_for("#overview").await?;
        ensure!(
            self.count("#overview .chart svg").await? > 0,
            "the overview shows no chart (`#overview .chart svg`)"
        );
        Ok(())
    }

    async fn search(&self) -> anyhow::Result<()> {
        if !self.partial {
            self.click("a[data-nav=explorer]").await?;
        }
        let query = self.wait_for("form#search input[name=q]").await?;
        query.clear().await.context("clearing the search field")?;
        query
            .send_keys(&format!("{SEARCH}{}", char::from(Key::Enter)))
            .await
            .context("typing the search")?;
        self.wait_for(".item a.item-link").await?;
        Ok(())
    }

    async fn item(&self) -> anyhow::Result<()> {
        self.click(".item a.item-link").await?;
        self.wait_for("#item-detail").await?;
        Ok(())
    }

    /// The inbox lists inquiries; the first opens.
    async fn inbox(&self) -> anyhow::Result<()> {
        if !self.partial {
            self.click("a[data-nav=inbox]").await?;
        }
        self.wait_for(".inbox-row a.inbox-link").await?;
        self.click(".inbox-row a.inbox-link").await?;
        self.wait_for("#inbox-item").await?;
        Ok(())
    }

    /// Assigns the open inbox item to the demo admin; the page then shows them chosen.
    async fn assign(&self) -> anyhow::Result<()> {
        const ASSIGNEE: &str = "form#assign select[name=assignee]";
        let select = self.wait_for(ASSIGNEE).await?;
        let mut admin = None;
        for option in select
            .find_all(Locator::Css("option"))
            .await
            .context("reading the assignee list")?
        {
            let value = option.attr("value").await?.unwrap_or_default();
            let label = option.text().await?;
            if value == DEMO_LOGIN || label.contains(DEMO_ADMIN_NAME) {
                admin = Some(value);
            }
        }
        let Some(admin) = admin else {
            bail!("the assignee list offers no `{DEMO_ADMIN_NAME}` ({DEMO_LOGIN})");
        };
        let chosen = format!(
            r#"{ASSIGNEE} option[selected][value="{}"]"#,
            css_string(&admin)
        );
        ensure!(
            self.count(&chosen).await? == 0,
            "the first inbox item is already assigned to {DEMO_ADMIN_NAME}: assigning could not be told apart"
        );
        select
            .select_by_value(&admin)
            .await
            .context("choosing the assignee")?;
        self.click("form#assign [type=submit]").await?;
        self.wait_for(&chosen)
            .await
            .context("the page does not show the item assigned to the demo admin")?;
        Ok(())
    }

    /// Answers the open inbox item; it is then marked answered and shows the reply.
    async fn reply(&self) -> anyhow::Result<()> {
        const ANSWERED: &str =
            "#inbox-item[data-status=answered], #inbox-item [data-status=answered]";
        let text = "Takk for at du sier ifra! Vi ser på saken og svarer deg i dag.";
        ensure!(
            self.count(ANSWERED).await? == 0,
            "the inbox item is already answered before the reply"
        );
        self.type_into("form#reply textarea[name=text]", text)
            .await?;
        self.click("form#reply [type=submit]").await?;
        self.wait_for(ANSWERED)
            .await
            .context("the item is not marked answered after the reply")?;
        let page = self.client.source().await.context("reading the page")?;
        ensure!(page.contains(text), "the reply is not shown on the item");
        Ok(())
    }

    /// The stories list leads to the demo's story about the supplier, with its posts.
    async fn stories(&self) -> anyhow::Result<()> {
        if !self.partial {
            self.click("a[data-nav=stories]").await?;
        }
        self.wait_for("#stories a.story-link").await?;
        let mut story = None;
        for link in self
            .client
            .find_all(Locator::Css("#stories a.story-link"))
            .await
            .context("reading the stories")?
        {
            if link.text().await?.contains(SUPPLIER_STORY) {
                story = Some(link);
            }
        }
        let Some(story) = story else {
            bail!("the stories list has no story titled with `{SUPPLIER_STORY}`");
        };
        story.click().await.context("opening the story")?;
        self.wait_for("#story .story-post").await?;
        Ok(())
    }

    /// The post a colleague sent for review opens, and the demo admin (who wrote none of
    /// it) approves it.
    async fn approve(&self) -> anyhow::Result<()> {
        if self.partial {
            bail!("the approve step goes on from the story page: run it after `stories`");
        }
        self.click(".story-post[data-post-status=in_review] a.post-link")
            .await?;
        self.wait_for("#post[data-post-status=in_review]").await?;
        self.click("button[data-action=approve]").await?;
        self.wait_for("#post[data-post-status=approved]")
            .await
            .context("the post is not approved after approving it")?;
        Ok(())
    }

    /// The approved post is scheduled at its proposed time and shows in the calendar.
    async fn schedule(&self) -> anyhow::Result<()> {
        let at = self
            .wait_for("input[name=at]")
            .await?
            .prop("value")
            .await
            .context("reading the proposed time")?
            .unwrap_or_default();
        ensure!(!at.is_empty(), "the schedule form proposes no time");
        self.click("button[data-action=schedule]").await?;
        self.wait_for("#post[data-post-status=scheduled]")
            .await
            .context("the post is not scheduled after scheduling it")?;
        let post = self
            .wait_for("#post")
            .await?
            .attr("data-post")
            .await?
            .unwrap_or_default();
        let day = at.split('T').next().unwrap_or_default();
        self.open(&format!("/w/{WORKSPACE}/calendar?view=week&date={day}"))
            .await?;
        self.wait_for(&format!(
            ".calendar-entry[data-post=\"{}\"]",
            css_string(&post)
        ))
        .await
        .context("the scheduled post is not in its week of the calendar")?;
        Ok(())
    }

    /// The month view shows the demo's planned and scheduled posts.
    async fn calendar(&self) -> anyhow::Result<()> {
        if !self.partial {
            self.click("a[data-nav=calendar]").await?;
            self.click("a[data-view=month]").await?;
        }
        self.wait_for("#calendar[data-view=month]").await?;
        Ok(())
    }

    /// The leadership section opens on the strategy with its alignment check.
    async fn strategy(&self) -> anyhow::Result<()> {
        if !self.partial {
            self.click("a[data-nav=leadership]").await?;
        }
        self.wait_for("a[data-leadership=strategy][aria-current=page]")
            .await?;
        self.wait_for("#alignment").await?;
        Ok(())
    }

    /// The maturity view says how much of policy, protection and opportunity is in place.
    async fn maturity(&self) -> anyhow::Result<()> {
        if !self.partial {
            self.click("a[data-leadership=maturity]").await?;
        }
        self.wait_for(".maturity-summary[data-in-place]").await?;
        ensure!(
            self.count("section[data-stage]").await? == 3,
            "the maturity view does not show its three stages"
        );
        Ok(())
    }

    /// The openness index ranks the demo's brands, each with a number, and draws them per
    /// week.
    async fn index(&self) -> anyhow::Result<()> {
        if !self.partial {
            self.click("a[data-leadership=index]").await?;
        }
        self.wait_for("#openness-ranking").await?;
        let brands = self.count("#openness-ranking tr[data-brand]").await?;
        ensure!(brands >= 2, "the index ranks {brands} brands");
        for cell in self
            .client
            .find_all(Locator::Css("#openness-ranking td[data-index]"))
            .await
            .context("reading the ranking")?
        {
            let value = cell.text().await?;
            ensure!(
                value.trim().parse::<u32>().is_ok(),
                "a brand of the demo has no index: `{value}`"
            );
        }
        ensure!(
            self.count("#openness-chart-card svg").await? > 0,
            "the index draws no chart"
        );
        Ok(())
    }

    /// The own brand's response rate leads to the inquiries behind it.
    async fn inquiries(&self) -> anyhow::Result<()> {
        if self.partial {
            self.open(&format!("/w/{WORKSPACE}/index")).await?;
        }
        self.click("section[data-brand] tr[data-component=response_rate] a")
            .await?;
        self.wait_for("#openness-inquiries").await?;
        let rows = self.count("#openness-inquiries tbody tr").await?;
        ensure!(rows > 0, "the drill-down lists no inquiries");
        Ok(())
    }

    /// The accounts the index counts: every demo brand has its own.
    async fn accounts(&self) -> anyhow::Result<()> {
        if !self.partial {
            self.click("a[data-leadership=index]").await?;
            self.click("a[data-link=accounts]").await?;
        }
        self.wait_for("#brand-accounts").await?;
        let brands = self.count("#brand-accounts tbody[data-brand]").await?;
        let with_accounts = self
            .count("#brand-accounts tbody[data-brand] tr[data-account]")
            .await?;
        ensure!(
            brands >= 2 && with_accounts >= brands,
            "{brands} brands with {with_accounts} accounts"
        );
        ensure!(
            self.count("form#account-form").await? == 1,
            "the demo admin is offered no form to add an account"
        );
        Ok(())
    }

    /// Last week's leadership report, with its PDF to download.
    async fn report(&self) -> anyhow::Result<()> {
        if !self.partial {
            self.click("a[data-nav=leadership]").await?;
            self.click("a[data-leadership=report]").await?;
        }
        self.wait_for("#report-headline").await?;
        self.wait_for("a[data-test=report-pdf]").await?;
        Ok(())
    }

    /// The scenario's crisis raised alerts, each with its evidence and its delivery to the
    /// leadership group recorded (the demo sends nothing).
    async fn alerts(&self) -> anyhow::Result<()> {
        if !self.partial {
            self.click("a[data-leadership=alerts]").await?;
        }
        self.wait_for("#alerts").await?;
        let alerts = self.count("#alerts tr[data-alert]").await?;
        ensure!(alerts > 0, "the demo lists no alerts");
        ensure!(
            self.count("#alerts a[data-evidence]").await? > 0,
            "the alerts link to no evidence"
        );
        Ok(())
    }

    /// The demo admin reads bokmål; one click turns the whole interface English.
    async fn switch_language(&self) -> anyhow::Result<()> {
        ensure!(
            self.count(r#"html[lang="nb"]"#).await? == 1,
            "the page is not in bokmål before the switch"
        );
        self.click("button[data-action=switch-language]").await?;
        self.wait_for(r#"html[lang="en"]"#)
            .await
            .context("the page did not turn English")?;
        let logout = self.text("button[data-action=logout]").await?;
        ensure!(logout == "Log out", "the logout button reads `{logout}`");
        let mut nav_labels = 0;
        for (nav, english) in [
            ("overview", "Overview"),
            ("explorer", "Explorer"),
            ("inbox", "Inbox"),
            ("setup", "Setup"),
        ] {
            let selector = format!("a[data-nav={nav}]");
            if self.count(&selector).await? > 0 {
                let label = self.text(&selector).await?;
                ensure!(label == english, "the `{nav}` link reads `{label}`");
                nav_labels += 1;
            }
        }
        ensure!(
            nav_labels > 0 || self.partial,
            "the page has no section navigation"
        );
        Ok(())
    }

    async fn account(&self) -> anyhow::Result<()> {
        if !self.partial {
            self.click("a[data-nav=account]").await?;
        }
        self.wait_for("#password-form").await?;
        let page = self.text("main").await?;
        ensure!(
            page.contains(DEMO_LOGIN),
            "the account page does not name {DEMO_LOGIN}"
        );
        Ok(())
    }

    /// Logging out ends the session: the account page then asks for a login.
    async fn logout(&self) -> anyhow::Result<()> {
        self.click("button[data-action=logout]").await?;
        self.wait_for("form#login").await?;
        self.open("/account").await?;
        self.wait_for("form#login")
            .await
            .context("after logging out, /account does not ask for a login")?;
        Ok(())
    }

    async fn open(&self, path: &str) -> anyhow::Result<()> {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .with_context(|| format!("opening {path}"))
    }

    async fn path(&self) -> anyhow::Result<String> {
        Ok(self
            .client
            .current_url()
            .await
            .context("reading the address")?
            .path()
            .to_owned())
    }

    async fn wait_for(&self, selector: &str) -> anyhow::Result<Element> {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(selector))
            .await
            .with_context(|| format!("`{selector}` did not appear"))
    }

    async fn count(&self, selector: &str) -> anyhow::Result<usize> {
        Ok(self
            .client
            .find_all(Locator::Css(selector))
            .await
            .with_context(|| format!("looking for `{selector}`"))?
            .len())
    }

    async fn click(&self, selector: &str) -> anyhow::Result<()> {
        self.wait_for(selector)
            .await?
            .click()
            .await
            .with_context(|| format!("clicking `{selector}`"))
    }

    async fn type_into(&self, selector: &str, text: &str) -> anyhow::Result<()> {
        let field = self.wait_for(selector).await?;
        field
            .clear()
            .await
            .with_context(|| format!("clearing `{selector}`"))?;
        field
            .send_keys(text)
            .await
            .with_context(|| format!("typing into `{selector}`"))
    }

    async fn text(&self, selector: &str) -> anyhow::Result<String> {
        Ok(self
            .wait_for(selector)
            .await?
            .text()
            .await
            .with_context(|| format!("reading `{selector}`"))?
            .trim()
            .to_owned())
    }

    /// Fails on an error in the browser's console since the last look: a script error, a
    /// refused inline script or style (the CSP), a stylesheet or script that did not load.
    /// Not judged here: the status of the page itself (the step's to judge) and the
    /// `/favicon.ico` the browser asks for on its own (the app has no icon yet).
    async fn console_is_clean(&self) -> anyhow::Result<()> {
        let entries = self
            .client
            .issue_cmd(ReadConsole)
            .await
            .context("reading the browser console")?;
        let page = self.client.current_url().await?.to_string();
        let favicon = format!("{}/favicon.ico", self.base);
        let errors: Vec<&str> = entries
            .as_array()
            .into_iter()
            .flatten()
            .filter(|entry| entry["level"] == "SEVERE")
            .filter_map(|entry| entry["message"].as_str())
            .filter(|message| {
                let not_loaded =
                    |url: &str| message.starts_with(&format!("{url} - Failed to load"));
                !not_loaded(&page) && !not_loaded(&favicon)
            })
            .collect();
        ensure!(
            errors.is_empty(),
            "the browser console shows errors:\n{}",
            errors.join("\n")
        );
        Ok(())
    }

    /// Saves a PNG of the page as `<name>.png`; says where, or why there is none.
    async fn screenshot(&self, name: &str) -> String {
        let path = self.shots.join(format!("{name}.png"));
        match self.client.screenshot().await {
            Ok(png) => match std::fs::write(&path, png) {
                Ok(()) => path.display().to_string(),
                Err(e) => format!("none ({}: {e})", path.display()),
            },
            Err(e) => format!("none ({e})"),
        }
    }
}

/// `value` inside a double-quoted CSS string.
fn css_string(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}
