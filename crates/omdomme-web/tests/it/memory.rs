//! A throwaway in-memory `Store` used only until `SqliteStore` lands; the tests run
//! against `SqliteStore` once it does.

use std::sync::Mutex;

use async_trait::async_trait;
use omdomme_core::{Item, ItemId, StoredItem, Workspace, WorkspaceId};
use omdomme_store::*;

#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    workspaces: Vec<Workspace>,
    items: Vec<(WorkspaceId, StoredItem)>,
    users: Vec<UserRecord>,
    sessions: Vec<SessionRecord>,
}

fn matches(f: &Filters, i: &Item) -> bool {
    let e = &i.enrichment;
    f.brand.as_ref().is_none_or(|b| e.brands.contains(b))
        && f.source.is_none_or(|s| i.source.kind == s)
        && f.sentiment.is_none_or(|s| e.sentiment.label == s)
        && f.topic.is_none_or(|t| e.topics.contains(t))
        && f.lang.is_none_or(|l| e.lang == l)
        && f.author.as_ref().is_none_or(|a| &i.author.handle == a)
        && f.from.is_none_or(|t| i.published_at >= t)
        && f.to.is_none_or(|t| i.published_at < t)
}

#[async_trait]
impl Store for MemoryStore {
    async fn put_workspace(&self, workspace: &Workspace) -> StoreResult<()> {
        let mut g = self.inner.lock().unwrap();
        g.workspaces.retain(|w| w.id != workspace.id);
        g.workspaces.push(workspace.clone());
        Ok(())
    }
    async fn workspace(&self, id: &WorkspaceId) -> StoreResult<Option<Workspace>> {
        Ok(self
            .inner
            .lock()
            .unwrap()
            .workspaces
            .iter()
            .find(|w| &w.id == id)
            .cloned())
    }
    async fn workspaces(&self) -> StoreResult<Vec<Workspace>> {
        Ok(self.inner.lock().unwrap().workspaces.clone())
    }
    async fn put_items(&self, workspace: &WorkspaceId, items: &[Item]) -> StoreResult<PutReport> {
        let mut g = self.inner.lock().unwrap();
        for item in items {
            let id = ItemId(g.items.len() as i64 + 1);
            g.items.push((
                workspace.clone(),
                StoredItem {
                    id,
                    item: item.clone(),
                },
            ));
        }
        Ok(PutReport {
            new: items.len() as u64,
            ..PutReport::default()
        })
    }
    async fn item(&self, id: ItemId) -> StoreResult<Option<StoredItem>> {
        Ok(self
            .inner
            .lock()
            .unwrap()
            .items
            .iter()
            .find(|(_, i)| i.id == id)
            .map(|(_, i)| i.clone()))
    }
    async fn items_after(
        &self,
        _: &WorkspaceId,
        _: Option<ItemId>,
        _: usize,
    ) -> StoreResult<ItemBatch> {
        unimplemented!()
    }
    async fn search(&self, r: &SearchRequest) -> StoreResult<SearchPage> {
        let g = self.inner.lock().unwrap();
        let mut hits: Vec<StoredItem> = g
            .items
            .iter()
            .filter(|(w, i)| w == &r.workspace && matches(&r.filters, &i.item))
            .filter(|(_, i)| match &r.query {
                Some(omdomme_core::Query::Word { word, .. }) => {
                    i.item.text.to_lowercase().contains(word.as_str())
                }
                _ => true,
            })
            .map(|(_, i)| i.clone())
            .collect();
        if r.order == SearchOrder::Oldest {
            hits.sort_by_key(|i| i.item.published_at);
        } else {
            hits.sort_by_key(|i| std::cmp::Reverse(i.item.published_at));
        }
        let total = hits.len() as u64;
        Ok(SearchPage {
            total,
            items: hits.into_iter().skip(r.offset).take(r.limit).collect(),
        })
    }
    async fn volume(&self, r: &VolumeRequest) -> StoreResult<Vec<VolumePoint>> {
        let g = self.inner.lock().unwrap();
        let n = g
            .items
            .iter()
            .filter(|(w, i)| w == &r.workspace && matches(&r.filters, &i.item))
            .count() as u64;
        Ok(vec![VolumePoint {
            start: r.filters.from.unwrap_or_default(),
            count: n,
            negative: 0,
            neutral: n,
            positive: 0,
            mean_score: 0.0,
        }])
    }
    async fn share_of_voice(&self, r: &ShareOfVoiceRequest) -> StoreResult<Vec<BrandShare>> {
        let g = self.inner.lock().unwrap();
        let ws = g.workspaces.iter().find(|w| w.id == r.workspace).unwrap();
        Ok(ws
            .brands
            .iter()
            .map(|b| {
                let count = g
                    .items
                    .iter()
                    .filter(|(_, i)| {
                        i.item.enrichment.brands.contains(&b.id) && matches(&r.filters, &i.item)
                    })
                    .count() as u64;
                BrandShare {
                    brand: b.id.clone(),
                    count,
                    share: 0.5,
                    negative: 0,
                    neutral: count,
                    positive: 0,
                    mean_score: 0.0,
                }
            })
            .collect())
    }
    async fn stats(&self) -> StoreResult<StoreStats> {
        Ok(StoreStats::default())
    }
    async fn flush(&self) -> StoreResult<()> {
        Ok(())
    }
    async fn reindex(&self, _: &(dyn Fn(u64, u64) + Send + Sync)) -> StoreResult<u64> {
        Ok(0)
    }
    async fn rebuild_rollups(&self) -> StoreResult<()> {
        Ok(())
    }
    async fn put_user(&self, user: &UserRecord) -> StoreResult<()> {
        let mut g = self.inner.lock().unwrap();
        g.users.retain(|u| u.email != user.email);
        g.users.push(user.clone());
        Ok(())
    }
    async fn user(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        Ok(self
            .inner
            .lock()
            .unwrap()
            .users
            .iter()
            .find(|u| u.email == email)
            .cloned())
    }
    async fn put_session(&self, session: &SessionRecord) -> StoreResult<()> {
        self.inner.lock().unwrap().sessions.push(session.clone());
        Ok(())
    }
    async fn session(&self, token_hash: &str) -> StoreResult<Option<SessionRecord>> {
        Ok(self
            .inner
            .lock()
            .unwrap()
            .sessions
            .iter()
            .find(|s| s.token_hash == token_hash)
            .cloned())
    }
    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        self.inner
            .lock()
            .unwrap()
            .sessions
            .retain(|s| s.token_hash != token_hash);
        Ok(())
    }
}
