//! Every id a search matches within a window of item ids: the step export walks a
//! workspace's ids by. A window bounds both the memory (its ids at most) and the work (the
//! id range skips most of the index), so the millionth row costs what the first did; search
//! pages by offset instead, and its deep pages cost more and more.

use std::ops::Bound;

use omdomme_core::Query;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, RangeQuery};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader, Term};

use super::{SearchIndex, index_error};
use crate::{Filters, StoreResult};

impl SearchIndex {
    /// Ids of the items of `workspace` matching `query` and `filters` with
    /// `low <= id < high`, in no particular order.
    pub(crate) fn ids_between(
        &self,
        workspace: &str,
        query: Option<&Query>,
        filters: &Filters,
        low: i64,
        high: i64,
    ) -> StoreResult<Vec<i64>> {
        let search = self.translate(workspace, query, filters)?;
        let window = RangeQuery::new(
            Bound::Included(Term::from_field_i64(self.fields.id, low)),
            Bound::Excluded(Term::from_field_i64(self.fields.id, high)),
        );
        let windowed = BooleanQuery::new(vec![
            (Occur::Must, search),
            (
                Occur::Must,
                Box::new(ConstScoreQuery::new(Box::new(window), 0.0)),
            ),
        ]);
        self.reader
            .searcher()
            .search(&windowed, &Ids)
            .map_err(index_error("searching for export"))
    }
}

/// Collects the item id of every hit, nothing else: no scores, no ranking.
struct Ids;

struct SegmentIds {
    column: Column<i64>,
    ids: Vec<i64>,
}

impl Collector for Ids {
    type Fruit = Vec<i64>;
    type Child = SegmentIds;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentIds> {
        Ok(SegmentIds {
            column: reader.fast_fields().i64("id")?,
            ids: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<i64>>) -> tantivy::Result<Vec<i64>> {
        Ok(fruits.concat())
    }
}

impl SegmentCollector for SegmentIds {
    type Fruit = Vec<i64>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(id) = self.column.first(doc) {
            self.ids.push(id);
        }
    }

    fn harvest(self) -> Vec<i64> {
        self.ids
    }
}
