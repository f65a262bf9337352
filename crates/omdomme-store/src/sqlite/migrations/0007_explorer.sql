-- Schema 7: the conversation around an item, for the explorer's item page: the items of a
-- thread, and the replies to an item, each in time order. Partial, so that only items
-- that are part of a conversation pay for them on insert.

CREATE INDEX items_by_thread ON items (workspace_id, thread_id, published_at)
    WHERE thread_id IS NOT NULL;
CREATE INDEX items_by_parent ON items (workspace_id, parent_id, published_at)
    WHERE parent_id IS NOT NULL;
