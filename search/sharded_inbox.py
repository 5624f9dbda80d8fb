"""Articles posted to a sharded index: each goes to the inbox of one shard, always the same one.

A posted article's file below `posted/` is named after its key (`inbox.posted_article`), so it
hashes to one shard (`shard_of`), where a later post replaces it and a removal finds it. Each
shard's writer indexes its own `posted/` folder, as one index's writer does.
"""
from __future__ import annotations

from .errors import NewsSearchError
from .inbox import POSTED_NAME, Inbox, PostedArticle
from .shard_layout import ShardLayout, shard_of


class ShardedInbox:
    """The inboxes of the shards of `layout`, taking articles as one inbox does (see `Inbox`)."""

    def __init__(self, layout: ShardLayout) -> None:
        self.layout = layout
        self.inboxes = [Inbox(root) for root in layout.shard_roots()]

    def accept(self, articles: list[PostedArticle]) -> None:
        """Write each shard's part of the articles as a batch, all or none: every part is on disk before
        the writer sees any, so a full disk refuses the whole request. Only a rename that fails once
        all are written (an I/O error) can leave some parts taken; the error says to send the request
        again, which replaces those articles with themselves."""
        parts: dict[int, list[PostedArticle]] = {}
        for article in articles:
            parts.setdefault(shard_of(f"{POSTED_NAME}/{article.file}", self.layout.count), []).append(article)
        staged = []
        try:
            for number, part in sorted(parts.items()):
                staged.append(self.inboxes[number].staged(part))
        except BaseException:
            for batch in staged:
                batch.discard()
            raise
        for shown, batch in enumerate(staged):
            try:
                batch.commit()
            except NewsSearchError as error:
                for left in staged[shown + 1:]:
                    left.discard()
                raise NewsSearchError(f"{error}; {shown} of {len(staged)} shards took their articles: send the "
                                      "request again (posting an article again replaces it)") from None

    def withdraw(self, article: str, indexed_path: str | None) -> bool:
        """Queue the removal of the posted article `article` in the shard that has it (see `Inbox.withdraw`)."""
        return any(inbox.withdraw(article, indexed_path) for inbox in self.inboxes)


def inbox_of(root) -> Inbox | ShardedInbox:
    """The inbox of the index at `root`, sharded or not."""
    layout = ShardLayout.of(root)
    return ShardedInbox(layout) if layout else Inbox(root)
