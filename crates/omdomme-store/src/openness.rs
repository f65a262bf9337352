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

use jiff::Timestamp;
use omdomme_core::openness::{OpennessCounts, OpennessIndex, compute};
use omdomme_core::{BrandId, SourceKind, WorkspaceId};
use serde::{Deserialize, Serialize};

use crate::{Store, StoreResult};

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
