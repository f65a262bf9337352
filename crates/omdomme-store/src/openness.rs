//! What the Engagement & Openness index reads: each brand's accounts per platform, and the
//! per-day counts kept on write (public inquiries about the brand, which of them an account
//! of the brand answered and how fast, CSR inquiries, the accounts' replies and broadcast
//! posts and the engagement of the latter).
//!
//! An inquiry is an item with `Enrichment::inquiry` naming the brand (not written by one of
//! its accounts); it is answered when an item by one of the brand's accounts on the same
//! platform has it as parent (`parent_id` = the inquiry's external id). Counts sit on the
//! inquiry's UTC day, the answer's time with it, whichever of the two arrives first.
//! [`read_index`] turns a period's counts into the index with `omdomme_core::openness`.

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use omdomme_core::openness::{OpennessCounts, OpennessIndex, compute, response_bucket};
use omdomme_core::{BrandId, SourceKind, Topic, TopicSet, Workspace, WorkspaceId};
use serde::{Deserialize, Serialize};

use crate::{Store, StoreError, StoreResult};

/// One account of a brand: the platform and the handle (without `@`, compared without case).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BrandAccount {
    pub brand: BrandId,
    pub kind: SourceKind,
    pub handle: String,
}

/// The period whose counts [`Store::openness`] sums, per brand and per week.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpennessRequest {
    pub workspace: WorkspaceId,
    /// Rounded to the nearest UTC midnight (an Oslo day starts an hour or two before it).
    pub from: Timestamp,
    pub to: Timestamp,
}

/// A brand's counts over the period and per week (weeks start on Monday, UTC).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BrandOpenness {
    pub brand: BrandId,
    pub total: OpennessCounts,
    /// Weeks with any count, oldest first: the Monday and the week's counts.
    pub weeks: Vec<(Timestamp, OpennessCounts)>,
}

/// Which items behind a component [`Store::inquiries`] lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InquiryFilter {
    All,
    Answered,
    Unanswered,
    Csr,
    CsrUnanswered,
}

impl InquiryFilter {
    pub const ALL: [InquiryFilter; 5] = [
        InquiryFilter::All,
        InquiryFilter::Answered,
        InquiryFilter::Unanswered,
        InquiryFilter::Csr,
        InquiryFilter::CsrUnanswered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InquiryFilter::All => "all",
            InquiryFilter::Answered => "answered",
            InquiryFilter::Unanswered => "unanswered",
            InquiryFilter::Csr => "csr",
            InquiryFilter::CsrUnanswered => "csr_unanswered",
        }
    }

    pub fn parse(s: &str) -> Option<InquiryFilter> {
        InquiryFilter::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// The inquiries about a brand in a period, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InquiryListRequest {
    pub workspace: WorkspaceId,
    pub brand: BrandId,
    pub filter: InquiryFilter,
    pub from: Timestamp,
    pub to: Timestamp,
    /// 1 to [`MAX_INQUIRY_PAGE`].
    pub limit: usize,
}

pub const MAX_INQUIRY_PAGE: usize = 200;

/// An inquiry with when a brand account first answered it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InquiryRow {
    pub item: crate::StoredItem,
    pub answered_at: Option<Timestamp>,
}

/// The index of one brand: over the period, and per week.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BrandIndex {
    pub brand: BrandId,
    pub counts: OpennessCounts,
    pub index: OpennessIndex,
    pub weeks: Vec<(Timestamp, OpennessIndex)>,
}

/// The index of every brand of the workspace over `[from, to)`, in the workspace's brand
/// order: what the index page and the leadership report show.
pub async fn read_index(
    store: &dyn Store,
    workspace: &WorkspaceId,
    from: Timestamp,
    to: Timestamp,
) -> StoreResult<Vec<BrandIndex>> {
    let brands = store
        .openness(&OpennessRequest {
            workspace: workspace.clone(),
            from,
            to,
        })
        .await?;
    Ok(brands
        .into_iter()
        .map(|b| BrandIndex {
            index: compute(&b.total),
            weeks: b
                .weeks
                .iter()
                .map(|(start, counts)| (*start, compute(counts)))
                .collect(),
            brand: b.brand,
            counts: b.total,
        })
        .collect())
}

// == Counting, shared by the backends: the rules; the backends only read and write rows ==

/// Whole days since 1970-01-01 UTC of a time in unix microseconds.
pub(crate) fn day_of(micros: i64) -> i64 {
    micros.div_euclid(crate::sqlite::rollups::DAY_MICROS)
}

/// On a CSR topic: any topic but product.
pub(crate) fn is_csr(topics: TopicSet) -> bool {
    topics.iter().any(|t| t != Topic::Product)
}

/// The topic bits that make an inquiry a CSR one ([`is_csr`] for a query on stored bits).
pub(crate) fn csr_bits() -> i64 {
    let csr: TopicSet = Topic::ALL
        .into_iter()
        .filter(|t| *t != Topic::Product)
        .collect();
    i64::from(csr.bits())
}

/// The condition on `openness_inquiries` that keeps the inquiries `filter` lists.
pub(crate) fn filter_condition(filter: InquiryFilter) -> &'static str {
    match filter {
        InquiryFilter::All => "",
        InquiryFilter::Answered => "AND answered_at IS NOT NULL",
        InquiryFilter::Unanswered => "AND answered_at IS NULL",
        InquiryFilter::Csr => "AND csr",
        InquiryFilter::CsrUnanswered => "AND csr AND answered_at IS NULL",
    }
}

/// A handle as stored: without `@`, trimmed, in lower case.
pub(crate) fn normalised_handle(handle: &str) -> String {
    handle.trim().trim_start_matches('@').to_lowercase()
}

/// Checks `accounts` for `brand` of `workspace` and gives each as stored: (source kind,
/// normalised handle). Whether another brand holds a handle is the caller's to check
/// (see [`account_taken`]).
pub(crate) fn checked_accounts(
    workspace: &Workspace,
    brand: &BrandId,
    accounts: &[BrandAccount],
) -> StoreResult<Vec<(&'static str, String)>> {
    if !workspace.brands.iter().any(|b| &b.id == brand) {
        return Err(StoreError::Invalid(format!(
            "workspace `{}` has no brand `{brand}`",
            workspace.id
        )));
    }
    accounts
        .iter()
        .map(|account| {
            if &account.brand != brand {
                return Err(StoreError::Invalid(format!(
                    "account @{} is given for brand `{}`, not `{brand}`",
                    account.handle, account.brand
                )));
            }
            let handle = normalised_handle(&account.handle);
            if handle.is_empty() || handle.len() > 200 || handle.chars().any(char::is_whitespace) {
                return Err(StoreError::Invalid(format!(
                    "`{}` is not an account handle: one word without spaces, at most 200 bytes",
                    account.handle
                )));
            }
            Ok((account.kind.as_str(), handle))
        })
        .collect()
}

/// The refusal of a handle that belongs to brand `other` already.
pub(crate) fn account_taken(kind: &str, handle: &str, other: &str) -> StoreError {
    StoreError::Invalid(format!(
        "@{handle} on {kind} is already an account of brand `{other}`"
    ))
}

/// How many columns of `openness_daily` [`DaySums::values`] gives, after the key.
pub(crate) const DAY_COLUMNS: usize = 10;

/// The counts of `openness_daily` after its key, in [`DaySums::values`]' order.
pub(crate) const DAY_COLUMN_NAMES: &str = "inquiries, answered, csr_inquiries, csr_answered, \
     own_replies, own_posts, own_post_engagement, posts_with_followers, \
     engagement_with_followers, followers";

/// What one day of one brand changes by.
#[derive(Clone, Copy, Default)]
pub(crate) struct DaySums {
    inquiries: i64,
    answered: i64,
    csr_inquiries: i64,
    csr_answered: i64,
    own_replies: i64,
    own_posts: i64,
    own_post_engagement: i64,
    posts_with_followers: i64,
    engagement_with_followers: i64,
    followers: i64,
}

impl DaySums {
    /// The columns named by [`DAY_COLUMN_NAMES`], in order.
    pub(crate) fn values(&self) -> [i64; DAY_COLUMNS] {
        [
            self.inquiries,
            self.answered,
            self.csr_inquiries,
            self.csr_answered,
            self.own_replies,
            self.own_posts,
            self.own_post_engagement,
            self.posts_with_followers,
            self.engagement_with_followers,
            self.followers,
        ]
    }
}

/// (workspace, kind, external id, brand): an inquiry row's key.
pub(crate) type InquiryKey = (i64, String, String, String);

/// A brand's own item, as far as the counts care.
pub(crate) struct OwnItem {
    pub(crate) day: i64,
    pub(crate) reply_to: Option<String>,
    pub(crate) engagement: i64,
    pub(crate) followers: Option<i64>,
}

/// What a batch (or a rebuild) changes the daily rows by, and the inquiries whose answer
/// is to be recomputed ([`CountChanges::refresh`]). Rows are kept in key order, so a
/// backend writing them in turn takes its row locks in one order.
#[derive(Default)]
pub(crate) struct CountChanges {
    pub(crate) refresh: BTreeSet<InquiryKey>,
    days: BTreeMap<(i64, String, i64), DaySums>,
    /// (workspace, brand, day, bucket): answered inquiries.
    buckets: BTreeMap<(i64, String, i64, i64), i64>,
}

impl CountChanges {
    fn day(&mut self, ws: i64, brand: &str, day: i64) -> &mut DaySums {
        self.days.entry((ws, brand.to_owned(), day)).or_default()
    }

    /// An inquiry row of `brand` on `day` counted (`sign` 1) or taken back (-1).
    pub(crate) fn inquiry(&mut self, ws: i64, brand: &str, day: i64, csr: bool, sign: i64) {
        let sums = self.day(ws, brand, day);
        sums.inquiries += sign;
        sums.csr_inquiries += sign * i64::from(csr);
    }

    /// An item by one of `brand`'s accounts counted or taken back; a reply asks for its
    /// inquiry's answer to be recomputed.
    pub(crate) fn own(&mut self, ws: i64, brand: &str, kind: &str, own: &OwnItem, sign: i64) {
        let sums = self.day(ws, brand, own.day);
        match &own.reply_to {
            Some(_) => sums.own_replies += sign,
            None => {
                sums.own_posts += sign;
                sums.own_post_engagement += sign * own.engagement;
                if let Some(f) = own.followers {
                    sums.posts_with_followers += sign;
                    sums.engagement_with_followers += sign * own.engagement;
                    sums.followers += sign * f;
                }
            }
        }
        if let Some(parent) = &own.reply_to {
            self.refresh
                .insert((ws, kind.to_owned(), parent.clone(), brand.to_owned()));
        }
    }

    /// An answer after `micros` to an inquiry of `day` counted or taken back.
    fn answer(&mut self, ws: i64, brand: &str, day: i64, csr: bool, micros: i64, sign: i64) {
        let sums = self.day(ws, brand, day);
        sums.answered += sign;
        sums.csr_answered += sign * i64::from(csr);
        let bucket = response_bucket(micros.div_euclid(1_000_000)) as i64;
        *self
            .buckets
            .entry((ws, brand.to_owned(), day, bucket))
            .or_default() += sign;
    }

    /// The answer of the inquiry of `(ws, brand, day)` published at `published` moved from
    /// `old` to `new` (unix microseconds; `None` while unanswered): the answer counts move
    /// by the difference.
    pub(crate) fn answer_moved(
        &mut self,
        (ws, brand, day): (i64, &str, i64),
        csr: bool,
        published: i64,
        old: Option<i64>,
        new: Option<i64>,
    ) {
        if old == new {
            return;
        }
        if let Some(at) = old {
            self.answer(ws, brand, day, csr, at - published, -1);
        }
        if let Some(at) = new {
            self.answer(ws, brand, day, csr, at - published, 1);
        }
    }

    /// The daily rows that change, in key order, with their changes; `true` when a count
    /// went down (so the row may now be empty and is to be removed).
    pub(crate) fn day_rows(
        &self,
    ) -> impl Iterator<Item = (&(i64, String, i64), [i64; DAY_COLUMNS], bool)> {
        self.days.iter().filter_map(|(key, sums)| {
            let values = sums.values();
            (!values.iter().all(|v| *v == 0)).then(|| (key, values, values.iter().any(|v| *v < 0)))
        })
    }

    /// The response-time rows that change, in key order, with their change.
    pub(crate) fn bucket_rows(&self) -> impl Iterator<Item = (&(i64, String, i64, i64), i64)> {
        self.buckets
            .iter()
            .filter(|(_, n)| **n != 0)
            .map(|(key, n)| (key, *n))
    }
}

/// A brand's stored daily rows gathered into weeks for [`Store::openness`].
#[derive(Default)]
pub(crate) struct Weeks(BTreeMap<i64, OpennessCounts>);

impl Weeks {
    /// A row of `openness_daily`: its day and the columns of [`DAY_COLUMN_NAMES`].
    pub(crate) fn add_day(&mut self, day: i64, values: [i64; DAY_COLUMNS]) {
        let [
            inquiries,
            answered,
            csr_inquiries,
            csr_answered,
            own_replies,
            own_posts,
            own_post_engagement,
            posts_with_followers,
            engagement_with_followers,
            followers,
        ] = values.map(count);
        let counts = OpennessCounts {
            inquiries,
            answered,
            csr_inquiries,
            csr_answered,
            own_replies,
            own_posts,
            own_post_engagement,
            posts_with_followers,
            engagement_with_followers,
            followers,
            ..OpennessCounts::default()
        };
        self.week(day).add(&counts);
    }

    /// A row of `openness_response_daily`.
    pub(crate) fn add_bucket(&mut self, day: i64, bucket: i64, answered: i64) {
        self.week(day).response_times.add(
            usize::try_from(bucket).unwrap_or(usize::MAX),
            count(answered),
        );
    }

    fn week(&mut self, day: i64) -> &mut OpennessCounts {
        // 1970-01-01 was a Thursday: day 4 is the first Monday.
        self.0.entry(day - (day - 4).rem_euclid(7)).or_default()
    }

    pub(crate) fn into_brand(self, brand: BrandId) -> StoreResult<BrandOpenness> {
        let mut total = OpennessCounts::default();
        let mut weeks = Vec::with_capacity(self.0.len());
        for (week, counts) in self.0 {
            total.add(&counts);
            let monday = Timestamp::from_second(week * 86_400)
                .map_err(|e| StoreError::Database(format!("day {week} out of range: {e}")))?;
            weeks.push((monday, counts));
        }
        Ok(BrandOpenness {
            brand,
            total,
            weeks,
        })
    }
}

fn count(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}
