"""Pieces shared by the tests; a test file imports from here, never from another test file.

`stories`: entries, feed texts and a cache in tmp_path, with checks of what the cache holds.
`pilot`: the real app under Textual's Pilot, and waiting on its workers (never the clock).
`command`: the installed `newsreader` command, for the end-to-end tests in a real terminal.
The others serve the few modules that one topic was split into (`directfeed_cases`,
`render_cases`, `startup_probe`, `cache_faults`, `refreshing`, `fetching`, `forkmark` ...).
"""
