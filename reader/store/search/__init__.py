"""Full-text search over the cache, in four parts, each owning one question:

* `index`: what is indexed (the words of a story), the queue that keeps the index exact, and
  catching it up after a refresh that deferred it (`store.index`);
* `query`: what the reader typed, made a safe FTS5 query, and its terms found again in text
  for highlighting;
* `ranking`: the order of the matches, best first within a window of recent ones, ranked once
  per search and index version;
* `runner`: the search being typed, ranked and counted ahead in threads that a newer
  keystroke stops (`store.search`).

The views that show a search (`reader.store.views`) put these together.
"""
