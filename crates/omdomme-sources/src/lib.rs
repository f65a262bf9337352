//! Sources: turning each platform's payloads into items.
