"""The store's one error type, apart so the store's mixins can raise and catch it too."""


class StoreError(RuntimeError):
    """A cache problem told in words (unwritable directory, disk full, corrupt file)."""
