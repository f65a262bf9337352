//! The full-text index: tantivy in `<data dir>/index`, derived from the store and rebuilt
//! from it whenever in doubt.
//!
//! Each item is one small document: its text analysed in the field of its language
//! (`text_no` with the Norwegian Snowball stemmer, `text_en` with the English one,
//! `text_other` unstemmed), keyword fields for the filters, and its id as a fast field. No
//! text is stored: results are loaded from SQLite by id, which keeps the index small and
//! search fast at ten million items.
//!
//! **Never ahead of the store.** Documents are added only after SQLite committed, in
//! `change_seq` order, and each index commit records (in its payload) the highest
//! `change_seq` it holds. On open the store re-adds everything after that watermark, so a
//! killed import leaves nothing missing. Commits happen on `flush` and at most about once a
//! second while writing: each commit makes a segment, and per-batch commits would bury
//! search in merges.

mod analysis;
mod export;
mod query;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use omdomme_core::text::{TokenKind, tokens};
use omdomme_core::{Item, ItemId, Lang, Query};
use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Searcher, TantivyDocument,
    TantivyError, Term,
};

use crate::{Filters, SearchOrder, StoreError, StoreResult};

pub(crate) use analysis::{ENGLISH, NORWEGIAN, PLAIN};
/// For the PostgreSQL backend, whose search analyses as this index does.
#[cfg(feature = "postgres")]
pub(crate) use {
    analysis::{MAX_TOKEN_BYTES, analyse, analyzer},
    query::fold_handle,
};

/// Bump when the schema or the analysis changes: an index of another format is rebuilt.
const FORMAT: u32 = 1;
/// How often, at most, writing commits the index by itself. Each commit seals a segment that
/// later costs a merge: at one second, merging took a fifth of bulk ingest's CPU. `flush`
/// (every import ends with one) makes everything searchable at once.
const COMMIT_INTERVAL: Duration = Duration::from_secs(5);

/// How much the index writer may use; the defaults suit a two-core machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexOptions {
    /// Indexing threads (tantivy's), besides the caller's.
    pub threads: usize,
    /// Memory for not yet written segments, shared by the threads; more means fewer, larger
    /// segments and less merging.
    pub memory_bytes: usize,
}

impl Default for IndexOptions {
    fn default() -> Self {
        IndexOptions {
            threads: 1,
            memory_bytes: 512 << 20,
        }
    }
}

pub(crate) struct Fields {
    pub(crate) id: Field,
    pub(crate) workspace: Field,
    pub(crate) brands: Field,
    pub(crate) source: Field,
    pub(crate) sentiment: Field,
    pub(crate) topics: Field,
    pub(crate) lang: Field,
    pub(crate) author: Field,
    pub(crate) published: Field,
    pub(crate) hashtags: Field,
    pub(crate) mentions: Field,
    pub(crate) text_no: Field,
    pub(crate) text_en: Field,
    pub(crate) text_other: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let numeric = || NumericOptions::default().set_indexed().set_fast();
    let text = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let fields = Fields {
        id: b.add_i64_field("id", numeric()),
        workspace: b.add_text_field("workspace", STRING),
        brands: b.add_text_field("brands", STRING),
        source: b.add_text_field("source", STRING),
        sentiment: b.add_text_field("sentiment", STRING),
        topics: b.add_text_field("topics", STRING),
        lang: b.add_text_field("lang", STRING),
        author: b.add_text_field("author", STRING),
        published: b.add_i64_field("published", numeric()),
        hashtags: b.add_text_field("hashtags", STRING),
        mentions: b.add_text_field("mentions", STRING),
        text_no: b.add_text_field("text_no", text(NORWEGIAN)),
        text_en: b.add_text_field("text_en", text(ENGLISH)),
        text_other: b.add_text_field("text_other", text(PLAIN)),
    };
    (b.build(), fields)
}

#[derive(Serialize, Deserialize)]
struct Payload {
    format: u32,
    change_seq: i64,
}

struct WriterState {
    writer: IndexWriter<TantivyDocument>,
    /// Highest `change_seq` handed to the writer.
    added_seq: i64,
    /// Highest `change_seq` in the last commit.
    committed_seq: i64,
    last_commit: Instant,
    /// Something was added or deleted since the last commit.
    dirty: bool,
}

pub(crate) struct SearchIndex {
    fields: Fields,
    reader: IndexReader,
    writer: Mutex<WriterState>,
}

fn index_error(what: &str) -> impl Fn(TantivyError) -> StoreError + '_ {
    move |e| StoreError::Index(format!("{what}: {e}"))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves tantivy's writer usable; the watermark only
    // ever lags, which the catch-up on open repairs.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One document to add: the item, and whether an older version may be in the index.
pub(crate) struct ToIndex<'a> {
    pub(crate) workspace: &'a str,
    pub(crate) id: ItemId,
    pub(crate) item: &'a Item,
    pub(crate) replace: bool,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it, or re-creating it when it is of another
    /// format or unreadable (it is derived data: the caller then catches it up from 0).
    pub(crate) fn open(dir: &Path, options: IndexOptions) -> StoreResult<SearchIndex> {
        let (schema, fields) = schema();
        let dir_error = |e: std::io::Error| StoreError::DataDir(format!("{}: {e}", dir.display()));
        std::fs::create_dir_all(dir).map_err(dir_error)?;
        let (index, committed_seq) = match open_existing(dir, &schema) {
            Ok(Some(found)) => found,
            Ok(None) => (create(dir, &schema)?, 0),
            Err(e) => {
                tracing::warn!(error = %e, "search index unreadable; rebuilding it from the store");
                (create(dir, &schema)?, 0)
            }
        };
        for name in [NORWEGIAN, ENGLISH, PLAIN] {
            index.tokenizers().register(name, analysis::analyzer(name));
        }
        let threads = options.threads.max(1);
        // tantivy wants at least 15 MB per thread.
        let memory = options.memory_bytes.max(threads * (16 << 20));
        let writer = index
            .writer_with_num_threads(threads, memory)
            .map_err(|e| match e {
                TantivyError::LockFailure(..) => StoreError::DataDir(format!(
                    "{} is in use by another Omdømme process",
                    dir.display()
                )),
                e => StoreError::Index(format!("opening the index writer: {e}")),
            })?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(index_error("opening the index reader"))?;
        Ok(SearchIndex {
            fields,
            reader,
            writer: Mutex::new(WriterState {
                writer,
                added_seq: committed_seq,
                committed_seq,
                last_commit: Instant::now(),
                dirty: false,
            }),
        })
    }

    /// The highest `change_seq` the last commit holds: everything after it must be re-added.
    pub(crate) fn committed_seq(&self) -> i64 {
        lock(&self.writer).committed_seq
    }

    /// Documents in the committed index.
    pub(crate) fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Adds (or replaces) documents for items the store committed up to `change_seq`,
    /// committing when the last commit is over a second old.
    pub(crate) fn write<'a>(
        &self,
        docs: impl IntoIterator<Item = ToIndex<'a>>,
        change_seq: i64,
    ) -> StoreResult<()> {
        let mut w = lock(&self.writer);
        for d in docs {
            if d.replace {
                w.writer
                    .delete_term(Term::from_field_i64(self.fields.id, d.id.0));
            }
            w.writer
                .add_document(self.document(d.workspace, d.id, d.item))
                .map_err(index_error("adding a document"))?;
            w.dirty = true;
        }
        w.added_seq = w.added_seq.max(change_seq);
        if w.dirty && w.last_commit.elapsed() >= COMMIT_INTERVAL {
            self.commit_locked(&mut w)?;
        }
        Ok(())
    }

    /// Makes everything added so far searchable and durable.
    pub(crate) fn commit(&self) -> StoreResult<()> {
        let mut w = lock(&self.writer);
        self.commit_locked(&mut w)
    }

    /// Empties the index (after committing what is pending, so nothing added earlier
    /// survives); takes effect for searches at the next commit. `change_seq` is the
    /// watermark the rebuilt index will have.
    pub(crate) fn clear(&self, change_seq: i64) -> StoreResult<()> {
        let mut w = lock(&self.writer);
        self.commit_locked(&mut w)?;
        w.writer
            .delete_all_documents()
            .map_err(index_error("clearing the index"))?;
        w.added_seq = change_seq;
        w.dirty = true;
        Ok(())
    }

    fn commit_locked(&self, w: &mut WriterState) -> StoreResult<()> {
        if !w.dirty {
            return Ok(());
        }
        let payload = serde_json::to_string(&Payload {
            format: FORMAT,
            change_seq: w.added_seq,
        })
        .map_err(|e| StoreError::Index(format!("writing the commit payload: {e}")))?;
        let mut prepared = w
            .writer
            .prepare_commit()
            .map_err(index_error("committing the index"))?;
        prepared.set_payload(&payload);
        prepared
            .commit()
            .map_err(index_error("committing the index"))?;
        w.committed_seq = w.added_seq;
        w.dirty = false;
        w.last_commit = Instant::now();
        self.reader
            .reload()
            .map_err(index_error("reloading the index reader"))
    }

    fn document(&self, workspace: &str, id: ItemId, item: &Item) -> TantivyDocument {
        let f = &self.fields;
        let e = &item.enrichment;
        let mut doc = TantivyDocument::new();
        doc.add_i64(f.id, id.0);
        doc.add_text(f.workspace, workspace);
        for brand in &e.brands {
            doc.add_text(f.brands, &brand.0);
        }
        doc.add_text(f.source, item.source.kind.as_str());
        doc.add_text(f.sentiment, e.sentiment.label.as_str());
        for topic in e.topics.iter() {
            doc.add_text(f.topics, topic.as_str());
        }
        doc.add_text(f.lang, e.lang.as_str());
        add_handle(&mut doc, f.author, &query::fold_handle(&item.author.handle));
        doc.add_i64(f.published, item.published_at.as_microsecond());
        let text_field = match e.lang {
            Lang::Nb | Lang::Nn => f.text_no,
            Lang::En => f.text_en,
            Lang::Sv | Lang::Da | Lang::Other => f.text_other,
        };
        let title = item.title.as_deref().unwrap_or_default();
        for part in [title, item.text.as_str()] {
            if part.is_empty() {
                continue;
            }
            // Separate values: a phrase does not run from the title into the text.
            doc.add_text(text_field, part);
            for token in tokens(part) {
                match token.kind {
                    TokenKind::Hashtag => {
                        doc.add_text(f.hashtags, omdomme_core::text::fold(token.text));
                    }
                    TokenKind::Mention => {
                        add_handle(&mut doc, f.mentions, &omdomme_core::text::fold(token.text));
                    }
                    _ => {}
                }
            }
        }
        doc
    }

    /// The tantivy query of a search: `query` (or everything) within the workspace and the
    /// filters.
    fn translate(
        &self,
        workspace: &str,
        query: Option<&Query>,
        filters: &Filters,
    ) -> StoreResult<Box<dyn tantivy::query::Query>> {
        let f = &self.fields;
        let mut translator = query::Translator {
            fields: f,
            text: vec![
                (f.text_no, analysis::analyzer(NORWEGIAN), true),
                (f.text_en, analysis::analyzer(ENGLISH), true),
                (f.text_other, analysis::analyzer(PLAIN), false),
            ],
        };
        translator.search(workspace, query, filters)
    }

    /// Searches; returns the exact number of hits and the ids of the requested page.
    pub(crate) fn search(
        &self,
        workspace: &str,
        query: Option<&Query>,
        filters: &Filters,
        order: SearchOrder,
        offset: usize,
        limit: usize,
    ) -> StoreResult<(u64, Vec<ItemId>)> {
        let q = self.translate(workspace, query, filters)?;
        let searcher = self.reader.searcher();
        let top = TopDocs::with_limit(limit.max(1)).and_offset(offset);
        let failed = index_error("searching");
        let order = match (order, query) {
            (SearchOrder::Relevance, None) => SearchOrder::Newest,
            (order, _) => order,
        };
        let (total, addresses): (usize, Vec<DocAddress>) = match order {
            SearchOrder::Relevance => {
                let (n, docs) = searcher
                    .search(&q, &(Count, top.order_by_score()))
                    .map_err(failed)?;
                (n, docs.into_iter().map(|(_, a)| a).collect())
            }
            SearchOrder::Newest | SearchOrder::Oldest => {
                let direction = if order == SearchOrder::Newest {
                    Order::Desc
                } else {
                    Order::Asc
                };
                let (n, docs) = searcher
                    .search(
                        &q,
                        &(
                            Count,
                            top.order_by_fast_field::<i64>("published", direction),
                        ),
                    )
                    .map_err(failed)?;
                (n, docs.into_iter().map(|(_, a)| a).collect())
            }
        };
        let ids = ids_of(&searcher, &addresses)?;
        Ok((total as u64, ids))
    }
}

/// The forms under which a (folded) handle is found: the handle, and for
/// `ola@mastodon.social` also `ola`, as the matcher takes the short form of a Mastodon
/// account to name it. None for an empty handle.
pub(crate) fn handle_forms(handle: &str) -> impl Iterator<Item = &str> {
    let short = handle
        .split_once('@')
        .map(|(short, _)| short)
        .filter(|short| !short.is_empty());
    (!handle.is_empty())
        .then_some(handle)
        .into_iter()
        .chain(short)
}

fn add_handle(doc: &mut TantivyDocument, field: Field, handle: &str) {
    for form in handle_forms(handle) {
        doc.add_text(field, form);
    }
}

fn ids_of(searcher: &Searcher, addresses: &[DocAddress]) -> StoreResult<Vec<ItemId>> {
    let mut ids = Vec::with_capacity(addresses.len());
    for a in addresses {
        let column = searcher
            .segment_reader(a.segment_ord)
            .fast_fields()
            .i64("id")
            .map_err(index_error("reading item ids"))?;
        if let Some(id) = column.first(a.doc_id) {
            ids.push(ItemId(id));
        }
    }
    Ok(ids)
}

fn create(dir: &Path, schema: &Schema) -> StoreResult<Index> {
    let dir_error = |e: std::io::Error| StoreError::DataDir(format!("{}: {e}", dir.display()));
    // Leftovers of another format or a broken index go; the store has everything.
    std::fs::remove_dir_all(dir).map_err(dir_error)?;
    std::fs::create_dir_all(dir).map_err(dir_error)?;
    Index::create_in_dir(dir, schema.clone()).map_err(index_error("creating the index"))
}

/// The index in `dir` and its watermark, if there is one of this format.
fn open_existing(dir: &Path, schema: &Schema) -> Result<Option<(Index, i64)>, String> {
    let directory = MmapDirectory::open(dir).map_err(|e| e.to_string())?;
    if !Index::exists(&directory).map_err(|e| e.to_string())? {
        return Ok(None);
    }
    let index = Index::open(directory).map_err(|e| e.to_string())?;
    if index.schema() != *schema {
        tracing::info!("search index has another schema; rebuilding it");
        return Ok(None);
    }
    let metas = index.load_metas().map_err(|e| e.to_string())?;
    let seq = match metas.payload.as_deref() {
        None => 0,
        Some(p) => match serde_json::from_str::<Payload>(p) {
            Ok(p) if p.format == FORMAT => p.change_seq,
            _ => {
                tracing::info!("search index has another format; rebuilding it");
                return Ok(None);
            }
        },
    };
    Ok(Some((index, seq)))
}
