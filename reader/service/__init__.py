"""What a user asks for, written once for the command line and the app.

Adding a source (a path, a feed URL, a page with several feeds), refreshing and what follows a
refresh (whole articles for sources in "refresh" mode, retention), reading the paths named at
launch, the welcome stories, finding a source by what the user typed: the CLI and the UI both
call these, so both behave the same and both are tested once. The functions are plain
blocking Python that report progress through callbacks; the UI runs them in workers.

The service owns the program's one process pool (`reader.service.pool`), shared by feed
parsing and whole-article extraction. Nothing here imports Textual.
"""
