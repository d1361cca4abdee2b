"""Write reader/ui/catalogue.py from the app's real bindings and themes.

`newsreader config` lists every action and checks the theme without importing Textual, from
that file; run this after changing a binding or a theme (tests/test_config.py says when).
"""

from __future__ import annotations

from pathlib import Path

from reader.ui.config_check import catalogue_module

TARGET = Path(__file__).resolve().parent.parent / "reader" / "ui" / "catalogue.py"

if __name__ == "__main__":
    TARGET.write_text(catalogue_module(), encoding="utf-8")
    print(f"wrote {TARGET}")
