//! Background work that must run once across every web node on one store (issue 8): the
//! publisher, the alert watch, the report mail, inbox escalation and engagement reading.
//! Each runs its rounds only while its node holds the work's lease in the store
//! ([`Store::try_lease`]); a node that stops renewing (it died, or lost the store) loses the
//! lease when it expires and another node takes over at its next tick.
//!
//! The lease is renewed while a round runs, so a slow round keeps it; the rounds' own store
//! claims (an outbox entry per post version, a report sending per period, the alert cursor)
//! stay the second line of defence should two rounds ever overlap.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use omdomme_alerts::watch::{WatchContext, Watcher};
use omdomme_outbound::{ChannelDirectory, PublishSettings, Publisher};
use omdomme_store::{Lease, Store};
use tokio::sync::watch;

use crate::{AppState, Clock, pages, report_mail};

/// Shortest lease: long enough that a store slow for a few seconds does not hand the work
/// to another node, short enough that one dies without a long gap.
pub const MIN_LEASE: Duration = Duration::from_secs(15);

/// One round of a singleton's work.
pub trait Round: Send {
    /// Runs the round at `now`. `taken_over` is true on the first round after this node
    /// (re)took the lease: state kept from before may be stale, another node having run
    /// rounds meanwhile.
    fn run(&mut self, now: Timestamp, taken_over: bool) -> impl Future<Output = ()> + Send;
}

/// Whether a node may run a round now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Turn {
    /// Another node holds the lease, or the store could not say.
    Wait,
    /// This node holds the lease; `taken_over` when it has just taken it.
    Run { taken_over: bool },
}

/// A node's hold on one singleton's lease.
pub struct Singleton {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    name: String,
    holder: String,
    ttl: SignedDuration,
    held: Option<Lease>,
}

impl Singleton {
    /// The lease `name` for `holder` (unique to the process), lasting three `interval`s
    /// and at least [`MIN_LEASE`], so it survives until the next tick renews it.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        name: &str,
        holder: &str,
        interval: Duration,
    ) -> Singleton {
        let ttl = (interval.saturating_mul(3)).max(MIN_LEASE);
        Singleton {
            store,
            clock,
            name: name.to_owned(),
            holder: holder.to_owned(),
            ttl: SignedDuration::try_from(ttl).unwrap_or(SignedDuration::from_hours(1)),
            held: None,
        }
    }

    /// The lease as last taken or renewed, while this node believes it holds it.
    pub fn lease(&self) -> Option<&Lease> {
        self.held.as_ref()
    }

    /// Takes the lease, or renews it once a third of it has run out: whether this node
    /// may run a round now.
    pub async fn turn(&mut self) -> Turn {
        let now = self.clock.now();
        if let Some(lease) = &self.held {
            if now < lease.expires_at - self.ttl * 2 / 3 {
                return Turn::Run { taken_over: false };
            }
            match self.store.renew_lease(lease, self.ttl, now).await {
                Ok(Some(renewed)) => {
                    self.held = Some(renewed);
                    return Turn::Run { taken_over: false };
                }
                Ok(None) => {
                    tracing::warn!(lease = %self.name, "lost the lease; another node may run this work now");
                    self.held = None;
                }
                // Kept: if the store comes back before the lease expires, the renewal
                // goes through and no other node ran meanwhile.
                Err(error) => {
                    tracing::warn!(lease = %self.name, %error, "cannot renew the lease; pausing this work");
                    return Turn::Wait;
                }
            }
        }
        match self
            .store
            .try_lease(&self.name, &self.holder, self.ttl, now)
            .await
        {
            Ok(Some(lease)) => {
                tracing::info!(lease = %self.name, token = lease.token, "took the lease; this node runs this work");
                self.held = Some(lease);
                Turn::Run { taken_over: true }
            }
            Ok(None) => Turn::Wait,
            Err(error) => {
                tracing::warn!(lease = %self.name, %error, "cannot take the lease; trying again");
                Turn::Wait
            }
        }
    }

    /// Lets another node take the work at once.
    pub async fn release(&mut self) {
        if let Some(lease) = self.held.take()
            && let Err(error) = self.store.release_lease(&lease, self.clock.now()).await
        {
            tracing::warn!(lease = %self.name, %error, "cannot release the lease; it frees itself when it expires");
        }
    }

    /// Renews the lease while `round` runs, so a round longer than the lease keeps it.
    async fn run_round(&mut self, round: impl Future<Output = ()>) {
        let every = self.ttl.unsigned_abs() / 3;
        let mut round = std::pin::pin!(round);
        loop {
            tokio::select! {
                () = &mut round => return,
                () = tokio::time::sleep(every) => {
                    // A lost lease cannot stop the round safely midway; the rounds' own
                    // claims in the store keep a second node from repeating its steps.
                    if self.turn().await == Turn::Wait {
                        tracing::warn!(lease = %self.name, "the lease ran out during a round");
                    }
                }
            }
        }
    }
}

/// Every `interval`, a round of `round` while this node holds the lease, until `stop`
/// turns true (or its sender is gone); then releases the lease.
pub async fn run(
    mut singleton: Singleton,
    interval: Duration,
    mut round: impl Round,
    mut stop: watch::Receiver<bool>,
) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !*stop.borrow() {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stop.changed() => break,
        }
        if let Turn::Run { taken_over } = singleton.turn().await {
            let now = singleton.clock.now();
            singleton.run_round(round.run(now, taken_over)).await;
        }
    }
    singleton.release().await;
}

/// A name for this process's leases: its role (`web`, `collect`), the process id and 64
/// random bits, so a restarted process (same id in a container) never passes for its
/// predecessor.
pub fn holder_name(role: &str) -> String {
    format!(
        "{role}-{}-{:016x}",
        std::process::id(),
        rand::random::<u64>()
    )
}

/// Starts every singleton loop of the server; they stop when `stop` turns true.
pub fn spawn_all(
    state: &AppState,
    stop: &watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let holder = holder_name("web");
    let singleton = |name: &str, interval: Duration| {
        Singleton::new(
            Arc::clone(&state.store),
            Arc::clone(&state.clock),
            name,
            &holder,
            interval,
        )
    };
    let publishing = Publishing {
        store: Arc::clone(&state.store),
        channels: Arc::clone(&state.channels),
        publisher: None,
    };
    let engagement = Engagement {
        store: Arc::clone(&state.store),
        channels: Arc::clone(&state.channels),
    };
    let alerting = Alerting {
        context: pages::alerts::watch_context(state),
        watcher: None,
    };
    let escalation_every = pages::inbox::ESCALATION_INTERVAL;
    let publish_every = omdomme_outbound::publisher::ROUND_INTERVAL;
    let engagement_every = omdomme_outbound::engagement::ROUND_INTERVAL;
    let alerts_every = omdomme_alerts::watch::POLL_INTERVAL;
    vec![
        tokio::spawn(run(
            singleton("web/inbox-escalation", escalation_every),
            escalation_every,
            Escalation(state.clone()),
            stop.clone(),
        )),
        tokio::spawn(run(
            singleton("web/publisher", publish_every),
            publish_every,
            publishing,
            stop.clone(),
        )),
        tokio::spawn(run(
            singleton("web/engagement", engagement_every),
            engagement_every,
            engagement,
            stop.clone(),
        )),
        tokio::spawn(run(
            singleton("web/report-mail", report_mail::CHECK_INTERVAL),
            report_mail::CHECK_INTERVAL,
            ReportMail(state.clone()),
            stop.clone(),
        )),
        tokio::spawn(run(
            singleton("web/alerts", alerts_every),
            alerts_every,
            alerting,
            stop.clone(),
        )),
    ]
}

struct Escalation(AppState);

impl Round for Escalation {
    async fn run(&mut self, now: Timestamp, _taken_over: bool) {
        if let Err(error) = pages::inbox::escalate_due(&self.0, now).await {
            tracing::warn!(%error, "escalating inbox entries failed; trying again later");
        }
    }
}

struct ReportMail(AppState);

impl Round for ReportMail {
    async fn run(&mut self, now: Timestamp, _taken_over: bool) {
        if let Err(error) = report_mail::send_due(&self.0, now).await {
            tracing::warn!(%error, "sending the scheduled reports failed; trying again later");
        }
    }
}

struct Publishing {
    store: Arc<dyn Store>,
    channels: Arc<dyn ChannelDirectory>,
    publisher: Option<Publisher>,
}

impl Round for Publishing {
    async fn run(&mut self, now: Timestamp, taken_over: bool) {
        // Started afresh on taking over: attempts begun before then were the previous
        // holder's, cut off when it stopped.
        if taken_over || self.publisher.is_none() {
            self.publisher = Some(Publisher::new(
                Arc::clone(&self.store),
                Arc::clone(&self.channels),
                PublishSettings::default(),
                now,
            ));
        }
        let Some(publisher) = &self.publisher else {
            return;
        };
        match publisher.publish_round(now).await {
            Ok(report) if report != omdomme_outbound::publisher::RoundReport::default() => {
                tracing::info!(?report, "published due posts");
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, "cannot read the due posts; trying again later");
            }
        }
    }
}

struct Engagement {
    store: Arc<dyn Store>,
    channels: Arc<dyn ChannelDirectory>,
}

impl Round for Engagement {
    async fn run(&mut self, now: Timestamp, _taken_over: bool) {
        let round = omdomme_outbound::engagement::collect_round(
            self.store.as_ref(),
            self.channels.as_ref(),
            now,
        )
        .await;
        match round {
            Ok(report) if report != omdomme_outbound::engagement::CollectReport::default() => {
                tracing::info!(?report, "read the engagement of published posts");
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, "reading posts' engagement failed; trying again later");
            }
        }
    }
}

struct Alerting {
    context: WatchContext,
    watcher: Option<Watcher>,
}

impl Round for Alerting {
    async fn run(&mut self, _now: Timestamp, taken_over: bool) {
        // A fresh watcher reads the cursors and pending deliveries back from the store,
        // where the previous holder left them.
        if taken_over || self.watcher.is_none() {
            self.watcher = Some(Watcher::new(self.context.clone()));
        }
        let Some(watcher) = &mut self.watcher else {
            return;
        };
        if let Err(error) = watcher.round().await {
            tracing::warn!(%error, "alert round failed; trying again");
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};

    use omdomme_store::SqliteStore;
    use tokio::sync::mpsc;

    use super::*;

    struct FakeClock(Mutex<Timestamp>);

    impl FakeClock {
        fn advance(&self, by: SignedDuration) {
            let mut now = self.0.lock().unwrap();
            *now += by;
        }
    }

    impl Clock for FakeClock {
        fn now(&self) -> Timestamp {
            *self.0.lock().unwrap()
        }
    }

    fn setup() -> (tempfile::TempDir, Arc<dyn Store>, Arc<FakeClock>) {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).unwrap());
        let clock = Arc::new(FakeClock(Mutex::new(
            "2026-11-27T12:00:00Z".parse().unwrap(),
        )));
        (dir, store, clock)
    }

    const INTERVAL: Duration = Duration::from_secs(5);

    #[tokio::test]
    async fn one_node_runs_each_round_and_another_takes_over_when_it_stops_renewing() {
        let (_dir, store, clock) = setup();
        let node = |holder: &str| {
            Singleton::new(
                Arc::clone(&store),
                clock.clone(),
                "web/publisher",
                holder,
                INTERVAL,
            )
        };
        let (mut a, mut b) = (node("node-a"), node("node-b"));
        let tick = SignedDuration::try_from(INTERVAL).unwrap();
        assert_eq!(a.turn().await, Turn::Run { taken_over: true });
        assert_eq!(b.turn().await, Turn::Wait);
        // Many ticks, well past the lease's length: a renews it and alone runs.
        for _ in 0..12 {
            clock.advance(tick);
            assert_eq!(a.turn().await, Turn::Run { taken_over: false });
            assert_eq!(b.turn().await, Turn::Wait);
        }
        let held = a.lease().unwrap().clone();

        // a stops renewing (it died): b waits until the lease expires, then takes over.
        while clock.now() < held.expires_at {
            assert_eq!(b.turn().await, Turn::Wait, "at {}", clock.now());
            clock.advance(tick);
        }
        assert_eq!(b.turn().await, Turn::Run { taken_over: true });
        let taken = b.lease().unwrap().clone();
        assert!(taken.token > held.token, "{taken:?} after {held:?}");
        // a comes back: its renewal is refused and it runs nothing.
        assert_eq!(a.turn().await, Turn::Wait);
        assert!(a.lease().is_none());

        // b releases on stopping: a takes over at once.
        b.release().await;
        assert_eq!(a.turn().await, Turn::Run { taken_over: true });
        assert_eq!(b.turn().await, Turn::Wait);
    }

    /// Records each round's node and whether it had just taken over, and fails a round
    /// that starts while another runs.
    struct Recording {
        node: &'static str,
        running: Arc<AtomicBool>,
        rounds: mpsc::UnboundedSender<(&'static str, bool)>,
    }

    impl Round for Recording {
        async fn run(&mut self, _now: Timestamp, taken_over: bool) {
            assert!(
                !self.running.swap(true, Ordering::SeqCst),
                "two rounds at once"
            );
            tokio::task::yield_now().await;
            self.running.store(false, Ordering::SeqCst);
            let _ = self.rounds.send((self.node, taken_over));
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_serve_loops_run_each_round_once_and_the_second_takes_over() {
        let (_dir, store, clock) = setup();
        let running = Arc::new(AtomicBool::new(false));
        let (rounds_tx, mut rounds) = mpsc::unbounded_channel();
        let (_stop_tx, stop) = watch::channel(false);
        let interval = Duration::from_millis(5);
        let spawn = |node: &'static str| {
            tokio::spawn(run(
                Singleton::new(
                    Arc::clone(&store),
                    clock.clone(),
                    "web/alerts",
                    node,
                    interval,
                ),
                interval,
                Recording {
                    node,
                    running: Arc::clone(&running),
                    rounds: rounds_tx.clone(),
                },
                stop.clone(),
            ))
        };
        // A guard against a hang only; every wait below is for an event.
        let next = async |rounds: &mut mpsc::UnboundedReceiver<(&'static str, bool)>| {
            tokio::time::timeout(Duration::from_secs(30), rounds.recv())
                .await
                .expect("a round within 30 s")
                .unwrap()
        };

        let a = spawn("node-a");
        assert_eq!(next(&mut rounds).await, ("node-a", true));
        let b = spawn("node-b");
        for _ in 0..20 {
            assert_eq!(next(&mut rounds).await, ("node-a", false));
        }

        // node-a dies without releasing; once its lease expires node-b runs the rounds.
        a.abort();
        let _ = a.await;
        while rounds.try_recv().is_ok() {}
        clock.advance(SignedDuration::try_from(MIN_LEASE).unwrap());
        assert_eq!(next(&mut rounds).await, ("node-b", true));
        for _ in 0..5 {
            assert_eq!(next(&mut rounds).await, ("node-b", false));
        }
        b.abort();
    }
}
