"""Where stories come from: local files and folders, feed documents, and the bytes behind them.

Every module here is plain Python (no Textual): it turns bytes into `reader.models.Entry`
objects, sanitised and ready for the store, and reports bad input as plain sentences.
"""
